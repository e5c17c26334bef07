
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The room protocol of docs/signaling.md on a WebSocket: join, presence,
 * chat, mute state, the p2p relay, and the room events that arrive in this
 * worker's mailbox.  The media of sfu rooms is ngx_http_webrtc_peer.c's.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc_call.h"


#define NGX_HTTP_WEBRTC_CHAT_MAX    4096


static void ngx_http_webrtc_call_message(ngx_http_webrtc_ws_t *ws,
    u_char *data, size_t len);
static void ngx_http_webrtc_call_closed(ngx_http_webrtc_ws_t *ws);
static void ngx_http_webrtc_call_join(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg);
static ngx_http_webrtc_call_room_t *ngx_http_webrtc_call_room_conf(
    ngx_http_request_t *r, ngx_str_t *room);
static ngx_int_t ngx_http_webrtc_call_token(ngx_http_request_t *r,
    ngx_http_webrtc_call_room_t *rc, ngx_str_t *given, ngx_uint_t *publish);
static ngx_webrtc_json_t *ngx_http_webrtc_call_ice_servers(
    ngx_http_request_t *r);
static void ngx_http_webrtc_call_chat(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg);
static void ngx_http_webrtc_call_state(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg);
static void ngx_http_webrtc_call_relay(ngx_http_webrtc_call_peer_t *lp,
    ngx_str_t *type, ngx_webrtc_json_t *msg);
static ngx_uint_t ngx_http_webrtc_call_valid_room(ngx_str_t *room);


static ngx_queue_t  ngx_http_webrtc_call_peers;


ngx_int_t
ngx_http_webrtc_call_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_http_webrtc_ws_t         *ws;
    ngx_http_webrtc_loc_conf_t   *wlcf;
    ngx_http_webrtc_call_peer_t  *lp;

    if (ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle) == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "webrtc: \"webrtc_listen\" is not configured");
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    lp = ngx_pcalloc(r->pool, sizeof(ngx_http_webrtc_call_peer_t));
    if (lp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_webrtc_ws_upgrade(r, wlcf->ws_max_message,
                                    wlcf->ws_max_queue, &ws);
    if (rc != NGX_DONE) {
        return rc;
    }

    lp->ws = ws;
    ws->data = lp;
    ws->message_handler = ngx_http_webrtc_call_message;
    ws->close_handler = ngx_http_webrtc_call_closed;

    ngx_http_webrtc_ws_start(ws);

    return NGX_DONE;
}


static void
ngx_http_webrtc_call_message(ngx_http_webrtc_ws_t *ws, u_char *data,
    size_t len)
{
    ngx_http_webrtc_call_peer_t *lp = ws->data;

    int64_t             seq;
    ngx_str_t           type, sdp;
    const char         *err;
    ngx_webrtc_json_t  *msg, *tracks;

    msg = ngx_webrtc_json_parse(data, len, &err);
    if (msg == NULL) {
        ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                      "webrtc call: %s from the client", err);
        (void) ngx_http_webrtc_call_error(lp, "bad-json", err);
        return;
    }

    if (ngx_webrtc_json_str(msg, "type", &type) != NGX_OK) {
        (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                          "no \"type\" string");
        goto done;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ws->connection->log, 0,
                   "webrtc call: \"%V\" message, %uz bytes", &type, len);

    if (lp->peer == NULL) {
        if (type.len == 4 && ngx_strncmp(type.data, "join", 4) == 0) {
            ngx_http_webrtc_call_join(lp, msg);

        } else {
            (void) ngx_http_webrtc_call_error(lp, "not-joined",
                                              "join a room first");
        }

        goto done;
    }

    if (type.len == 4 && ngx_strncmp(type.data, "join", 4) == 0) {
        (void) ngx_http_webrtc_call_error(lp, "already-joined",
                                          "already in a room");

    } else if (type.len == 4 && ngx_strncmp(type.data, "chat", 4) == 0) {
        ngx_http_webrtc_call_chat(lp, msg);

    } else if (type.len == 5 && ngx_strncmp(type.data, "state", 5) == 0) {
        ngx_http_webrtc_call_state(lp, msg);

    } else if (type.len == 5 && ngx_strncmp(type.data, "leave", 5) == 0) {
        ngx_http_webrtc_ws_close(ws, NGX_WEBRTC_WS_NORMAL, "left");

    } else if ((type.len == 5 && ngx_strncmp(type.data, "offer", 5) == 0)
               || (type.len == 6 && ngx_strncmp(type.data, "answer", 6) == 0)
               || (type.len == 9
                   && ngx_strncmp(type.data, "candidate", 9) == 0))
    {
        if (ngx_webrtc_json_has(msg, "to")
            || lp->room_conf->mode == NGX_WEBRTC_CALL_P2P)
        {
            ngx_http_webrtc_call_relay(lp, &type, msg);
            goto done;
        }

        if (type.data[0] == 'c') {
            /* ICE-lite: the server learns addresses from the checks */
            goto done;
        }

        if (ngx_webrtc_json_str(msg, "sdp", &sdp) != NGX_OK) {
            (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                              "no \"sdp\" string");
            goto done;
        }

        if (type.data[0] == 'o') {
            tracks = NULL;

            if (ngx_webrtc_json_obj(msg, "tracks", &tracks) == NGX_ERROR) {
                (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                                "\"tracks\" is not an object");
                goto done;
            }

            (void) ngx_http_webrtc_peer_offer(lp, &sdp, tracks);

        } else {
            if (ngx_webrtc_json_int(msg, "seq", &seq) != NGX_OK) {
                (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                                  "no \"seq\" number");
                goto done;
            }

            (void) ngx_http_webrtc_peer_answer(lp, &sdp, seq);
        }

    } else {
        (void) ngx_http_webrtc_call_error(lp, "unknown-type",
                                          "unknown message type");
    }

