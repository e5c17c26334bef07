
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Group calls on the HTTP side: the call rooms of nginx.conf, and a
 * participant as the worker holding its WebSocket sees it.
 */


#ifndef _NGX_HTTP_WEBRTC_CALL_H_INCLUDED_
#define _NGX_HTTP_WEBRTC_CALL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc.h"
#include "ngx_http_webrtc_ws.h"
#include "ngx_webrtc_json.h"


#define NGX_HTTP_WEBRTC_MAX_MLINES  32      /* of one peer's connection */


/* webrtc_call_room */
typedef struct {
    ngx_str_t                   name;        /* exact, or the regex */
#if (NGX_PCRE)
    ngx_regex_t                *regex;
#endif
    ngx_uint_t                  mode;        /* NGX_WEBRTC_CALL_* */
    ngx_uint_t                  max;
    ngx_str_t                   token;       /* empty: webrtc_token's */
    ngx_str_t                   publisher_token;
} ngx_http_webrtc_call_room_t;


/* what one m-line of a peer's connection carries */
#define NGX_HTTP_WEBRTC_MLINE_FREE  0        /* inactive, reusable */
#define NGX_HTTP_WEBRTC_MLINE_PUB   1        /* the peer sends */
#define NGX_HTTP_WEBRTC_MLINE_SUB   2        /* we send another's track */

typedef struct {
    u_char                      role;
    u_char                      type;        /* NGX_WEBRTC_MEDIA_* */
    u_char                      label;       /* NGX_WEBRTC_LABEL_* */
    u_char                      mid[NGX_WEBRTC_MID_LEN];
    u_char                      mid_len;
    u_char                      muted;
    uint32_t                    track_id;    /* PUB: ours; SUB: from's */
    u_char                      from[NGX_WEBRTC_PEER_ID_LEN];  /* SUB */
    u_char                      stream[NGX_WEBRTC_ROOM_LEN];   /* its room */
    u_char                      stream_len;
    u_char                      source;      /* SUB: in from's room */
    uint32_t                    ssrc;        /* PUB: offered; SUB: ours */
    uint32_t                    rtx_ssrc;

    /* what the section carries, as written in our descriptions */
    ngx_webrtc_sdp_codec_t      codec;
    ngx_webrtc_sdp_codec_t      rtx;
    u_char                      ext_id[NGX_WEBRTC_EXT_MAX];
    unsigned                    has_rtx:1;
    unsigned                    rtcp_rsize:1;
    unsigned                    used:1;      /* has carried a SUB */
    u_char                      name[16];    /* codec.name's */
    u_char                      fmtp[256];   /* codec.fmtp's */
} ngx_http_webrtc_mline_t;


typedef struct {
    ngx_queue_t                 queue;       /* in the worker's list */
    ngx_http_webrtc_ws_t       *ws;
    ngx_http_webrtc_call_room_t *room_conf;
    ngx_webrtc_peer_t          *peer;        /* in shared memory */
    ngx_str_t                   room;
    u_char                      room_buf[NGX_WEBRTC_ROOM_LEN];
    u_char                      id[NGX_WEBRTC_PEER_ID_LEN];
    u_char                      name[NGX_WEBRTC_NAME_LEN];
    size_t                      name_len;
    unsigned                    can_publish:1;
    unsigned                    removed:1;

    /* sfu: the one connection of the peer */
    ngx_str_t                   session;     /* its id, once made */
    u_char                      session_id[NGX_WEBRTC_ID_LEN];
    u_char                      ufrag[NGX_WEBRTC_UFRAG_LEN];
    u_char                      pwd[NGX_WEBRTC_PWD_LEN];
    in_port_t                   port;
    u_char                      remote_ufrag[NGX_WEBRTC_REMOTE_UFRAG_LEN];
    size_t                      remote_ufrag_len;
    ngx_webrtc_sdp_offer_t     *remote;      /* its last offer, parsed */
    u_char                     *remote_text; /* ngx_alloc()ed */
    uint64_t                    sdp_session_id;
    uint64_t                    sdp_version;
    ngx_uint_t                  nmlines;
    ngx_http_webrtc_mline_t     mlines[NGX_HTTP_WEBRTC_MAX_MLINES];
    uint32_t                    seq;         /* of our last offer */
    unsigned                    offer_out:1; /* it awaits an answer */
    unsigned                    sync:1;      /* offer again when free */
    unsigned                    resend:1;    /* our last offer was lost */
    unsigned                    extmap_allow_mixed:1;
    ngx_msec_t                  offer_sent;
} ngx_http_webrtc_call_peer_t;


ngx_int_t ngx_http_webrtc_call_handler(ngx_http_request_t *r);
void ngx_http_webrtc_call_deliver(ngx_webrtc_mail_t *m);
ngx_int_t ngx_http_webrtc_call_send(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg);
ngx_int_t ngx_http_webrtc_call_error(ngx_http_webrtc_call_peer_t *lp,
    const char *code, const char *reason);
ngx_webrtc_json_t *ngx_http_webrtc_call_track_json(u_char *peer_id,
    ngx_webrtc_call_track_t *t);
ngx_webrtc_json_t *ngx_http_webrtc_call_peer_json(ngx_webrtc_peer_t *p);
ngx_int_t ngx_http_webrtc_call_post(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_json_t *msg, u_char *to, u_char *except, ngx_uint_t flags);
ngx_int_t ngx_http_webrtc_call_post_room(ngx_str_t *room,
    ngx_webrtc_json_t *msg, u_char *to, u_char *except, ngx_uint_t flags,
    ngx_log_t *log);

/* ngx_http_webrtc_peer.c: media of sfu rooms */
ngx_int_t ngx_http_webrtc_peer_offer(ngx_http_webrtc_call_peer_t *lp,
    ngx_str_t *sdp, ngx_webrtc_json_t *tracks);
ngx_int_t ngx_http_webrtc_peer_answer(ngx_http_webrtc_call_peer_t *lp,
    ngx_str_t *sdp, int64_t seq);
void ngx_http_webrtc_peer_sync(ngx_http_webrtc_call_peer_t *lp);
void ngx_http_webrtc_peer_close(ngx_http_webrtc_call_peer_t *lp);


#endif /* _NGX_HTTP_WEBRTC_CALL_H_INCLUDED_ */
