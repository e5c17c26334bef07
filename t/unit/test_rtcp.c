
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Unit tests of ngx_webrtc_rtcp.c: the compound walk, the parsers, the
 * builders (checked by parsing what they wrote), and transport-wide
 * congestion control feedback, checked by a decoder written here from the
 * draft, independent of the encoder.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_rtcp.h"

#include <stdio.h>
#include <stdlib.h>


static ngx_uint_t  passed;
static ngx_uint_t  failed;


#define CHECK(c)                                                              \
    do {                                                                      \
        if (c) {                                                              \
            passed++;                                                         \
        } else {                                                              \
            failed++;                                                         \
            printf("%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);      \
        }                                                                     \
    } while (0)


#define get16(p)  (uint16_t) (((uint16_t) (p)[0] << 8) | (p)[1])
#define get32(p)  (((uint32_t) (p)[0] << 24) | ((uint32_t) (p)[1] << 16)      \
                   | ((uint32_t) (p)[2] << 8) | (p)[3])


#define TWCC_MAX  2048


/* a transport-cc feedback as the draft describes it */
typedef struct {
    uint32_t        sender;
    uint32_t        media;
    uint16_t        base;
    uint16_t        count;
    uint32_t        ref;
    u_char          fb_count;
    u_char          status[TWCC_MAX];
    int64_t         ticks[TWCC_MAX];    /* arrival in 250 us, -1: lost */
} twcc_fb_t;


static void test_walk(void);
static void test_malformed(void);
static void test_rr(void);
static void test_nack(void);
static void test_keyframe(void);
static void test_remb(void);
static void test_twcc(void);
static void test_twcc_wrap(void);
static void test_twcc_limits(void);
static ngx_int_t twcc_decode(u_char *p, size_t len, twcc_fb_t *fb);
static ngx_uint_t nack_roundtrip(uint16_t *seqs, ngx_uint_t n,
    size_t *len);
static int cmp_u16(const void *a, const void *b);


int
main(void)
{
    test_walk();
    test_malformed();
    test_rr();
    test_nack();
    test_keyframe();
    test_remb();
    test_twcc();
    test_twcc_wrap();
    test_twcc_limits();

    printf("rtcp: %lu passed, %lu failed\n",
           (unsigned long) passed, (unsigned long) failed);

    return failed ? 1 : 0;
}


/* SR, SDES with a CNAME, and an empty RR with 4 bytes of padding */

static u_char  compound[] = {
    0x80, 200, 0x00, 0x06,
    0x11, 0x22, 0x33, 0x44,                             /* sender SSRC */
    0xe8, 0x00, 0x00, 0x01,  0x80, 0x00, 0x00, 0x00,    /* NTP */
    0x00, 0x01, 0x5f, 0x90,                             /* RTP ts */
    0x00, 0x00, 0x00, 0x0a,                             /* packets */
    0x00, 0x00, 0x03, 0xe8,                             /* octets */

    0x81, 202, 0x00, 0x03,
    0x11, 0x22, 0x33, 0x44,
    0x01, 0x04, 'a', 'b',  'c', 'd', 0x00, 0x00,        /* CNAME, end */

    0xa0, 201, 0x00, 0x02,
    0x55, 0x66, 0x77, 0x88,
    0x00, 0x00, 0x00, 0x04
};


static void
test_walk(void)
{
    size_t                    pos;
    uint32_t                  rtp_ts, packets, octets;
    uint64_t                  ntp;
    ngx_webrtc_rtcp_packet_t  pkt;

    pos = 0;

    CHECK(ngx_webrtc_rtcp_next(compound, sizeof(compound), &pos, &pkt)
          == NGX_OK);
    CHECK(pkt.type == NGX_WEBRTC_RTCP_SR && pkt.count == 0);
    CHECK(pkt.len == 24 && pkt.body == compound + 4);
    CHECK(pkt.ssrc == 0x11223344);
    CHECK(pos == 28);

    CHECK(ngx_webrtc_rtcp_parse_sr(&pkt, &ntp, &rtp_ts, &packets, &octets)
          == NGX_OK);
    CHECK(ntp == 0xe800000180000000ULL);
    CHECK(rtp_ts == 90000 && packets == 10 && octets == 1000);
    CHECK(ngx_webrtc_rtcp_parse_sr(&pkt, &ntp, NULL, NULL, NULL) == NGX_OK);

    CHECK(ngx_webrtc_rtcp_next(compound, sizeof(compound), &pos, &pkt)
          == NGX_OK);
    CHECK(pkt.type == NGX_WEBRTC_RTCP_SDES && pkt.count == 1);
    CHECK(pkt.len == 12 && pkt.ssrc == 0x11223344);
    CHECK(ngx_memcmp(pkt.body + 6, "abcd", 4) == 0);
    CHECK(ngx_webrtc_rtcp_parse_sr(&pkt, &ntp, &rtp_ts, &packets, &octets)
          == NGX_ERROR);

    CHECK(ngx_webrtc_rtcp_next(compound, sizeof(compound), &pos, &pkt)
          == NGX_OK);
    CHECK(pkt.type == NGX_WEBRTC_RTCP_RR && pkt.count == 0);
    CHECK(pkt.len == 4 && pkt.ssrc == 0x55667788);
    CHECK(pos == sizeof(compound));

    CHECK(ngx_webrtc_rtcp_next(compound, sizeof(compound), &pos, &pkt)
          == NGX_DONE);
    CHECK(ngx_webrtc_rtcp_next(compound, sizeof(compound), &pos, &pkt)
          == NGX_DONE);

    /* an empty buffer is an empty compound */

    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(compound, 0, &pos, &pkt) == NGX_DONE);
}


static void
test_malformed(void)
{
    size_t                    pos, i;
    ngx_int_t                 rc;
    ngx_webrtc_rtcp_packet_t  pkt;
    u_char                    bad[sizeof(compound)];

    /* the SR's length says one word more than there is */

    ngx_memcpy(bad, compound, sizeof(bad));
    bad[3] = 0x07;
    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(bad, 28, &pos, &pkt) == NGX_ERROR);

    /* the last packet's length runs past the end */

    ngx_memcpy(bad, compound, sizeof(bad));
    bad[46] = 0x00;
    bad[47] = 0x03;
    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_OK);
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_OK);
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_ERROR);

    /* every truncation of the compound fails, or stops at a boundary */

    for (i = 1; i < sizeof(compound); i++) {
        pos = 0;

        do {
            rc = ngx_webrtc_rtcp_next(compound, i, &pos, &pkt);
        } while (rc == NGX_OK);

        CHECK(pos <= i);
        CHECK(rc == ((i == 28 || i == 44) ? NGX_DONE : NGX_ERROR));
    }

    /* version 1 */

    ngx_memcpy(bad, compound, sizeof(bad));
    bad[28] = 0x41;
    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_OK);
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_ERROR);

    /* padding of 0, padding longer than the body */

    ngx_memcpy(bad, compound, sizeof(bad));
    bad[sizeof(bad) - 1] = 0;
    pos = 44;
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_ERROR);

    bad[sizeof(bad) - 1] = 9;
    pos = 44;
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_ERROR);

    bad[sizeof(bad) - 1] = 8;
    pos = 44;
    CHECK(ngx_webrtc_rtcp_next(bad, sizeof(bad), &pos, &pkt) == NGX_OK);
    CHECK(pkt.len == 0 && pkt.ssrc == 0);

    /* a header alone with the padding bit: the count is its own length */

    {
        u_char  lone[] = { 0xa0, 201, 0x00, 0x00 };

        pos = 0;
        CHECK(ngx_webrtc_rtcp_next(lone, sizeof(lone), &pos, &pkt)
              == NGX_ERROR);

        lone[0] = 0x80;
        pos = 0;
        CHECK(ngx_webrtc_rtcp_next(lone, sizeof(lone), &pos, &pkt)
              == NGX_OK);
        CHECK(pkt.len == 0 && pkt.ssrc == 0);
        CHECK(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == 0);
    }

    /* a position past the end */

    pos = sizeof(compound) + 1;
    CHECK(ngx_webrtc_rtcp_next(compound, sizeof(compound), &pos, &pkt)
          == NGX_ERROR);
}


