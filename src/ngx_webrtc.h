
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * What the HTTP signaling side may call in the media side: the core
 * configuration, session records in shared memory, and the status view.
 */


#ifndef _NGX_WEBRTC_H_INCLUDED_
#define _NGX_WEBRTC_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_sdp.h"
#include "ngx_webrtc_ring.h"


#define NGX_WEBRTC_MAX_WORKERS      64
#define NGX_WEBRTC_MAX_PROCS        128     /* worker processes at once:
                                               old generations too */
#define NGX_WEBRTC_MAX_ANNOUNCE     8
#define NGX_WEBRTC_PORT_BANKS       8       /* see ngx_webrtc_udp_bind() */
#define NGX_WEBRTC_ID_LEN           32      /* hex chars, 128 bits */
#define NGX_WEBRTC_UFRAG_LEN        8
#define NGX_WEBRTC_PWD_LEN          32
#define NGX_WEBRTC_REMOTE_UFRAG_LEN 64
#define NGX_WEBRTC_ROOM_LEN         64
#define NGX_WEBRTC_MID_LEN          16
#define NGX_WEBRTC_MAX_TRACKS       4


/* session states, in the order a session goes through them */
#define NGX_WEBRTC_STATE_NEW        0
#define NGX_WEBRTC_STATE_ICE        1
#define NGX_WEBRTC_STATE_DTLS       2
#define NGX_WEBRTC_STATE_CONNECTED  3
#define NGX_WEBRTC_STATE_CLOSED     4


#define NGX_WEBRTC_KIND_WHIP        1
#define NGX_WEBRTC_KIND_WHEP        2
#define NGX_WEBRTC_KIND_PEER        3       /* a group call's participant:
                                               publishes and views */

/* what a track of a session does */
#define NGX_WEBRTC_ROLE_NONE        0       /* an inactive section */
#define NGX_WEBRTC_ROLE_PUB         1       /* the peer sends it to us */
#define NGX_WEBRTC_ROLE_SUB         2       /* we send it a room's source */

#define NGX_WEBRTC_PEER_MAX_TRACKS  32      /* sections of a peer */


#define NGX_WEBRTC_PLACE_AFFINITY   0   /* viewers on the room's worker */
#define NGX_WEBRTC_PLACE_SPREAD     1   /* viewers on the least loaded */
#define NGX_WEBRTC_PLACE_LOCAL      2   /* peers: on the worker holding
                                           their WebSocket */
#define NGX_WEBRTC_PLACE_SPILL      3   /* affinity up to args->spill
                                           viewers, then spread */


#define NGX_WEBRTC_RING_VIDEO       512 /* packets kept per video track */
#define NGX_WEBRTC_RING_AUDIO       128


typedef struct ngx_webrtc_room_s  ngx_webrtc_room_t;


/*
 * One negotiated media section of a session, with its counters.  The
 * counters are written by the owner worker only and read by any worker for
 * the status page.
 */
typedef struct {
    u_char                      mid[NGX_WEBRTC_MID_LEN];
    u_char                      mid_len;
    u_char                      type;        /* NGX_WEBRTC_MEDIA_* */
    u_char                      codec;       /* NGX_WEBRTC_CODEC_* */
    u_char                      pt;
    u_char                      rtx_pt;      /* 0: none */
    u_char                      ext_id[NGX_WEBRTC_EXT_MAX];
    u_char                      channels;
    u_char                      packetization_mode;
    u_char                      profile;
    unsigned                    fb_nack:1;
    unsigned                    fb_pli:1;
    unsigned                    fb_fir:1;
    uint32_t                    clock_rate;
    uint32_t                    profile_level_id;
    uint32_t                    ssrc;        /* publisher: first SSRC seen,
                                                or the offered one; viewer:
                                                ours */
    uint32_t                    rtx_ssrc;    /* viewer: ours, 0: no RTX */
    u_char                      source;      /* index in the room's
                                                sources */
    u_char                      role;        /* NGX_WEBRTC_ROLE_* */
    ngx_webrtc_room_t          *from;        /* SUB: the room whose source
                                                it carries */

    uint64_t                    packets;
    uint64_t                    bytes;
    uint64_t                    lost;        /* publisher: lost; viewer:
                                                as its RR says */
    uint64_t                    nacks;       /* publisher: seqs NACKed;
                                                viewer: seqs resent */
    uint64_t                    plis;        /* PLI/FIR sent, or relayed */
    uint32_t                    rtt;         /* viewer: ms, from its RR */
    uint32_t                    loss;        /* viewer: fraction lost, of
                                                256, from its RR */
} ngx_webrtc_track_t;


/*
 * What a room's publisher sends on one track: what viewers negotiate
 * against, the ring every worker reads, and what crosses workers for it.
 * It outlives a publisher that reconnects.
 */
