
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The moderation API of group calls (webrtc_call_admin), behind an admin
 * bearer token:
 *
 *   GET    <location>                  every room and its participants
 *   GET    <location>/<room>           one room
 *   DELETE <location>/<room>           close it: everyone gets room-closed
 *   POST   <location>/<room>/mute      {"track": id, "muted": bool}
 *   POST   <location>/<room>/remove    {"participant": id}
 *
 * Any worker answers; what must happen to a participant reaches the
 * worker holding it through its mailbox.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc_call.h"


#define NGX_HTTP_WEBRTC_ADMIN_BODY  4096


static ngx_int_t ngx_http_webrtc_admin_auth(ngx_http_request_t *r);
static ngx_int_t ngx_http_webrtc_admin_path(ngx_http_request_t *r,
    ngx_str_t *room, ngx_str_t *action);
static ngx_int_t ngx_http_webrtc_admin_list(ngx_http_request_t *r,
    ngx_str_t *room);
static ngx_webrtc_json_t *ngx_http_webrtc_admin_room(ngx_http_request_t *r,
    ngx_webrtc_call_t *call);
static void ngx_http_webrtc_admin_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_webrtc_admin_action(ngx_http_request_t *r,
    ngx_webrtc_json_t *body);
static ngx_int_t ngx_http_webrtc_admin_reply(ngx_http_request_t *r,
    ngx_uint_t status, ngx_webrtc_json_t *msg);
static ngx_int_t ngx_http_webrtc_admin_status(ngx_http_request_t *r,
    ngx_uint_t status, const char *reason);