done:

    ngx_webrtc_json_free(msg);
}


static void
ngx_http_webrtc_call_join(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg)
{
    ngx_int_t                     rc;
    ngx_str_t                     room, name, token;
    ngx_uint_t                    i, n, publish;
    ngx_webrtc_peer_t            *peers, *peer;
    ngx_webrtc_json_t            *out, *list;
    ngx_http_request_t           *r;
    ngx_http_webrtc_call_room_t  *rcf;

    r = lp->ws->request;

    if (ngx_webrtc_json_str(msg, "room", &room) != NGX_OK
        || !ngx_http_webrtc_call_valid_room(&room))
    {
        (void) ngx_http_webrtc_call_error(lp, "bad-json",
                            "\"room\": 1 to 48 of A-Z a-z 0-9 _ -");
        return;
    }

    if (ngx_webrtc_json_str(msg, "name", &name) != NGX_OK
        || name.len == 0 || name.len > NGX_WEBRTC_NAME_LEN)
    {
        (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                          "\"name\": 1 to 64 bytes");
        return;
    }

    rc = ngx_webrtc_json_str(msg, "token", &token);

    if (rc == NGX_ERROR) {
        (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                          "\"token\" is not a string");
        return;
    }

    if (rc == NGX_DECLINED
        && ngx_http_arg(r, (u_char *) "token", 5, &token) != NGX_OK)
    {
        ngx_str_null(&token);
    }

    rcf = ngx_http_webrtc_call_room_conf(r, &room);

    if (rcf == NULL) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc call: no room \"%V\"", &room);
        (void) ngx_http_webrtc_call_error(lp, "no-room", "no such room");
        return;
    }

    rc = ngx_http_webrtc_call_token(r, rcf, &token, &publish);

    if (rc == NGX_ERROR) {
        ngx_http_webrtc_ws_close(lp->ws, NGX_WEBRTC_WS_INTERNAL, "");
        return;
    }

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc call: wrong token for room \"%V\"", &room);
        (void) ngx_http_webrtc_call_error(lp, "unauthorized",
                                          "missing or wrong token");
        ngx_http_webrtc_ws_close(lp->ws, NGX_WEBRTC_WS_POLICY,
                                 "unauthorized");
        return;
    }

    rc = ngx_webrtc_call_join(&room, rcf->mode, rcf->max, &name, &peer,
                              r->connection->log);

    if (rc == NGX_WEBRTC_FULL) {
        (void) ngx_http_webrtc_call_error(lp, "room-full",
                                          "the room is full");
        return;
    }

    if (rc != NGX_OK) {
        (void) ngx_http_webrtc_call_error(lp, "busy",
                                          "out of shared memory");
        return;
    }

    lp->peer = peer;
    lp->room_conf = rcf;
    lp->can_publish = publish;
    lp->room.data = lp->room_buf;
    lp->room.len = room.len;
    ngx_memcpy(lp->room_buf, room.data, room.len);
    ngx_memcpy(lp->id, peer->id, NGX_WEBRTC_PEER_ID_LEN);
    ngx_memcpy(lp->name, name.data, name.len);
    lp->name_len = name.len;

    if (ngx_http_webrtc_call_peers.next == NULL) {
        ngx_queue_init(&ngx_http_webrtc_call_peers);
    }

    ngx_queue_insert_tail(&ngx_http_webrtc_call_peers, &lp->queue);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "webrtc call \"%V\": peer %*s \"%V\" joined",
                  &room, (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id, &name);

    /*
     * Everybody else first: who came (told before it hears "joined", so
     * that a participant joining right after it does not get this too)
     */

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "participant-joined");
    (void) ngx_webrtc_json_set(out, "participant",
                               ngx_http_webrtc_call_peer_json(peer));

    (void) ngx_http_webrtc_call_post(lp, out, NULL, lp->id,
                                     NGX_WEBRTC_MAIL_TEXT);

    /* the answer: who is there, oldest first */

    if (ngx_webrtc_call_peers(&room, r->pool, &peers, &n) != NGX_OK) {
        peers = NULL;
        n = 0;
    }

    out = ngx_webrtc_json_object();
    list = ngx_webrtc_json_array();

    for (i = 0; i < n; i++) {
        if (ngx_memcmp(peers[i].id, lp->id, NGX_WEBRTC_PEER_ID_LEN) != 0) {
            (void) ngx_webrtc_json_append(list,
                                   ngx_http_webrtc_call_peer_json(&peers[i]));
        }
    }

    (void) ngx_webrtc_json_set_cstr(out, "type", "joined");
    (void) ngx_webrtc_json_set_str(out, "id", lp->id,
                                   NGX_WEBRTC_PEER_ID_LEN);
    (void) ngx_webrtc_json_set_str(out, "room", room.data, room.len);
    (void) ngx_webrtc_json_set_cstr(out, "mode",
                                    rcf->mode == NGX_WEBRTC_CALL_P2P
                                    ? "p2p" : "sfu");
    (void) ngx_webrtc_json_set_bool(out, "canPublish", publish);
    (void) ngx_webrtc_json_set(out, "participants", list);
    (void) ngx_webrtc_json_set(out, "iceServers",
                               ngx_http_webrtc_call_ice_servers(r));

    if (ngx_http_webrtc_call_send(lp, out) != NGX_OK) {
        return;
    }

    if (rcf->mode == NGX_WEBRTC_CALL_SFU) {
        /* what the others publish: the first offer */
        ngx_http_webrtc_peer_sync(lp);
    }
}