static void
test_rr(void)
{
    u_char                    buf[64];
    size_t                    pos;
    ngx_uint_t                i;
    ngx_webrtc_rtcp_packet_t  pkt;
    ngx_webrtc_rtp_recv_t     rs;

    ngx_webrtc_rtp_recv_init(&rs, 90000);

    /* nothing received yet: a block of zeros */

    CHECK(ngx_webrtc_rtcp_write_rr(buf, sizeof(buf), 1, 2, &rs, 100) == 32);
    CHECK(get32(buf + 12) == 0 && get32(buf + 16) == 0);

    /* 100..109 without 103, 104, 105 */

    for (i = 100; i < 110; i++) {
        if (i < 103 || i > 105) {
            CHECK(ngx_webrtc_rtp_recv_update(&rs, (uint16_t) i, 0, 0) == 1);
        }
    }

    rs.sr_ntp_mid = 0x12345678;
    rs.sr_received = 1000;

    CHECK(ngx_webrtc_rtcp_write_rr(buf, 31, 1, 2, &rs, 1500) == 0);
    CHECK(rs.expected_prior == 0);

    CHECK(ngx_webrtc_rtcp_write_rr(buf, sizeof(buf), 0xaabbccdd, 0x01020304,
                                   &rs, 1500)
          == 32);

    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(buf, 32, &pos, &pkt) == NGX_OK);
    CHECK(pkt.type == NGX_WEBRTC_RTCP_RR && pkt.count == 1);
    CHECK(pkt.len == 28 && pkt.ssrc == 0xaabbccdd);
    CHECK(buf[0] == 0x81 && get16(buf + 2) == 7);
    CHECK(get32(buf + 8) == 0x01020304);
    CHECK(buf[12] == (3 << 8) / 10);
    CHECK((get32(buf + 12) & 0xffffff) == 3);
    CHECK(get32(buf + 16) == 109);
    CHECK(get32(buf + 20) == (uint32_t) rs.jitter);
    CHECK(get32(buf + 24) == 0x12345678);
    CHECK(get32(buf + 28) == 32768);
    CHECK(rs.expected_prior == 10 && rs.received_prior == 7);

    /* nothing new: no loss in the interval, the total stays */

    CHECK(ngx_webrtc_rtcp_write_rr(buf, sizeof(buf), 1, 2, &rs, 2000) == 32);
    CHECK(buf[12] == 0 && (get32(buf + 12) & 0xffffff) == 3);
    CHECK(get32(buf + 28) == 65536);

    /* a retransmission: more received than expected in the interval */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 104, 0, 0) == 1);
    CHECK(ngx_webrtc_rtcp_write_rr(buf, sizeof(buf), 1, 2, &rs, 2000) == 32);
    CHECK(buf[12] == 0 && (get32(buf + 12) & 0xffffff) == 2);

    /* across the wrap, all lost in the interval */

    ngx_webrtc_rtp_recv_init(&rs, 90000);

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 65535, 0, 0) == 1);
    CHECK(ngx_webrtc_rtcp_write_rr(buf, sizeof(buf), 1, 2, &rs, 10) == 32);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 3, 0, 0) == 1);
    CHECK(ngx_webrtc_rtcp_write_rr(buf, sizeof(buf), 1, 2, &rs, 10) == 32);
    CHECK(get32(buf + 16) == 65536 + 3);
    CHECK((get32(buf + 12) & 0xffffff) == 3);
    CHECK(buf[12] == (3 << 8) / 4);
    CHECK(get32(buf + 24) == 0 && get32(buf + 28) == 0);
}


