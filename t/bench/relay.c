
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * relay: the ceiling the benchmark compares the module with.  The least an
 * SFU worker can do per packet with the same libsrtp2: read a batch with
 * recvmmsg(), srtp_unprotect() each packet once, then for every viewer,
 * the batch's packets in turn, a copy and srtp_protect() with the viewer's
 * own context (so that the viewer's context is read from memory once per
 * batch, as the module does), and sendmmsg() in batches.  No signaling,
 * ICE, DTLS, RTCP or rewriting: keys are fixed (rawkey.h) and viewers join
 * by sending "RLYJ" and their index.
 *
 *   relay --port 28600 --profile gcm|cm [--lifetime 3600]
 */


#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <srtp2/srtp.h>

#include "rawkey.h"
#include "srtp_nss.h"


#define RELAY_MTU           1500
#define RELAY_BATCH         32
#define RELAY_SEND_BATCH    64
#define RELAY_MAX_VIEWERS   10001


typedef struct {
    struct sockaddr_in  addr;
    srtp_t              srtp;
} relay_viewer_t;


typedef struct {
    struct sockaddr_in *addr;
    size_t              len;
    uint8_t             data[RELAY_MTU + SRTP_MAX_TRAILER_LEN];
} relay_out_t;


static int relay_policy(srtp_policy_t *policy, int gcm, int index,
    uint8_t *key, int inbound);
static void relay_join(uint8_t *buf, size_t len, struct sockaddr_in *from);
static void relay_forward(uint8_t **bufs, int *lens, int n);
static void relay_flush(void);


static int              relay_fd;
static int              relay_gcm = 1;
static srtp_t           relay_in;
static relay_viewer_t  *relay_viewers;
static int             *relay_list;
static int              relay_nviewers;
static relay_out_t      relay_out[RELAY_SEND_BATCH];
static int              relay_nout;

static uint8_t          relay_bufs[RELAY_BATCH][RELAY_MTU + 64];
static struct sockaddr_in  relay_from[RELAY_BATCH];


int
main(int argc, char **argv)
{
    int                 c, i, m, n, port, lifetime, probe;
    int                 lens[RELAY_BATCH];
    uint8_t            *pkts[RELAY_BATCH];
    uint8_t             key[RAWKEY_LEN];
    srtp_policy_t       policy;
    struct sockaddr_in  sin;
    struct iovec        iov[RELAY_BATCH];
    struct mmsghdr      msgs[RELAY_BATCH];
    struct option       opts[] = {
        { "port", required_argument, NULL, 'p' },
        { "profile", required_argument, NULL, 'P' },
        { "lifetime", required_argument, NULL, 'l' },
        { NULL, 0, NULL, 0 }
    };

    port = 0;
    lifetime = 3600;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'P':
            relay_gcm = (strcmp(optarg, "cm") != 0);
            break;
        case 'l':
            lifetime = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: relay --port P [--profile gcm|cm] "
                            "[--lifetime S]\n");
            return 2;
        }
    }

    if (port <= 0) {
        fprintf(stderr, "relay: --port is required\n");
        return 2;
    }

    /* a benchmark tool stops by itself */
    alarm((unsigned) lifetime);

    bench_srtp_nss_init();

    if (srtp_init() != srtp_err_status_ok) {
        fprintf(stderr, "relay: srtp_init() failed\n");
        return 1;
    }

    relay_viewers = calloc(RELAY_MAX_VIEWERS, sizeof(relay_viewer_t));
    relay_list = calloc(RELAY_MAX_VIEWERS, sizeof(int));

    if (relay_viewers == NULL || relay_list == NULL) {
        return 1;
    }

    if (relay_policy(&policy, relay_gcm, 0, key, 1) != 0
        || srtp_create(&relay_in, &policy) != srtp_err_status_ok)
    {
        fprintf(stderr, "relay: srtp_create() failed\n");
        return 1;
    }

    relay_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (relay_fd == -1
        || bind(relay_fd, (struct sockaddr *) &sin, sizeof(sin)) == -1)
    {
        fprintf(stderr, "relay: cannot bind 127.0.0.1:%d: %s\n", port,
                strerror(errno));
        return 1;
    }

    /* as the module's worker: no local fragmentation, no IP ID to draw */
    probe = IP_PMTUDISC_PROBE;
    (void) setsockopt(relay_fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe,
                      sizeof(int));

    printf("relay: pid %d, 127.0.0.1:%d, %s\n", (int) getpid(), port,
           relay_gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");
    fflush(stdout);

    for ( ;; ) {
        for (i = 0; i < RELAY_BATCH; i++) {
            iov[i].iov_base = relay_bufs[i];
            iov[i].iov_len = RELAY_MTU;

            memset(&msgs[i].msg_hdr, 0, sizeof(struct msghdr));
            msgs[i].msg_hdr.msg_name = &relay_from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }

        /* blocks for the first datagram, takes what else is there */
        n = recvmmsg(relay_fd, msgs, RELAY_BATCH, MSG_WAITFORONE, NULL);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            fprintf(stderr, "relay: recvmmsg(): %s\n", strerror(errno));
            return 1;
        }

        m = 0;

        for (i = 0; i < n; i++) {
            if (msgs[i].msg_len >= 8
                && memcmp(relay_bufs[i], RAWKEY_JOIN, 4) == 0)
            {
                relay_join(relay_bufs[i], msgs[i].msg_len, &relay_from[i]);

            } else if (msgs[i].msg_len >= 12
                       && relay_bufs[i][0] >= 128 && relay_bufs[i][0] <= 191
                       && !(relay_bufs[i][1] >= 192
                            && relay_bufs[i][1] <= 223))
            {
                lens[m] = (int) msgs[i].msg_len;

                if (srtp_unprotect(relay_in, relay_bufs[i], &lens[m])
                    == srtp_err_status_ok)
                {
                    pkts[m++] = relay_bufs[i];
                }
            }
        }

        relay_forward(pkts, lens, m);
        relay_flush();
    }

    return 0;
}


