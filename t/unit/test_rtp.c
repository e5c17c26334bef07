
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Unit tests of ngx_webrtc_rtp.c: header and extension parsing, keyframe
 * detection per codec, the receive statistics and the NACK list.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_rtp.h"
#include "ngx_webrtc_sdp.h"

#include <stdio.h>


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


#define KEY(codec, bytes)                                                     \
    ngx_webrtc_rtp_is_keyframe(codec, (u_char *) bytes, sizeof(bytes) - 1)


static void test_header(void);
static void test_two_byte(void);
static void test_truncated(void);
static void test_keyframe(void);
static void test_recv(void);
static void test_recv_wrap(void);
static void test_nacks(void);
static void test_window(void);
static void test_jitter(void);


int
main(void)
{
    test_header();
    test_two_byte();
    test_truncated();
    test_keyframe();
    test_recv();
    test_recv_wrap();
    test_nacks();
    test_window();
    test_jitter();

    printf("rtp: %lu passed, %lu failed\n",
           (unsigned long) passed, (unsigned long) failed);

    return failed ? 1 : 0;
}


/* V=2 P X CC=2, M, PT 96, two CSRCs, one-byte extensions, 3 padding bytes */

static u_char  pkt_one_byte[] = {
    0xb2, 0xe0, 0x12, 0x34,  0xde, 0xad, 0xbe, 0xef,
    0x11, 0x22, 0x33, 0x44,
    0x01, 0x01, 0x01, 0x01,  0x02, 0x02, 0x02, 0x02,
    0xbe, 0xde, 0x00, 0x03,
    0x10, 0xaa,                     /* id 1, 1 byte */
    0x00,                           /* padding */
    0x22, 0x01, 0x02, 0x03,         /* id 2, 3 bytes */
    0x00, 0x00,                     /* padding */
    0xf0,                           /* id 15: stop */
    0x30, 0xbb,                     /* id 3, after the stop: unseen */
    'h', 'e', 'l', 'l', 'o',
    0x00, 0x00, 0x03
};


static void
test_header(void)
{
    u_char                   *e;
    size_t                    len;
    ngx_webrtc_rtp_header_t   h;

    CHECK(ngx_webrtc_rtp_parse(&h, pkt_one_byte, sizeof(pkt_one_byte))
          == NGX_OK);
    CHECK(h.pt == 96);
    CHECK(h.marker == 1);
    CHECK(h.padding == 1);
    CHECK(h.seq == 0x1234);
    CHECK(h.ts == 0xdeadbeef);
    CHECK(h.ssrc == 0x11223344);
    CHECK(h.header_len == 12 + 8 + 4 + 12);
    CHECK(h.payload_len == 5);
    CHECK(ngx_memcmp(pkt_one_byte + h.header_len, "hello", 5) == 0);
    CHECK(h.ext_profile == 0xbede);
    CHECK(h.ext_len == 12);
    CHECK(h.ext == pkt_one_byte + 24);

    len = 0;
    e = ngx_webrtc_rtp_find_ext(&h, 1, &len);
    CHECK(e != NULL && len == 1 && e[0] == 0xaa);

    e = ngx_webrtc_rtp_find_ext(&h, 2, &len);
    CHECK(e != NULL && len == 3 && e[0] == 1 && e[2] == 3);

    CHECK(ngx_webrtc_rtp_find_ext(&h, 3, &len) == NULL);
    CHECK(ngx_webrtc_rtp_find_ext(&h, 4, &len) == NULL);
    CHECK(ngx_webrtc_rtp_find_ext(&h, 15, &len) == NULL);
    CHECK(ngx_webrtc_rtp_find_ext(&h, 0, &len) == NULL);

    /* no extension, no padding */

    {
        u_char  plain[] = { 0x80, 0x6f, 0xff, 0xff, 0, 0, 0, 1,
                            0, 0, 0, 2, 'x' };

        CHECK(ngx_webrtc_rtp_parse(&h, plain, sizeof(plain)) == NGX_OK);
        CHECK(h.pt == 111 && h.marker == 0 && h.padding == 0);
        CHECK(h.seq == 0xffff && h.ts == 1 && h.ssrc == 2);
        CHECK(h.header_len == 12 && h.payload_len == 1);
        CHECK(h.ext == NULL && h.ext_len == 0);
        CHECK(ngx_webrtc_rtp_find_ext(&h, 1, &len) == NULL);
    }

    /* a header alone is a valid, empty packet */

    {
        u_char  empty[] = { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2 };

        CHECK(ngx_webrtc_rtp_parse(&h, empty, sizeof(empty)) == NGX_OK);
        CHECK(h.payload_len == 0);
    }

    /* padding that eats the whole payload is allowed */

    {
        u_char  padonly[] = { 0xa0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2,
                              0, 0, 0, 4 };

        CHECK(ngx_webrtc_rtp_parse(&h, padonly, sizeof(padonly)) == NGX_OK);
        CHECK(h.payload_len == 0 && h.header_len == 12);
    }

    /* a one-byte element that claims more than the block holds */

    {
        u_char  over[] = { 0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2,
                           0xbe, 0xde, 0x00, 0x01,
                           0x10, 0xaa, 0x2f, 0x00 };

        CHECK(ngx_webrtc_rtp_parse(&h, over, sizeof(over)) == NGX_OK);
        e = ngx_webrtc_rtp_find_ext(&h, 1, &len);
        CHECK(e != NULL && len == 1);
        CHECK(ngx_webrtc_rtp_find_ext(&h, 2, &len) == NULL);
    }
}