static ngx_uint_t
ngx_http_webrtc_call_valid_room(ngx_str_t *room)
{
    size_t  i;
    u_char  c;

    if (room->len == 0 || room->len > 48) {
        return 0;
    }

    for (i = 0; i < room->len; i++) {
        c = room->data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


/* the first webrtc_call_room that matches the name */
static ngx_http_webrtc_call_room_t *
ngx_http_webrtc_call_room_conf(ngx_http_request_t *r, ngx_str_t *room)
{
    ngx_uint_t                    i;
    ngx_http_webrtc_loc_conf_t   *wlcf;
    ngx_http_webrtc_call_room_t  *rc;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (wlcf->call_rooms == NULL) {
        return NULL;
    }

    rc = wlcf->call_rooms->elts;

    for (i = 0; i < wlcf->call_rooms->nelts; i++) {

#if (NGX_PCRE)
        if (rc[i].regex) {
            if (ngx_regex_exec(rc[i].regex, room, NULL, 0) >= 0) {
                return &rc[i];
            }

            continue;
        }
#endif

        if (rc[i].name.len == room->len
            && ngx_strncmp(rc[i].name.data, room->data, room->len) == 0)
        {
            return &rc[i];
        }
    }

    return NULL;
}


/*
 * NGX_OK when the token lets the client in; *publish: whether it may
 * publish.  The room's token= or else webrtc_token; with
 * publisher_token=, that token also lets in, and only it publishes.
 */
static ngx_int_t
ngx_http_webrtc_call_token(ngx_http_request_t *r,
    ngx_http_webrtc_call_room_t *rc, ngx_str_t *given, ngx_uint_t *publish)
{
    ngx_str_t                    token;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    *publish = (rc->publisher_token.len == 0);

    if (rc->publisher_token.len
        && ngx_http_webrtc_token_eq(given, &rc->publisher_token))
    {
        *publish = 1;
        return NGX_OK;
    }

    if (rc->token.len) {
        token = rc->token;

    } else if (wlcf->token) {
        if (ngx_http_complex_value(r, wlcf->token, &token) != NGX_OK) {
            return NGX_ERROR;
        }

    } else {
        ngx_str_null(&token);
    }

    if (token.len == 0) {
        return NGX_OK;
    }

    return ngx_http_webrtc_token_eq(given, &token) ? NGX_OK
                                                        : NGX_DECLINED;
}


ngx_webrtc_json_t *
ngx_http_webrtc_call_peer_json(ngx_webrtc_peer_t *p)
{
    ngx_uint_t          i;
    ngx_webrtc_json_t  *o, *tracks;

    o = ngx_webrtc_json_object();
    tracks = ngx_webrtc_json_array();

    for (i = 0; i < p->ntracks; i++) {
        (void) ngx_webrtc_json_append(tracks,
                       ngx_http_webrtc_call_track_json(p->id, &p->tracks[i]));
    }

    (void) ngx_webrtc_json_set_str(o, "id", p->id, NGX_WEBRTC_PEER_ID_LEN);
    (void) ngx_webrtc_json_set_str(o, "name", p->name, p->name_len);
    (void) ngx_webrtc_json_set_bool(o, "audio", p->audio);
    (void) ngx_webrtc_json_set_bool(o, "video", p->video);
    (void) ngx_webrtc_json_set_bool(o, "whip", p->whip);
    (void) ngx_webrtc_json_set(o, "tracks", tracks);

    return o;
}


ngx_webrtc_json_t *
ngx_http_webrtc_call_track_json(u_char *peer_id, ngx_webrtc_call_track_t *t)
{
    u_char             *p;
    ngx_webrtc_json_t  *o;
    u_char              id[NGX_WEBRTC_PEER_ID_LEN + 1 + NGX_INT32_LEN];

    p = ngx_sprintf(id, "%*s-%uD", (size_t) NGX_WEBRTC_PEER_ID_LEN, peer_id,
                    t->id);

    o = ngx_webrtc_json_object();

    (void) ngx_webrtc_json_set_str(o, "id", id, p - id);
    (void) ngx_webrtc_json_set_str(o, "participant", peer_id,
                                   NGX_WEBRTC_PEER_ID_LEN);
    (void) ngx_webrtc_json_set_cstr(o, "kind",
                                    t->type == NGX_WEBRTC_MEDIA_AUDIO
                                    ? "audio" : "video");
    (void) ngx_webrtc_json_set_cstr(o, "source",
                                    t->label == NGX_WEBRTC_LABEL_SCREEN
                                    ? "screen"
                                    : t->label == NGX_WEBRTC_LABEL_CAMERA
                                    ? "camera" : "microphone");
    (void) ngx_webrtc_json_set_bool(o, "muted", t->muted);

    return o;
}


/* webrtc_ice_server values are Link headers: back to RTCIceServer */
static ngx_webrtc_json_t *
ngx_http_webrtc_call_ice_servers(ngx_http_request_t *r)
{
    u_char                      *p, *last, *q;
    ngx_str_t                   *link;
    ngx_uint_t                   i, k;
    ngx_webrtc_json_t           *list, *server, *urls;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    static const char           *names[] = { "username", "credential" };

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    list = ngx_webrtc_json_array();

    if (wlcf->ice_servers == NULL) {
        return list;
    }

    link = wlcf->ice_servers->elts;

    for (i = 0; i < wlcf->ice_servers->nelts; i++) {
        p = link[i].data + 1;
        last = link[i].data + link[i].len;

        q = ngx_strlchr(p, last, '>');
        if (q == NULL) {
            continue;
        }

        server = ngx_webrtc_json_object();
        urls = ngx_webrtc_json_array();
        (void) ngx_webrtc_json_append(urls, ngx_webrtc_json_string(p, q - p));
        (void) ngx_webrtc_json_set(server, "urls", urls);

        for (k = 0; k < 2; k++) {
            p = ngx_strlcasestrn(q, last, (u_char *) names[k],
                                 ngx_strlen(names[k]) - 1);
            if (p == NULL) {
                continue;
            }

            p += ngx_strlen(names[k]) + 2;      /* name=" */

            if (p >= last) {
                continue;
            }

            q = ngx_strlchr(p, last, '"');
            if (q == NULL) {
                break;
            }

            (void) ngx_webrtc_json_set_str(server, names[k], p, q - p);
        }

        (void) ngx_webrtc_json_append(list, server);
    }

    return list;
}


static void
ngx_http_webrtc_call_chat(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg)
{
    ngx_str_t           text;
    ngx_time_t         *tp;
    ngx_webrtc_json_t  *out;

    if (ngx_webrtc_json_str(msg, "text", &text) != NGX_OK
        || text.len == 0 || text.len > NGX_HTTP_WEBRTC_CHAT_MAX)
    {
        (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                          "\"text\": 1 to 4096 bytes");
        return;
    }

    tp = ngx_timeofday();

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "chat");
    (void) ngx_webrtc_json_set_str(out, "from", lp->id,
                                   NGX_WEBRTC_PEER_ID_LEN);
    (void) ngx_webrtc_json_set_str(out, "name", lp->name, lp->name_len);
    (void) ngx_webrtc_json_set_str(out, "text", text.data, text.len);
    (void) ngx_webrtc_json_set_int(out, "ts",
                                   (int64_t) tp->sec * 1000 + tp->msec);

    (void) ngx_http_webrtc_call_post(lp, out, NULL, NULL,
                                     NGX_WEBRTC_MAIL_TEXT);
}


static void
ngx_http_webrtc_call_state(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg)
{
    ngx_uint_t          audio, video;
    ngx_webrtc_json_t  *out;

    audio = lp->peer->audio;
    video = lp->peer->video;

    if (ngx_webrtc_json_bool(msg, "audio", &audio) == NGX_ERROR
        || ngx_webrtc_json_bool(msg, "video", &video) == NGX_ERROR)
    {
        (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                    "\"audio\" and \"video\" are booleans");
        return;
    }

    ngx_webrtc_call_lock();
    lp->peer->audio = audio ? 1 : 0;
    lp->peer->video = video ? 1 : 0;
    ngx_webrtc_call_unlock();

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "state");
    (void) ngx_webrtc_json_set_str(out, "participant", lp->id,
                                   NGX_WEBRTC_PEER_ID_LEN);
    (void) ngx_webrtc_json_set_bool(out, "audio", audio);
    (void) ngx_webrtc_json_set_bool(out, "video", video);

    (void) ngx_http_webrtc_call_post(lp, out, NULL, lp->id,
                                     NGX_WEBRTC_MAIL_TEXT);
}