ngx_int_t
ngx_http_webrtc_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t   rc;
    ngx_str_t   room, action;

    if (ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle) == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    rc = ngx_http_webrtc_admin_auth(r);
    if (rc != NGX_OK) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return rc == NGX_HTTP_FORBIDDEN
               ? ngx_http_webrtc_admin_status(r, rc,
                                     "webrtc_admin_token is not configured")
               : ngx_http_webrtc_admin_status(r, rc,
                                     "missing or wrong admin token");
    }

    if (ngx_http_webrtc_admin_path(r, &room, &action) != NGX_OK) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_webrtc_admin_status(r, NGX_HTTP_NOT_FOUND,
                                           "no such resource");
    }

    if (action.len == 0) {

        if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
            if (ngx_http_discard_request_body(r) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_webrtc_admin_list(r, room.len ? &room : NULL);
        }

        if (r->method == NGX_HTTP_DELETE && room.len) {
            if (ngx_http_discard_request_body(r) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_webrtc_admin_action(r, NULL);
        }

        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->headers_in.content_length_n > NGX_HTTP_WEBRTC_ADMIN_BODY) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_webrtc_admin_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/* NGX_OK, or the status: 401 for a wrong token, 403 when none is set */
static ngx_int_t
ngx_http_webrtc_admin_auth(ngx_http_request_t *r)
{
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (wlcf->admin_token.len == 0) {
        return NGX_HTTP_FORBIDDEN;
    }

    if (ngx_http_webrtc_bearer(r, &wlcf->admin_token) != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc admin: missing or wrong token");
        return NGX_HTTP_UNAUTHORIZED;
    }

    return NGX_OK;
}


/* the URI after the location's prefix: "", "/<room>", "/<room>/<action>" */
static ngx_int_t
ngx_http_webrtc_admin_path(ngx_http_request_t *r, ngx_str_t *room,
    ngx_str_t *action)
{
    u_char                    *p, *last, *slash;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    ngx_str_null(room);
    ngx_str_null(action);

    if (r->uri.len < clcf->name.len
        || ngx_strncmp(r->uri.data, clcf->name.data, clcf->name.len) != 0)
    {
        return NGX_ERROR;
    }

    p = r->uri.data + clcf->name.len;
    last = r->uri.data + r->uri.len;

    if (p < last && *p == '/') {
        p++;
    }

    if (p == last) {
        return NGX_OK;
    }

    slash = ngx_strlchr(p, last, '/');

    room->data = p;
    room->len = (slash ? slash : last) - p;

    if (room->len == 0 || room->len > NGX_WEBRTC_ROOM_LEN) {
        return NGX_ERROR;
    }

    if (slash) {
        action->data = slash + 1;
        action->len = last - slash - 1;

        if (!(action->len == 4 && ngx_strncmp(action->data, "mute", 4) == 0)
            && !(action->len == 6
                 && ngx_strncmp(action->data, "remove", 6) == 0))
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_webrtc_admin_list(ngx_http_request_t *r, ngx_str_t *room)
{
    ngx_uint_t          i, n;
    ngx_webrtc_call_t  *calls;
    ngx_webrtc_json_t  *out, *list;

    if (ngx_webrtc_call_list(r->pool, &calls, &n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (room) {
        for (i = 0; i < n; i++) {
            if (calls[i].node.str.len == room->len
                && ngx_strncmp(calls[i].name, room->data, room->len) == 0)
            {
                return ngx_http_webrtc_admin_reply(r, NGX_HTTP_OK,
                                   ngx_http_webrtc_admin_room(r, &calls[i]));
            }
        }

        return ngx_http_webrtc_admin_status(r, NGX_HTTP_NOT_FOUND,
                                           "no such room");
    }

    out = ngx_webrtc_json_object();
    list = ngx_webrtc_json_array();

    for (i = 0; i < n; i++) {
        (void) ngx_webrtc_json_append(list,
                                   ngx_http_webrtc_admin_room(r, &calls[i]));
    }

    (void) ngx_webrtc_json_set(out, "rooms", list);

    return ngx_http_webrtc_admin_reply(r, NGX_HTTP_OK, out);
}


static ngx_webrtc_json_t *
ngx_http_webrtc_admin_room(ngx_http_request_t *r, ngx_webrtc_call_t *call)
{
    ngx_str_t           name;
    ngx_uint_t          i, k, n;
    ngx_webrtc_peer_t  *peers;
    ngx_webrtc_json_t  *o, *list, *p, *tracks;

    name.data = call->name;
    name.len = call->node.str.len;

    o = ngx_webrtc_json_object();
    list = ngx_webrtc_json_array();

    (void) ngx_webrtc_json_set_str(o, "name", name.data, name.len);
    (void) ngx_webrtc_json_set_cstr(o, "mode",
                                    call->mode == NGX_WEBRTC_CALL_P2P
                                    ? "p2p" : "sfu");

    if (ngx_webrtc_call_peers(&name, r->pool, &peers, &n) != NGX_OK) {
        n = 0;
    }

    for (i = 0; i < n; i++) {
        p = ngx_webrtc_json_object();
        tracks = ngx_webrtc_json_array();

        (void) ngx_webrtc_json_set_str(p, "id", peers[i].id,
                                       NGX_WEBRTC_PEER_ID_LEN);
        (void) ngx_webrtc_json_set_str(p, "name", peers[i].name,
                                       peers[i].name_len);
        (void) ngx_webrtc_json_set_int(p, "worker", peers[i].worker);
        (void) ngx_webrtc_json_set_bool(p, "audio", peers[i].audio);
        (void) ngx_webrtc_json_set_bool(p, "video", peers[i].video);

        for (k = 0; k < peers[i].ntracks; k++) {
            (void) ngx_webrtc_json_append(tracks,
                                    ngx_http_webrtc_call_track_json(
                                        peers[i].id, &peers[i].tracks[k]));
        }

        (void) ngx_webrtc_json_set(p, "tracks", tracks);
        (void) ngx_webrtc_json_append(list, p);
    }

    (void) ngx_webrtc_json_set(o, "participants", list);

    return o;
}


static void
ngx_http_webrtc_admin_body(ngx_http_request_t *r)
{
    ngx_buf_t          *b;
    ngx_int_t           rc;
    const char         *err;
    ngx_webrtc_json_t  *body;

    if (r->request_body == NULL || r->request_body->bufs == NULL
        || r->request_body->temp_file)
    {
        ngx_http_finalize_request(r,
            ngx_http_webrtc_admin_status(r, NGX_HTTP_BAD_REQUEST,
                                        "a JSON body is needed"));
        return;
    }

    b = r->request_body->bufs->buf;

    body = ngx_webrtc_json_parse(b->pos, b->last - b->pos, &err);
    if (body == NULL) {
        ngx_http_finalize_request(r,
            ngx_http_webrtc_admin_status(r, NGX_HTTP_BAD_REQUEST, err));
        return;
    }

    rc = ngx_http_webrtc_admin_action(r, body);

    ngx_webrtc_json_free(body);

    ngx_http_finalize_request(r, rc);
}


/* mute, remove, or (body NULL) close */
static ngx_int_t
ngx_http_webrtc_admin_action(ngx_http_request_t *r, ngx_webrtc_json_t *body)
{
    u_char             *p;
    ngx_int_t           rc, n;
    ngx_str_t           room, action, id, track, peer_id;
    ngx_uint_t          muted;
    ngx_webrtc_peer_t   peer;
    ngx_webrtc_json_t  *out;

    (void) ngx_http_webrtc_admin_path(r, &room, &action);

    if (body == NULL) {
        out = ngx_webrtc_json_object();
        (void) ngx_webrtc_json_set_cstr(out, "type", "room-closed");

        if (ngx_http_webrtc_call_post_room(&room, out, NULL, NULL,
                                           NGX_WEBRTC_MAIL_TEXT
                                           |NGX_WEBRTC_MAIL_CLOSE,
                                           r->connection->log)
            != NGX_OK)
        {
            return ngx_http_webrtc_admin_status(r, NGX_HTTP_NOT_FOUND,
                                               "no such room");
        }

        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "webrtc admin: room \"%V\" closed", &room);

        return ngx_http_webrtc_admin_status(r, NGX_HTTP_OK, "closed");
    }

    if (action.data[0] == 'r') {
        if (ngx_webrtc_json_str(body, "participant", &id) != NGX_OK
            || ngx_webrtc_call_find_peer(&room, &id, &peer) != NGX_OK)
        {
            return ngx_http_webrtc_admin_status(r, NGX_HTTP_NOT_FOUND,
                                               "no such participant");
        }

        out = ngx_webrtc_json_object();
        (void) ngx_webrtc_json_set_cstr(out, "type", "removed");
        (void) ngx_webrtc_json_set_cstr(out, "reason",
                                        "removed by a moderator");

        (void) ngx_http_webrtc_call_post_room(&room, out, peer.id, NULL,
                                          NGX_WEBRTC_MAIL_TEXT
                                          |NGX_WEBRTC_MAIL_REMOVE,
                                          r->connection->log);

        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "webrtc admin: room \"%V\": participant %V removed",
                      &room, &id);

        return ngx_http_webrtc_admin_status(r, NGX_HTTP_OK, "removed");
    }

    /* mute: "<participant>-<n>" */

    if (ngx_webrtc_json_str(body, "track", &track) != NGX_OK
        || ngx_webrtc_json_bool(body, "muted", &muted) != NGX_OK
        || track.len < NGX_WEBRTC_PEER_ID_LEN + 2
        || track.data[NGX_WEBRTC_PEER_ID_LEN] != '-')
    {
        return ngx_http_webrtc_admin_status(r, NGX_HTTP_BAD_REQUEST,
                        "needs {\"track\": \"<participant>-<n>\", "
                        "\"muted\": true|false}");
    }

    peer_id.data = track.data;
    peer_id.len = NGX_WEBRTC_PEER_ID_LEN;
    p = track.data + NGX_WEBRTC_PEER_ID_LEN + 1;
    n = ngx_atoi(p, track.data + track.len - p);

    rc = (n == NGX_ERROR) ? NGX_DECLINED
         : ngx_webrtc_call_mute(&room, &peer_id, (uint32_t) n, muted);

    if (rc != NGX_OK) {
        return ngx_http_webrtc_admin_status(r, NGX_HTTP_NOT_FOUND,
                                           "no such track");
    }

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "muted");
    (void) ngx_webrtc_json_set_str(out, "participant", peer_id.data,
                                   peer_id.len);
    (void) ngx_webrtc_json_set_str(out, "track", track.data, track.len);
    (void) ngx_webrtc_json_set_bool(out, "muted", muted);

    (void) ngx_http_webrtc_call_post_room(&room, out, NULL, NULL,
                                          NGX_WEBRTC_MAIL_TEXT,
                                          r->connection->log);

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "webrtc admin: room \"%V\": track %V %s", &room, &track,
                  muted ? "muted" : "unmuted");

    return ngx_http_webrtc_admin_status(r, NGX_HTTP_OK,
                                       muted ? "muted" : "unmuted");
}


/* sends msg as the JSON body and frees it */
static ngx_int_t
ngx_http_webrtc_admin_reply(ngx_http_request_t *r, ngx_uint_t status,
    ngx_webrtc_json_t *msg)
{
    u_char     *text;
    size_t      len;
    ngx_str_t   body;

    text = ngx_webrtc_json_dump(msg, &len);
    ngx_webrtc_json_free(msg);

    if (text == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body.data = ngx_pnalloc(r->pool, len + 1);
    if (body.data == NULL) {
        ngx_webrtc_json_free_text(text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(body.data, text, len);
    body.data[len] = '\n';
    body.len = len + 1;

    ngx_webrtc_json_free_text(text);

    return ngx_http_webrtc_reply(r, status, "application/json", &body);
}


/* {"status": "<what happened>"} with a status code */
static ngx_int_t
ngx_http_webrtc_admin_status(ngx_http_request_t *r, ngx_uint_t status,
    const char *reason)
{
    ngx_webrtc_json_t  *out;

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "status", reason);

    return ngx_http_webrtc_admin_reply(r, status, out);
}