static void
test_nack(void)
{
    size_t      len;
    uint16_t    seqs[64], all[] = { 300, 200, 65530, 5, 201, 65535, 0, 216,
                                    217, 65529, 199, 4, 3, 2, 1 };
    u_char      buf[64];
    ngx_uint_t  i;

    /* unsorted, one pair */

    seqs[0] = 5;
    seqs[1] = 1;
    seqs[2] = 2;
    seqs[3] = 3;
    CHECK(nack_roundtrip(seqs, 4, &len) == 1);
    CHECK(len == 16);

    /* across the wrap, one pair */

    seqs[0] = 65535;
    seqs[1] = 0;
    seqs[2] = 1;
    seqs[3] = 65534;
    CHECK(nack_roundtrip(seqs, 4, &len) == 1);
    CHECK(len == 16);

    /* a run of 40: PID + 16, three pairs */

    for (i = 0; i < 40; i++) {
        seqs[i] = (uint16_t) (65520 + i);
    }

    CHECK(nack_roundtrip(seqs, 40, &len) == 1);
    CHECK(len == 12 + 3 * 4);

    /* scattered, shuffled, across the wrap, with a duplicate */

    CHECK(nack_roundtrip(all, sizeof(all) / sizeof(uint16_t), &len) == 1);

    seqs[0] = 7;
    seqs[1] = 7;
    CHECK(nack_roundtrip(seqs, 2, &len) == 1);
    CHECK(len == 16);

    /* does not fit, nothing to say */

    CHECK(ngx_webrtc_rtcp_write_nack(buf, 15, 1, 2, all, 3) == 0);
    CHECK(ngx_webrtc_rtcp_write_nack(buf, 23, 1, 2, all, 4) == 0);
    CHECK(ngx_webrtc_rtcp_write_nack(buf, 24, 1, 2, all, 4) == 24);
    CHECK(ngx_webrtc_rtcp_write_nack(buf, sizeof(buf), 1, 2, all, 0) == 0);
}


