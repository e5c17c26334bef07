
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep) endpoints: /whip/<room>
 * and /whep/<room> take an SDP offer by POST and answer 201 with the
 * session's resource URL, <endpoint>/<id>, which takes DELETE (teardown) and
 * PATCH (trickle ICE).  The two differ only in direction: a WHIP session
 * publishes into the room, a WHEP session views it.  Any worker serves any
 * of these: the session record lives in shared memory.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc.h"


static ngx_int_t ngx_http_webrtc_resource_id(ngx_http_request_t *r,
    ngx_str_t *id);
static ngx_int_t ngx_http_webrtc_options(ngx_http_request_t *r,
    ngx_uint_t resource);
static ngx_uint_t ngx_http_webrtc_is_preflight(ngx_http_request_t *r);
static ngx_int_t ngx_http_webrtc_not_allowed(ngx_http_request_t *r,
    ngx_uint_t resource);
static ngx_int_t ngx_http_webrtc_delete(ngx_http_request_t *r,
    ngx_str_t *id);
static ngx_int_t ngx_http_webrtc_patch(ngx_http_request_t *r, ngx_str_t *id);
static void ngx_http_webrtc_patch_body(ngx_http_request_t *r);
static void ngx_http_webrtc_offer_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_webrtc_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_webrtc_check_pins(ngx_webrtc_sdp_offer_t *offer,
    ngx_array_t *pins, const char **err);
static ngx_int_t ngx_http_webrtc_no_publisher(ngx_http_request_t *r);
static ngx_int_t ngx_http_webrtc_room(ngx_http_request_t *r,
    ngx_str_t *room);
static ngx_int_t ngx_http_webrtc_answer(ngx_http_request_t *r,
    ngx_webrtc_sdp_offer_t *offer);
static ngx_uint_t ngx_http_webrtc_content_type_is(ngx_http_request_t *r,
    char *type);


#define NGX_HTTP_WEBRTC_ENDPOINT_METHODS  "OPTIONS, POST, GET, HEAD"
#define NGX_HTTP_WEBRTC_RESOURCE_METHODS  "OPTIONS, PATCH, DELETE, GET, HEAD"


ngx_int_t
ngx_http_webrtc_endpoint_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_str_t                    id;
    ngx_uint_t                   resource;
    ngx_webrtc_session_rec_t     rec;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle) == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "webrtc: \"webrtc_listen\" is not configured");
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    resource = (ngx_http_webrtc_resource_id(r, &id) == NGX_OK);

    switch (r->method) {

    case NGX_HTTP_OPTIONS:
        return ngx_http_webrtc_options(r, resource);

    case NGX_HTTP_GET:
    case NGX_HTTP_HEAD:
        if (resource && ngx_webrtc_session_get(&id, &rec) != NGX_OK) {
            return ngx_http_webrtc_problem(r, NGX_HTTP_NOT_FOUND,
                                           "no such session");
        }

        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ngx_http_webrtc_add_cors(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (wlcf->kind == NGX_WEBRTC_KIND_WHEP && !resource) {
            /* WHEP: HEAD on the endpoint is 200, application/sdp */
            ngx_str_set(&r->headers_out.content_type, "application/sdp");
            r->headers_out.content_type_len = sizeof("application/sdp") - 1;
            return ngx_http_webrtc_reply(r, NGX_HTTP_OK, NULL, NULL);
        }

        return ngx_http_webrtc_reply(r, NGX_HTTP_NO_CONTENT, NULL, NULL);

    case NGX_HTTP_DELETE:
        if (!resource) {
            break;
        }

        return ngx_http_webrtc_delete(r, &id);

    case NGX_HTTP_PATCH:
        if (!resource) {
            break;
        }

        return ngx_http_webrtc_patch(r, &id);

    case NGX_HTTP_POST:
        if (resource) {
            break;
        }

        rc = ngx_http_webrtc_check_token(r);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "webrtc: missing or wrong bearer token");

            if (ngx_http_discard_request_body(r) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_webrtc_problem(r, NGX_HTTP_UNAUTHORIZED,
                                           "missing or wrong bearer token");
        }

        if (!ngx_http_webrtc_content_type_is(r, "application/sdp")) {
            if (ngx_http_discard_request_body(r) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_webrtc_problem(r,
                                    NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                    "the offer must be application/sdp");
        }

        r->request_body_in_single_buf = 1;

        rc = ngx_http_read_client_request_body(r,
                                               ngx_http_webrtc_offer_body);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;

    default:
        break;
    }

    return ngx_http_webrtc_not_allowed(r, resource);
}


