
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
#define NGX_WEBRTC_VIEWER_TICK      250     /* a WHEP viewer's: it sends
                                               no feedback, only an SR a
                                               second, and checks timeouts */
#define NGX_WEBRTC_UDP_BUFFER       (1024 * 1024)
#if (__GNUC__ || __clang__)
#define ngx_webrtc_prefetch(p)      __builtin_prefetch(p)
#else
#define ngx_webrtc_prefetch(p)
#endif
/* a packet and what srtp_protect() may append (SRTP_MAX_TRAILER_LEN) */
#define NGX_WEBRTC_RTP_BUF          (NGX_WEBRTC_MTU + 160)


typedef struct ngx_webrtc_session_s  ngx_webrtc_session_t;
typedef struct ngx_webrtc_lroom_s    ngx_webrtc_lroom_t;
typedef struct ngx_webrtc_dtls_s     ngx_webrtc_dtls_t;
typedef struct ngx_webrtc_srtp_s     ngx_webrtc_srtp_t;
typedef struct ngx_webrtc_sub_s      ngx_webrtc_sub_t;


/* one incoming SSRC */
typedef struct {
    uint32_t                    ssrc;
    ngx_webrtc_track_t         *track;       /* in rec->tracks */
    unsigned                    rtx:1;
    ngx_msec_t                  keyframe_asked;
    ngx_webrtc_rtp_recv_t       recv;
} ngx_webrtc_stream_t;


/* a viewer's outgoing copy of one of a room's sources */
typedef struct {
    ngx_webrtc_track_t         *track;       /* NULL: not taken */
    ngx_webrtc_sub_t           *sub;         /* the room it comes from */
    ngx_webrtc_room_t          *from;        /* what the state below is */
    u_char                      source;      /* for */
    uint32_t                    in_ssrc;     /* the publisher's, last seen */
    uint16_t                    seq_delta;   /* out = in + delta */
    uint32_t                    ts_delta;
    uint16_t                    last_seq;    /* highest sent */
    uint32_t                    last_ts;
    ngx_msec_t                  last_time;   /* when last_ts was sent */
    uint16_t                    rtx_seq;
    unsigned                    started:1;   /* offsets ever set */
    unsigned                    running:1;   /* forwarding in_ssrc */
    uint32_t                    packets;     /* for the SR */
    uint32_t                    octets;
    uint32_t                    sr_ntp_mid;  /* of our last SR, for RTT */
    ngx_msec_t                  sr_sent;
    ngx_msec_t                  keyframe_asked;
} ngx_webrtc_out_t;


/*
 * What a session receives from one room: a WHEP viewer's room, or one of
 * the other peers of a call.
 */
struct ngx_webrtc_sub_s {
    ngx_uint_t                  index;       /* in room->viewers */
    ngx_webrtc_session_t       *session;
    ngx_webrtc_lroom_t         *room;
    u_char                      out[NGX_WEBRTC_MAX_TRACKS];  /* by source:
                                                the index in session->outs,
                                                0xff: none */
};


/* a decrypted packet of one of a room's sources, for the viewers */
typedef struct {
    ngx_webrtc_rtp_header_t     h;
    u_char                     *pkt;
    u_char                      source;
    u_char                      keyframe;
} ngx_webrtc_fan_t;


/* a room as one worker sees it: its local sessions */
struct ngx_webrtc_lroom_s {
    ngx_str_node_t              node;        /* by name */
    ngx_queue_t                 queue;       /* in the worker's list */
    u_char                      name[NGX_WEBRTC_ROOM_LEN];
    ngx_webrtc_room_t          *shared;
    ngx_webrtc_session_t       *publisher;   /* when it is here */
    ngx_webrtc_sub_t          **viewers;     /* one array, walked in
                                                order for each packet */
    ngx_uint_t                  nviewers;
    ngx_uint_t                  viewers_size;
    ngx_uint_t                  refs;
    uint64_t                    ring_pos[NGX_WEBRTC_MAX_TRACKS];
    unsigned                    wake:1;      /* wake other workers */
};