static void
test_two_byte(void)
{
    u_char                   *e;
    size_t                    len;
    ngx_webrtc_rtp_header_t   h;
    u_char                    pkt[] = {
        0x90, 0x60, 0x00, 0x01,  0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x02,
        0x10, 0x00, 0x00, 0x03,
        0x05, 0x00,                 /* id 5, empty */
        0x07, 0x02, 0xc1, 0xc2,     /* id 7, 2 bytes */
        0x00,                       /* padding */
        0x14, 0x01, 0x99,           /* id 20, 1 byte */
        0x00, 0x00,                 /* padding */
        'p'
    };

    CHECK(ngx_webrtc_rtp_parse(&h, pkt, sizeof(pkt)) == NGX_OK);
    CHECK(h.ext_profile == 0x1000);
    CHECK(h.ext_len == 12);
    CHECK(h.header_len == 28 && h.payload_len == 1);

    len = 99;
    e = ngx_webrtc_rtp_find_ext(&h, 5, &len);
    CHECK(e != NULL && len == 0);

    e = ngx_webrtc_rtp_find_ext(&h, 7, &len);
    CHECK(e != NULL && len == 2 && e[0] == 0xc1 && e[1] == 0xc2);

    e = ngx_webrtc_rtp_find_ext(&h, 20, &len);
    CHECK(e != NULL && len == 1 && e[0] == 0x99);

    CHECK(ngx_webrtc_rtp_find_ext(&h, 9, &len) == NULL);

    /* an unknown profile has no elements we can read */

    pkt[12] = 0x12;
    CHECK(ngx_webrtc_rtp_parse(&h, pkt, sizeof(pkt)) == NGX_OK);
    CHECK(ngx_webrtc_rtp_find_ext(&h, 7, &len) == NULL);
}


static void
test_truncated(void)
{
    size_t                   i;
    ngx_webrtc_rtp_header_t  h;
    u_char                   bad[sizeof(pkt_one_byte)];

    for (i = 0; i < 36; i++) {
        CHECK(ngx_webrtc_rtp_parse(&h, pkt_one_byte, i) == NGX_ERROR);
    }

    /* version 1 */
    ngx_memcpy(bad, pkt_one_byte, sizeof(bad));
    bad[0] = 0x72;
    CHECK(ngx_webrtc_rtp_parse(&h, bad, sizeof(bad)) == NGX_ERROR);

    /* padding count 0 */
    ngx_memcpy(bad, pkt_one_byte, sizeof(bad));
    bad[sizeof(bad) - 1] = 0;
    CHECK(ngx_webrtc_rtp_parse(&h, bad, sizeof(bad)) == NGX_ERROR);

    /* padding longer than the payload (8 bytes with the padding) */
    bad[sizeof(bad) - 1] = 9;
    CHECK(ngx_webrtc_rtp_parse(&h, bad, sizeof(bad)) == NGX_ERROR);
    bad[sizeof(bad) - 1] = 8;
    CHECK(ngx_webrtc_rtp_parse(&h, bad, sizeof(bad)) == NGX_OK);
    CHECK(h.payload_len == 0);

    /* 15 CSRCs in a 44-byte packet */
    ngx_memcpy(bad, pkt_one_byte, sizeof(bad));
    bad[0] = 0x8f;
    CHECK(ngx_webrtc_rtp_parse(&h, bad, sizeof(bad)) == NGX_ERROR);

    /* an extension block longer than the packet */
    ngx_memcpy(bad, pkt_one_byte, sizeof(bad));
    bad[22] = 0x01;
    CHECK(ngx_webrtc_rtp_parse(&h, bad, sizeof(bad)) == NGX_ERROR);
    bad[22] = 0x00;
    bad[23] = 0x06;
    CHECK(ngx_webrtc_rtp_parse(&h, bad, sizeof(bad)) == NGX_ERROR);
}