/* a resource URL ends in "/<32 lowercase hex digits>" */
static ngx_int_t
ngx_http_webrtc_resource_id(ngx_http_request_t *r, ngx_str_t *id)
{
    u_char      *p;
    ngx_uint_t   i;

    if (r->uri.len < NGX_WEBRTC_ID_LEN + 2) {
        return NGX_DECLINED;
    }

    p = r->uri.data + r->uri.len - NGX_WEBRTC_ID_LEN;

    if (p[-1] != '/') {
        return NGX_DECLINED;
    }

    for (i = 0; i < NGX_WEBRTC_ID_LEN; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return NGX_DECLINED;
        }
    }

    id->data = p;
    id->len = NGX_WEBRTC_ID_LEN;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_webrtc_content_type_is(ngx_http_request_t *r, char *type)
{
    size_t      len;
    ngx_str_t  *ct;

    if (r->headers_in.content_type == NULL) {
        return 0;
    }

    ct = &r->headers_in.content_type->value;
    len = ngx_strlen(type);

    if (ct->len < len || ngx_strncasecmp(ct->data, (u_char *) type, len) != 0) {
        return 0;
    }

    /* parameters such as "; charset=utf-8" may follow */

    return ct->len == len || ct->data[len] == ';' || ct->data[len] == ' ';
}


