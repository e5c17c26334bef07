
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * webrtc_load: the benchmark's load generator.  One process drives one
 * publisher and N viewers against a WebRTC server (the module over
 * WHIP/WHEP, Janus's VideoRoom over its HTTP API) or against the minimal
 * relay (pre-shared keys), with real ICE, DTLS and SRTP, and measures what
 * the viewers receive: packets, loss, delay.
 */


#ifndef _LOAD_H_INCLUDED_
#define _LOAD_H_INCLUDED_


#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>

#include <openssl/ssl.h>
#include <srtp2/srtp.h>
#include <stun/stunagent.h>


#define LOAD_MAX_PEERS      10001
#define LOAD_MTU            1500
#define LOAD_UFRAG_LEN      8
#define LOAD_PWD_LEN        24
#define LOAD_MAGIC          0x57524c42      /* "WRLB" after the timestamp */
/* in each payload: the send time (8), the magic (4), the publisher's seq (2) */
#define LOAD_STAMP_LEN      14

/* the nominal stream: 1.5 Mbit/s VP8 at 30 fps + 50 pps of Opus */
#define LOAD_VIDEO_BPS      1500000
#define LOAD_FPS            30
#define LOAD_GOP_FRAMES     60              /* a keyframe every 2 s */
#define LOAD_KEY_WEIGHT     6               /* keyframe = 6 P-frames */
#define LOAD_VIDEO_PKT      1100
#define LOAD_AUDIO_PPS      50
#define LOAD_AUDIO_BYTES    100

#define LOAD_VIDEO_PT       96
#define LOAD_AUDIO_PT       111


enum {
    TARGET_WHEP = 0,        /* the module: WHIP publisher, WHEP viewers */
    TARGET_RAW,             /* the relay: pre-shared keys, no signaling */
    TARGET_JANUS            /* Janus VideoRoom over its HTTP API */
};

enum {
    PEER_FREE = 0,
    PEER_HTTP,              /* offer posted, waiting for the answer */
    PEER_SIGNAL,            /* Janus: waiting for an event */
    PEER_ICE,               /* connectivity check sent */
    PEER_DTLS,              /* handshake running */
    PEER_UP,                /* SRTP keys in place */
    PEER_FAILED
};

enum {
    KIND_PUBLISHER = 0,
    KIND_VIEWER
};

enum {
    STREAM_VIDEO = 0,
    STREAM_AUDIO,
    STREAM_N
};


typedef struct {
    int                 fd;
    int                 phase;          /* 0 connecting, 1 writing, 2 reading */
    char               *req;
    size_t              req_len;
    size_t              sent;
    char               *buf;
    size_t              len;
    size_t              cap;
} load_http_t;


/* what a viewer received of one stream, in the current window */
typedef struct {
    int                 started;
    uint32_t            ext_max;        /* highest extended sequence */
    uint32_t            base;           /* first of the window */
    int                 base_set;
    uint64_t            received;       /* in the window */
    uint64_t            total;
    uint64_t            gaps;
    uint64_t            late;
    uint16_t            offset;         /* our sequence - the publisher's */
    int                 offset_set;
} load_rx_t;


typedef struct {
    int                 fd;
    int                 kind;
    int                 state;
    int                 index;
    struct sockaddr_in  remote;         /* the server's media address */

    char                lufrag[LOAD_UFRAG_LEN + 1];
    char                lpwd[LOAD_PWD_LEN + 1];
    char                rufrag[257];
    char                rpwd[257];
    char                username[520];  /* "<rufrag>:<lufrag>" */
    uint8_t             rfp[32];        /* the server's certificate */
    int                 has_rfp;
    int                 lite;           /* the other side is ICE-lite */

    StunAgent          *agent;
    uint64_t            tie;

    SSL                *ssl;
    BIO                *rbio;
    srtp_t              srtp_in;
    srtp_t              srtp_out;
    int                 gcm;

    int                 pt[STREAM_N];   /* payload types to expect */
    load_rx_t           rx[STREAM_N];
    uint32_t            rxq_ovfl;       /* kernel's drop counter */

    int64_t             t_start;        /* offer sent */
    int64_t             t_up;
    int64_t             t_first;        /* first RTP of any kind */
    int64_t             t_first_video;
    int                 first_not_key;  /* video did not start at one */

    int64_t             next_check;     /* STUN retry, then consent */
    int64_t             next_rr;        /* a viewer's receiver report */
    int64_t             last_answer;    /* the last STUN success reply */
    int                 checks;
    int64_t             dtls_timeout;

    load_http_t        *http;
    uint64_t            janus_handle;
    char               *resource;       /* Location: of the session */
} load_peer_t;


#define LOAD_MAX_PIDS       8


typedef struct {
    int                 target;
    int                 profile_gcm;    /* -1: offer both */
    const char         *host;
    int                 http_port;
    int                 relay_port;
    const char         *room;
    const char         *token;
    int                 server_pid[LOAD_MAX_PIDS];  /* its workers */
    int                 server_npids;
    int                 round_us;
    int                 verbose;
    int                 respond_pli;
    int                 progress;       /* seconds between progress lines */

    SSL_CTX            *ssl_ctx;
    char                fingerprint[100];
    uint64_t            tie;

    /* Janus */
    uint64_t            janus_session;
    uint64_t            janus_room;
    uint64_t            janus_feed;
} load_conf_t;


extern load_conf_t   load_conf;
extern uint32_t      load_pub_ssrc[STREAM_N];
extern load_peer_t  *load_peers;
extern int           load_npeers;


/* load.c */
int64_t load_now(void);
void load_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void load_peer_up(load_peer_t *p);
void load_peer_fail(load_peer_t *p, const char *why);
void load_pump(int ms);

/* load_peer.c */
int load_peer_init_tls(void);
int load_peer_open(load_peer_t *p, int kind);
void load_peer_close(load_peer_t *p);
void load_peer_start_ice(load_peer_t *p);
void load_peer_send_check(load_peer_t *p);
void load_peer_stun(load_peer_t *p, uint8_t *buf, size_t len,
    struct sockaddr_in *from);
void load_peer_dtls(load_peer_t *p, uint8_t *buf, size_t len);
void load_peer_dtls_timer(load_peer_t *p);
int load_peer_raw_keys(load_peer_t *p, int index, int gcm);
void load_raw_key(int index, int gcm, uint8_t *key);

/* load_sig.c */
size_t load_sdp_offer(load_peer_t *p, char *buf, size_t size,
    int publisher, const char *setup);
size_t load_sdp_answer(load_peer_t *p, const char *offer, char *buf,
    size_t size);
int load_sdp_parse_remote(load_peer_t *p, const char *sdp);
int load_http_start(load_peer_t *p, const char *method, const char *path,
    const char *ctype, const char *body);
int load_http_io(load_peer_t *p, uint32_t events);
int load_http_result(load_peer_t *p, char **body, char **location);
void load_http_free(load_peer_t *p);
int load_http_call(const char *method, const char *path, const char *ctype,
    const char *body, char **resp);
int load_whip_publish(load_peer_t *p);
int load_janus_start(load_peer_t *p);
int load_janus_viewers(load_peer_t **list, int n);
void load_janus_poll(void);
char *load_json_str(const char *json, const char *key);
int load_json_u64(const char *json, const char *key, uint64_t *v);


#endif /* _LOAD_H_INCLUDED_ */