static void
test_keyframe(void)
{
    /* H.264, RFC 6184 */

    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x65\x88\x84") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x67\x42\x00") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x41\x9a\x00") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x68\xce") == 0);

    /* STAP-A: SPS, PPS, IDR */
    CHECK(KEY(NGX_WEBRTC_CODEC_H264,
              "\x78\x00\x02\x68\xce\x00\x03\x67\x42\x00") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264,
              "\x78\x00\x02\x68\xce\x00\x02\x65\x88") == 1);
    /* STAP-A: SEI, non-IDR */
    CHECK(KEY(NGX_WEBRTC_CODEC_H264,
              "\x78\x00\x02\x06\x05\x00\x02\x41\x9a") == 0);
    /* STAP-A whose second size runs past the end */
    CHECK(KEY(NGX_WEBRTC_CODEC_H264,
              "\x78\x00\x02\x68\xce\x00\x09\x65\x88") == 0);
    /* STAP-A with a size of zero, then an IDR */
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x78\x00\x00\x00\x01\x65") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x78\x00") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x78") == 0);

    /* FU-A: start of an IDR, middle, end, start of a non-IDR */
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x7c\x85\x88") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x7c\x05\x88") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x7c\x45\x88") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x7c\x81\x9a") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "\x7c") == 0);

    /* VP8, RFC 7741: S=1 PID=0, then the payload header's P bit */

    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x10\x50\x02\x00") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x10\x51\x02\x00") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x00\x50\x02\x00") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x11\x50\x02\x00") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x10") == 0);

    /* X with I (15-bit PictureID), L, T: 5 descriptor bytes */
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90\xe0\x80\x01\x05\x20\x50") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90\xe0\x80\x01\x05\x20\x51") == 0);
    /* X with I (7-bit PictureID) only */
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90\x80\x01\x50") == 1);
    /* X with K only */
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90\x10\x20\x50") == 1);
    /* truncated descriptors */
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90\xe0\x80\x01\x05\x20") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90\x80\x81") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90\x80") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "\x90") == 0);

    /* VP9: I P L F B E V Z */

    CHECK(KEY(NGX_WEBRTC_CODEC_VP9, "\x08\x00") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP9, "\x8e\x00") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP9, "\x48\x00") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP9, "\x84\x00") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP9, "\x00") == 0);

    /* AV1: Z Y W W N */

    CHECK(KEY(NGX_WEBRTC_CODEC_AV1, "\x18\x0a") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_AV1, "\x08") == 1);
    CHECK(KEY(NGX_WEBRTC_CODEC_AV1, "\x10\x0a") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_AV1, "\xc0\x0a") == 0);

    /* nothing is a keyframe when empty, or of another codec */

    CHECK(KEY(NGX_WEBRTC_CODEC_H264, "") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP8, "") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_VP9, "") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_AV1, "") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_OPUS, "\x08\x65") == 0);
    CHECK(KEY(NGX_WEBRTC_CODEC_OTHER, "\x65") == 0);
}