typedef struct {
    u_char                      type;        /* NGX_WEBRTC_MEDIA_* */
    u_char                      codec;
    u_char                      channels;
    u_char                      packetization_mode;
    u_char                      profile;
    uint32_t                    clock_rate;
    uint32_t                    profile_level_id;
    u_char                      ext_id[NGX_WEBRTC_EXT_MAX];  /* publisher's */
    ngx_webrtc_ring_t          *ring;        /* NULL until a viewer joins */

    /* a moderator stopped it: nothing is forwarded */
    u_char                      muted;

    /* viewers ask for a keyframe by incrementing this counter */
    ngx_atomic_t                keyframe_requests;

    /* the publisher's last sender report, for lip sync at the viewers */
    uint64_t                    sr_ntp;
    uint32_t                    sr_rtp;
    ngx_msec_t                  sr_time;     /* ngx_current_msec then */
} ngx_webrtc_source_t;


/* A session record in shared memory: what any worker knows of a session. */
typedef struct {
    ngx_str_node_t              id_node;     /* by resource id */
    ngx_str_node_t              ufrag_node;  /* by our ICE ufrag */
    ngx_queue_t                 queue;       /* all sessions, oldest first */

    u_char                      id[NGX_WEBRTC_ID_LEN];
    u_char                      ufrag[NGX_WEBRTC_UFRAG_LEN];
    u_char                      pwd[NGX_WEBRTC_PWD_LEN];
    u_char                      remote_ufrag[NGX_WEBRTC_REMOTE_UFRAG_LEN];
    u_char                      remote_ufrag_len;
    u_char                      room[NGX_WEBRTC_ROOM_LEN];
    u_char                      room_len;
    u_char                      remote_fp[32];
    u_char                      client[16];  /* the signaling client's
                                                address: IPv4 or IPv6 */
    u_char                      client_len;

    ngx_webrtc_room_t          *shared_room; /* lives as long as we do */
    ngx_uint_t                  kind;
    ngx_uint_t                  state;
    ngx_uint_t                  worker;      /* slot of the owner */
    in_port_t                   port;        /* the owner's UDP port */
    ngx_pid_t                   pid;         /* owner's pid once it has
                                                local state, else 0 */
    unsigned                    local:1;     /* owner holds local state */
    unsigned                    closing:1;   /* asked to close */
    unsigned                    srtp_gcm:1;

    time_t                      created;
    ngx_uint_t                  ntracks;
    ngx_uint_t                  max_tracks;
    ngx_webrtc_track_t         *tracks;      /* right after the record */
} ngx_webrtc_session_rec_t;


/* A room in shared memory. */
struct ngx_webrtc_room_s {
    ngx_str_node_t              node;
    u_char                      name[NGX_WEBRTC_ROOM_LEN];
    ngx_webrtc_session_rec_t   *publisher;
    ngx_uint_t                  sessions;
    ngx_uint_t                  worker;      /* affinity: where it started */
    ngx_uint_t                  nsources;
    ngx_webrtc_source_t         sources[NGX_WEBRTC_MAX_TRACKS];
    ngx_uint_t                  viewers[NGX_WEBRTC_MAX_PROCS];
    ngx_uint_t                  viewing_procs; /* with viewers[i] > 0 */
};


/*
 * A worker process, of this configuration or an older one that still has
 * sessions after a reload.  Sessions, rooms and calls name workers by
 * their slot here; a slot is woken through an abstract unix socket named
 * after its pid, so workers of different generations reach each other.
 */
typedef struct {
    ngx_pid_t                   pid;         /* 0: free */
    in_port_t                   port;        /* 0 until its socket is bound */
    ngx_uint_t                  sessions;
    ngx_uint_t                  generation;  /* its configuration load */
} ngx_webrtc_worker_slot_t;


/*
 * Group calls.  A call room is a list of participants (peers); a peer's
 * published tracks are the sources of an ordinary room of its own, named
 * "<call>~<peer id>", so WHEP can watch them and the fan-out is the same.
 */

#define NGX_WEBRTC_PEER_ID_LEN      8
#define NGX_WEBRTC_NAME_LEN         64
#define NGX_WEBRTC_PEER_TRACKS      4       /* published by one peer */

#define NGX_WEBRTC_CALL_SFU         1
#define NGX_WEBRTC_CALL_P2P         2

/* what a peer's track shows */
#define NGX_WEBRTC_LABEL_MICROPHONE 1
#define NGX_WEBRTC_LABEL_CAMERA     2
#define NGX_WEBRTC_LABEL_SCREEN     3