struct ngx_webrtc_session_s {
    /* what forwarding a packet to the session reads, first */
    ngx_webrtc_session_rec_t   *rec;         /* in shared memory */
    ngx_webrtc_srtp_t          *srtp;
    ngx_webrtc_out_t           *outs;        /* by track, when it views */
    socklen_t                   peer_len;
    unsigned                    latched:1;
    unsigned                    closed:1;
    unsigned                    pli_sent:1;
    struct sockaddr_storage     peer;

    ngx_pool_t                 *pool;
    ngx_log_t                  *log;

    ngx_rbtree_node_t           addr_node;   /* by peer address, once
                                                latched */
    ngx_str_node_t              ufrag_node;  /* by our ufrag */
    ngx_str_t                   pwd;         /* copy of rec->pwd */

    ngx_webrtc_dtls_t          *dtls;

    ngx_msec_t                  last_consent;
    ngx_msec_t                  started;
    ngx_msec_t                  last_rr;
    ngx_event_t                 tick;

    ngx_webrtc_lroom_t         *room;        /* the one it publishes to */
    ngx_webrtc_sub_t           *subs;
    ngx_uint_t                  nsubs;
    ngx_atomic_uint_t           keyframes_seen[NGX_WEBRTC_MAX_TRACKS];
    ngx_msec_t                  last_sr;

    uint32_t                    local_ssrc;  /* sender SSRC of our RTCP */
    ngx_uint_t                  nstreams;
    ngx_webrtc_stream_t        *streams;     /* publisher: MAX_STREAMS */
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
    ngx_event_t                 flush;       /* posted: send batch, wakes */
    ngx_uint_t                  sends;       /* datagrams queued, ever */
    ngx_connection_t           *wake;        /* our wake-up socket */
    ngx_rbtree_t                rooms;
    ngx_rbtree_node_t           rooms_sentinel;
    ngx_queue_t                 room_list;
    ngx_webrtc_conf_t          *conf;
    ngx_webrtc_shm_ctx_t       *shm;
    uint64_t                    tie_breaker;
    ngx_uint_t                  proc;        /* our slot in shared memory */
    ngx_uint_t                  generation;
} ngx_webrtc_worker_t;


extern ngx_webrtc_worker_t  ngx_webrtc_worker;


/* which processes are alive, asked of the kernel once each per sweep */
typedef struct {
    ngx_uint_t                  n;
    ngx_pid_t                   pid[NGX_WEBRTC_MAX_PROCS];
    u_char                      alive[NGX_WEBRTC_MAX_PROCS];
} ngx_webrtc_pids_t;


/* ngx_webrtc_shm.c */
ngx_uint_t ngx_webrtc_pid_alive(ngx_webrtc_pids_t *pids, ngx_pid_t pid);
ngx_int_t ngx_webrtc_shm_init_zone(ngx_shm_zone_t *zone, void *data);
ngx_webrtc_session_rec_t *ngx_webrtc_shm_find_ufrag(ngx_webrtc_shm_ctx_t *ctx,
    ngx_str_t *ufrag);
void ngx_webrtc_shm_free_session(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_session_rec_t *rec);
void ngx_webrtc_shm_reap(ngx_webrtc_shm_ctx_t *ctx, ngx_webrtc_conf_t *conf,
    ngx_log_t *log);

/* ngx_webrtc_call.c */
void ngx_webrtc_call_read_mail(void);
void ngx_webrtc_call_drop_mail(ngx_uint_t proc);
ngx_webrtc_mail_t *ngx_webrtc_call_next_mail(void);
void ngx_webrtc_call_free_mail(ngx_webrtc_mail_t *mail);
void ngx_webrtc_call_reap(ngx_log_t *log);
size_t ngx_webrtc_call_status_size(ngx_webrtc_shm_t *sh);
u_char *ngx_webrtc_call_status(ngx_webrtc_shm_t *sh, u_char *p,
    u_char *last);