static int
relay_policy(srtp_policy_t *policy, int gcm, int index, uint8_t *key,
    int inbound)
{
    memset(policy, 0, sizeof(srtp_policy_t));

    if (gcm) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtcp);

    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtcp);
    }

    rawkey_make(index, key);

    policy->key = key;
    policy->window_size = 1024;
    policy->ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;

    return 0;
}


static void
relay_join(uint8_t *buf, size_t len, struct sockaddr_in *from)
{
    uint32_t         index;
    uint8_t          key[RAWKEY_LEN];
    srtp_policy_t    policy;
    relay_viewer_t  *v;

    if (len < 8) {
        return;
    }

    memcpy(&index, buf + 4, 4);
    index = ntohl(index);

    if (index == 0 || index >= RELAY_MAX_VIEWERS) {
        return;
    }

    v = &relay_viewers[index];
    v->addr = *from;

    if (v->srtp) {
        return;
    }

    relay_policy(&policy, relay_gcm, (int) index, key, 0);

    if (srtp_create(&v->srtp, &policy) != srtp_err_status_ok) {
        v->srtp = NULL;
        return;
    }

    relay_list[relay_nviewers++] = (int) index;
}


static void
relay_forward(uint8_t **bufs, int *lens, int n)
{
    int              i, k, m;
    relay_out_t     *out;
    relay_viewer_t  *v;

    for (i = 0; i < relay_nviewers; i++) {
        v = &relay_viewers[relay_list[i]];

        for (k = 0; k < n; k++) {
            if (relay_nout == RELAY_SEND_BATCH) {
                relay_flush();
            }

            out = &relay_out[relay_nout];
            memcpy(out->data, bufs[k], (size_t) lens[k]);

            m = lens[k];

            if (srtp_protect(v->srtp, out->data, &m) != srtp_err_status_ok) {
                continue;
            }

            out->addr = &v->addr;
            out->len = (size_t) m;
            relay_nout++;
        }
    }
}


static void
relay_flush(void)
{
    int             i, n, sent;
    struct iovec    iov[RELAY_SEND_BATCH];
    struct mmsghdr  msgs[RELAY_SEND_BATCH];

    for (i = 0; i < relay_nout; i++) {
        iov[i].iov_base = relay_out[i].data;
        iov[i].iov_len = relay_out[i].len;

        memset(&msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        msgs[i].msg_hdr.msg_name = relay_out[i].addr;
        msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    for (sent = 0; sent < relay_nout; ) {
        n = sendmmsg(relay_fd, msgs + sent, relay_nout - sent, 0);

        if (n <= 0) {
            if (n == -1 && errno == EINTR) {
                continue;
            }

            sent++;
            continue;
        }

        sent += n;
    }

    relay_nout = 0;
}