/* p2p: offer, answer and candidate go to "to" as they are, from us */
static void
ngx_http_webrtc_call_relay(ngx_http_webrtc_call_peer_t *lp, ngx_str_t *type,
    ngx_webrtc_json_t *msg)
{
    ngx_str_t           to, v;
    ngx_webrtc_peer_t   peer;
    ngx_webrtc_json_t  *out;

    if (lp->room_conf->mode != NGX_WEBRTC_CALL_P2P) {
        (void) ngx_http_webrtc_call_error(lp, "not-allowed",
                                "\"to\" is for p2p rooms; sfu rooms "
                                "negotiate with the server");
        return;
    }

    if (ngx_webrtc_json_str(msg, "to", &to) != NGX_OK) {
        (void) ngx_http_webrtc_call_error(lp, "not-allowed",
                                          "p2p messages need \"to\"");
        return;
    }

    if (ngx_webrtc_call_find_peer(&lp->room, &to, &peer) != NGX_OK
        || ngx_memcmp(peer.id, lp->id, NGX_WEBRTC_PEER_ID_LEN) == 0)
    {
        (void) ngx_http_webrtc_call_error(lp, "no-peer",
                                          "\"to\" is not in the room");
        return;
    }

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_str(out, "type", type->data, type->len);
    (void) ngx_webrtc_json_set_str(out, "from", lp->id,
                                   NGX_WEBRTC_PEER_ID_LEN);

    if (type->data[0] == 'c') {
        if (ngx_webrtc_json_str(msg, "candidate", &v) == NGX_OK) {
            (void) ngx_webrtc_json_set_str(out, "candidate", v.data, v.len);

        } else {
            (void) ngx_webrtc_json_set(out, "candidate",
                                       ngx_webrtc_json_null());
        }

        if (ngx_webrtc_json_str(msg, "mid", &v) == NGX_OK) {
            (void) ngx_webrtc_json_set_str(out, "mid", v.data, v.len);
        }

    } else {
        if (ngx_webrtc_json_str(msg, "sdp", &v) != NGX_OK) {
            ngx_webrtc_json_free(out);
            (void) ngx_http_webrtc_call_error(lp, "bad-json",
                                              "no \"sdp\" string");
            return;
        }

        (void) ngx_webrtc_json_set_str(out, "sdp", v.data, v.len);
    }

    (void) ngx_http_webrtc_call_post(lp, out, peer.id, NULL,
                                     NGX_WEBRTC_MAIL_TEXT);
}