/* ngx_webrtc_room.c */
ngx_int_t ngx_webrtc_room_init_worker(ngx_cycle_t *cycle);
ngx_int_t ngx_webrtc_room_join(ngx_webrtc_session_t *s);
void ngx_webrtc_room_leave(ngx_webrtc_session_t *s);
ngx_int_t ngx_webrtc_room_subscribe(ngx_webrtc_sub_t *sub,
    ngx_webrtc_room_t *shared);
void ngx_webrtc_room_unsubscribe(ngx_webrtc_sub_t *sub);
void ngx_webrtc_room_publish(ngx_webrtc_session_t *s, ngx_uint_t track,
    ngx_webrtc_rtp_header_t *h, u_char *pkt, size_t len);
void ngx_webrtc_room_sender_report(ngx_webrtc_session_t *s,
    ngx_uint_t track, uint64_t ntp, uint32_t rtp_ts);
void ngx_webrtc_room_ask_keyframe(ngx_webrtc_lroom_t *room,
    ngx_uint_t source);
void ngx_webrtc_room_fan_out(void);
void ngx_webrtc_room_wake(void);
void ngx_webrtc_wake(ngx_uint_t proc);
void ngx_webrtc_room_exit_worker(void);

/* ngx_webrtc_viewer.c */
ngx_int_t ngx_webrtc_viewer_init(ngx_webrtc_session_t *s);
void ngx_webrtc_viewer_leave(ngx_webrtc_session_t *s);
void ngx_webrtc_viewer_restart(ngx_webrtc_session_t *s);
void ngx_webrtc_viewer_fan_out(ngx_webrtc_lroom_t *room,
    ngx_webrtc_fan_t *pkts, ngx_uint_t n);
void ngx_webrtc_viewer_handle_rtcp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len);
void ngx_webrtc_viewer_tick(ngx_webrtc_session_t *s);

/* ngx_webrtc_udp_in.c */
void ngx_webrtc_udp_read_handler(ngx_event_t *rev);

/* ngx_webrtc_udp.c */
ngx_int_t ngx_webrtc_udp_open(ngx_cycle_t *cycle, ngx_webrtc_conf_t *conf);
void ngx_webrtc_udp_close(void);
void ngx_webrtc_udp_send(ngx_webrtc_session_t *s, u_char *buf, size_t len);
u_char *ngx_webrtc_udp_next_buf(void);
void ngx_webrtc_udp_send_to(struct sockaddr *sa, socklen_t salen,
    u_char *buf, size_t len);
void ngx_webrtc_udp_unlatch(ngx_webrtc_session_t *s);
void ngx_webrtc_udp_flush(void);
void ngx_webrtc_post_flush(void);
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
void ngx_webrtc_srtp_prefetch(ngx_webrtc_srtp_t *srtp);
ngx_int_t ngx_webrtc_srtp_protect(ngx_webrtc_srtp_t *srtp, u_char *buf,
    size_t *len, ngx_uint_t rtcp);

/* ngx_webrtc_session.c */
ngx_webrtc_session_t *ngx_webrtc_session_open(ngx_webrtc_session_rec_t *rec,
    ngx_log_t *log);
void ngx_webrtc_session_close(ngx_webrtc_session_t *s, const char *reason);
ngx_int_t ngx_webrtc_session_connected(ngx_webrtc_session_t *s,
    ngx_uint_t gcm, u_char *keys, size_t keys_len);
void ngx_webrtc_session_handle_srtp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len, ngx_uint_t rtcp);
void ngx_webrtc_session_set_state(ngx_webrtc_session_t *s,
    ngx_uint_t state);
ngx_int_t ngx_webrtc_session_request_keyframe(ngx_webrtc_session_t *s,
    ngx_webrtc_stream_t *st);
void ngx_webrtc_session_check_keyframes(ngx_webrtc_session_t *s);
void ngx_webrtc_session_send_rtcp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len);
void ngx_webrtc_session_send_rtp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len);
int64_t ngx_webrtc_now_us(void);
void ngx_webrtc_session_refresh(u_char *ufrag);


#endif /* _NGX_WEBRTC_MEDIA_H_INCLUDED_ */
