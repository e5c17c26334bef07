
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Unit tests of ngx_webrtc_ring.c (the shared packet ring of a track) and
 * of the writers the forwarding path uses: ngx_webrtc_rtp_write(),
 * ngx_webrtc_rtcp_write_sr() and ngx_webrtc_rtcp_parse_report().
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_ring.h"
#include "ngx_webrtc_rtp.h"
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


static void test_ring_read(void);
static void test_ring_overrun(void);
static void test_ring_find(void);
static void test_rtp_write(void);
static void test_sr_and_report(void);
static size_t packet(u_char *buf, uint16_t seq, uint32_t ssrc, u_char fill);


int
main(void)
{
    test_ring_read();
    test_ring_overrun();
    test_ring_find();
    test_rtp_write();
    test_sr_and_report();

    printf("ring: %lu passed, %lu failed\n", (unsigned long) passed,
           (unsigned long) failed);

    return failed ? 1 : 0;
}


static size_t
packet(u_char *buf, uint16_t seq, uint32_t ssrc, u_char fill)
{
    ngx_webrtc_rtp_header_t  h;
    u_char                   payload[100];

    ngx_memset(payload, fill, sizeof(payload));

    h.pt = 96;
    h.marker = 0;
    h.seq = seq;
    h.ts = 1000u * seq;
    h.ssrc = ssrc;

    return ngx_webrtc_rtp_write(buf, 1500, &h, NULL, 0, payload,
                                sizeof(payload));
}


static ngx_webrtc_ring_t *
ring_new(ngx_uint_t nslots)
{
    ngx_webrtc_ring_t  *ring;

    ring = malloc(ngx_webrtc_ring_size(nslots));
    if (ring == NULL) {
        abort();
    }

    ngx_webrtc_ring_init(ring, nslots);

    return ring;
}


static void
test_ring_read(void)
{
    size_t                   len;
    uint64_t                 pos;
    ngx_uint_t               i;
    ngx_webrtc_ring_t       *ring;
    ngx_webrtc_ring_slot_t   slot;
    u_char                   buf[1500];

    ring = ring_new(8);
    pos = 0;

    CHECK(ngx_webrtc_ring_read(ring, &pos, &slot) == NGX_DECLINED);

    for (i = 0; i < 5; i++) {
        len = packet(buf, (uint16_t) (100 + i), 7, (u_char) i);
        ngx_webrtc_ring_write(ring, buf, len, (uint16_t) (100 + i), 7,
                              i == 0);
    }

    for (i = 0; i < 5; i++) {
        CHECK(ngx_webrtc_ring_read(ring, &pos, &slot) == NGX_OK);
        CHECK(slot.seq == 100 + i);
        CHECK(slot.ssrc == 7);
        CHECK(slot.keyframe == (i == 0));
        CHECK(slot.len == 112);
        CHECK(slot.data[12] == i);
    }

    CHECK(pos == 5);
    CHECK(ngx_webrtc_ring_read(ring, &pos, &slot) == NGX_DECLINED);

    /* too long to keep */
    ngx_webrtc_ring_write(ring, buf, NGX_WEBRTC_RING_PACKET + 1, 1, 7, 0);
    CHECK(ring->head == 5);

    free(ring);
}


static void
test_ring_overrun(void)
{
    size_t                   len;
    uint64_t                 pos;
    ngx_uint_t               i;
    ngx_webrtc_ring_t       *ring;
    ngx_webrtc_ring_slot_t   slot;
    u_char                   buf[1500];

    ring = ring_new(8);
    pos = 0;

    for (i = 0; i < 20; i++) {
        len = packet(buf, (uint16_t) i, 7, (u_char) i);
        ngx_webrtc_ring_write(ring, buf, len, (uint16_t) i, 7, 0);
    }

    /* a reader 20 behind in a ring of 8 is moved to what is still there */

    CHECK(ngx_webrtc_ring_read(ring, &pos, &slot) == NGX_ABORT);
    CHECK(pos == 16);
    CHECK(ngx_webrtc_ring_read(ring, &pos, &slot) == NGX_OK);
    CHECK(slot.seq == 16);

    free(ring);
}


static void
test_ring_find(void)
{
    size_t                   len;
    uint16_t                 seq;
    ngx_uint_t               i;
    ngx_webrtc_ring_t       *ring;
    ngx_webrtc_ring_slot_t   slot;
    u_char                   buf[1500];

    ring = ring_new(64);

    CHECK(ngx_webrtc_ring_find(ring, 7, 1, &slot) == NGX_DECLINED);

    /* sequence numbers that wrap, one pair out of order */

    for (i = 0; i < 100; i++) {
        seq = (uint16_t) (65500 + i);

        if (i == 50) {
            seq++;
        } else if (i == 51) {
            seq--;
        }

        len = packet(buf, seq, 7, (u_char) i);
        ngx_webrtc_ring_write(ring, buf, len, seq, 7, 0);
    }

    seq = (uint16_t) (65500 + 99);
    CHECK(ngx_webrtc_ring_find(ring, 7, seq, &slot) == NGX_OK);
    CHECK(slot.seq == seq && slot.data[12] == 99);

    seq = (uint16_t) (65500 + 50);
    CHECK(ngx_webrtc_ring_find(ring, 7, seq, &slot) == NGX_OK);
    CHECK(slot.seq == seq && slot.data[12] == 51);

    seq = (uint16_t) (65500 + 40);
    CHECK(ngx_webrtc_ring_find(ring, 7, seq, &slot) == NGX_OK);
    CHECK(slot.data[12] == 40);

    /* overwritten, another SSRC, never written */
    CHECK(ngx_webrtc_ring_find(ring, 7, (uint16_t) (65500 + 10), &slot)
          == NGX_DECLINED);
    CHECK(ngx_webrtc_ring_find(ring, 8, (uint16_t) (65500 + 99), &slot)
          == NGX_DECLINED);
    CHECK(ngx_webrtc_ring_find(ring, 7, 1000, &slot) == NGX_DECLINED);

    free(ring);
}