/* writes a NACK, reads it back; 1 when the same set comes out */

static ngx_uint_t
nack_roundtrip(uint16_t *seqs, ngx_uint_t n, size_t *len)
{
    u_char                    buf[512];
    size_t                    pos;
    uint16_t                  in[64], out[128];
    uint32_t                  media;
    ngx_uint_t                i, j, nout;
    ngx_webrtc_rtcp_packet_t  pkt;

    *len = ngx_webrtc_rtcp_write_nack(buf, sizeof(buf), 0x1111, 0x2222,
                                      seqs, n);
    if (*len == 0 || *len % 4 || ((size_t) get16(buf + 2) + 1) * 4 != *len) {
        return 0;
    }

    pos = 0;

    if (ngx_webrtc_rtcp_next(buf, *len, &pos, &pkt) != NGX_OK
        || pkt.type != NGX_WEBRTC_RTCP_RTPFB || pkt.count != 1
        || pkt.ssrc != 0x1111 || pos != *len)
    {
        return 0;
    }

    nout = ngx_webrtc_rtcp_parse_nack(&pkt, &media, out, 128);

    if (media != 0x2222) {
        return 0;
    }

    /* the same set: sorted, duplicates removed */

    ngx_memcpy(in, seqs, n * sizeof(uint16_t));
    qsort(in, n, sizeof(uint16_t), cmp_u16);
    qsort(out, nout, sizeof(uint16_t), cmp_u16);

    for (i = 1, j = 1; i < n; i++) {
        if (in[i] != in[j - 1]) {
            in[j++] = in[i];
        }
    }

    if (j != nout || ngx_memcmp(in, out, j * sizeof(uint16_t)) != 0) {
        return 0;
    }

    /* and the parser honours max */

    return ngx_webrtc_rtcp_parse_nack(&pkt, &media, out, nout - 1)
           == nout - 1;
}


static int
cmp_u16(const void *a, const void *b)
{
    return (int) *(const uint16_t *) a - (int) *(const uint16_t *) b;
}


