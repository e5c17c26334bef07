
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * What one srtp_protect() costs as the number of SRTP sessions in a
 * process grows, with whatever crypto the linked libsrtp2 is built on.
 * Each session is what the module keeps per viewer: an inbound and an
 * outbound context (keys of their own), and the outbound context has
 * seen two SSRCs (video and audio).  Packets of 1100 bytes are protected
 * for the sessions in turn, as a fan-out does.
 *
 *   srtp_cost [gcm|cm] N...     e.g. srtp_cost gcm 10 100 1000 2500
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "srtp_nss.h"


#define PAYLOAD  1100
#define ROUNDS   400000


typedef struct {
    srtp_t      in;
    srtp_t      out;
    uint16_t    seq;
} sess_t;


static void
set_policy(srtp_policy_t *p, int gcm, unsigned char *key, int inbound)
{
    memset(p, 0, sizeof(*p));

    if (gcm) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);

    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    }

    p->ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    p->key = key;
    p->window_size = 1024;
    p->allow_repeat_tx = !inbound;
}


static size_t
make_rtp(unsigned char *buf, uint16_t seq, uint32_t ssrc)
{
    buf[0] = 0x80;
    buf[1] = 96;
    buf[2] = (unsigned char) (seq >> 8);
    buf[3] = (unsigned char) seq;
    memset(buf + 4, 0, 4);
    buf[8] = (unsigned char) (ssrc >> 24);
    buf[9] = (unsigned char) (ssrc >> 16);
    buf[10] = (unsigned char) (ssrc >> 8);
    buf[11] = (unsigned char) ssrc;
    memset(buf + 12, 0xab, PAYLOAD);

    return 12 + PAYLOAD;
}


static double
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


int
main(int argc, char **argv)
{
    int             i, n, k, len, gcm, a;
    double          t0, t1;
    sess_t         *s;
    srtp_policy_t   p;
    unsigned char   key[46], buf[12 + PAYLOAD + SRTP_MAX_TRAILER_LEN];

    if (argc < 3) {
        fprintf(stderr, "usage: srtp_cost gcm|cm N...\n");
        return 2;
    }

    gcm = strcmp(argv[1], "gcm") == 0;

    bench_srtp_nss_init();

    if (srtp_init() != srtp_err_status_ok) {
        return 1;
    }

    for (a = 2; a < argc; a++) {
        n = atoi(argv[a]);
        if (n <= 0) {
            return 2;
        }

        s = calloc(n, sizeof(sess_t));
        if (s == NULL) {
            return 1;
        }

        for (i = 0; i < n; i++) {
            for (k = 0; k < (int) sizeof(key); k++) {
                key[k] = (unsigned char) rand();
            }

            set_policy(&p, gcm, key, 1);
            if (srtp_create(&s[i].in, &p) != srtp_err_status_ok) {
                return 1;
            }

            key[0] ^= 0x55;
            set_policy(&p, gcm, key, 0);
            if (srtp_create(&s[i].out, &p) != srtp_err_status_ok) {
                return 1;
            }

            /* the viewer's two SSRCs: each a stream of its own */
            for (k = 0; k < 2; k++) {
                len = (int) make_rtp(buf, 0, 1000 + k);
                (void) srtp_protect(s[i].out, buf, &len);
            }
        }

        /* warm up, then measure */

        for (k = 0; k < 2; k++) {
            t0 = now_ns();

            for (i = 0; i < ROUNDS; i++) {
                sess_t  *v = &s[i % n];

                len = (int) make_rtp(buf, ++v->seq, 1000 + (i & 1));
                if (srtp_protect(v->out, buf, &len) != srtp_err_status_ok) {
                    fprintf(stderr, "srtp_protect failed\n");
                    return 1;
                }
            }

            t1 = now_ns();
        }

        printf("%s N=%d: %.0f ns per srtp_protect\n", gcm ? "gcm" : "cm",
               n, (t1 - t0) / ROUNDS);
        fflush(stdout);

        for (i = 0; i < n; i++) {
            srtp_dealloc(s[i].in);
            srtp_dealloc(s[i].out);
        }

        free(s);
    }

    return 0;
}