static void
test_rtp_write(void)
{
    u_char                   *v;
    size_t                    len, vlen;
    ngx_webrtc_rtp_ext_t      ext[4];
    ngx_webrtc_rtp_header_t   h, p;
    u_char                    buf[1500], payload[10], abs[3], mid[1];

    ngx_memset(payload, 0xab, sizeof(payload));
    abs[0] = 1; abs[1] = 2; abs[2] = 3;
    mid[0] = '1';

    ext[0].id = 3; ext[0].len = 1; ext[0].data = mid;
    ext[1].id = 2; ext[1].len = 3; ext[1].data = abs;
    ext[2].id = 15; ext[2].len = 1; ext[2].data = mid;   /* left out */
    ext[3].id = 4; ext[3].len = 0; ext[3].data = mid;    /* left out */

    h.pt = 111;
    h.marker = 1;
    h.seq = 65535;
    h.ts = 0xdeadbeef;
    h.ssrc = 0x01020304;

    len = ngx_webrtc_rtp_write(buf, sizeof(buf), &h, ext, 4, payload,
                               sizeof(payload));

    /* 12 header + 4 extension header + 8 (2 + 4, padded) + 10 */
    CHECK(len == 12 + 4 + 8 + 10);
    CHECK(ngx_webrtc_rtp_parse(&p, buf, len) == NGX_OK);
    CHECK(p.pt == 111 && p.marker && p.seq == 65535);
    CHECK(p.ts == 0xdeadbeef && p.ssrc == 0x01020304);
    CHECK(p.payload_len == 10 && buf[p.header_len] == 0xab);

    v = ngx_webrtc_rtp_find_ext(&p, 3, &vlen);
    CHECK(v && vlen == 1 && v[0] == '1');
    v = ngx_webrtc_rtp_find_ext(&p, 2, &vlen);
    CHECK(v && vlen == 3 && v[2] == 3);
    CHECK(ngx_webrtc_rtp_find_ext(&p, 4, &vlen) == NULL);

    /* no extensions: no X bit */
    len = ngx_webrtc_rtp_write(buf, sizeof(buf), &h, ext, 0, payload, 10);
    CHECK(len == 22 && (buf[0] & 0x10) == 0);

    /* does not fit */
    CHECK(ngx_webrtc_rtp_write(buf, 21, &h, NULL, 0, payload, 10) == 0);
    CHECK(ngx_webrtc_rtp_write(buf, 33, &h, ext, 2, payload, 10) == 0);
}


static void
test_sr_and_report(void)
{
    size_t                     len, pos;
    uint64_t                   ntp;
    uint32_t                   rtp_ts, packets, octets;
    ngx_webrtc_rtcp_packet_t   pkt;
    ngx_webrtc_rtcp_report_t   rb;
    u_char                     buf[256];

    static u_char  rr[] = {
        0x82, 201, 0, 13,  0, 0, 0, 9,
        0, 0, 0, 1,  64, 0, 0, 5,  0, 1, 0, 10,  0, 0, 0, 7,
        0xaa, 0xbb, 0xcc, 0xdd,  0, 1, 0, 0,
        0, 0, 0, 2,  0, 0xff, 0xff, 0xfe,  0, 0, 0, 0,  0, 0, 0, 0,
        0, 0, 0, 0,  0, 0, 0, 0
    };

    len = ngx_webrtc_rtcp_write_sr(buf, sizeof(buf), 0x11223344,
                                   0x0102030405060708ULL, 90000, 10, 1000);
    CHECK(len == 28);

    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(buf, len, &pos, &pkt) == NGX_OK);
    CHECK(pkt.type == NGX_WEBRTC_RTCP_SR && pkt.ssrc == 0x11223344);
    CHECK(ngx_webrtc_rtcp_parse_sr(&pkt, &ntp, &rtp_ts, &packets, &octets)
          == NGX_OK);
    CHECK(ntp == 0x0102030405060708ULL && rtp_ts == 90000);
    CHECK(packets == 10 && octets == 1000);
    CHECK(ngx_webrtc_rtcp_parse_report(&pkt, 0, &rb) == NGX_DONE);
    CHECK(ngx_webrtc_rtcp_write_sr(buf, 27, 1, 2, 3, 4, 5) == 0);

    /* an RR with two blocks, the second with a negative lost count */

    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(rr, sizeof(rr), &pos, &pkt) == NGX_OK);
    CHECK(ngx_webrtc_rtcp_parse_report(&pkt, 0, &rb) == NGX_OK);
    CHECK(rb.ssrc == 1 && rb.fraction == 64 && rb.lost == 5);
    CHECK(rb.highest_seq == 0x1000a && rb.jitter == 7);
    CHECK(rb.lsr == 0xaabbccdd && rb.dlsr == 0x10000);
    CHECK(ngx_webrtc_rtcp_parse_report(&pkt, 1, &rb) == NGX_OK);
    CHECK(rb.ssrc == 2 && rb.lost == -2);
    CHECK(ngx_webrtc_rtcp_parse_report(&pkt, 2, &rb) == NGX_DONE);

    /* a count that claims more blocks than the length holds */
    rr[0] = 0x83;
    pos = 0;
    CHECK(ngx_webrtc_rtcp_next(rr, sizeof(rr), &pos, &pkt) == NGX_OK);
    CHECK(ngx_webrtc_rtcp_parse_report(&pkt, 2, &rb) == NGX_DONE);
}