static void
test_keyframe(void)
{
    u_char                    buf[64];
    size_t                    pos, len;
    uint16_t                  seqs[4];
    uint32_t                  media;
    ngx_webrtc_rtcp_packet_t  pkt;

    CHECK(ngx_webrtc_rtcp_write_pli(buf, 11, 1, 2) == 0);
    CHECK(ngx_webrtc_rtcp_write_pli(buf, sizeof(buf), 0xa1a2a3a4, 0xb1b2b3b4)
          == 12);

    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(buf, 12, &pos, &pkt) == NGX_OK);
    CHECK(pkt.type == NGX_WEBRTC_RTCP_PSFB && pkt.count == 1);
    CHECK(pkt.ssrc == 0xa1a2a3a4);
    CHECK(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == 0xb1b2b3b4);
    CHECK(ngx_webrtc_rtcp_parse_nack(&pkt, &media, seqs, 4) == 0);

    pkt.len = 7;
    CHECK(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == 0);

    CHECK(ngx_webrtc_rtcp_write_fir(buf, 19, 1, 2, 0) == 0);
    CHECK(ngx_webrtc_rtcp_write_fir(buf, sizeof(buf), 0xa1a2a3a4, 0xc1c2c3c4,
                                    42)
          == 20);

    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(buf, 20, &pos, &pkt) == NGX_OK);
    CHECK(pkt.type == NGX_WEBRTC_RTCP_PSFB && pkt.count == 4);
    CHECK(pkt.ssrc == 0xa1a2a3a4 && pkt.len == 16);
    CHECK(get32(pkt.body + 4) == 0);
    CHECK(pkt.body[12] == 42);
    CHECK(get32(pkt.body + 12) == (42u << 24));
    CHECK(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == 0xc1c2c3c4);

    pkt.len = 15;
    CHECK(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == 0);

    /* a NACK is not a keyframe request */

    seqs[0] = 1;
    len = ngx_webrtc_rtcp_write_nack(buf, sizeof(buf), 1, 2, seqs, 1);
    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(buf, len, &pos, &pkt) == NGX_OK);
    CHECK(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == 0);

    /* a truncated NACK: media SSRC only */

    pkt.len = 8;
    CHECK(ngx_webrtc_rtcp_parse_nack(&pkt, &media, seqs, 4) == 0);
    CHECK(media == 2);
    pkt.len = 7;
    CHECK(ngx_webrtc_rtcp_parse_nack(&pkt, &media, seqs, 4) == 0);
}


static void
test_remb(void)
{
    u_char                    buf[64];
    size_t                    pos;
    uint32_t                  v, exp, mantissa;
    uint64_t                  rates[] = { 0, 300000, 1500000, 0x3ffff,
                                          0x40000, 10000000000ULL };
    ngx_uint_t                i;
    ngx_webrtc_rtcp_packet_t  pkt;

    CHECK(ngx_webrtc_rtcp_write_remb(buf, 23, 1, 2, 1000) == 0);

    for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        CHECK(ngx_webrtc_rtcp_write_remb(buf, sizeof(buf), 0xa1a2a3a4,
                                         0xd1d2d3d4, rates[i])
              == 24);

        pos = 0;
        CHECK(ngx_webrtc_rtcp_next(buf, 24, &pos, &pkt) == NGX_OK);
        CHECK(pkt.type == NGX_WEBRTC_RTCP_PSFB && pkt.count == 15);
        CHECK(pkt.len == 20 && get32(pkt.body + 4) == 0);
        CHECK(ngx_memcmp(pkt.body + 8, "REMB", 4) == 0);

        v = get32(pkt.body + 12);
        exp = (v >> 18) & 0x3f;
        mantissa = v & 0x3ffff;

        CHECK((v >> 24) == 1);
        CHECK(((uint64_t) mantissa << exp) <= rates[i]);
        CHECK(rates[i] - ((uint64_t) mantissa << exp) < (1ULL << exp));
        CHECK(get32(pkt.body + 16) == 0xd1d2d3d4);
    }
}


