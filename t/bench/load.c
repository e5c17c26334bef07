
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * webrtc_load: the loop, the publisher's stream, what the viewers receive,
 * and the commands the benchmark script sends on standard input:
 *
 *   setup N C      add N viewers, at most C setting up at once; prints a
 *                  "setup" line when they are all up (or failed)
 *   rate M         the publisher sends M times the nominal stream
 *   window S [T]   measure for S seconds; prints a "window" line tagged T
 *   drain          Janus: take the session's pending events
 *   quit
 *
 * Every answer is one JSON line on standard output; progress goes to
 * standard error.
 */


#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include "load.h"
#include "rawkey.h"
#include "srtp_nss.h"


#define LOAD_BATCH          32      /* datagrams per recvmmsg() */
#define LOAD_SEND_BATCH     64
#define LOAD_TICK           10000000LL          /* ns */
#define LOAD_CHECK_RETRY    200000000LL         /* ns between first checks */
#define LOAD_CONSENT        5000000000LL        /* ns between consents */
#define LOAD_SETUP_TIMEOUT  20000000000LL       /* ns for one viewer */
/*
 * ns without a reply: RFC 7675's 30 s, as browsers and the server (its
 * webrtc_consent_timeout) count; a shorter one gave up on viewers the
 * server still served, and its packets to them went uncounted
 */
#define LOAD_CONSENT_LOST   30000000000LL
#define LOAD_RR             1000000000LL        /* ns between reports */
#define LOAD_SAMPLE_MASK    15                  /* decrypt 1 in 16 */
#define LOAD_HIST           20801
#define LOAD_SPREAD_SLOTS   4096                /* packets of a stream */

#define TAG_UDP             1
#define TAG_HTTP            2
#define TAG_STDIN           3

#define NS                  1000000000LL


typedef struct {
    uint8_t             data[LOAD_MTU + 64];
    size_t              len;
} load_out_t;


/* the measurements of one window */
typedef struct {
    int64_t             start;
    uint64_t            sent;           /* by the publisher */
    uint64_t            received;       /* RTP, all viewers */
    uint64_t            bytes;
    uint64_t            rtcp;
    uint64_t            samples;
    uint64_t            auth_fail;
    uint64_t            late;           /* not after the stream's highest */
    uint64_t            hist[LOAD_HIST];
    uint64_t            spread_hist[LOAD_HIST];
    uint64_t            spread_packets; /* received by every viewer */
    uint64_t            spread_partial; /* by fewer, not in spread_hist */
    uint64_t            server_ticks;
    uint64_t            server_sys;
    uint64_t            self_ticks;
    uint64_t            udp_rcvbuf_errors;
    uint64_t            cpu0_busy;
    uint64_t            cpu0_total;
    uint64_t            cpu0_softirq;
    uint32_t            ovfl;
    uint64_t            dropped;        /* viewers the server let go */
} load_window_t;


/*
 * When the viewers received one of the publisher's packets: the first and
 * the last kernel receive time, of how many viewers.
 */
typedef struct {
    int64_t             first;
    int64_t             last;
    uint32_t            count;
    uint16_t            seq;            /* the publisher's */
    uint8_t             used;
} load_spread_t;


load_conf_t   load_conf;
uint32_t      load_pub_ssrc[STREAM_N];
load_peer_t  *load_peers;
int           load_npeers;


static void load_usage(void);
static void load_loop_once(int block);
static void load_tick(int64_t now);
static void load_command(char *line);
static void load_stdin(void);
static void load_setup_launch(void);
static void load_setup_check(int64_t now);
static void load_viewer_http(load_peer_t *p, uint32_t events);
static void load_receive(load_peer_t *p);
static void load_rtp(load_peer_t *p, uint8_t *buf, size_t len,
    int64_t rx_real);
static int load_payload(load_peer_t *p, uint8_t *buf, size_t len,
    int video, int64_t *sent, uint16_t *pub_seq, int *keyframe);
static void load_spread_add(int s, uint16_t pub_seq, int64_t t);
static void load_spread_close(int s, load_spread_t *sp);
static void load_hist_add(uint64_t *hist, int64_t ns);
static void load_publisher_rtcp(load_peer_t *p, uint8_t *buf, size_t len);
static void load_viewer_report(load_peer_t *p);
static int64_t load_publish(int64_t now);
static void load_pub_packet(int video);
static void load_pub_sr(void);
static void load_pub_flush(void);
static void load_window_start(void);
static void load_window_end(void);
static uint64_t load_proc_ticks(int pid, uint64_t *sys);
static uint64_t load_udp_rcvbuf_errors(void);
static long load_proc_rss(int pid);
static uint64_t load_server_ticks(uint64_t *sys);
static long load_server_rss(void);
static void load_proc_cpu0(uint64_t *busy, uint64_t *total,
    uint64_t *softirq);
static double load_hist_pct(uint64_t *hist, double pct);
static int load_epoll_add(int fd, uint64_t tag);
static int64_t load_realtime(void);


static int            load_ep = -1;
static int64_t        load_rt_offset;   /* CLOCK_REALTIME - MONOTONIC */

/* the publisher */
static load_peer_t   *load_pub;
static double         load_rate = 1.0;
static int64_t        load_next_frame;
static int64_t        load_next_audio;
static int64_t        load_next_key;
static int64_t        load_next_sr;
static int            load_key_pending;
static int64_t        load_last_key;
static uint16_t       load_seq[STREAM_N];
static uint32_t       load_ts[STREAM_N];
static uint32_t       load_sent_pkts[STREAM_N];
static uint32_t       load_sent_octets[STREAM_N];
static uint16_t       load_picture_id;
static uint64_t       load_plis;

/* the frame being paced out */
static int            load_frame_key;
static int            load_frame_npkt;
static int            load_frame_next;
static int            load_frame_size;
static int64_t        load_frame_start;
static int64_t        load_frame_spread;

static load_out_t     load_out[LOAD_SEND_BATCH];
static int            load_nout;

/* setup */
static int            load_setup_active;
static int            load_setup_target;    /* viewers wanted in all */
static int            load_setup_conc;
static int            load_setup_first;     /* first index of this setup */
static int64_t        load_setup_start;
static int64_t        load_setup_last_up;
static uint64_t       load_setup_ticks0;    /* the server's CPU at start */
static uint64_t       load_setup_ticks;     /* ... when the last came up */
static int64_t        load_setup_all_in;
static int            load_nviewers;        /* opened so far */
static int            load_up;
static int            load_failed;
static int            load_inflight;
static uint64_t       load_first_not_key;
static uint64_t       load_dropped;

/* window */
static int            load_window_active;
static int64_t        load_window_end_at;
static char           load_window_tag[64];
static load_window_t  load_win;
static load_spread_t  load_spread[STREAM_N][LOAD_SPREAD_SLOTS];
static uint32_t       load_spread_expect[STREAM_N];
static uint64_t       load_total_rx;
static uint64_t       load_total_bytes;

/* commands */
static char           load_cmdbuf[4096];
static size_t         load_cmdlen;
static int            load_busy = 1;    /* until the publisher is up */

static int64_t        load_next_progress;
static uint64_t       load_progress_rx;
static uint64_t       load_progress_sent;
static uint64_t       load_progress_bytes;

/* receive buffers, shared by every socket */
static uint8_t        load_bufs[LOAD_BATCH][LOAD_MTU + 64];
static char           load_cmsg[LOAD_BATCH][128];
static struct sockaddr_in  load_from[LOAD_BATCH];