/* mailbox message flags */
#define NGX_WEBRTC_MAIL_TEXT        0x01    /* send data to the peers */
#define NGX_WEBRTC_MAIL_SYNC        0x02    /* published tracks changed */
#define NGX_WEBRTC_MAIL_REMOVE      0x04    /* a moderator removed "to" */
#define NGX_WEBRTC_MAIL_CLOSE       0x08    /* the room was closed */


typedef struct ngx_webrtc_call_s  ngx_webrtc_call_t;


typedef struct {
    uint32_t                    id;          /* "<peer id>-<id>" */
    u_char                      type;        /* NGX_WEBRTC_MEDIA_* */
    u_char                      label;       /* NGX_WEBRTC_LABEL_* */
    u_char                      source;      /* in the peer's stream room */
    unsigned                    muted:1;     /* by a moderator */
} ngx_webrtc_call_track_t;


typedef struct {
    ngx_queue_t                 queue;       /* in call->peers */
    ngx_webrtc_call_t          *call;
    u_char                      id[NGX_WEBRTC_PEER_ID_LEN];
    u_char                      name[NGX_WEBRTC_NAME_LEN];
    u_char                      name_len;
    unsigned                    audio:1;     /* not muted by itself */
    unsigned                    video:1;
    unsigned                    whip:1;      /* a WHIP publisher */
    ngx_uint_t                  worker;      /* its signaling worker's
                                                process slot */
    ngx_pid_t                   pid;
    u_char                      stream[NGX_WEBRTC_ROOM_LEN];  /* the room
                                                of its published sources */
    u_char                      stream_len;
    u_char                      session[NGX_WEBRTC_ID_LEN];   /* WHIP */
    ngx_uint_t                  ntracks;
    ngx_webrtc_call_track_t     tracks[NGX_WEBRTC_PEER_TRACKS];
    uint32_t                    next_track;
} ngx_webrtc_peer_t;


struct ngx_webrtc_call_s {
    ngx_str_node_t              node;
    u_char                      name[NGX_WEBRTC_ROOM_LEN];
    ngx_uint_t                  mode;        /* NGX_WEBRTC_CALL_* */
    ngx_uint_t                  npeers;
    ngx_queue_t                 peers;       /* oldest first */
    ngx_uint_t                  workers[NGX_WEBRTC_MAX_PROCS];
};


/* a message to the peers of a call that one worker holds */
typedef struct {
    ngx_queue_t                 queue;
    u_char                      room[NGX_WEBRTC_ROOM_LEN];
    size_t                      room_len;
    u_char                      to[NGX_WEBRTC_PEER_ID_LEN];   /* or 0s */
    u_char                      except[NGX_WEBRTC_PEER_ID_LEN];
    ngx_uint_t                  flags;       /* NGX_WEBRTC_MAIL_* */
    size_t                      len;
    u_char                      data[1];
} ngx_webrtc_mail_t;


typedef struct {
    ngx_rbtree_t                ids;
    ngx_rbtree_node_t           ids_sentinel;
    ngx_rbtree_t                ufrags;
    ngx_rbtree_node_t           ufrags_sentinel;
    ngx_rbtree_t                rooms;
    ngx_rbtree_node_t           rooms_sentinel;
    ngx_queue_t                 sessions;
    ngx_uint_t                  nsessions;
    ngx_rbtree_t                calls;
    ngx_rbtree_node_t           calls_sentinel;
    ngx_queue_t                 inbox[NGX_WEBRTC_MAX_PROCS];
    size_t                      inbox_size[NGX_WEBRTC_MAX_PROCS];
    ngx_uint_t                  nworkers;
    ngx_uint_t                  generation;  /* configuration loads */
    ngx_webrtc_worker_slot_t    workers[NGX_WEBRTC_MAX_PROCS];
} ngx_webrtc_shm_t;


typedef struct {
    ngx_slab_pool_t            *shpool;
    ngx_webrtc_shm_t           *sh;
} ngx_webrtc_shm_ctx_t;


typedef struct {
    ngx_addr_t                  listen;      /* address + base port */
    ngx_uint_t                  banks;       /* ports per worker number */
    ngx_array_t                *announce;    /* of ngx_str_t */
    size_t                      zone_size;
    ngx_msec_t                  consent_timeout;
    ngx_msec_t                  dtls_timeout;
    ngx_uint_t                  max_sessions;
    ngx_str_t                   certificate;
    ngx_str_t                   certificate_key;

    ngx_shm_zone_t             *zone;       /* ->data: &shm once made */
    ngx_webrtc_shm_ctx_t        shm;
    ngx_uint_t                  nworkers;

    ngx_uint_t                  generation;  /* of this load */

    /* DTLS: made once per configuration load, inherited by the workers */
    void                       *ssl_ctx;     /* SSL_CTX * */
    u_char                      fingerprint[32 * 3];
    size_t                      fingerprint_len;
} ngx_webrtc_conf_t;