static void
test_recv(void)
{
    uint16_t               seqs[16];
    ngx_uint_t             n;
    ngx_webrtc_rtp_recv_t  rs;

    ngx_webrtc_rtp_recv_init(&rs, 90000);

    CHECK(rs.started == 0 && rs.nmissing == 0 && rs.clock_rate == 90000);

    /* in order */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 100, 1000, 10) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 101, 1000, 10) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 102, 4000, 43) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 103, 4000, 43) == 1);
    CHECK(rs.started == 1);
    CHECK(rs.base_seq == 100 && rs.max_seq == 103);
    CHECK(rs.received == 4 && rs.cycles == 0);
    CHECK(rs.nmissing == 0 && rs.lost_total == 0);
    CHECK(ngx_webrtc_rtp_recv_nacks(&rs, 50, 100, seqs, 16) == 0);

    /* a gap of 3 */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 107, 7000, 76) == 1);
    CHECK(rs.max_seq == 107 && rs.nmissing == 3 && rs.lost_total == 3);

    n = ngx_webrtc_rtp_recv_nacks(&rs, 80, 100, seqs, 16);
    CHECK(n == 3);
    CHECK(seqs[0] == 104 && seqs[1] == 105 && seqs[2] == 106);

    /* the retransmission of one removes it */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 105, 5000, 120) == 1);
    CHECK(rs.nmissing == 2 && rs.received == 6 && rs.lost_total == 2);
    CHECK(rs.max_seq == 107);

    /* duplicates: the highest, an old one, the retransmitted one again */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 107, 7000, 121) == 0);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 101, 1000, 121) == 0);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 105, 5000, 122) == 0);
    CHECK(rs.received == 6 && rs.nmissing == 2);

    n = ngx_webrtc_rtp_recv_nacks(&rs, 200, 100, seqs, 16);
    CHECK(n == 2 && seqs[0] == 104 && seqs[1] == 106);

    /* reordering within the dropout: 110 before 109 and 108 */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 110, 10000, 200) == 1);
    CHECK(rs.nmissing == 4);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 109, 9000, 201) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 108, 8000, 201) == 1);
    CHECK(rs.nmissing == 2 && rs.max_seq == 110);

    /* a packet far behind that was never missing is no news */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, (uint16_t) (110 - 2000), 0, 202)
          == 0);
    CHECK(rs.max_seq == 110 && rs.base_seq == 100);

    /* a jump beyond MAX_DROPOUT restarts the sequence */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 20000, 0, 300) == 1);
    CHECK(rs.base_seq == 20000 && rs.max_seq == 20000);
    CHECK(rs.received == 1 && rs.cycles == 0 && rs.nmissing == 0);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 20001, 0, 300) == 1);
    CHECK(rs.received == 2);

    /* a gap wider than the NACK window is not tracked */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 20005, 0, 300) == 1);
    CHECK(rs.nmissing == 3);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 20005 + NGX_WEBRTC_NACK_WINDOW + 1,
                                     0, 300) == 1);
    CHECK(rs.nmissing == 0);
    CHECK(rs.lost_total == 2 + 3 + NGX_WEBRTC_NACK_WINDOW);
}


static void
test_recv_wrap(void)
{
    uint16_t               seqs[16];
    ngx_uint_t             n;
    ngx_webrtc_rtp_recv_t  rs;

    ngx_webrtc_rtp_recv_init(&rs, 48000);

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 65534, 0, 0) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 65535, 960, 20) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 0, 1920, 40) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 1, 2880, 60) == 1);
    CHECK(rs.max_seq == 1 && rs.cycles == 65536 && rs.received == 4);
    CHECK(rs.nmissing == 0);

    /* a gap across the wrap */

    ngx_webrtc_rtp_recv_init(&rs, 48000);

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 65533, 0, 0) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 1, 3840, 80) == 1);
    CHECK(rs.cycles == 65536 && rs.max_seq == 1);

    n = ngx_webrtc_rtp_recv_nacks(&rs, 100, 50, seqs, 16);
    CHECK(n == 3);
    CHECK(seqs[0] == 65534 && seqs[1] == 65535 && seqs[2] == 0);

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 65535, 1920, 120) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 65535, 1920, 121) == 0);
    CHECK(rs.nmissing == 2 && rs.cycles == 65536 && rs.max_seq == 1);
}


static void
test_nacks(void)
{
    uint16_t               seqs[16];
    ngx_uint_t             n, i;
    ngx_webrtc_rtp_recv_t  rs;

    ngx_webrtc_rtp_recv_init(&rs, 90000);

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 10, 0, 1000) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 12, 0, 1000) == 1);
    CHECK(rs.nmissing == 1);

    /* first time at once, then once per rtt */

    n = ngx_webrtc_rtp_recv_nacks(&rs, 1000, 100, seqs, 16);
    CHECK(n == 1 && seqs[0] == 11);
    CHECK(rs.tries[0] == 1 && rs.sent[0] == 1000);

    CHECK(ngx_webrtc_rtp_recv_nacks(&rs, 1050, 100, seqs, 16) == 0);
    CHECK(ngx_webrtc_rtp_recv_nacks(&rs, 1099, 100, seqs, 16) == 0);
    CHECK(ngx_webrtc_rtp_recv_nacks(&rs, 1100, 100, seqs, 16) == 1);

    for (i = 3; i <= NGX_WEBRTC_NACK_MAX_TRIES; i++) {
        CHECK(ngx_webrtc_rtp_recv_nacks(&rs, 1000 + i * 100, 100, seqs, 16)
              == 1);
    }

    /* asked NGX_WEBRTC_NACK_MAX_TRIES times: given up */

    CHECK(rs.nmissing == 0);
    CHECK(ngx_webrtc_rtp_recv_nacks(&rs, 5000, 100, seqs, 16) == 0);

    /* and its late arrival is not news any more */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 11, 0, 5000) == 0);

    /* max is honoured; those left out come first next time */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 20, 0, 6000) == 1);
    CHECK(rs.nmissing == 7);

    n = ngx_webrtc_rtp_recv_nacks(&rs, 6000, 100, seqs, 4);
    CHECK(n == 4 && seqs[0] == 13 && seqs[3] == 16);

    n = ngx_webrtc_rtp_recv_nacks(&rs, 6010, 100, seqs, 16);
    CHECK(n == 3 && seqs[0] == 17 && seqs[2] == 19);

    n = ngx_webrtc_rtp_recv_nacks(&rs, 6100, 100, seqs, 16);
    CHECK(n == 4 && seqs[0] == 13);

    CHECK(ngx_webrtc_rtp_recv_nacks(&rs, 6100, 100, seqs, 0) == 0);
    CHECK(rs.nmissing == 7);
}