static ngx_int_t
ngx_http_webrtc_options(ngx_http_request_t *r, ngx_uint_t resource)
{
    ngx_str_t  v;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_webrtc_add_cors(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (resource) {
        ngx_str_set(&v, NGX_HTTP_WEBRTC_RESOURCE_METHODS);

    } else {
        ngx_str_set(&v, NGX_HTTP_WEBRTC_ENDPOINT_METHODS);
    }

    if (ngx_http_webrtc_add_header(r, "Allow", &v) != NGX_OK
        || ngx_http_webrtc_add_header(r, "Access-Control-Allow-Methods", &v)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&v, "Authorization, Content-Type, If-Match");

    if (ngx_http_webrtc_add_header(r, "Access-Control-Allow-Headers", &v)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&v, "86400");

    if (ngx_http_webrtc_add_header(r, "Access-Control-Max-Age", &v)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (resource) {
        ngx_str_set(&v, "application/trickle-ice-sdpfrag");

        if (ngx_http_webrtc_add_header(r, "Accept-Patch", &v) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else {
        ngx_str_set(&v, "application/sdp");

        if (ngx_http_webrtc_add_header(r, "Accept-Post", &v) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /*
         * ICE servers on OPTIONS help a client configure itself before it
         * offers, but a CORS preflight must not get them (RFC 9725 4.6).
         */

        if (!ngx_http_webrtc_is_preflight(r)
            && ngx_http_webrtc_check_token(r) == NGX_OK
            && ngx_http_webrtc_add_ice_servers(r) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_webrtc_reply(r, NGX_HTTP_NO_CONTENT, NULL, NULL);
}


/* a CORS preflight carries Access-Control-Request-Method */
static ngx_uint_t
ngx_http_webrtc_is_preflight(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Access-Control-Request-Method") - 1
            && ngx_strncasecmp(h[i].key.data,
                               (u_char *) "Access-Control-Request-Method",
                               h[i].key.len)
               == 0)
        {
            return 1;
        }
    }
}


static ngx_int_t
ngx_http_webrtc_not_allowed(ngx_http_request_t *r, ngx_uint_t resource)
{
    ngx_str_t  allow;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (resource) {
        ngx_str_set(&allow, NGX_HTTP_WEBRTC_RESOURCE_METHODS);

    } else {
        ngx_str_set(&allow, NGX_HTTP_WEBRTC_ENDPOINT_METHODS);
    }

    if (ngx_http_webrtc_add_header(r, "Allow", &allow) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_webrtc_problem(r, NGX_HTTP_NOT_ALLOWED,
                                   "method not allowed");
}


static ngx_int_t
ngx_http_webrtc_delete(ngx_http_request_t *r, ngx_str_t *id)
{
    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_webrtc_session_close_by_id(id, r->connection->log) != NGX_OK) {
        return ngx_http_webrtc_problem(r, NGX_HTTP_NOT_FOUND,
                                       "no such session");
    }

    if (ngx_http_webrtc_add_cors(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_webrtc_reply(r, NGX_HTTP_OK, NULL, NULL);
}


static ngx_int_t
ngx_http_webrtc_patch(ngx_http_request_t *r, ngx_str_t *id)
{
    ngx_int_t                  rc;
    ngx_webrtc_session_rec_t   rec;

    if (ngx_webrtc_session_get(id, &rec) != NGX_OK) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_webrtc_problem(r, NGX_HTTP_NOT_FOUND,
                                       "no such session");
    }

    if (!ngx_http_webrtc_content_type_is(r,
                                         "application/trickle-ice-sdpfrag"))
    {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_webrtc_problem(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                      "PATCH takes application/trickle-ice-sdpfrag");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_webrtc_patch_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/*
 * Trickled candidates need no action from an ICE-lite server: the peer's
 * checks teach it every address.  An ICE restart (If-Match: *, or other
 * credentials than the session's) is not supported: 422, and the session
 * goes on with its old credentials.
 */
static void
ngx_http_webrtc_patch_body(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  body, id;
    const char                *err;
    ngx_webrtc_sdp_offer_t    *frag;
    ngx_webrtc_session_rec_t   rec;

    if (ngx_http_webrtc_resource_id(r, &id) != NGX_OK
        || ngx_webrtc_session_get(&id, &rec) != NGX_OK)
    {
        ngx_http_finalize_request(r,
                        ngx_http_webrtc_problem(r, NGX_HTTP_NOT_FOUND,
                                                "no such session"));
        return;
    }

    if (ngx_http_webrtc_read_body(r, &body) != NGX_OK) {
        ngx_http_finalize_request(r,
                        ngx_http_webrtc_problem(r, NGX_HTTP_BAD_REQUEST,
                                                "cannot read the body"));
        return;
    }

    frag = ngx_palloc(r->pool, sizeof(ngx_webrtc_sdp_offer_t));
    if (frag == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    err = "bad sdpfrag";

    if (ngx_webrtc_sdp_parse_frag(frag, body.data, body.len, &err)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc: bad trickle-ice-sdpfrag: %s", err);
        ngx_http_finalize_request(r,
                  ngx_http_webrtc_problem(r, NGX_HTTP_BAD_REQUEST, err));
        return;
    }

    if ((r->headers_in.if_match
         && r->headers_in.if_match->value.len == 1
         && r->headers_in.if_match->value.data[0] == '*')
        || (frag->ice_ufrag.len
            && (frag->ice_ufrag.len != rec.remote_ufrag_len
                || ngx_memcmp(frag->ice_ufrag.data, rec.remote_ufrag,
                              rec.remote_ufrag_len)
                   != 0)))
    {
        ngx_http_finalize_request(r,
                  ngx_http_webrtc_problem(r, 422,
                                          "ICE restart is not supported"));
        return;
    }

    if (ngx_http_webrtc_add_cors(r) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = ngx_http_webrtc_reply(r, NGX_HTTP_NO_CONTENT, NULL, NULL);
    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_webrtc_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char       *p;
    size_t        len;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        ngx_str_null(body);
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        len += b->in_file ? (size_t) (b->file_last - b->file_pos)
                          : (size_t) (b->last - b->pos);
    }

    if (len > NGX_HTTP_WEBRTC_MAX_SDP) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                              b->file_pos);
            if (n != b->file_last - b->file_pos) {
                return NGX_ERROR;
            }

            p += n;

        } else if (b->last != b->pos) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
        }
    }

    body->len = p - body->data;

    return NGX_OK;
}


static void
ngx_http_webrtc_offer_body(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_str_t                    body, room;
    ngx_uint_t                   i, nsources;
    const char                  *err;
    ngx_webrtc_sdp_media_t      *m;
    ngx_webrtc_sdp_offer_t      *offer;
    ngx_webrtc_sdp_source_t      sources[NGX_WEBRTC_MAX_TRACKS];
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    rc = ngx_http_webrtc_read_body(r, &body);

    if (rc == NGX_DECLINED) {
        ngx_http_finalize_request(r,
              ngx_http_webrtc_problem(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                      "the offer is too large"));
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    /* every client ends its last line; a body that does not was cut */

    if (body.len && body.data[body.len - 1] != '\n') {
        ngx_http_finalize_request(r,
                  ngx_http_webrtc_problem(r, NGX_HTTP_BAD_REQUEST,
                                 "truncated offer: the last line has no end"));
        return;
    }

    offer = ngx_palloc(r->pool, sizeof(ngx_webrtc_sdp_offer_t));
    if (offer == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    err = "malformed offer";

    if (ngx_webrtc_sdp_parse_offer(offer, body.data, body.len, &err)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc: offer refused: %s", err);
        ngx_http_finalize_request(r,
                  ngx_http_webrtc_problem(r, NGX_HTTP_BAD_REQUEST, err));
        return;
    }

    if (offer->setup == NGX_WEBRTC_SETUP_PASSIVE) {
        ngx_http_finalize_request(r,
                  ngx_http_webrtc_problem(r, 422,
                        "a=setup:passive: the server takes the passive "
                        "DTLS role"));
        return;
    }

    if (wlcf->kind == NGX_WEBRTC_KIND_WHEP) {

        if (ngx_http_webrtc_room(r, &room) != NGX_OK) {
            ngx_http_finalize_request(r,
                  ngx_http_webrtc_problem(r, NGX_HTTP_BAD_REQUEST,
                                "no room, or a room name longer than 64 "
                                "bytes"));
            return;
        }

        rc = ngx_webrtc_room_sources(&room, sources, &nsources);

        if (rc == NGX_WEBRTC_NO_PUBLISHER && wlcf->pins) {
            /* the viewer waits for a publisher of the pinned codecs */
            nsources = wlcf->pins->nelts;
            ngx_memcpy(sources, wlcf->pins->elts,
                       nsources * sizeof(ngx_webrtc_sdp_source_t));
            rc = NGX_OK;
        }

        if (rc == NGX_WEBRTC_NO_PUBLISHER) {
            ngx_http_finalize_request(r, ngx_http_webrtc_no_publisher(r));
            return;
        }

        if (rc != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        rc = ngx_webrtc_sdp_negotiate_send(offer, sources, nsources, &err);

    } else {
        rc = ngx_webrtc_sdp_negotiate_recv(offer, &err);

        /* don't take part of a publisher's offer (RFC 9725 4.2) */

        for (i = 0; rc == NGX_OK && i < offer->nmedia; i++) {
            m = &offer->media[i];

            if ((m->type == NGX_WEBRTC_MEDIA_AUDIO
                 || m->type == NGX_WEBRTC_MEDIA_VIDEO)
                && (m->direction & NGX_WEBRTC_DIR_SEND)
                && m->port != 0
                && !m->accepted)
            {
                err = "a media section offers no codec we can receive";
                rc = NGX_ERROR;
            }
        }

        if (rc == NGX_OK && wlcf->pins) {
            rc = ngx_http_webrtc_check_pins(offer, wlcf->pins, &err);
        }
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc: offer refused: %s", err);
        ngx_http_finalize_request(r,
                                  ngx_http_webrtc_problem(r, 422, err));
        return;
    }

    ngx_http_finalize_request(r, ngx_http_webrtc_answer(r, offer));
}


/*
 * A publisher into a room with pinned codecs must send those: of what it
 * offers, take the pinned codec (and its RTX) rather than its first choice.
 */
static ngx_int_t
ngx_http_webrtc_check_pins(ngx_webrtc_sdp_offer_t *offer, ngx_array_t *pins,
    const char **err)
{
    ngx_int_t                 j, rtx;
    ngx_uint_t                i, k;
    ngx_webrtc_sdp_codec_t   *c;
    ngx_webrtc_sdp_media_t   *m;
    ngx_webrtc_sdp_source_t  *pin;

    pin = pins->elts;

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];

        if (!m->accepted) {
            continue;
        }

        for (k = 0; k < pins->nelts; k++) {
            if (pin[k].type == m->type) {
                break;
            }
        }

        if (k == pins->nelts || m->codecs[m->codec].codec == pin[k].codec) {
            continue;
        }

        for (j = 0; j < (ngx_int_t) m->ncodecs; j++) {
            c = &m->codecs[j];

            if (c->codec == pin[k].codec
                && (c->codec != NGX_WEBRTC_CODEC_H264
                    || c->packetization_mode == 1))
            {
                break;
            }
        }

        if (j == (ngx_int_t) m->ncodecs) {
            *err = "the room pins other codecs in nginx.conf "
                   "(webrtc_room_codecs)";
            return NGX_ERROR;
        }

        m->codec = j;
        rtx = -1;

        for (j = 0; j < (ngx_int_t) m->ncodecs; j++) {
            if (m->codecs[j].codec == NGX_WEBRTC_CODEC_RTX
                && m->codecs[j].apt == m->codecs[m->codec].pt)
            {
                rtx = j;
                break;
            }
        }

        m->rtx = rtx;
    }

    return NGX_OK;
}


/* WHEP into a room without a publisher: 409, try again soon */
static ngx_int_t
ngx_http_webrtc_no_publisher(ngx_http_request_t *r)
{
    ngx_str_t  v;

    ngx_str_set(&v, "2");

    if (ngx_http_webrtc_add_header(r, "Retry-After", &v) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_webrtc_problem(r, NGX_HTTP_CONFLICT,
                                   "the room has no live publisher");
}


static ngx_int_t
ngx_http_webrtc_room(ngx_http_request_t *r, ngx_str_t *room)
{
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (wlcf->room == NULL
        || ngx_http_complex_value(r, wlcf->room, room) != NGX_OK
        || room->len == 0
        || room->len > NGX_WEBRTC_ROOM_LEN)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_webrtc_answer(ngx_http_request_t *r, ngx_webrtc_sdp_offer_t *offer)
{
    u_char                            *p;
    size_t                             size;
    in_port_t                          port;
    ngx_int_t                          rc;
    ngx_str_t                          answer, v, *announce;
    ngx_uint_t                         i, k;
    ngx_webrtc_conf_t                 *wcf;
    ngx_webrtc_session_rec_t           rec;
    ngx_webrtc_session_args_t          args;
    ngx_http_webrtc_loc_conf_t        *wlcf;
    ngx_webrtc_sdp_answer_conf_t       ac;
    ngx_webrtc_sdp_local_candidate_t   cands[NGX_WEBRTC_MAX_ANNOUNCE];
    u_char                             cname[16];

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);
    wcf = ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle);

    ngx_memzero(&args, sizeof(ngx_webrtc_session_args_t));

    if (ngx_http_webrtc_room(r, &args.room) != NGX_OK) {
        return ngx_http_webrtc_problem(r, NGX_HTTP_BAD_REQUEST,
                                       "no room, or a room name longer "
                                       "than 64 bytes");
    }

    args.kind = wlcf->kind;
    args.room_max_sessions = wlcf->room_max_sessions;
    args.placement = wlcf->placement;
    args.spill = wlcf->spill;
    args.takeover = wlcf->takeover;
    ngx_http_webrtc_client(r, &args);
    args.offer = offer;

    if (wlcf->pins) {
        args.pins = wlcf->pins->elts;
        args.npins = wlcf->pins->nelts;
    }

    rc = ngx_webrtc_session_create(&args, &rec, r->connection->log);

    switch (rc) {

    case NGX_OK:
        break;

    case NGX_WEBRTC_BUSY:
        return ngx_http_webrtc_problem(r, NGX_HTTP_CONFLICT,
                                       "the room has a live publisher");

    case NGX_WEBRTC_NO_PUBLISHER:
        /* the publisher left since the offer was negotiated */
        return ngx_http_webrtc_no_publisher(r);

    case NGX_WEBRTC_TOO_MANY:
        ngx_str_set(&v, "5");
        if (ngx_http_webrtc_add_header(r, "Retry-After", &v) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_webrtc_problem(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                       "too many sessions from this "
                                       "address");

    case NGX_WEBRTC_FULL:
        ngx_str_set(&v, "5");
        if (ngx_http_webrtc_add_header(r, "Retry-After", &v) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_webrtc_problem(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "session limits reached");

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rec.kind == NGX_WEBRTC_KIND_WHIP && wlcf->call_whip) {
        ngx_http_webrtc_call_whip(r, &args.room, &rec);
    }

    port = rec.port;
    announce = wcf->announce->elts;

    for (i = 0; i < wcf->announce->nelts; i++) {
        cands[i].addr = announce[i];
        cands[i].port = port;
    }

    ngx_memzero(&ac, sizeof(ngx_webrtc_sdp_answer_conf_t));

    ac.ice_ufrag.data = rec.ufrag;
    ac.ice_ufrag.len = NGX_WEBRTC_UFRAG_LEN;
    ac.ice_pwd.data = rec.pwd;
    ac.ice_pwd.len = NGX_WEBRTC_PWD_LEN;
    ac.fingerprint.data = wcf->fingerprint;
    ac.fingerprint.len = wcf->fingerprint_len;
    ac.session_id = (uint64_t) ngx_time() * 1000 + rec.worker;
    ac.direction = (rec.kind == NGX_WEBRTC_KIND_WHEP) ? NGX_WEBRTC_DIR_SEND
                                                      : NGX_WEBRTC_DIR_RECV;
    ac.ncandidates = wcf->announce->nelts;
    ac.candidates = cands;

    if (rec.kind == NGX_WEBRTC_KIND_WHEP) {

        /* our SSRCs, by the offer's section index */

        for (i = 0, k = 0; i < offer->nmedia && k < rec.ntracks; i++) {
            if (offer->media[i].accepted) {
                ac.ssrcs[i] = rec.tracks[k].ssrc;
                ac.rtx_ssrcs[i] = rec.tracks[k].rtx_ssrc;
                k++;
            }
        }

        ngx_memcpy(cname, rec.id, sizeof(cname));
        ac.cname.data = cname;
        ac.cname.len = sizeof(cname);
        ngx_str_set(&ac.msid_stream, "ngx-webrtc");
    }

    size = 16384;

    answer.data = ngx_pnalloc(r->pool, size);
    if (answer.data == NULL) {
        goto failed;
    }

    answer.len = ngx_webrtc_sdp_write_answer(answer.data, size, offer, &ac);
    if (answer.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "webrtc: the answer does not fit in %uz bytes", size);
        goto failed;
    }

    /* Location: the resource URL, relative to this server */

    v.len = r->uri.len + 1 + NGX_WEBRTC_ID_LEN;
    v.data = ngx_pnalloc(r->pool, v.len);
    if (v.data == NULL) {
        goto failed;
    }

    p = ngx_cpymem(v.data, r->uri.data, r->uri.len);
    *p++ = '/';
    ngx_memcpy(p, rec.id, NGX_WEBRTC_ID_LEN);

    if (ngx_http_webrtc_add_header(r, "Location", &v) != NGX_OK) {
        goto failed;
    }

    v.len = NGX_WEBRTC_UFRAG_LEN + 2;
    v.data = ngx_pnalloc(r->pool, v.len);
    if (v.data == NULL) {
        goto failed;
    }

    ngx_sprintf(v.data, "\"%*s\"", (size_t) NGX_WEBRTC_UFRAG_LEN, rec.ufrag);

    if (ngx_http_webrtc_add_header(r, "ETag", &v) != NGX_OK
        || ngx_http_webrtc_add_ice_servers(r) != NGX_OK
        || ngx_http_webrtc_add_cors(r) != NGX_OK)
    {
        goto failed;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "webrtc session %*s: %s in room \"%V\", owner worker %ui",
                  (size_t) NGX_WEBRTC_ID_LEN, rec.id,
                  rec.kind == NGX_WEBRTC_KIND_WHEP ? "WHEP viewer"
                                                   : "WHIP publisher",
                  &args.room, rec.worker);

    return ngx_http_webrtc_reply(r, NGX_HTTP_CREATED, "application/sdp",
                                 &answer);

failed:

    v.data = rec.id;
    v.len = NGX_WEBRTC_ID_LEN;
    (void) ngx_webrtc_session_close_by_id(&v, r->connection->log);

    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}