/*
 * The draft's format, decoded from scratch: header, chunks of all three
 * kinds, deltas, and nothing but padding after them.
 */

static ngx_int_t
twcc_decode(u_char *p, size_t len, twcc_fb_t *fb)
{
    size_t      off, end;
    int64_t     t;
    uint16_t    chunk;
    ngx_uint_t  n, k, run, sym;

    if (len < 20 || len % 4 != 0) {
        return NGX_ERROR;
    }

    if ((p[0] >> 6) != 2 || (p[0] & 0x1f) != 15 || p[1] != 205
        || ((size_t) get16(p + 2) + 1) * 4 != len)
    {
        return NGX_ERROR;
    }

    end = len;

    if (p[0] & 0x20) {
        if (p[len - 1] == 0 || p[len - 1] > len - 20) {
            return NGX_ERROR;
        }

        end -= p[len - 1];
    }

    fb->sender = get32(p + 4);
    fb->media = get32(p + 8);
    fb->base = get16(p + 12);
    fb->count = get16(p + 14);
    fb->ref = get32(p + 16) >> 8;
    fb->fb_count = p[19];

    if (fb->count == 0 || fb->count > TWCC_MAX) {
        return NGX_ERROR;
    }

    off = 20;
    n = 0;

    while (n < fb->count) {
        if (off + 2 > end) {
            return NGX_ERROR;
        }

        chunk = get16(p + off);
        off += 2;

        if ((chunk & 0x8000) == 0) {
            sym = (chunk >> 13) & 3;
            run = chunk & 0x1fff;

            for (k = 0; k < run && n < fb->count; k++) {
                fb->status[n++] = (u_char) sym;
            }

        } else if (chunk & 0x4000) {
            for (k = 0; k < 7 && n < fb->count; k++) {
                fb->status[n++] = (chunk >> (2 * (6 - k))) & 3;
            }

        } else {
            for (k = 0; k < 14 && n < fb->count; k++) {
                fb->status[n++] = (chunk >> (13 - k)) & 1;
            }
        }
    }

    t = (int64_t) fb->ref * 256;

    for (n = 0; n < fb->count; n++) {
        switch (fb->status[n]) {

        case 0:
            fb->ticks[n] = -1;
            break;

        case 1:
            if (off + 1 > end) {
                return NGX_ERROR;
            }

            t += p[off++];
            fb->ticks[n] = t;
            break;

        case 2:
            if (off + 2 > end) {
                return NGX_ERROR;
            }

            t += (int16_t) get16(p + off);
            off += 2;
            fb->ticks[n] = t;
            break;

        default:
            return NGX_ERROR;
        }
    }

    /* what is left is zero padding to the 32-bit boundary */

    if (end - off > 3) {
        return NGX_ERROR;
    }

    for ( /* void */ ; off < end; off++) {
        if (p[off] != 0) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static twcc_fb_t  fb;


static void
test_twcc(void)
{
    u_char             buf[1500];
    size_t             len;
    int64_t            t0, arrival[10];
    uint16_t           seq;
    ngx_uint_t         i, ok;
    ngx_webrtc_twcc_t  tw;

    ngx_webrtc_twcc_init(&tw);

    CHECK(ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2) == 0);

    /*
     * 1000..1009: 1004 lost, 1007 overtakes 1006 (a negative delta),
     * 1009 comes 150 ms later (a delta too large for a byte)
     */

    t0 = 5000123;

    for (i = 0; i < 10; i++) {
        arrival[i] = t0 + i * 5000 + i * 7;
    }

    arrival[4] = -1;
    arrival[6] = t0 + 45000;
    arrival[7] = t0 + 35000;
    arrival[9] = t0 + 195000;

    for (i = 0; i < 10; i++) {
        if (arrival[i] >= 0) {
            ngx_webrtc_twcc_record(&tw, (uint16_t) (1000 + i), arrival[i]);
        }
    }

    /* a duplicate keeps the first arrival */
    ngx_webrtc_twcc_record(&tw, 1003, t0 + 900000);

    CHECK(tw.base_seq == 1000 && tw.max_seq == 1009);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 0xa1a2a3a4,
                                0xb1b2b3b4);
    CHECK(len > 0 && len % 4 == 0);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.sender == 0xa1a2a3a4 && fb.media == 0xb1b2b3b4);
    CHECK(fb.base == 1000 && fb.count == 10 && fb.fb_count == 0);
    CHECK((int64_t) fb.ref * 64000 <= t0
          && t0 < ((int64_t) fb.ref + 1) * 64000);

    ok = 1;

    for (i = 0; i < 10; i++) {
        if (arrival[i] < 0) {
            ok &= (fb.status[i] == 0 && fb.ticks[i] == -1);

        } else {
            ok &= (fb.status[i] != 0 && fb.ticks[i] == arrival[i] / 250);
        }
    }

    CHECK(ok);
    CHECK(fb.status[4] == 0 && fb.status[7] == 2 && fb.status[9] == 2);
    CHECK(fb.status[0] == 1 && fb.status[8] == 1);
    CHECK(tw.base_seq == 1010 && tw.fb_count == 1);

    /* all reported; old ones are ignored */

    CHECK(ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2) == 0);
    ngx_webrtc_twcc_record(&tw, 1005, t0);
    ngx_webrtc_twcc_record(&tw, 990, t0);
    CHECK(ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2) == 0);

    /* the next one starts where the last ended, lost ones first */

    ngx_webrtc_twcc_record(&tw, 1012, t0 + 300000);
    ngx_webrtc_twcc_record(&tw, 1013, t0 + 301000);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.base == 1010 && fb.count == 4 && fb.fb_count == 1);
    CHECK(fb.status[0] == 0 && fb.status[1] == 0);
    CHECK(fb.ticks[2] == (t0 + 300000) / 250);
    CHECK(fb.ticks[3] == (t0 + 301000) / 250);
    CHECK((int64_t) fb.ref * 64000 <= t0 + 300000
          && t0 + 300000 < ((int64_t) fb.ref + 1) * 64000);

    /* a long run of small deltas is one run length chunk */

    for (i = 0; i < 98; i++) {
        seq = (uint16_t) (1014 + i);
        ngx_webrtc_twcc_record(&tw, seq, t0 + 400000 + i * 1000);
    }

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(len == 20 + 2 + 98);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.count == 98 && get16(buf + 20) == ((1 << 13) | 98));
    CHECK(fb.ticks[97] == (t0 + 400000 + 97 * 1000) / 250);
    CHECK(fb.fb_count == 2);
    CHECK((buf[0] & 0x20) == 0);

    /* a padded one: 20 + 2 + 1 = 23, one byte of padding */

    ngx_webrtc_twcc_record(&tw, 1112, t0 + 600000);
    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(len == 24 && (buf[0] & 0x20) && buf[23] == 1);
    CHECK(get16(buf + 2) == 5);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.count == 1 && fb.base == 1112);
}