int
main(int argc, char **argv)
{
    int            c, port;
    char          *p;
    int64_t        deadline;
    struct option  opts[] = {
        { "target", required_argument, NULL, 't' },
        { "host", required_argument, NULL, 'H' },
        { "port", required_argument, NULL, 'p' },
        { "relay-port", required_argument, NULL, 'r' },
        { "room", required_argument, NULL, 'R' },
        { "token", required_argument, NULL, 'T' },
        { "profile", required_argument, NULL, 'P' },
        { "pid", required_argument, NULL, 'i' },
        { "round-us", required_argument, NULL, 'u' },
        { "no-pli", no_argument, NULL, 'n' },
        { "progress", required_argument, NULL, 'g' },
        { "verbose", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 }
    };

    load_conf.target = TARGET_WHEP;
    load_conf.profile_gcm = -1;
    load_conf.host = "127.0.0.1";
    load_conf.http_port = 8080;
    load_conf.relay_port = 0;
    load_conf.room = "bench";
    load_conf.round_us = 2000;
    load_conf.respond_pli = 1;
    load_conf.progress = 2;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (strcmp(optarg, "whep") == 0) {
                load_conf.target = TARGET_WHEP;
            } else if (strcmp(optarg, "raw") == 0) {
                load_conf.target = TARGET_RAW;
            } else if (strcmp(optarg, "janus") == 0) {
                load_conf.target = TARGET_JANUS;
            } else {
                load_usage();
            }
            break;
        case 'H':
            load_conf.host = optarg;
            break;
        case 'p':
            load_conf.http_port = atoi(optarg);
            break;
        case 'r':
            load_conf.relay_port = atoi(optarg);
            break;
        case 'R':
            load_conf.room = optarg;
            break;
        case 'T':
            load_conf.token = optarg;
            break;
        case 'P':
            if (strcmp(optarg, "gcm") == 0) {
                load_conf.profile_gcm = 1;
            } else if (strcmp(optarg, "cm") == 0) {
                load_conf.profile_gcm = 0;
            } else if (strcmp(optarg, "any") == 0) {
                load_conf.profile_gcm = -1;
            } else {
                load_usage();
            }
            break;
        case 'i':
            /* --pid A,B: the server's workers, summed */
            for (p = optarg; *p && load_conf.server_npids < LOAD_MAX_PIDS;
                 p++)
            {
                load_conf.server_pid[load_conf.server_npids++] = atoi(p);
                p = strchr(p, ',');
                if (p == NULL) {
                    break;
                }
            }
            break;
        case 'u':
            load_conf.round_us = atoi(optarg);
            break;
        case 'n':
            load_conf.respond_pli = 0;
            break;
        case 'g':
            load_conf.progress = atoi(optarg);
            break;
        case 'v':
            load_conf.verbose = 1;
            break;
        default:
            load_usage();
        }
    }

    if (load_conf.target == TARGET_RAW && load_conf.relay_port == 0) {
        load_usage();
    }

    if (load_conf.target == TARGET_RAW && load_conf.profile_gcm == -1) {
        load_conf.profile_gcm = 1;
    }

    setvbuf(stdout, NULL, _IOLBF, 0);

    bench_srtp_nss_init();

    if (srtp_init() != srtp_err_status_ok || load_peer_init_tls() != 0) {
        load_log("cannot initialise libsrtp2 or OpenSSL");
        return 1;
    }

    load_peers = calloc(LOAD_MAX_PEERS, sizeof(load_peer_t));
    load_ep = epoll_create1(EPOLL_CLOEXEC);

    if (load_peers == NULL || load_ep == -1) {
        load_log("out of memory");
        return 1;
    }

    load_rt_offset = load_realtime() - load_now();

    (void) fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    load_epoll_add(0, TAG_STDIN);

    /* the publisher is peer 0 */

    load_pub = &load_peers[0];
    load_npeers = 1;

    (void) RAND_bytes((uint8_t *) load_pub_ssrc, sizeof(load_pub_ssrc));

    port = load_peer_open(load_pub, KIND_PUBLISHER);
    if (port < 0) {
        return 1;
    }

    load_pub->index = 0;
    load_pub->t_start = load_now();
    load_epoll_add(load_pub->fd, TAG_UDP);

    (void) RAND_bytes((uint8_t *) load_seq, sizeof(load_seq));
    (void) RAND_bytes((uint8_t *) load_ts, sizeof(load_ts));

    switch (load_conf.target) {

    case TARGET_RAW:
        load_pub->remote.sin_family = AF_INET;
        load_pub->remote.sin_port = htons((uint16_t) load_conf.relay_port);
        inet_pton(AF_INET, load_conf.host, &load_pub->remote.sin_addr);
        load_pub->pt[STREAM_VIDEO] = LOAD_VIDEO_PT;
        load_pub->pt[STREAM_AUDIO] = LOAD_AUDIO_PT;

        if (load_peer_raw_keys(load_pub, 0, load_conf.profile_gcm) != 0) {
            load_log("srtp_create() failed");
            return 1;
        }

        load_pub->state = PEER_UP;
        break;

    case TARGET_JANUS:
        if (load_janus_start(load_pub) != 0) {
            load_log("cannot publish to Janus");
            return 1;
        }

        load_peer_start_ice(load_pub);
        break;

    default:
        if (load_whip_publish(load_pub) != 0) {
            return 1;
        }

        load_peer_start_ice(load_pub);
    }

    deadline = load_now() + 15 * NS;

    while (load_pub->state != PEER_UP && load_now() < deadline) {
        if (load_pub->state == PEER_FAILED) {
            return 1;
        }

        load_loop_once(1);
    }

    if (load_pub->state != PEER_UP) {
        load_log("the publisher did not connect");
        return 1;
    }

    printf("{\"event\":\"ready\",\"srtp\":\"%s\",\"server_rss_kb\":%ld}\n",
           load_pub->gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80",
           load_server_rss());

    load_next_progress = load_now() + (int64_t) load_conf.progress * NS;
    load_busy = 0;

    for ( ;; ) {
        load_loop_once(1);
    }

    return 0;
}


static void
load_usage(void)
{
    fprintf(stderr,
        "usage: webrtc_load [--target whep|raw|janus] [--host 127.0.0.1]\n"
        "           [--port HTTP_PORT] [--relay-port UDP_PORT] [--room R]\n"
        "           [--token T] [--profile gcm|cm|any] [--pid PID[,PID...]]\n"
        "           [--round-us 2000] [--no-pli] [--progress S] [--verbose]\n"
        "commands on stdin: setup N C | rate M | window S [TAG] | drain | "
        "quit\n");
    exit(2);
}


int64_t
load_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * NS + ts.tv_nsec;
}


static int64_t
load_realtime(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (int64_t) ts.tv_sec * NS + ts.tv_nsec;
}


