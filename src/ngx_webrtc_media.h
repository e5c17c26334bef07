
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The media side's private umbrella header: a worker's view of its own
 * sessions (ICE, DTLS, SRTP state that lives in one process), and the
 * functions the UDP glue, ICE, DTLS and SRTP files offer each other.
 */


#ifndef _NGX_WEBRTC_MEDIA_H_INCLUDED_
#define _NGX_WEBRTC_MEDIA_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_webrtc.h"
#include "ngx_webrtc_rtp.h"
#include "ngx_webrtc_rtcp.h"


#define NGX_WEBRTC_MAX_STREAMS      8       /* SSRCs per session */
#define NGX_WEBRTC_MTU              1500
#define NGX_WEBRTC_TICK             50      /* ms between feedback rounds */


typedef struct ngx_webrtc_session_s  ngx_webrtc_session_t;
typedef struct ngx_webrtc_dtls_s     ngx_webrtc_dtls_t;
typedef struct ngx_webrtc_srtp_s     ngx_webrtc_srtp_t;


/* one incoming SSRC */
typedef struct {
    uint32_t                    ssrc;
    ngx_webrtc_track_t         *track;       /* in rec->tracks */
    unsigned                    rtx:1;
    ngx_msec_t                  keyframe_asked;
    ngx_webrtc_rtp_recv_t       recv;
} ngx_webrtc_stream_t;


struct ngx_webrtc_session_s {
    ngx_webrtc_session_rec_t   *rec;         /* in shared memory */
    ngx_pool_t                 *pool;
    ngx_log_t                  *log;

    ngx_rbtree_node_t           addr_node;   /* by peer address, once
                                                latched */
    ngx_str_node_t              ufrag_node;  /* by our ufrag */
    ngx_str_t                   pwd;         /* copy of rec->pwd */

    struct sockaddr_storage     peer;
    socklen_t                   peer_len;
    unsigned                    latched:1;
    unsigned                    closed:1;
    unsigned                    pli_sent:1;

    ngx_webrtc_dtls_t          *dtls;
    ngx_webrtc_srtp_t          *srtp;

    ngx_msec_t                  last_consent;
    ngx_msec_t                  started;
    ngx_msec_t                  last_rr;
    ngx_event_t                 tick;

    uint32_t                    local_ssrc;  /* sender SSRC of our RTCP */
    ngx_uint_t                  nstreams;
    ngx_webrtc_stream_t         streams[NGX_WEBRTC_MAX_STREAMS];
    ngx_webrtc_twcc_t          *twcc;        /* when negotiated */
    u_char                      fir_seq;
};


/* the per-worker state of the media side */
typedef struct {
    ngx_connection_t           *udp;
    ngx_rbtree_t                addrs;
    ngx_rbtree_node_t           addrs_sentinel;
    ngx_rbtree_t                ufrags;
    ngx_rbtree_node_t           ufrags_sentinel;
    ngx_event_t                 sweep;
    ngx_webrtc_conf_t          *conf;
    ngx_webrtc_shm_ctx_t       *shm;
    uint64_t                    tie_breaker;
} ngx_webrtc_worker_t;


extern ngx_webrtc_worker_t  ngx_webrtc_worker;


/* ngx_webrtc_shm.c */
ngx_int_t ngx_webrtc_shm_init_zone(ngx_shm_zone_t *zone, void *data);
ngx_webrtc_session_rec_t *ngx_webrtc_shm_find_ufrag(ngx_webrtc_shm_ctx_t *ctx,
    ngx_str_t *ufrag);
void ngx_webrtc_shm_free_session(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_session_rec_t *rec);
void ngx_webrtc_shm_reap(ngx_webrtc_shm_ctx_t *ctx, ngx_webrtc_conf_t *conf,
    ngx_log_t *log);

/* ngx_webrtc_udp.c */
ngx_int_t ngx_webrtc_udp_open(ngx_cycle_t *cycle, ngx_webrtc_conf_t *conf);
void ngx_webrtc_udp_close(void);
void ngx_webrtc_udp_send(ngx_webrtc_session_t *s, u_char *buf, size_t len);
void ngx_webrtc_udp_send_to(struct sockaddr *sa, socklen_t salen,
    u_char *buf, size_t len);
void ngx_webrtc_udp_unlatch(ngx_webrtc_session_t *s);
ngx_webrtc_session_t *ngx_webrtc_udp_find_addr(struct sockaddr *sa,
    socklen_t len);
void ngx_webrtc_udp_latch(ngx_webrtc_session_t *s, struct sockaddr *sa,
    socklen_t len);

/* ngx_webrtc_ice.c */
ngx_int_t ngx_webrtc_ice_init(void);
void ngx_webrtc_ice_handle(u_char *buf, size_t len, struct sockaddr *sa,
    socklen_t salen, ngx_log_t *log);

/* ngx_webrtc_dtls.c */
ngx_int_t ngx_webrtc_dtls_init_conf(ngx_cycle_t *cycle,
    ngx_webrtc_conf_t *conf);
ngx_webrtc_dtls_t *ngx_webrtc_dtls_create(ngx_webrtc_session_t *s);
void ngx_webrtc_dtls_free(ngx_webrtc_dtls_t *d);
void ngx_webrtc_dtls_handle(ngx_webrtc_session_t *s, u_char *buf,
    size_t len);

/* ngx_webrtc_srtp.c */
ngx_int_t ngx_webrtc_srtp_init(ngx_log_t *log);
ngx_webrtc_srtp_t *ngx_webrtc_srtp_create(ngx_webrtc_session_t *s,
    ngx_uint_t gcm, u_char *keys, size_t keys_len);
void ngx_webrtc_srtp_free(ngx_webrtc_srtp_t *srtp);
ngx_int_t ngx_webrtc_srtp_unprotect(ngx_webrtc_srtp_t *srtp, u_char *buf,
    size_t *len, ngx_uint_t rtcp);
ngx_int_t ngx_webrtc_srtp_protect(ngx_webrtc_srtp_t *srtp, u_char *buf,
    size_t *len, ngx_uint_t rtcp);

/* ngx_webrtc_session.c */
ngx_webrtc_session_t *ngx_webrtc_session_open(ngx_webrtc_session_rec_t *rec,
    ngx_log_t *log);
void ngx_webrtc_session_close(ngx_webrtc_session_t *s, const char *reason);
void ngx_webrtc_session_connected(ngx_webrtc_session_t *s, ngx_uint_t gcm,
    u_char *keys, size_t keys_len);
void ngx_webrtc_session_handle_srtp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len);
void ngx_webrtc_session_set_state(ngx_webrtc_session_t *s,
    ngx_uint_t state);
void ngx_webrtc_session_request_keyframe(ngx_webrtc_session_t *s,
    ngx_webrtc_stream_t *st);


#endif /* _NGX_WEBRTC_MEDIA_H_INCLUDED_ */