static void
ngx_http_webrtc_call_closed(ngx_http_webrtc_ws_t *ws)
{
    ngx_http_webrtc_call_peer_t *lp = ws->data;

    ngx_webrtc_json_t  *out;

    if (lp->peer == NULL) {
        return;
    }

    ngx_queue_remove(&lp->queue);

    if (lp->room_conf->mode == NGX_WEBRTC_CALL_SFU) {
        ngx_http_webrtc_peer_close(lp);
    }

    ngx_webrtc_call_leave(lp->peer);
    lp->peer = NULL;

    ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                  "webrtc call \"%V\": peer %*s left", &lp->room,
                  (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id);

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "participant-left");
    (void) ngx_webrtc_json_set_str(out, "id", lp->id,
                                   NGX_WEBRTC_PEER_ID_LEN);
    (void) ngx_webrtc_json_set_cstr(out, "reason",
                                    lp->removed ? "removed" : "left");

    (void) ngx_http_webrtc_call_post(lp, out, NULL, NULL,
                                     NGX_WEBRTC_MAIL_TEXT
                                     |NGX_WEBRTC_MAIL_SYNC);
}


/* a WHIP publisher into a call's room: a participant of it */
void
ngx_http_webrtc_call_whip(ngx_http_request_t *r, ngx_str_t *room,
    ngx_webrtc_session_rec_t *rec)
{
    ngx_uint_t          i;
    ngx_webrtc_peer_t   peer;
    ngx_webrtc_json_t  *out, *tracks;

    if (ngx_webrtc_call_join_whip(room, rec, &peer, r->connection->log)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "webrtc call \"%V\": the WHIP publisher cannot join",
                      room);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "webrtc call \"%V\": the WHIP publisher joined as %*s",
                  room, (size_t) NGX_WEBRTC_PEER_ID_LEN, peer.id);

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "participant-joined");
    (void) ngx_webrtc_json_set(out, "participant",
                               ngx_http_webrtc_call_peer_json(&peer));

    (void) ngx_http_webrtc_call_post_room(room, out, NULL, peer.id,
                                          NGX_WEBRTC_MAIL_TEXT,
                                          r->connection->log);

    out = ngx_webrtc_json_object();
    tracks = ngx_webrtc_json_array();

    for (i = 0; i < peer.ntracks; i++) {
        (void) ngx_webrtc_json_append(tracks,
                      ngx_http_webrtc_call_track_json(peer.id,
                                                      &peer.tracks[i]));
    }

    (void) ngx_webrtc_json_set_cstr(out, "type", "published");
    (void) ngx_webrtc_json_set_str(out, "participant", peer.id,
                                   NGX_WEBRTC_PEER_ID_LEN);
    (void) ngx_webrtc_json_set(out, "tracks", tracks);

    (void) ngx_http_webrtc_call_post_room(room, out, NULL, peer.id,
                                          NGX_WEBRTC_MAIL_TEXT
                                          |NGX_WEBRTC_MAIL_SYNC,
                                          r->connection->log);
}