void
load_log(const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    fprintf(stderr, "webrtc_load: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
}


static int
load_epoll_add(int fd, uint64_t tag)
{
    struct epoll_event  ev;

    ev.events = EPOLLIN;
    ev.data.u64 = tag;

    if (tag == TAG_STDIN) {
        ev.data.u64 = TAG_STDIN;

    } else if ((tag & 0xff) == TAG_HTTP) {
        ev.events = EPOLLIN | EPOLLOUT;
    }

    return epoll_ctl(load_ep, EPOLL_CTL_ADD, fd, &ev);
}


/* one turn: send what is due, read what came, run the timers */
static void
load_loop_once(int block)
{
    int                 i, n, idx, tag;
    int64_t             now, wake, next_pub;
    struct timespec     ts;
    struct epoll_event  evs[1024];
    static int64_t      next_tick, last_round;

    now = load_now();
    next_pub = load_publish(now);

    if (now >= next_tick) {
        load_tick(now);
        next_tick = now + LOAD_TICK;
    }

    wake = next_tick < next_pub ? next_tick : next_pub;

    if (!block) {
        wake = now;
    }

    /*
     * Reading at most every round_us lets packets gather in the viewers'
     * sockets, so that one recvmmsg() takes several; the delay is measured
     * from kernel timestamps and does not include this wait.
     */

    if (block && load_conf.round_us
        && now < last_round + (int64_t) load_conf.round_us * 1000)
    {
        int64_t  until;

        until = last_round + (int64_t) load_conf.round_us * 1000;
        if (wake < until) {
            until = wake;
        }

        if (until > now) {
            ts.tv_sec = (until - now) / NS;
            ts.tv_nsec = (until - now) % NS;
            nanosleep(&ts, NULL);
        }

        if (load_now() < last_round + (int64_t) load_conf.round_us * 1000) {
            return;
        }

        now = load_now();
        wake = now;
    }

    last_round = now;

    for ( ;; ) {
        int64_t  t;

        t = wake - load_now();
        if (t < 0) {
            t = 0;
        }

        ts.tv_sec = t / NS;
        ts.tv_nsec = t % NS;

        n = epoll_pwait2(load_ep, evs, 1024, &ts, NULL);

        if (n == -1) {
            if (errno == EINTR) {
                return;
            }

            load_log("epoll_pwait2(): %s", strerror(errno));
            exit(1);
        }

        for (i = 0; i < n; i++) {
            tag = evs[i].data.u64 & 0xff;
            idx = (int) (evs[i].data.u64 >> 8);

            switch (tag) {

            case TAG_STDIN:
                load_stdin();
                break;

            case TAG_HTTP:
                load_viewer_http(&load_peers[idx], evs[i].events);
                break;

            default:
                if (load_peers[idx].fd != -1) {
                    load_receive(&load_peers[idx]);
                }
            }
        }

        if (n < 1024) {
            break;
        }

        wake = 0;
    }
}


void
load_pump(int ms)
{
    int64_t  until;

    until = load_now() + (int64_t) ms * 1000000;

    do {
        load_loop_once(0);
    } while (load_now() < until);
}


/* timers: ICE retries, consent, DTLS retransmissions, setup, windows */
static void
load_tick(int64_t now)
{
    int           i;
    double        secs;
    uint64_t      rx, sent;
    load_peer_t  *p;

    load_rt_offset = load_realtime() - load_now();

    for (i = 0; i < load_npeers; i++) {
        p = &load_peers[i];

        switch (p->state) {

        case PEER_HTTP:
        case PEER_SIGNAL:
            if (now - p->t_start > LOAD_SETUP_TIMEOUT) {
                load_peer_fail(p, "signaling timed out");
            }
            break;

        case PEER_ICE:
            if (now - p->t_start > LOAD_SETUP_TIMEOUT) {
                load_peer_fail(p, "no ICE answer");
                break;
            }

            if (now >= p->next_check) {
                p->next_check = now + LOAD_CHECK_RETRY;

                if (load_conf.target == TARGET_RAW) {
                    uint8_t   join[8];
                    uint32_t  index;

                    memcpy(join, RAWKEY_JOIN, 4);
                    index = htonl((uint32_t) p->index);
                    memcpy(join + 4, &index, 4);
                    (void) sendto(p->fd, join, 8, 0,
                                  (struct sockaddr *) &p->remote,
                                  sizeof(struct sockaddr_in));

                } else {
                    load_peer_send_check(p);
                }
            }
            break;

        case PEER_DTLS:
            if (now - p->t_start > LOAD_SETUP_TIMEOUT) {
                load_peer_fail(p, "DTLS timed out");
                break;
            }

            if (p->dtls_timeout && now >= p->dtls_timeout) {
                load_peer_dtls_timer(p);
            }
            break;

        case PEER_UP:
            if (load_conf.target == TARGET_RAW) {
                break;
            }

            /*
             * A server that stops answering the consent checks has closed
             * the session (or lost the checks in an overflowing queue,
             * which for the viewer is the same): the viewer is gone.
             */

            if (p->kind == KIND_VIEWER
                && now - p->last_answer > LOAD_CONSENT_LOST)
            {
                load_win.dropped++;
                load_dropped++;
                load_peer_fail(p, "the server stopped answering consent "
                                  "checks");
                break;
            }

            if (now >= p->next_check) {
                p->next_check = now + LOAD_CONSENT;
                load_peer_send_check(p);
            }

            /*
             * RFC 3550 6.3.5: each interval drawn from 0.5 to 1.5 times
             * the nominal one, as browsers do; without it the viewers,
             * started by the same keyframe, would all report in one burst
             */

            if (p->kind == KIND_VIEWER && p->t_first && now >= p->next_rr) {
                p->next_rr = now + LOAD_RR / 2
                             + (int64_t) (rand() % 1000) * (LOAD_RR / 1000);
                load_viewer_report(p);
            }
            break;

        default:
            break;
        }
    }

    if (load_setup_active) {
        load_setup_launch();
        load_setup_check(now);
    }

    if (load_window_active && now >= load_window_end_at) {
        load_window_end();
    }

    if (load_conf.progress && load_next_progress
        && now >= load_next_progress)
    {
        secs = load_conf.progress;
        rx = load_total_rx - load_progress_rx;
        sent = load_sent_pkts[0] + load_sent_pkts[1] - load_progress_sent;

        fprintf(stderr, "  [load] viewers %d up %d failed, rate x%.3g: "
                "publisher %.0f pps, viewers receive %.0f pps "
                "(%.1f Mbit/s)%s\n",
                load_up, load_failed, load_rate, sent / secs, rx / secs,
                (double) (load_total_bytes - load_progress_bytes) * 8 / secs
                / 1e6,
                load_setup_active ? ", setting up" : "");

        load_progress_rx = load_total_rx;
        load_progress_bytes = load_total_bytes;
        load_progress_sent = load_sent_pkts[0] + load_sent_pkts[1];
        load_next_progress = now + (int64_t) load_conf.progress * NS;
    }

    if (!load_busy) {
        load_stdin();
    }
}


static void
load_stdin(void)
{
    char     *nl;
    ssize_t   n;

    for ( ;; ) {
        n = read(0, load_cmdbuf + load_cmdlen,
                 sizeof(load_cmdbuf) - 1 - load_cmdlen);

        if (n == 0) {
            /* the script went away */
            exit(0);
        }

        if (n < 0) {
            break;
        }

        load_cmdlen += n;
    }

    while (!load_busy
           && (nl = memchr(load_cmdbuf, '\n', load_cmdlen)) != NULL)
    {
        *nl = '\0';
        load_command(load_cmdbuf);

        load_cmdlen -= nl + 1 - load_cmdbuf;
        memmove(load_cmdbuf, nl + 1, load_cmdlen);
    }
}


static void
load_command(char *line)
{
    int     n, c;
    double  d;
    char    tag[64];

    if (sscanf(line, "setup %d %d", &n, &c) == 2) {
        if (n <= 0 || load_npeers + n > LOAD_MAX_PEERS || c <= 0) {
            printf("{\"event\":\"error\",\"what\":\"bad setup\"}\n");
            return;
        }

        load_setup_active = 1;
        load_setup_target = load_nviewers + n;
        load_setup_conc = c;
        load_setup_first = load_npeers;
        load_setup_start = load_now();
        load_setup_last_up = 0;
        load_setup_ticks0 = load_server_ticks(NULL);
        load_setup_ticks = load_setup_ticks0;
        load_setup_all_in = 0;
        load_busy = 1;
        return;
    }

    if (sscanf(line, "rate %lf", &d) == 1 && d > 0) {
        int64_t  now, t;

        /* the next frame and audio packet come at the new pace */

        now = load_now();
        load_rate = d;

        t = now + (int64_t) (NS / (LOAD_FPS * load_rate));
        if (load_next_frame > t) {
            load_next_frame = t;
        }

        t = now + (int64_t) (NS / (LOAD_AUDIO_PPS * load_rate));
        if (load_next_audio > t) {
            load_next_audio = t;
        }

        /* the rest of a frame being paced goes out at the new pace too */

        if (load_frame_next < load_frame_npkt) {
            load_frame_spread = (int64_t) (NS / (LOAD_FPS * load_rate))
                                * 8 / 10;
            load_frame_start = now - load_frame_spread * load_frame_next
                                     / load_frame_npkt;
        }

        printf("{\"event\":\"rate\",\"rate\":%g}\n", d);
        return;
    }

    tag[0] = '\0';

    if (sscanf(line, "window %lf %63s", &d, tag) >= 1 && d > 0) {
        snprintf(load_window_tag, sizeof(load_window_tag), "%s", tag);
        load_window_start();
        load_window_end_at = load_win.start + (int64_t) (d * NS);
        load_window_active = 1;
        load_busy = 1;
        return;
    }

    if (strcmp(line, "drain") == 0) {
        if (load_conf.target == TARGET_JANUS) {
            load_janus_poll();
        }

        printf("{\"event\":\"drained\",\"server_rss_kb\":%ld}\n",
               load_server_rss());
        return;
    }

    if (strcmp(line, "quit") == 0) {
        exit(0);
    }

    printf("{\"event\":\"error\",\"what\":\"unknown command\"}\n");
}


/* setup ------------------------------------------------------------------ */


static void
load_setup_launch(void)
{
    int           i, n, fd, port;
    char          path[256], offer[8192];
    load_peer_t  *p, *batch[64];
    static int    running;

    /* Janus's blocking signaling runs the loop, which comes back here */

    if (running) {
        return;
    }

    running = 1;
    n = 0;

    while (load_nviewers < load_setup_target && load_inflight < load_setup_conc
           && n < 64)
    {
        p = &load_peers[load_npeers];

        port = load_peer_open(p, KIND_VIEWER);
        if (port < 0) {
            load_setup_target = load_nviewers;
            break;
        }

        p->index = load_npeers;
        p->t_start = load_now();
        load_npeers++;
        load_nviewers++;
        load_inflight++;

        if (load_epoll_add(p->fd, ((uint64_t) p->index << 8) | TAG_UDP)
            != 0)
        {
            load_peer_fail(p, "epoll_ctl() failed");
            continue;
        }

        switch (load_conf.target) {

        case TARGET_RAW:
            p->remote.sin_family = AF_INET;
            p->remote.sin_port = htons((uint16_t) load_conf.relay_port);
            inet_pton(AF_INET, load_conf.host, &p->remote.sin_addr);
            p->pt[STREAM_VIDEO] = LOAD_VIDEO_PT;
            p->pt[STREAM_AUDIO] = LOAD_AUDIO_PT;

            if (load_peer_raw_keys(p, p->index, load_conf.profile_gcm)
                != 0)
            {
                load_peer_fail(p, "srtp_create() failed");
                break;
            }

            p->state = PEER_ICE;
            p->next_check = 0;
            break;

        case TARGET_JANUS:
            batch[n++] = p;
            break;

        default:
            if (load_sdp_offer(p, offer, sizeof(offer), 0, "actpass") == 0) {
                load_peer_fail(p, "offer too long");
                break;
            }

            snprintf(path, sizeof(path), "/whep/%s", load_conf.room);

            fd = load_http_start(p, "POST", path, "application/sdp", offer);
            if (fd == -1
                || load_epoll_add(fd, ((uint64_t) p->index << 8) | TAG_HTTP)
                   != 0)
            {
                load_peer_fail(p, "cannot connect to the HTTP port");
                break;
            }

            p->state = PEER_HTTP;
        }
    }

    if (n) {
        if (load_janus_viewers(batch, n) != 0) {
            for (i = 0; i < n; i++) {
                if (batch[i]->state == PEER_SIGNAL) {
                    load_peer_fail(batch[i], "Janus signaling failed");
                }
            }
        }
    }

    running = 0;
}


static void
load_viewer_http(load_peer_t *p, uint32_t events)
{
    int    rc, status;
    char  *body, *location;

    if (p->http == NULL) {
        return;
    }

    rc = load_http_io(p, events);

    if (rc == 0) {
        return;
    }

    if (rc < 0) {
        load_peer_fail(p, "HTTP failed");
        return;
    }

    status = load_http_result(p, &body, &location);

    if (status != 201) {
        if (load_failed < 5) {
            load_log("viewer %d: WHEP POST answered %d: %.200s", p->index,
                     status, body ? body : "");
        }

        load_peer_fail(p, "WHEP POST refused");
        return;
    }

    if (location) {
        p->resource = strdup(location);
    }

    if (load_sdp_parse_remote(p, body) != 0) {
        load_peer_fail(p, "the answer has no candidate or credentials");
        return;
    }

    load_http_free(p);
    load_peer_start_ice(p);
}


void
load_peer_up(load_peer_t *p)
{
    int64_t  now;

    now = load_now();

    p->state = PEER_UP;
    p->t_up = now;
    p->last_answer = now;

    /* consents spread over the interval */
    p->next_check = now + (int64_t) (rand() % 5000) * 1000000;

    if (p->kind == KIND_PUBLISHER) {
        load_log("publisher connected, %s",
                 p->gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");
        return;
    }

    load_up++;
    load_inflight--;
    load_setup_last_up = now;
    load_setup_ticks = load_server_ticks(NULL);
}


void
load_peer_fail(load_peer_t *p, const char *why)
{
    if (p->state == PEER_FAILED) {
        return;
    }

    if (load_conf.verbose || load_failed < 5) {
        load_log("%s %d failed: %s",
                 p->kind == KIND_PUBLISHER ? "publisher" : "viewer",
                 p->index, why);
    }

    if (p->kind == KIND_VIEWER) {
        if (p->state == PEER_UP) {
            load_up--;

        } else {
            load_inflight--;
        }

        load_failed++;
    }

    p->state = PEER_FAILED;
    load_http_free(p);
}


static int
load_cmp_i64(const void *a, const void *b)
{
    int64_t  x = *(const int64_t *) a, y = *(const int64_t *) b;

    return x < y ? -1 : x > y;
}


static double
load_pct_ms(int64_t *v, int n, double pct)
{
    if (n == 0) {
        return -1;
    }

    return v[(int) ((n - 1) * pct / 100.0 + 0.5)] / 1e6;
}


/*
 * Done when every viewer is up or failed, and the ones up got their first
 * audio and video (or 6 s passed since the last one came up).
 */
static void
load_setup_check(int64_t now)
{
    int           i, n, nv, nu, waiting, first;
    double        secs;
    int64_t      *ttfm, *ttfv, *tup;
    load_peer_t  *p;

    if (load_nviewers < load_setup_target || load_inflight > 0) {
        return;
    }

    if (load_setup_all_in == 0) {
        load_setup_all_in = now;
    }

    waiting = 0;

    for (i = load_setup_first; i < load_npeers; i++) {
        p = &load_peers[i];

        if (p->state == PEER_UP
            && (p->t_first == 0 || p->t_first_video == 0))
        {
            waiting++;
        }
    }

    if (waiting && now - load_setup_all_in < 6 * NS) {
        return;
    }

    n = load_npeers - load_setup_first;
    ttfm = calloc(n + 1, sizeof(int64_t));
    ttfv = calloc(n + 1, sizeof(int64_t));
    tup = calloc(n + 1, sizeof(int64_t));

    if (ttfm == NULL || ttfv == NULL || tup == NULL) {
        exit(1);
    }

    nv = 0;
    nu = 0;
    first = 0;

    for (i = load_setup_first, n = 0; i < load_npeers; i++) {
        p = &load_peers[i];

        if (p->state != PEER_UP) {
            continue;
        }

        tup[nu++] = p->t_up - p->t_start;

        if (p->t_first) {
            ttfm[n++] = p->t_first - p->t_start;
        }

        if (p->t_first_video) {
            ttfv[nv++] = p->t_first_video - p->t_start;
        }

        first++;
    }

    qsort(ttfm, n, sizeof(int64_t), load_cmp_i64);
    qsort(ttfv, nv, sizeof(int64_t), load_cmp_i64);
    qsort(tup, nu, sizeof(int64_t), load_cmp_i64);

    secs = (load_setup_last_up > load_setup_start)
           ? (load_setup_last_up - load_setup_start) / 1e9 : 0;

    printf("{\"event\":\"setup\",\"viewers\":%d,\"new\":%d,\"failed\":%d,"
           "\"seconds\":%.3f,\"sessions_per_s\":%.1f,"
           "\"connect_p50_ms\":%.1f,\"connect_p99_ms\":%.1f,"
           "\"first_media_p50_ms\":%.1f,\"first_media_p99_ms\":%.1f,"
           "\"first_video_p50_ms\":%.1f,\"first_video_p99_ms\":%.1f,"
           "\"no_media\":%d,\"no_video\":%d,\"video_not_keyframe\":%llu,"
           "\"plis\":%llu,\"server_rss_kb\":%ld,"
           "\"server_cpu_s\":%.2f}\n",
           load_up, first, load_failed, secs, secs > 0 ? first / secs : 0,
           load_pct_ms(tup, nu, 50), load_pct_ms(tup, nu, 99),
           load_pct_ms(ttfm, n, 50), load_pct_ms(ttfm, n, 99),
           load_pct_ms(ttfv, nv, 50), load_pct_ms(ttfv, nv, 99),
           first - n, first - nv, (unsigned long long) load_first_not_key,
           (unsigned long long) load_plis,
           load_server_rss(),
           (double) (load_setup_ticks - load_setup_ticks0)
           / sysconf(_SC_CLK_TCK));

    free(ttfm);
    free(ttfv);
    free(tup);

    load_setup_active = 0;
    load_busy = 0;
}


/* receiving ---------------------------------------------------------- */


static void
load_receive(load_peer_t *p)
{
    int              i, n;
    int64_t          rx_real;
    uint8_t         *buf;
    size_t           len;
    struct cmsghdr  *cm;
    struct iovec     iov[LOAD_BATCH];
    struct mmsghdr   msgs[LOAD_BATCH];

    for ( ;; ) {
        for (i = 0; i < LOAD_BATCH; i++) {
            iov[i].iov_base = load_bufs[i];
            iov[i].iov_len = LOAD_MTU;

            memset(&msgs[i].msg_hdr, 0, sizeof(struct msghdr));
            msgs[i].msg_hdr.msg_name = &load_from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_control = load_cmsg[i];
            msgs[i].msg_hdr.msg_controllen = sizeof(load_cmsg[i]);
        }

        n = recvmmsg(p->fd, msgs, LOAD_BATCH, MSG_DONTWAIT, NULL);

        if (n <= 0) {
            return;
        }

        for (i = 0; i < n; i++) {
            buf = load_bufs[i];
            len = msgs[i].msg_len;
            rx_real = 0;

            for (cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
                 cm;
                 cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm))
            {
                if (cm->cmsg_level != SOL_SOCKET) {
                    continue;
                }

                if (cm->cmsg_type == SCM_TIMESTAMPNS) {
                    struct timespec  ts;

                    memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
                    rx_real = (int64_t) ts.tv_sec * NS + ts.tv_nsec;

                } else if (cm->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t  ovfl;

                    memcpy(&ovfl, CMSG_DATA(cm), sizeof(ovfl));

                    if (ovfl != p->rxq_ovfl) {
                        load_win.ovfl += ovfl - p->rxq_ovfl;
                        p->rxq_ovfl = ovfl;
                    }
                }
            }

            if (len < 4) {
                continue;
            }

            if (buf[0] < 4) {
                load_peer_stun(p, buf, len, &load_from[i]);

            } else if (buf[0] >= 20 && buf[0] <= 63) {
                load_peer_dtls(p, buf, len);

            } else if (buf[0] >= 128 && buf[0] <= 191 && len >= 12) {

                if (buf[1] >= 192 && buf[1] <= 223) {
                    load_win.rtcp++;

                    if (p->kind == KIND_PUBLISHER) {
                        load_publisher_rtcp(p, buf, len);
                    }

                } else if (p->kind == KIND_VIEWER) {
                    load_rtp(p, buf, len, rx_real);
                }
            }
        }

        if (n < LOAD_BATCH) {
            return;
        }
    }
}


/*
 * One RTP packet to a viewer: sequence accounting for every packet (the
 * header is in the clear), decryption and delay for 1 in 16.  A decrypted
 * packet also gives the publisher's sequence number of the viewer's, so
 * that every packet after it counts in the spread of its fan-out.
 */
static void
load_rtp(load_peer_t *p, uint8_t *buf, size_t len, int64_t rx_real)
{
    int         s, pt, sample, key;
    int16_t     delta;
    int64_t     now, sent, delay;
    uint16_t    seq, pub_seq;
    uint32_t    ext;
    load_rx_t  *rx;

    pt = buf[1] & 0x7f;

    if (pt == p->pt[STREAM_VIDEO]) {
        s = STREAM_VIDEO;

    } else if (pt == p->pt[STREAM_AUDIO]) {
        s = STREAM_AUDIO;

    } else {
        return;
    }

    if (p->state != PEER_UP) {
        if (load_conf.target != TARGET_RAW || p->state != PEER_ICE) {
            return;
        }

        /* raw mode: the relay's first packet is the answer to our join */
        load_peer_up(p);
    }

    seq = (uint16_t) (buf[2] << 8 | buf[3]);
    rx = &p->rx[s];
    sample = ((seq & LOAD_SAMPLE_MASK) == 0);

    if (!rx->started) {
        rx->started = 1;
        rx->ext_max = 0x10000 + seq;
        ext = rx->ext_max;

        now = load_now();

        if (p->t_first == 0) {
            p->t_first = now;
        }

        if (s == STREAM_VIDEO) {
            p->t_first_video = now;
        }

        /*
         * A stream's first packet is decrypted whatever its number: libsrtp2
         * takes its rollover counter as 0 at the first packet it decrypts,
         * as the sender did at the first it encrypted; a first sample after
         * the sequence wrapped would be off by one rollover for good.
         */

        sample = 1;

    } else {
        delta = (int16_t) (seq - (uint16_t) rx->ext_max);

        if (delta > 0) {
            if (delta > 1) {
                rx->gaps++;
            }

            rx->ext_max += delta;
            ext = rx->ext_max;

        } else {
            rx->late++;
            load_win.late++;
            ext = rx->ext_max + delta;
        }
    }

    if (!rx->base_set) {
        rx->base = ext;
        rx->base_set = 1;
    }

    rx->received++;
    rx->total++;
    load_win.received++;
    load_win.bytes += len;
    load_total_rx++;
    load_total_bytes += len;

    if (rx_real == 0) {
        rx_real = load_realtime();
    }

    if (rx->offset_set && load_window_active) {
        load_spread_add(s, (uint16_t) (seq - rx->offset), rx_real);
    }

    if (!sample || p->srtp_in == NULL) {
        return;
    }

    if (load_payload(p, buf, len, s == STREAM_VIDEO, &sent, &pub_seq, &key)
        != 0)
    {
        return;
    }

    if (s == STREAM_VIDEO && rx->total == 1 && !key) {
        load_first_not_key++;
    }

    rx->offset = (uint16_t) (seq - pub_seq);
    rx->offset_set = 1;

    delay = rx_real - load_rt_offset - sent;

    load_hist_add(load_win.hist, delay);
    load_win.samples++;
}


/*
 * A viewer received the publisher's packet pub_seq of stream s at t; the
 * slot of a packet 4096 before it is closed.
 */
static void
load_spread_add(int s, uint16_t pub_seq, int64_t t)
{
    load_spread_t  *sp;

    sp = &load_spread[s][pub_seq & (LOAD_SPREAD_SLOTS - 1)];

    if (!sp->used || sp->seq != pub_seq) {
        load_spread_close(s, sp);

        sp->used = 1;
        sp->seq = pub_seq;
        sp->first = t;
        sp->last = t;
        sp->count = 1;
        return;
    }

    if (t < sp->first) {
        sp->first = t;
    }

    if (t > sp->last) {
        sp->last = t;
    }

    sp->count++;
}


/*
 * The spread of a packet counts when every viewer that had a sample of the
 * stream at the window's start received it.
 */
static void
load_spread_close(int s, load_spread_t *sp)
{
    if (!sp->used) {
        return;
    }

    sp->used = 0;

    if (load_spread_expect[s] < 2) {
        return;
    }

    if (sp->count >= load_spread_expect[s]) {
        load_hist_add(load_win.spread_hist, sp->last - sp->first);
        load_win.spread_packets++;

    } else {
        load_win.spread_partial++;
    }
}


/* ns into the histogram's buckets: 1 us to 1 ms, 10 us to 100 ms, 1 ms */
static void
load_hist_add(uint64_t *hist, int64_t ns)
{
    uint64_t  us;

    us = ns > 0 ? (uint64_t) (ns / 1000) : 0;

    if (us < 1000) {
        hist[us]++;

    } else if (us < 100000) {
        hist[1000 + (us - 1000) / 10]++;

    } else if (us < 10000000) {
        hist[10900 + (us - 100000) / 1000]++;

    } else {
        hist[LOAD_HIST - 1]++;
    }
}


/*
 * Decrypts a copy and finds the send time: after the RTP header, the VP8
 * payload descriptor, and at the start of a frame the VP8 frame header.
 */
static int
load_payload(load_peer_t *p, uint8_t *pkt, size_t len, int video,
    int64_t *sent, uint16_t *pub_seq, int *keyframe)
{
    int       n;
    size_t    off, cc, xlen;
    uint8_t  *b, buf[LOAD_MTU + 64];
    uint32_t  magic;
    uint64_t  t;

    memcpy(buf, pkt, len);
    n = (int) len;

    if (srtp_unprotect(p->srtp_in, buf, &n) != srtp_err_status_ok) {
        load_win.auth_fail++;
        return -1;
    }

    cc = buf[0] & 0x0f;
    off = 12 + 4 * cc;

    if (buf[0] & 0x10) {
        if ((size_t) n < off + 4) {
            return -1;
        }

        xlen = (size_t) (buf[off + 2] << 8 | buf[off + 3]) * 4;
        off += 4 + xlen;
    }

    if ((size_t) n < off + 16) {
        return -1;
    }

    b = buf + off;
    *keyframe = 0;

    if (video) {
        int     start;
        size_t  d;

        /* RFC 7741: X R N S R PID, then I L T K, PictureID, ... */

        start = (b[0] & 0x10) && (b[0] & 0x07) == 0;
        d = 1;

        if (b[0] & 0x80) {
            uint8_t  x = b[1];

            d = 2;

            if (x & 0x80) {
                d += (b[d] & 0x80) ? 2 : 1;
            }

            if (x & 0x40) {
                d++;
            }

            if (x & 0x30) {
                d++;
            }
        }

        if (start) {
            /* the frame tag; P = 0: a keyframe, with 7 more bytes */
            *keyframe = (b[d] & 0x01) == 0;
            d += *keyframe ? 10 : 3;
        }

        if (off + d + LOAD_STAMP_LEN > (size_t) n) {
            return -1;
        }

        b += d;
    }

    memcpy(&magic, b + 8, 4);

    if (ntohl(magic) != LOAD_MAGIC) {
        load_win.auth_fail++;
        return -1;
    }

    memcpy(&magic, b, 4);
    t = (uint64_t) ntohl(magic) << 32;
    memcpy(&magic, b + 4, 4);
    t |= ntohl(magic);
    *sent = (int64_t) t;
    *pub_seq = (uint16_t) (b[12] << 8 | b[13]);

    return 0;
}


/*
 * A viewer's receiver report (RFC 3550 6.4.2) on the video it receives,
 * about once a second from its first packet on (load_tick() draws the
 * interval), as browsers send them: the server learns the viewer is alive
 * and has its keys.
 */
static void
load_viewer_report(load_peer_t *p)
{
    int        n;
    uint8_t    b[64];
    uint32_t   v;
    load_rx_t *rx;

    if (p->srtp_out == NULL) {
        return;
    }

    rx = &p->rx[STREAM_VIDEO];

    memset(b, 0, sizeof(b));
    b[0] = 0x81;                        /* V=2, one report block */
    b[1] = 201;
    b[3] = 7;
    v = htonl(0x5a000000u | (uint32_t) p->index);
    memcpy(b + 4, &v, 4);
    v = htonl(load_pub_ssrc[STREAM_VIDEO]);
    memcpy(b + 8, &v, 4);
    v = htonl(rx->ext_max);
    memcpy(b + 16, &v, 4);              /* highest sequence received */

    n = 32;

    if (srtp_protect_rtcp(p->srtp_out, b, &n) != srtp_err_status_ok) {
        return;
    }

    (void) sendto(p->fd, b, (size_t) n, 0, (struct sockaddr *) &p->remote,
                  sizeof(struct sockaddr_in));
}


/* the server's feedback: a PLI or FIR asks for a keyframe */
static void
load_publisher_rtcp(load_peer_t *p, uint8_t *buf, size_t len)
{
    int     n;
    size_t  pos, plen;

    if (!load_conf.respond_pli || p->srtp_in == NULL) {
        return;
    }

    n = (int) len;

    if (srtp_unprotect_rtcp(p->srtp_in, buf, &n) != srtp_err_status_ok) {
        return;
    }

    for (pos = 0; pos + 4 <= (size_t) n; pos += plen) {
        plen = ((size_t) (buf[pos + 2] << 8 | buf[pos + 3]) + 1) * 4;

        if (buf[pos + 1] == 206 && ((buf[pos] & 0x1f) == 1
                                    || (buf[pos] & 0x1f) == 4))
        {
            load_key_pending = 1;
            load_plis++;
        }
    }
}


/* the publisher -------------------------------------------------------- */


/*
 * Sends what is due and returns when the next packet is.  The stream is
 * the nominal one played load_rate times as fast: frames at 30 x rate per
 * second, audio at 50 x rate, the same packets; a keyframe every 2 s (or
 * when asked).  A frame's packets are paced over 80% of its interval.
 */
static int64_t
load_publish(int64_t now)
{
    int64_t  interval, next;
    int      p_frame, budget;

    if (load_pub == NULL || load_pub->state != PEER_UP
        || load_pub->srtp_out == NULL)
    {
        return now + LOAD_TICK;
    }

    if (load_next_frame == 0) {
        load_next_frame = now;
        load_next_audio = now;
        load_next_key = now;
        load_next_sr = now + NS / 2;
    }

    budget = 4096;

    for ( ;; ) {
        /* the rest of the frame being paced */

        while (load_frame_next < load_frame_npkt && budget
               && load_frame_start + load_frame_spread * load_frame_next
                  / load_frame_npkt <= now)
        {
            load_pub_packet(1);
            budget--;
        }

        if (load_frame_next >= load_frame_npkt && load_next_frame <= now
            && budget)
        {
            interval = (int64_t) (NS / (LOAD_FPS * load_rate));

            load_frame_key = 0;

            /*
             * Every 2 s, and when asked (PLI, FIR), but like an encoder
             * not more than once a second: a burst of joining viewers
             * does not turn every frame into a keyframe.
             */

            if (now >= load_next_key
                || (load_key_pending && now - load_last_key >= NS))
            {
                load_frame_key = 1;
                load_key_pending = 0;
                load_last_key = now;
                load_next_key = now + 2 * NS;
            }

            p_frame = LOAD_VIDEO_BPS / 8 / LOAD_FPS * LOAD_GOP_FRAMES
                      / (LOAD_GOP_FRAMES - 1 + LOAD_KEY_WEIGHT);

            load_frame_size = load_frame_key ? p_frame * LOAD_KEY_WEIGHT
                                             : p_frame;
            load_frame_npkt = (load_frame_size + LOAD_VIDEO_PKT - 1)
                              / LOAD_VIDEO_PKT;
            load_frame_next = 0;
            load_frame_start = now;
            load_frame_spread = interval * 8 / 10;
            load_picture_id = (load_picture_id + 1) & 0x7fff;
            load_ts[STREAM_VIDEO] += 90000 / LOAD_FPS;

            load_next_frame += interval;
            if (load_next_frame < now - NS / 10) {
                /* we fell behind: do not try to catch up in a burst */
                load_next_frame = now + interval;
            }

            continue;
        }

        if (load_next_audio <= now && budget) {
            load_pub_packet(0);
            budget--;

            load_next_audio += (int64_t) (NS / (LOAD_AUDIO_PPS * load_rate));
            if (load_next_audio < now - NS / 10) {
                load_next_audio = now;
            }

            continue;
        }

        break;
    }

    if (now >= load_next_sr) {
        load_pub_sr();
        load_next_sr = now + NS;
    }

    load_pub_flush();

    next = load_next_frame;

    if (load_frame_next < load_frame_npkt) {
        next = load_frame_start + load_frame_spread * load_frame_next
               / load_frame_npkt;
    }

    if (load_next_audio < next) {
        next = load_next_audio;
    }

    if (load_next_sr < next) {
        next = load_next_sr;
    }

    return next;
}


static void
load_pub_packet(int video)
{
    int          n, s, last;
    size_t       len, size, off;
    uint8_t     *b;
    uint32_t     v;
    uint64_t     t;
    load_out_t  *out;

    if (load_nout == LOAD_SEND_BATCH) {
        load_pub_flush();
    }

    out = &load_out[load_nout];
    b = out->data;
    s = video ? STREAM_VIDEO : STREAM_AUDIO;
    last = 1;

    if (video) {
        /* equal shares of the frame; the first ones take the remainder */
        size = load_frame_size / load_frame_npkt
               + (load_frame_next < load_frame_size % load_frame_npkt);
        last = (load_frame_next == load_frame_npkt - 1);

    } else {
        size = LOAD_AUDIO_BYTES;
    }

    b[0] = 0x80;
    b[1] = (uint8_t) ((video ? LOAD_VIDEO_PT : LOAD_AUDIO_PT)
                      | (video && last ? 0x80 : 0));
    b[2] = (uint8_t) (load_seq[s] >> 8);
    b[3] = (uint8_t) load_seq[s];
    v = htonl(load_ts[s]);
    memcpy(b + 4, &v, 4);
    v = htonl(load_pub_ssrc[s]);
    memcpy(b + 8, &v, 4);

    off = 12;

    if (video) {
        /* RFC 7741 descriptor: X, S at a frame's start; I, 15-bit id */

        b[off++] = 0x80 | (load_frame_next == 0 ? 0x10 : 0);
        b[off++] = 0x80;
        b[off++] = 0x80 | (uint8_t) (load_picture_id >> 8);
        b[off++] = (uint8_t) load_picture_id;

        if (load_frame_next == 0) {
            /* the frame tag: size0, show_frame, version 0, P */

            b[off++] = (uint8_t) (0x10 | (load_frame_key ? 0 : 1));
            b[off++] = 0x02;
            b[off++] = 0x00;

            if (load_frame_key) {
                /* start code, 640x480 */
                b[off++] = 0x9d;
                b[off++] = 0x01;
                b[off++] = 0x2a;
                b[off++] = 0x80;
                b[off++] = 0x02;
                b[off++] = 0xe0;
                b[off++] = 0x01;
            }
        }

        load_frame_next++;

    } else {
        load_ts[STREAM_AUDIO] += 960;
    }

    t = (uint64_t) load_now();
    v = htonl((uint32_t) (t >> 32));
    memcpy(b + off, &v, 4);
    v = htonl((uint32_t) t);
    memcpy(b + off + 4, &v, 4);
    v = htonl(LOAD_MAGIC);
    memcpy(b + off + 8, &v, 4);
    b[off + 12] = (uint8_t) (load_seq[s] >> 8);
    b[off + 13] = (uint8_t) load_seq[s];

    len = 12 + size;
    if (len < off + LOAD_STAMP_LEN) {
        len = off + LOAD_STAMP_LEN;
    }

    memset(b + off + LOAD_STAMP_LEN, 0x5a, len - off - LOAD_STAMP_LEN);

    load_seq[s]++;
    load_sent_pkts[s]++;
    load_sent_octets[s] += (uint32_t) (len - 12);

    n = (int) len;

    if (srtp_protect(load_pub->srtp_out, b, &n) != srtp_err_status_ok) {
        return;
    }

    out->len = (size_t) n;
    load_nout++;
    load_win.sent++;
}


/* a sender report per stream, once a second: the server maps them */
static void
load_pub_sr(void)
{
    int          s, n;
    uint8_t     *b;
    uint32_t     v;
    uint64_t     ntp;
    int64_t      rt;
    load_out_t  *out;

    rt = load_realtime();
    ntp = ((uint64_t) (rt / NS + 2208988800LL) << 32)
          | (uint64_t) ((double) (rt % NS) / 1e9 * 4294967296.0);

    for (s = 0; s < STREAM_N; s++) {
        if (load_nout == LOAD_SEND_BATCH) {
            load_pub_flush();
        }

        out = &load_out[load_nout];
        b = out->data;

        b[0] = 0x80;
        b[1] = 200;
        b[2] = 0;
        b[3] = 6;
        v = htonl(load_pub_ssrc[s]);
        memcpy(b + 4, &v, 4);
        v = htonl((uint32_t) (ntp >> 32));
        memcpy(b + 8, &v, 4);
        v = htonl((uint32_t) ntp);
        memcpy(b + 12, &v, 4);
        v = htonl(load_ts[s]);
        memcpy(b + 16, &v, 4);
        v = htonl(load_sent_pkts[s]);
        memcpy(b + 20, &v, 4);
        v = htonl(load_sent_octets[s]);
        memcpy(b + 24, &v, 4);

        n = 28;

        if (srtp_protect_rtcp(load_pub->srtp_out, b, &n)
            != srtp_err_status_ok)
        {
            continue;
        }

        out->len = (size_t) n;
        load_nout++;
    }
}


static void
load_pub_flush(void)
{
    int             i, n, sent;
    struct iovec    iov[LOAD_SEND_BATCH];
    struct mmsghdr  msgs[LOAD_SEND_BATCH];

    if (load_nout == 0) {
        return;
    }

    for (i = 0; i < load_nout; i++) {
        iov[i].iov_base = load_out[i].data;
        iov[i].iov_len = load_out[i].len;

        memset(&msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        msgs[i].msg_hdr.msg_name = &load_pub->remote;
        msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    for (sent = 0; sent < load_nout; ) {
        n = sendmmsg(load_pub->fd, msgs + sent, load_nout - sent, 0);

        if (n <= 0) {
            if (n == -1 && errno == EINTR) {
                continue;
            }

            /* a full send buffer: those packets are lost, as on a wire */
            sent++;
            continue;
        }

        sent += n;
    }

    load_nout = 0;
}


/* windows ------------------------------------------------------------- */


static void
load_window_start(void)
{
    int           i, s;
    load_peer_t  *p;

    memset(&load_win, 0, sizeof(load_win));
    memset(load_spread, 0, sizeof(load_spread));
    memset(load_spread_expect, 0, sizeof(load_spread_expect));

    for (i = 1; i < load_npeers; i++) {
        p = &load_peers[i];

        for (s = 0; s < STREAM_N; s++) {
            p->rx[s].received = 0;
            p->rx[s].base = p->rx[s].ext_max + 1;
            p->rx[s].base_set = p->rx[s].started;

            if (p->state == PEER_UP && p->rx[s].offset_set) {
                load_spread_expect[s]++;
            }
        }
    }

    load_win.server_ticks = load_server_ticks(&load_win.server_sys);
    load_win.self_ticks = load_proc_ticks(getpid(), NULL);
    load_win.udp_rcvbuf_errors = load_udp_rcvbuf_errors();
    load_proc_cpu0(&load_win.cpu0_busy, &load_win.cpu0_total,
                   &load_win.cpu0_softirq);
    load_win.start = load_now();
}


static void
load_window_end(void)
{
    int           i, s, viewers;
    long          hz;
    double        secs, loss, server_cpu, server_sys, self_cpu, cpu0,
                  softirq;
    uint64_t      expected, received, ticks, sys, busy, total, si, rcvbuf;
    load_peer_t  *p;

    secs = (load_now() - load_win.start) / 1e9;
    hz = sysconf(_SC_CLK_TCK);

    for (s = 0; s < STREAM_N; s++) {
        for (i = 0; i < LOAD_SPREAD_SLOTS; i++) {
            load_spread_close(s, &load_spread[s][i]);
        }
    }

    ticks = load_server_ticks(&sys);
    server_cpu = (double) (ticks - load_win.server_ticks) / hz;
    server_sys = (double) (sys - load_win.server_sys) / hz;
    ticks = load_proc_ticks(getpid(), NULL);
    self_cpu = (double) (ticks - load_win.self_ticks) / hz;
    rcvbuf = load_udp_rcvbuf_errors() - load_win.udp_rcvbuf_errors;

    load_proc_cpu0(&busy, &total, &si);
    cpu0 = total > load_win.cpu0_total
           ? (double) (busy - load_win.cpu0_busy)
             / (total - load_win.cpu0_total) : 0;
    softirq = (double) (si - load_win.cpu0_softirq) / hz;

    expected = 0;
    received = 0;
    viewers = 0;

    for (i = 1; i < load_npeers; i++) {
        p = &load_peers[i];

        if (p->state != PEER_UP) {
            continue;
        }

        viewers++;

        for (s = 0; s < STREAM_N; s++) {
            if (!p->rx[s].base_set) {
                continue;
            }

            if (p->rx[s].ext_max + 1 > p->rx[s].base) {
                expected += p->rx[s].ext_max + 1 - p->rx[s].base;
            }

            received += p->rx[s].received;
        }
    }

    loss = expected ? 1.0 - (double) received / expected : 0;
    if (loss < 0) {
        loss = 0;
    }

    printf("{\"event\":\"window\",\"tag\":\"%s\",\"seconds\":%.3f,"
           "\"rate\":%g,\"viewers\":%d,\"sent_pps\":%.1f,\"rx_pps\":%.1f,"
           "\"rx_mbps\":%.2f,\"expected\":%llu,\"received\":%llu,"
           "\"loss\":%.6f,\"delivery\":%.4f,\"dropped\":%llu,"
           "\"gen_drops\":%u,\"rtcp\":%llu,"
           "\"samples\":%llu,\"auth_fail\":%llu,\"late\":%llu,"
           "\"delay_p50_us\":%.1f,\"delay_p99_us\":%.1f,"
           "\"delay_p999_us\":%.1f,\"spread_packets\":%llu,"
           "\"spread_partial\":%llu,\"spread_p50_us\":%.1f,"
           "\"spread_p99_us\":%.1f,\"server_cpu_s\":%.3f,"
           "\"server_sys_s\":%.3f,\"gen_cpu_s\":%.3f,\"cpu0_busy\":%.3f,"
           "\"cpu0_softirq_s\":%.3f,\"cpu0_other\":%.3f,"
           "\"udp_rcvbuf_errors\":%llu,"
           "\"server_rss_kb\":%ld}\n",
           load_window_tag, secs, load_rate, viewers,
           load_win.sent / secs, load_win.received / secs,
           load_win.bytes * 8 / secs / 1e6,
           (unsigned long long) expected, (unsigned long long) received,
           loss,
           load_win.sent && viewers
           ? (double) received / ((double) load_win.sent * viewers) : 1.0,
           (unsigned long long) load_win.dropped,
           load_win.ovfl, (unsigned long long) load_win.rtcp,
           (unsigned long long) load_win.samples,
           (unsigned long long) load_win.auth_fail,
           (unsigned long long) load_win.late,
           load_hist_pct(load_win.hist, 50), load_hist_pct(load_win.hist, 99),
           load_hist_pct(load_win.hist, 99.9),
           (unsigned long long) load_win.spread_packets,
           (unsigned long long) load_win.spread_partial,
           load_hist_pct(load_win.spread_hist, 50),
           load_hist_pct(load_win.spread_hist, 99), server_cpu, server_sys,
           self_cpu, cpu0, softirq,
           cpu0 - server_cpu / secs > 0 ? cpu0 - server_cpu / secs : 0,
           (unsigned long long) rcvbuf,
           load_server_rss());

    load_window_active = 0;
    load_busy = 0;
}


static double
load_hist_pct(uint64_t *hist, double pct)
{
    int       i;
    uint64_t  total, want, acc;

    total = 0;

    for (i = 0; i < LOAD_HIST; i++) {
        total += hist[i];
    }

    if (total == 0) {
        return -1;
    }

    want = (uint64_t) ceil(total * pct / 100.0);
    acc = 0;

    for (i = 0; i < LOAD_HIST; i++) {
        acc += hist[i];

        if (acc >= want) {
            break;
        }
    }

    if (i < 1000) {
        return i + 0.5;
    }

    if (i < 10900) {
        return 1000 + (i - 1000) * 10 + 5;
    }

    if (i < LOAD_HIST - 1) {
        return 100000 + (i - 10900) * 1000.0 + 500;
    }

    return 1e7;
}


/* utime + stime of a process, all its threads, in clock ticks; sys: stime */
static uint64_t
load_proc_ticks(int pid, uint64_t *sys)
{
    int                  i;
    FILE                *f;
    char                 path[64], buf[1024], *p;
    unsigned long long   utime, stime;

    if (pid <= 0) {
        return 0;
    }

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);

    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }

    if (fgets(buf, sizeof(buf), f) == NULL) {
        fclose(f);
        return 0;
    }

    fclose(f);

    /* after "(comm)": state is field 3, utime 14, stime 15 */

    p = strrchr(buf, ')');
    if (p == NULL) {
        return 0;
    }

    p += 2;

    for (i = 3; i < 14 && p; i++) {
        p = strchr(p, ' ');
        if (p) {
            p++;
        }
    }

    if (p == NULL || sscanf(p, "%llu %llu", &utime, &stime) != 2) {
        return 0;
    }

    if (sys) {
        *sys = stime;
    }

    return utime + stime;
}


/*
 * The kernel's count of UDP datagrams dropped for a full receive buffer,
 * all sockets: less the generator's own (SO_RXQ_OVFL), the server's.
 */
static uint64_t
load_udp_rcvbuf_errors(void)
{
    int                  i, col;
    FILE                *f;
    char                 head[1024], line[1024], *p, *q, *sh, *sl;
    unsigned long long   v;

    f = fopen("/proc/net/snmp", "r");
    if (f == NULL) {
        return 0;
    }

    v = 0;

    while (fgets(head, sizeof(head), f)) {
        if (strncmp(head, "Udp:", 4) != 0
            || fgets(line, sizeof(line), f) == NULL)
        {
            continue;
        }

        col = -1;

        for (i = 0, p = strtok_r(head, " \n", &sh); p;
             i++, p = strtok_r(NULL, " \n", &sh))
        {
            if (strcmp(p, "RcvbufErrors") == 0) {
                col = i;
            }
        }

        for (i = 0, q = strtok_r(line, " \n", &sl); q;
             i++, q = strtok_r(NULL, " \n", &sl))
        {
            if (i == col) {
                v = strtoull(q, NULL, 10);
            }
        }

        break;
    }

    fclose(f);

    return v;
}


/* the server's workers together; sys: their stime, or NULL */

static uint64_t
load_server_ticks(uint64_t *sys)
{
    int       i;
    uint64_t  ticks, s, stime;

    ticks = 0;
    stime = 0;

    for (i = 0; i < load_conf.server_npids; i++) {
        s = 0;
        ticks += load_proc_ticks(load_conf.server_pid[i], &s);
        stime += s;
    }

    if (sys) {
        *sys = stime;
    }

    return ticks;
}


static long
load_server_rss(void)
{
    int   i;
    long  kb, one;

    kb = -1;

    for (i = 0; i < load_conf.server_npids; i++) {
        one = load_proc_rss(load_conf.server_pid[i]);
        if (one >= 0) {
            kb = (kb < 0 ? 0 : kb) + one;
        }
    }

    return kb;
}


static long
load_proc_rss(int pid)
{
    long   kb;
    FILE  *f;
    char   path[64], line[256];

    if (pid <= 0) {
        return -1;
    }

    snprintf(path, sizeof(path), "/proc/%d/status", pid);

    f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }

    kb = -1;

    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmRSS: %ld", &kb) == 1) {
            break;
        }
    }

    fclose(f);

    return kb;
}


/* core 0, where the server runs: busy and total ticks, softirq ticks */
static void
load_proc_cpu0(uint64_t *busy, uint64_t *total, uint64_t *softirq)
{
    FILE                *f;
    char                 line[512];
    unsigned long long   v[10];

    *busy = 0;
    *total = 0;
    *softirq = 0;

    f = fopen("/proc/stat", "r");
    if (f == NULL) {
        return;
    }

    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "cpu0 %llu %llu %llu %llu %llu %llu %llu %llu",
                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
            == 8)
        {
            *busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
            *total = *busy + v[3] + v[4];
            *softirq = v[6];
            break;
        }
    }

    fclose(f);
}