static void
test_twcc_wrap(void)
{
    u_char             buf[256];
    size_t             len;
    ngx_webrtc_twcc_t  tw;

    ngx_webrtc_twcc_init(&tw);

    ngx_webrtc_twcc_record(&tw, 65533, 1000000);
    ngx_webrtc_twcc_record(&tw, 65534, 1001000);
    ngx_webrtc_twcc_record(&tw, 65535, 1002000);
    ngx_webrtc_twcc_record(&tw, 0, 1003000);
    ngx_webrtc_twcc_record(&tw, 2, 1005000);

    CHECK(tw.max_seq == 2);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.base == 65533 && fb.count == 6);
    CHECK(fb.status[3] == 1 && fb.status[4] == 0 && fb.status[5] == 1);
    CHECK(fb.ticks[0] == 4000 && fb.ticks[3] == 4012);
    CHECK(fb.ticks[5] == 4020);
    CHECK(tw.base_seq == 3);

    /* 1 comes too late: it was reported lost */

    ngx_webrtc_twcc_record(&tw, 1, 1006000);
    CHECK(ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2) == 0);

    ngx_webrtc_twcc_record(&tw, 3, 1007000);
    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.base == 3 && fb.count == 1 && fb.ticks[0] == 4028);
}


static void
test_twcc_limits(void)
{
    u_char             buf[1500];
    size_t             len;
    uint16_t           next;
    ngx_uint_t         i, total, ok;
    ngx_webrtc_twcc_t  tw;

    /* a jump past the window drops the oldest unreported */

    ngx_webrtc_twcc_init(&tw);

    ngx_webrtc_twcc_record(&tw, 10, 1000000);
    ngx_webrtc_twcc_record(&tw, 11, 1001000);
    ngx_webrtc_twcc_record(&tw, 11 + 2000, 2000000);
    CHECK(tw.base_seq == 11 + 2000 - NGX_WEBRTC_TWCC_WINDOW + 1);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.base == 11 + 2000 - NGX_WEBRTC_TWCC_WINDOW + 1);
    CHECK(fb.count == 1000 && fb.status[0] == 0 && fb.status[999] == 0);
    CHECK(len == 24);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.count == NGX_WEBRTC_TWCC_WINDOW - 1000);
    CHECK(fb.status[fb.count - 1] == 1);
    CHECK(fb.ticks[fb.count - 1] == 2000000 / 250);
    CHECK(ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2) == 0);

    /* a delta 16 bits cannot hold ends the feedback before it */

    ngx_webrtc_twcc_init(&tw);

    ngx_webrtc_twcc_record(&tw, 500, 1000000);
    ngx_webrtc_twcc_record(&tw, 501, 1000000 + 10000000);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.base == 500 && fb.count == 1);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.base == 501 && fb.count == 1);
    CHECK(fb.ticks[0] == 11000000 / 250);

    /* small buffers: several feedbacks, contiguous, all valid */

    ngx_webrtc_twcc_init(&tw);

    for (i = 0; i < 300; i++) {
        if (i % 5 != 3) {
            /* now and then out of order by far */
            ngx_webrtc_twcc_record(&tw, (uint16_t) (60000 + i),
                                   3000000 + i * 1000
                                   + ((i % 11 == 0) ? 90000 : 0));
        }
    }

    CHECK(ngx_webrtc_twcc_write(&tw, buf, 23, 1, 2) == 0);
    CHECK(tw.base_seq == 60000);

    next = 60000;
    total = 0;
    ok = 1;

    while ((len = ngx_webrtc_twcc_write(&tw, buf, 40, 1, 2)) != 0) {
        ok &= (len <= 40);
        ok &= (twcc_decode(buf, len, &fb) == NGX_OK);
        ok &= (fb.base == next);

        for (i = 0; i < fb.count; i++) {
            if ((total + i) % 5 == 3) {
                ok &= (fb.status[i] == 0);

            } else {
                ok &= (fb.ticks[i]
                       == (int64_t) (3000000 + (total + i) * 1000
                                     + (((total + i) % 11 == 0) ? 90000 : 0))
                          / 250);
            }
        }

        next = (uint16_t) (next + fb.count);
        total += fb.count;
    }

    CHECK(ok);
    CHECK(total == 300);

    /* no more than 1000 statuses in one */

    ngx_webrtc_twcc_init(&tw);

    for (i = 0; i < 1020; i++) {
        ngx_webrtc_twcc_record(&tw, (uint16_t) i, 1000000 + i * 100);
    }

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.count == 1000 && fb.ticks[999] == (1000000 + 999 * 100) / 250);

    len = ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2);
    CHECK(twcc_decode(buf, len, &fb) == NGX_OK);
    CHECK(fb.base == 1000 && fb.count == 20);
}