/* sends msg and frees it */
ngx_int_t
ngx_http_webrtc_call_send(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg)
{
    u_char     *text;
    size_t      len;
    ngx_int_t   rc;

    text = ngx_webrtc_json_dump(msg, &len);
    ngx_webrtc_json_free(msg);

    if (text == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_http_webrtc_ws_send(lp->ws, text, len);

    ngx_webrtc_json_free_text(text);

    return rc;
}


ngx_int_t
ngx_http_webrtc_call_error(ngx_http_webrtc_call_peer_t *lp,
    const char *code, const char *reason)
{
    ngx_webrtc_json_t  *out;

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "error");
    (void) ngx_webrtc_json_set_cstr(out, "code", code);
    (void) ngx_webrtc_json_set_cstr(out, "reason", reason);

    return ngx_http_webrtc_call_send(lp, out);
}


/* posts msg to the room's workers and frees it */
ngx_int_t
ngx_http_webrtc_call_post(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg, u_char *to, u_char *except, ngx_uint_t flags)
{
    return ngx_http_webrtc_call_post_room(&lp->room, msg, to, except, flags,
                                          lp->ws->connection->log);
}


/* the same for a room of no peer of ours (WHIP, the admin API) */
ngx_int_t
ngx_http_webrtc_call_post_room(ngx_str_t *room, ngx_webrtc_json_t *msg,
    u_char *to, u_char *except, ngx_uint_t flags, ngx_log_t *log)
{
    u_char     *text;
    size_t      len;
    ngx_int_t   rc;

    text = ngx_webrtc_json_dump(msg, &len);
    ngx_webrtc_json_free(msg);

    if (text == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_webrtc_call_post(room, to, except, flags, text, len, log);

    ngx_webrtc_json_free_text(text);

    return rc;
}


/* a room event for the peers this worker holds */
void
ngx_http_webrtc_call_deliver(ngx_webrtc_mail_t *m)
{
    ngx_queue_t                  *q, *next;
    ngx_http_webrtc_call_peer_t  *lp;
    static u_char                 nobody[NGX_WEBRTC_PEER_ID_LEN];

    if (ngx_http_webrtc_call_peers.next == NULL) {
        return;
    }

    for (q = ngx_queue_head(&ngx_http_webrtc_call_peers);
         q != ngx_queue_sentinel(&ngx_http_webrtc_call_peers);
         q = next)
    {
        next = ngx_queue_next(q);
        lp = ngx_queue_data(q, ngx_http_webrtc_call_peer_t, queue);

        if (lp->room.len != m->room_len
            || ngx_memcmp(lp->room.data, m->room, m->room_len) != 0
            || (ngx_memcmp(m->to, nobody, NGX_WEBRTC_PEER_ID_LEN) != 0
                && ngx_memcmp(m->to, lp->id, NGX_WEBRTC_PEER_ID_LEN) != 0)
            || ngx_memcmp(m->except, lp->id, NGX_WEBRTC_PEER_ID_LEN) == 0
            || lp->ws->closing || lp->ws->done)
        {
            continue;
        }

        if (m->flags & NGX_WEBRTC_MAIL_TEXT) {
            if (ngx_http_webrtc_ws_send(lp->ws, m->data, m->len) != NGX_OK) {
                continue;
            }
        }

        if (m->flags & NGX_WEBRTC_MAIL_REMOVE) {
            lp->removed = 1;

            /* its media stops now, not when the close is written */
            ngx_http_webrtc_peer_close(lp);

            ngx_http_webrtc_ws_close(lp->ws, 4003, "removed");
            continue;
        }

        if (m->flags & NGX_WEBRTC_MAIL_CLOSE) {
            ngx_http_webrtc_ws_close(lp->ws, 4004, "room closed");
            continue;
        }

        if ((m->flags & NGX_WEBRTC_MAIL_SYNC)
            && lp->room_conf->mode == NGX_WEBRTC_CALL_SFU)
        {
            ngx_http_webrtc_peer_sync(lp);
        }
    }
}