static void
test_window(void)
{
    uint16_t               s;
    ngx_uint_t             i, most;
    ngx_webrtc_rtp_recv_t  rs;

    ngx_webrtc_rtp_recv_init(&rs, 90000);

    /* lose every other packet across the wrap, more than the window */

    s = 65000;
    most = 0;
    CHECK(ngx_webrtc_rtp_recv_update(&rs, s, 0, 0) == 1);

    for (i = 0; i < 2000; i++) {
        s += 2;
        (void) ngx_webrtc_rtp_recv_update(&rs, s, 0, 0);

        if (rs.nmissing > most) {
            most = rs.nmissing;
        }
    }

    CHECK(most == NGX_WEBRTC_NACK_WINDOW / 2);
    CHECK(rs.nmissing == NGX_WEBRTC_NACK_WINDOW / 2);
    CHECK(rs.missing[0] == (uint16_t) (s - NGX_WEBRTC_NACK_WINDOW + 1));
    CHECK(rs.missing[rs.nmissing - 1] == (uint16_t) (s - 1));
    CHECK(rs.lost_total == 2000);
    CHECK(rs.cycles == 65536);

    /* a retransmission just inside the window, one just outside */

    CHECK(ngx_webrtc_rtp_recv_update(&rs,
                                     (uint16_t) (s - NGX_WEBRTC_NACK_WINDOW
                                                 + 1), 0, 0) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs,
                                     (uint16_t) (s - NGX_WEBRTC_NACK_WINDOW
                                                 - 1), 0, 0) == 0);
    CHECK(rs.nmissing == NGX_WEBRTC_NACK_WINDOW / 2 - 1);

    /* the list is full and stays bounded on a burst loss */

    ngx_webrtc_rtp_recv_init(&rs, 90000);

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 1, 0, 0) == 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 1 + NGX_WEBRTC_NACK_WINDOW, 0, 0)
          == 1);
    CHECK(rs.nmissing == NGX_WEBRTC_NACK_WINDOW - 1);
    CHECK(ngx_webrtc_rtp_recv_update(&rs, 3 + NGX_WEBRTC_NACK_WINDOW, 0, 0)
          == 1);
    CHECK(rs.nmissing == NGX_WEBRTC_NACK_WINDOW - 1);
    CHECK(rs.missing[0] == 3);
}


static void
test_jitter(void)
{
    ngx_uint_t             i;
    ngx_webrtc_rtp_recv_t  rs;

    ngx_webrtc_rtp_recv_init(&rs, 90000);

    /* 10 fps, on time: no jitter, even across the timestamp wrap */

    for (i = 0; i < 10; i++) {
        CHECK(ngx_webrtc_rtp_recv_update(&rs, (uint16_t) i,
                                         (uint32_t) (0xffff0000 + i * 9000),
                                         1700000000000ULL + i * 100)
              == 1);
    }

    CHECK(rs.jitter == 0.0);

    /* a packet 10 ms late: |D| = 900, J += (900 - J) / 16 */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 10, 0xffff0000 + 10 * 9000,
                                     1700000000000ULL + 1000 + 10) == 1);
    CHECK(rs.jitter == 900.0 / 16);

    /* back on time: |D| = 900 again */

    CHECK(ngx_webrtc_rtp_recv_update(&rs, 11, 0xffff0000 + 11 * 9000,
                                     1700000000000ULL + 1100) == 1);
    CHECK(rs.jitter > 108.0 && rs.jitter < 109.0);
}