/* what a new session needs from the HTTP side */
typedef struct {
    ngx_uint_t                  kind;
    ngx_str_t                   room;
    ngx_uint_t                  room_max_sessions;   /* 0: no limit */
    ngx_uint_t                  max_per_client;      /* 0: no limit */
    ngx_str_t                   client;      /* address bytes */
    ngx_uint_t                  placement;   /* NGX_WEBRTC_PLACE_* */
    ngx_uint_t                  spill;
    unsigned                    takeover:1;
    ngx_webrtc_sdp_offer_t     *offer;       /* negotiated */

    /* codecs pinned in nginx.conf: viewers may come before the publisher */
    ngx_webrtc_sdp_source_t    *pins;
    ngx_uint_t                  npins;
} ngx_webrtc_session_args_t;


/* a track of a peer (group calls) as the HTTP side negotiated it */
typedef struct {
    ngx_webrtc_track_t          track;       /* role, codec, ids, ssrcs */
    ngx_str_t                   from;        /* SUB: the room's name */
} ngx_webrtc_peer_track_t;


/* results of ngx_webrtc_session_create() */
#define NGX_WEBRTC_BUSY             -10     /* room has a live publisher */
#define NGX_WEBRTC_FULL             -11     /* limits or memory */
#define NGX_WEBRTC_NO_PUBLISHER     -12     /* nothing to view yet */
#define NGX_WEBRTC_TOO_MANY         -13     /* this client has its limit */


extern const char  *ngx_webrtc_state_names[];


ngx_webrtc_conf_t *ngx_webrtc_get_conf(ngx_cycle_t *cycle);
ngx_int_t ngx_webrtc_init_worker(ngx_cycle_t *cycle);
void ngx_webrtc_exit_worker(ngx_cycle_t *cycle);

ngx_int_t ngx_webrtc_room_sources(ngx_str_t *room,
    ngx_webrtc_sdp_source_t *sources, ngx_uint_t *n);
ngx_int_t ngx_webrtc_session_create(ngx_webrtc_session_args_t *args,
    ngx_webrtc_session_rec_t *out, ngx_log_t *log);
ngx_int_t ngx_webrtc_session_close_by_id(ngx_str_t *id, ngx_log_t *log);
ngx_int_t ngx_webrtc_session_get(ngx_str_t *id,
    ngx_webrtc_session_rec_t *out);
ngx_int_t ngx_webrtc_peer_set_tracks(ngx_str_t *id,
    ngx_webrtc_peer_track_t *tracks, ngx_uint_t n, ngx_log_t *log);
ngx_int_t ngx_webrtc_source_mute(ngx_str_t *room, ngx_uint_t source,
    ngx_uint_t muted);

/* ngx_webrtc_call.c */
ngx_int_t ngx_webrtc_call_join(ngx_str_t *room, ngx_uint_t mode,
    ngx_uint_t max, ngx_str_t *name, ngx_webrtc_peer_t **peer,
    ngx_log_t *log);
void ngx_webrtc_call_leave(ngx_webrtc_peer_t *peer);
ngx_int_t ngx_webrtc_call_peers(ngx_str_t *room, ngx_pool_t *pool,
    ngx_webrtc_peer_t **peers, ngx_uint_t *n);
ngx_int_t ngx_webrtc_call_find_peer(ngx_str_t *room, ngx_str_t *id,
    ngx_webrtc_peer_t *copy);
ngx_int_t ngx_webrtc_call_list(ngx_pool_t *pool, ngx_webrtc_call_t **calls,
    ngx_uint_t *n);
ngx_int_t ngx_webrtc_call_mute(ngx_str_t *room, ngx_str_t *peer_id,
    uint32_t track, ngx_uint_t muted);
ngx_int_t ngx_webrtc_call_join_whip(ngx_str_t *room,
    ngx_webrtc_session_rec_t *rec, ngx_webrtc_peer_t *copy, ngx_log_t *log);
ngx_int_t ngx_webrtc_call_post(ngx_str_t *room, u_char *to, u_char *except,
    ngx_uint_t flags, u_char *data, size_t len, ngx_log_t *log);
void ngx_webrtc_call_lock(void);
void ngx_webrtc_call_unlock(void);
void ngx_webrtc_call_set_mail_handler(
    void (*handler)(ngx_webrtc_mail_t *mail));

ngx_int_t ngx_webrtc_status_json(ngx_pool_t *pool, ngx_str_t *out);

void ngx_webrtc_random_hex(u_char *dst, size_t n);
uint32_t ngx_webrtc_random_ssrc(void);


#endif /* _NGX_WEBRTC_H_INCLUDED_ */
