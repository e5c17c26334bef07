
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of src/ngx_webrtc_rtcp.c.  The input is read three ways:
 *
 *   - as a compound RTCP packet: the rtcp_next() walk, and on each packet
 *     every parser (parse_nack with a small and a large max, keyframe_ssrc,
 *     parse_sr, parse_report for each block and past them), on a copy of
 *     the body of its exact length so that an over-read into the padding or
 *     the next packet is caught;
 *
 *   - as sequence numbers for the NACK builder: what it writes must walk as
 *     one well-formed packet and parse back to the same set;
 *
 *   - as 4-byte records of transport-wide arrivals (seq, time) and feedback
 *     writes into buffers of an input-chosen size: each feedback is checked
 *     by a decoder written here from the draft, independent of the
 *     encoder, against a shadow of what was recorded.
 *
 * The other builders (SR, RR, PLI, FIR, REMB) are checked by reading back what
 * they wrote from values taken from the input.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_rtcp.h"
#include "fuzz.h"


#define get16(p)  (uint16_t) (((uint16_t) (p)[0] << 8) | (p)[1])
#define get32(p)  (((uint32_t) (p)[0] << 24) | ((uint32_t) (p)[1] << 16)      \
                   | ((uint32_t) (p)[2] << 8) | (p)[3])


#define FUZZ_SENDER       0x5e9de501
#define FUZZ_MEDIA        0x3ed1a001

#define FUZZ_MAX_LEN      1500          /* the make target's -max_len */
#define FUZZ_NACK_SMALL   3
#define FUZZ_NACK_ALL     (17 * (FUZZ_MAX_LEN / 4))
#define FUZZ_NACK_SEQS    64        /* what the module asks at most */

#define TWCC_TICK_US      250
#define TWCC_REF_TICKS    256           /* 64 ms */


/* one transport-cc feedback as the draft describes it */
typedef struct {
    uint32_t        sender;
    uint32_t        media;
    uint16_t        base;
    uint16_t        count;
    uint32_t        ref;                /* 24 bits, in 64 ms */
    u_char          fb_count;
    u_char          status[NGX_WEBRTC_TWCC_WINDOW];
    int64_t         ticks[NGX_WEBRTC_TWCC_WINDOW]; /* 250 us units */
} twcc_fb_t;


static void fuzz_walk(u_char *p, size_t size);
static void fuzz_parsers(ngx_webrtc_rtcp_packet_t *pkt);
static void fuzz_nack(const uint8_t *data, size_t size);
static void fuzz_twcc(const uint8_t *data, size_t size);
static size_t twcc_write(size_t size, ngx_uint_t *fb_count);
static ngx_int_t twcc_decode(u_char *p, size_t len, twcc_fb_t *fb);
static void fuzz_builders(const uint8_t *data, size_t size);
static u_char *dup_exact(const void *data, size_t len);


static uint16_t            seqs[FUZZ_NACK_ALL];
static uint16_t            seqs_small[FUZZ_NACK_SMALL];

/* NACK: the input's set and the parsed one, reset after each run */
static u_char              in_set[65536];
static u_char              out_set[65536];

/* TWCC: the recorder, and per seq the first and the last arrival since
   the seq was last reported, -1 when none; reset after each run */
static ngx_webrtc_twcc_t   tw;
static twcc_fb_t           fb;
static int64_t             first_us[65536];
static int64_t             last_us[65536];
static uint16_t            touched[FUZZ_MAX_LEN];
static ngx_uint_t          ntouched;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char  *p;

    /* as libFuzzer does with a longer file under -max_len */
    size = ngx_min(size, FUZZ_MAX_LEN);

    p = dup_exact(data, size);
    fuzz_walk(p, size);
    free(p);

    fuzz_nack(data, size);
    fuzz_twcc(data, size);
    fuzz_builders(data, size);

    return 0;
}


static void
fuzz_walk(u_char *p, size_t size)
{
    size_t                     pos, prev, plen;
    ngx_int_t                  rc;
    ngx_webrtc_rtcp_packet_t   pkt;

    pos = 0;

    for ( ;; ) {
        prev = pos;
        rc = ngx_webrtc_rtcp_next(p, size, &pos, &pkt);

        if (rc == NGX_DONE) {
            fuzz_assert(pos == size);
            return;
        }

        if (rc == NGX_ERROR) {
            return;
        }

        fuzz_assert(rc == NGX_OK);

        /* RFC 3550 6.4.1: the length in 32-bit words minus one */

        fuzz_assert(pos > prev && pos <= size);

        plen = pos - prev;

        fuzz_assert(plen % 4 == 0);
        fuzz_assert(plen == ((size_t) get16(p + prev + 2) + 1) * 4);
        fuzz_assert((p[prev] >> 6) == 2);
        fuzz_assert(pkt.type == p[prev + 1]);
        fuzz_assert(pkt.count == (p[prev] & 0x1f));
        fuzz_assert(pkt.body == p + prev + 4);

        if (p[prev] & 0x20) {
            fuzz_assert(p[pos - 1] != 0);
            fuzz_assert(pkt.len + p[pos - 1] == plen - 4);

        } else {
            fuzz_assert(pkt.len == plen - 4);
        }

        fuzz_assert(pkt.ssrc == (pkt.len >= 4 ? get32(pkt.body) : 0));

        fuzz_parsers(&pkt);
    }
}


static void
fuzz_parsers(ngx_webrtc_rtcp_packet_t *pkt)
{
    u_char                    *b;
    size_t                     i, off;
    int32_t                    lost;
    uint16_t                   blp;
    uint32_t                   media, rtp_ts, packets, octets;
    uint64_t                   ntp;
    ngx_int_t                  rc;
    ngx_uint_t                 n, k, expect, nack, report;
    ngx_webrtc_rtcp_packet_t   c;
    ngx_webrtc_rtcp_report_t   rb;

    /* the body alone, padding removed, in a block of its own */

    c = *pkt;
    c.body = dup_exact(pkt->body, pkt->len);
    b = c.body;

    /* NACK (RFC 4585 6.2.1): each PID/BLP pair names 1 + popcount(BLP) */

    nack = (c.type == NGX_WEBRTC_RTCP_RTPFB && c.count == 1 && c.len >= 8);

    media = 0;
    n = ngx_webrtc_rtcp_parse_nack(&c, &media, seqs, FUZZ_NACK_ALL);

    expect = 0;

    for (i = 8; nack && c.len - i >= 4; i += 4) {
        expect++;

        for (blp = get16(b + i + 2); blp; blp &= blp - 1) {
            expect++;
        }
    }

    fuzz_assert(n == expect);

    if (nack) {
        fuzz_assert(media == get32(b + 4));
        fuzz_assert(n == 0 || seqs[0] == get16(b + 8));
    }

    k = ngx_webrtc_rtcp_parse_nack(&c, &media, seqs_small, FUZZ_NACK_SMALL);

    fuzz_assert(k == ngx_min(n, FUZZ_NACK_SMALL));
    fuzz_assert(memcmp(seqs_small, seqs, k * sizeof(uint16_t)) == 0);
    fuzz_assert(ngx_webrtc_rtcp_parse_nack(&c, &media, seqs, 0) == 0);

    /* PLI (RFC 4585 6.3.1), FIR (RFC 5104 4.3.1) */

    media = ngx_webrtc_rtcp_keyframe_ssrc(&c);

    if (c.type == NGX_WEBRTC_RTCP_PSFB && c.count == 1 && c.len >= 8) {
        fuzz_assert(media == get32(b + 4));

    } else if (c.type == NGX_WEBRTC_RTCP_PSFB && c.count == 4
               && c.len >= 16)
    {
        fuzz_assert(media == get32(b + 8));

    } else {
        fuzz_assert(media == 0);
    }

    /* SR (RFC 3550 6.4.1) */

    rc = ngx_webrtc_rtcp_parse_sr(&c, &ntp, &rtp_ts, &packets, &octets);

    if (c.type == NGX_WEBRTC_RTCP_SR && c.len >= 24) {
        fuzz_assert(rc == NGX_OK);
        fuzz_assert(ntp == ((uint64_t) get32(b + 4) << 32 | get32(b + 8)));
        fuzz_assert(rtp_ts == get32(b + 12));
        fuzz_assert(packets == get32(b + 16));
        fuzz_assert(octets == get32(b + 20));
        fuzz_assert(ngx_webrtc_rtcp_parse_sr(&c, NULL, NULL, NULL, NULL)
                    == NGX_OK);

    } else {
        fuzz_assert(rc == NGX_ERROR);
    }

    /* report blocks (RFC 3550 6.4.1, 6.4.2): count of them, after the
       sender info of an SR or the SSRC of an RR, as far as the body goes */

    report = (c.type == NGX_WEBRTC_RTCP_SR || c.type == NGX_WEBRTC_RTCP_RR);

    for (k = 0; k <= (ngx_uint_t) c.count + 1; k++) {
        rc = ngx_webrtc_rtcp_parse_report(&c, k, &rb);

        off = ((c.type == NGX_WEBRTC_RTCP_SR) ? 24 : 4) + k * 24;

        if (!report || k >= c.count || off + 24 > c.len) {
            fuzz_assert(rc == NGX_DONE);
            continue;
        }

        fuzz_assert(rc == NGX_OK);

        lost = (int32_t) (get32(b + off + 4) & 0xffffff);
        lost = (lost & 0x800000) ? lost - 0x1000000 : lost;

        fuzz_assert(rb.ssrc == get32(b + off));
        fuzz_assert(rb.fraction == b[off + 4]);
        fuzz_assert(rb.lost == lost);
        fuzz_assert(rb.highest_seq == get32(b + off + 8));
        fuzz_assert(rb.jitter == get32(b + off + 12));
        fuzz_assert(rb.lsr == get32(b + off + 16));
        fuzz_assert(rb.dlsr == get32(b + off + 20));
    }

    fuzz_assert(ngx_webrtc_rtcp_parse_report(&c, (ngx_uint_t) -1, &rb)
                == NGX_DONE);

    free(b);
}


/*
 * Sequences for the NACK builder, at most FUZZ_NACK_SEQS: when the first
 * byte is even, 16-bit values from the input; when odd, clustered ones,
 * each within -16..15 of the one before, as losses come.
 */

static void
fuzz_nack(const uint8_t *data, size_t size)
{
    u_char                    *buf, *small;
    size_t                     len, cut, pos;
    uint16_t                   in[FUZZ_NACK_SEQS];
    ngx_uint_t                 i, n, m, distinct;
    ngx_webrtc_rtcp_packet_t   pkt;
    u_char                     empty[64];

    n = ngx_min(size / 2, FUZZ_NACK_SEQS);

    if (n == 0) {
        fuzz_assert(ngx_webrtc_rtcp_write_nack(empty, sizeof(empty), 1, 2,
                                               in, 0)
                    == 0);
        return;
    }

    in[0] = get16(data);

    for (i = 1; i < n; i++) {
        in[i] = (data[0] & 1)
                ? (uint16_t) (in[i - 1] + ((int8_t) data[2 * i] >> 3))
                : get16(data + 2 * i);
    }

    distinct = 0;

    for (i = 0; i < n; i++) {
        if (!in_set[in[i]]) {
            in_set[in[i]] = 1;
            distinct++;
        }
    }

    /* each pair covers at least one sequence not yet covered */

    len = 12 + 4 * distinct;
    buf = malloc(len);
    fuzz_assert(buf != NULL);

    len = ngx_webrtc_rtcp_write_nack(buf, len, FUZZ_SENDER, FUZZ_MEDIA,
                                     in, n);

    fuzz_assert(len >= 16 && len <= 12 + 4 * distinct && len % 4 == 0);
    fuzz_assert(buf[0] == (0x80 | 1) && buf[1] == NGX_WEBRTC_RTCP_RTPFB);
    fuzz_assert(((size_t) get16(buf + 2) + 1) * 4 == len);
    fuzz_assert(get32(buf + 4) == FUZZ_SENDER);
    fuzz_assert(get32(buf + 8) == FUZZ_MEDIA);

    pos = 0;
    fuzz_assert(ngx_webrtc_rtcp_next(buf, len, &pos, &pkt) == NGX_OK);
    fuzz_assert(pos == len);
    fuzz_assert(ngx_webrtc_rtcp_next(buf, len, &pos, &pkt) == NGX_DONE);

    m = ngx_webrtc_rtcp_parse_nack(&pkt, &pkt.ssrc, seqs, FUZZ_NACK_ALL);

    /* the same set: each parsed seq was given, once; all were parsed */

    fuzz_assert(pkt.ssrc == FUZZ_MEDIA);
    fuzz_assert(m == distinct);

    for (i = 0; i < m; i++) {
        fuzz_assert(in_set[seqs[i]]);
        fuzz_assert(!out_set[seqs[i]]);
        out_set[seqs[i]] = 1;
    }

    /* shorter buffers: nothing, or the same packet when it fits */

    for (i = 0; i < 2; i++) {
        cut = (i == 0) ? len - 1 : (size_t) data[size - 1] * 4 % (len + 1);

        small = malloc(cut ? cut : 1);
        fuzz_assert(small != NULL);

        m = ngx_webrtc_rtcp_write_nack(small, cut, 1, 2, in, n);

        fuzz_assert(m == 0 || (m == len && cut >= len));

        free(small);
    }

    for (i = 0; i < n; i++) {
        in_set[in[i]] = 0;
        out_set[in[i]] = 0;
    }

    free(buf);
}


/*
 * Records of 4 bytes, op a b c:
 *
 *   op & 0xc0 == 0xc0    write feedback into a buffer of (a << 8 | b) % 1501
 *                        bytes
 *   otherwise            a packet arrives: seq a << 8 | b when op & 0x40,
 *                        else the last seq + (int8) a; the clock advances
 *                        by c * 250 us, or c * 65.536 ms when op & 0x20
 *                        (deltas too large for 16 bits); when op & 0x10 it
 *                        is recorded as not seen (-1)
 *
 * The first byte also picks a start time, up to ~200 days, so that the
 * 24-bit reference time wraps.
 */

static void
fuzz_twcc(const uint8_t *data, size_t size)
{
    size_t      i;
    int64_t     now;
    uint16_t    seq;
    ngx_uint_t  fb_count;
    u_char      buf[64];

    if (size < 4) {
        return;
    }

    ngx_webrtc_twcc_init(&tw);

    fuzz_assert(ngx_webrtc_twcc_write(&tw, buf, sizeof(buf), 1, 2) == 0);

    now = ((int64_t) data[0] << 36) + 1000000;
    seq = 0;
    fb_count = 0;

    for (i = 0; size - i >= 4; i += 4) {

        if ((data[i] & 0xc0) == 0xc0) {
            (void) twcc_write(((size_t) data[i + 1] << 8 | data[i + 2])
                              % (FUZZ_MAX_LEN + 1), &fb_count);
            continue;
        }

        seq = (data[i] & 0x40) ? get16(data + i + 1)
                               : (uint16_t) (seq + (int8_t) data[i + 1]);

        now += (int64_t) data[i + 3] * ((data[i] & 0x20) ? 65536 : 250);

        if (data[i] & 0x10) {
            ngx_webrtc_twcc_record(&tw, seq, -1);
            continue;
        }

        ngx_webrtc_twcc_record(&tw, seq, now);

        if (first_us[seq] == 0) {
            /* 0: not touched in this run (times here are at least 1 s) */
            touched[ntouched++] = seq;
            first_us[seq] = -1;
        }

        if (first_us[seq] < 0) {
            first_us[seq] = now;
        }

        last_us[seq] = now;
    }

    /* all that is left, in full-size packets: a window at most */

    for (i = 0; i < NGX_WEBRTC_TWCC_WINDOW; i++) {
        if (twcc_write(FUZZ_MAX_LEN, &fb_count) == 0) {
            break;
        }
    }

    fuzz_assert(i < NGX_WEBRTC_TWCC_WINDOW);

    for (i = 0; i < ntouched; i++) {
        first_us[touched[i]] = 0;
        last_us[touched[i]] = 0;
    }

    ntouched = 0;
}


static size_t
twcc_write(size_t size, ngx_uint_t *fb_count)
{
    u_char                    *buf;
    size_t                     len, pos;
    int64_t                    lo, hi;
    uint16_t                   base, seq, span;
    ngx_uint_t                 k, pending;
    ngx_webrtc_rtcp_packet_t   pkt;

    base = tw.base_seq;
    span = (uint16_t) (tw.max_seq - tw.base_seq);

    /* something received and not reported yet */

    pending = 0;

    for (k = 0; tw.started && span < NGX_WEBRTC_TWCC_WINDOW && k <= span;
         k++)
    {
        seq = (uint16_t) (base + k);

        if (tw.arrival_us[seq & (NGX_WEBRTC_TWCC_WINDOW - 1)] >= 0) {
            pending = 1;
            break;
        }
    }

    buf = malloc(size ? size : 1);
    fuzz_assert(buf != NULL);

    len = ngx_webrtc_twcc_write(&tw, buf, size, FUZZ_SENDER, FUZZ_MEDIA);

    fuzz_assert(len <= size);

    if (len == 0) {
        /* room for the header, one chunk and one delta is enough */
        fuzz_assert(!pending || size < 24);
        fuzz_assert(tw.base_seq == base);
        fuzz_assert(tw.fb_count == (u_char) *fb_count);
        free(buf);
        return 0;
    }

    fuzz_assert(pending);
    fuzz_assert(twcc_decode(buf, len, &fb) == NGX_OK);

    pos = 0;
    fuzz_assert(ngx_webrtc_rtcp_next(buf, len, &pos, &pkt) == NGX_OK);
    fuzz_assert(pos == len);

    fuzz_assert(fb.sender == FUZZ_SENDER && fb.media == FUZZ_MEDIA);
    fuzz_assert(fb.base == base);
    fuzz_assert(fb.fb_count == (u_char) *fb_count);
    fuzz_assert(tw.base_seq == (uint16_t) (base + fb.count));
    fuzz_assert(tw.fb_count == (u_char) (*fb_count + 1));

    *fb_count = tw.fb_count;

    for (k = 0; k < fb.count; k++) {
        seq = (uint16_t) (base + k);

        if (fb.status[k] != 0) {
            /*
             * Received: it was, since it was last reported, and its time is
             * that of one of its arrivals since then (the first, unless it
             * was dropped from the window and came again).  Ticks compare
             * modulo 2^32: the 24-bit reference time wraps.
             */

            fuzz_assert(first_us[seq] > 0);

            lo = first_us[seq] / TWCC_TICK_US;
            hi = last_us[seq] / TWCC_TICK_US;

            fuzz_assert((uint32_t) (fb.ticks[k] - lo) <= (uint64_t) (hi - lo));
        }

        if (first_us[seq] != 0) {
            first_us[seq] = -1;
        }
    }

    free(buf);

    return len;
}


/*
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1: the header,
 * packet status chunks until base + count is covered, receive deltas (1
 * byte for "small", 2 signed for "large"), padding to 32 bits.  Anything
 * else, reserved symbols and trailing bytes included, is malformed.
 */

static ngx_int_t
twcc_decode(u_char *p, size_t len, twcc_fb_t *fb)
{
    size_t      off, end;
    int64_t     t;
    uint16_t    chunk;
    ngx_uint_t  n, k, run, sym, pad;

    if (len < 20 || len % 4 != 0
        || (p[0] >> 6) != 2 || (p[0] & 0x1f) != 15 || p[1] != 205
        || ((size_t) get16(p + 2) + 1) * 4 != len)
    {
        return NGX_ERROR;
    }

    end = len;

    if (p[0] & 0x20) {
        pad = p[len - 1];

        if (pad == 0 || pad > 3) {
            return NGX_ERROR;
        }

        end -= pad;

        if (end < 20) {
            return NGX_ERROR;
        }

        for (k = end; k < len - 1; k++) {
            if (p[k] != 0) {
                return NGX_ERROR;
            }
        }
    }

    fb->sender = get32(p + 4);
    fb->media = get32(p + 8);
    fb->base = get16(p + 12);
    fb->count = get16(p + 14);
    fb->ref = get32(p + 16) >> 8;
    fb->fb_count = p[19];

    if (fb->count == 0 || fb->count > NGX_WEBRTC_TWCC_WINDOW) {
        return NGX_ERROR;
    }

    off = 20;
    n = 0;

    while (n < fb->count) {
        if (end - off < 2) {
            return NGX_ERROR;
        }

        chunk = get16(p + off);
        off += 2;

        if ((chunk & 0x8000) == 0) {
            /* run length: T = 0, S (2 bits), length (13 bits) */
            sym = (chunk >> 13) & 3;
            run = chunk & 0x1fff;

            if (sym == 3 || run == 0) {
                return NGX_ERROR;
            }

            for (k = 0; k < run && n < fb->count; k++) {
                fb->status[n++] = (u_char) sym;
            }

        } else if (chunk & 0x4000) {
            /* status vector of seven 2-bit symbols */
            for (k = 0; k < 7 && n < fb->count; k++) {
                sym = (chunk >> (2 * (6 - k))) & 3;

                if (sym == 3) {
                    return NGX_ERROR;
                }

                fb->status[n++] = (u_char) sym;
            }

        } else {
            /* status vector of fourteen 1-bit symbols */
            for (k = 0; k < 14 && n < fb->count; k++) {
                fb->status[n++] = (chunk >> (13 - k)) & 1;
            }
        }
    }

    t = (int64_t) fb->ref * TWCC_REF_TICKS;

    for (n = 0; n < fb->count; n++) {

        switch (fb->status[n]) {

        case 0:
            fb->ticks[n] = -1;
            break;

        case 1:
            if (end - off < 1) {
                return NGX_ERROR;
            }

            t += p[off++];
            fb->ticks[n] = t;
            break;

        default:
            if (end - off < 2) {
                return NGX_ERROR;
            }

            t += (int16_t) get16(p + off);
            off += 2;
            fb->ticks[n] = t;
        }
    }

    /* without the P bit, at most zero bytes up to the 32-bit boundary */

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


static void
fuzz_builders(const uint8_t *data, size_t size)
{
    u_char                    *buf;
    size_t                     i, pos;
    uint32_t                   exp, mantissa, dlsr, ts, packets, octets;
    uint64_t                   bitrate, ntp;
    ngx_uint_t                 j;
    ngx_msec_t                 now;
    ngx_webrtc_rtp_recv_t     *rs;
    ngx_webrtc_rtcp_packet_t   pkt;

    if (size < 8) {
        return;
    }

    /* RR: statistics of packets numbered by the input, one per 2 bytes */

    rs = malloc(sizeof(ngx_webrtc_rtp_recv_t));
    fuzz_assert(rs != NULL);

    ngx_webrtc_rtp_recv_init(rs, 90000);

    now = 1000;

    for (i = 0; i + 2 <= size && i < 256; i += 2) {
        now += data[i] & 0x1f;
        (void) ngx_webrtc_rtp_recv_update(rs, get16(data + i),
                                          (uint32_t) get16(data + i) * 3000,
                                          now);
    }

    if (data[1] & 1) {
        rs->sr_ntp_mid = get32(data + 2);
        rs->sr_received = now - data[6];
    }

    for (j = 0; j < 2; j++) {
        buf = malloc(31);
        fuzz_assert(buf != NULL);
        fuzz_assert(ngx_webrtc_rtcp_write_rr(buf, 31, FUZZ_SENDER,
                                             FUZZ_MEDIA, rs, now) == 0);
        free(buf);

        buf = malloc(32);
        fuzz_assert(buf != NULL);
        fuzz_assert(ngx_webrtc_rtcp_write_rr(buf, 32, FUZZ_SENDER,
                                             FUZZ_MEDIA, rs, now + j * 100)
                    == 32);

        pos = 0;
        fuzz_assert(ngx_webrtc_rtcp_next(buf, 32, &pos, &pkt) == NGX_OK);
        fuzz_assert(pos == 32 && pkt.len == 28);
        fuzz_assert(pkt.type == NGX_WEBRTC_RTCP_RR && pkt.count == 1);
        fuzz_assert(pkt.ssrc == FUZZ_SENDER);
        fuzz_assert(get32(pkt.body + 4) == FUZZ_MEDIA);
        fuzz_assert(get32(pkt.body + 12) == rs->cycles + rs->max_seq);

        /* RFC 3550 6.4.1: LSR, and DLSR in 1/65536 s */

        if (rs->sr_received) {
            dlsr = (now + j * 100 - rs->sr_received) * 65536 / 1000;
            fuzz_assert(get32(pkt.body + 20) == rs->sr_ntp_mid);
            fuzz_assert(get32(pkt.body + 24) == dlsr);

        } else {
            fuzz_assert(get32(pkt.body + 20) == 0);
            fuzz_assert(get32(pkt.body + 24) == 0);
        }

        free(buf);
    }

    free(rs);

    /* SR without report blocks: what parse_sr reads back */

    buf = malloc(28);
    fuzz_assert(buf != NULL);
    fuzz_assert(ngx_webrtc_rtcp_write_sr(buf, 27, 1, 2, 3, 4, 5) == 0);
    fuzz_assert(ngx_webrtc_rtcp_write_sr(buf, 28, FUZZ_SENDER,
                                         (uint64_t) get32(data + 4) << 32
                                         | get32(data),
                                         get32(data + 2), get32(data + 1),
                                         get32(data + 3))
                == 28);
    pos = 0;
    fuzz_assert(ngx_webrtc_rtcp_next(buf, 28, &pos, &pkt) == NGX_OK);
    fuzz_assert(pos == 28 && pkt.type == NGX_WEBRTC_RTCP_SR);
    fuzz_assert(pkt.count == 0 && pkt.ssrc == FUZZ_SENDER);
    fuzz_assert(ngx_webrtc_rtcp_parse_sr(&pkt, &ntp, &ts, &packets, &octets)
                == NGX_OK);
    fuzz_assert(ntp == ((uint64_t) get32(data + 4) << 32 | get32(data)));
    fuzz_assert(ts == get32(data + 2) && packets == get32(data + 1));
    fuzz_assert(octets == get32(data + 3));
    free(buf);

    /* PLI, FIR: the SSRC asked for is the one given */

    buf = malloc(12);
    fuzz_assert(buf != NULL);
    fuzz_assert(ngx_webrtc_rtcp_write_pli(buf, 11, 1, 2) == 0);
    fuzz_assert(ngx_webrtc_rtcp_write_pli(buf, 12, FUZZ_SENDER,
                                          get32(data)) == 12);
    pos = 0;
    fuzz_assert(ngx_webrtc_rtcp_next(buf, 12, &pos, &pkt) == NGX_OK);
    fuzz_assert(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == get32(data));
    free(buf);

    buf = malloc(20);
    fuzz_assert(buf != NULL);
    fuzz_assert(ngx_webrtc_rtcp_write_fir(buf, 19, 1, 2, 3) == 0);
    fuzz_assert(ngx_webrtc_rtcp_write_fir(buf, 20, FUZZ_SENDER,
                                          get32(data + 4), data[0]) == 20);
    pos = 0;
    fuzz_assert(ngx_webrtc_rtcp_next(buf, 20, &pos, &pkt) == NGX_OK);
    fuzz_assert(ngx_webrtc_rtcp_keyframe_ssrc(&pkt) == get32(data + 4));
    fuzz_assert(pkt.len == 16 && pkt.body[12] == data[0]);
    free(buf);

    /* REMB: an 18-bit mantissa, a 6-bit exponent, one SSRC */

    bitrate = (uint64_t) get32(data) << 32 | get32(data + 4);
    bitrate >>= data[size - 1] & 63;

    buf = malloc(24);
    fuzz_assert(buf != NULL);
    fuzz_assert(ngx_webrtc_rtcp_write_remb(buf, 23, 1, 2, bitrate) == 0);
    fuzz_assert(ngx_webrtc_rtcp_write_remb(buf, 24, FUZZ_SENDER, FUZZ_MEDIA,
                                           bitrate) == 24);
    pos = 0;
    fuzz_assert(ngx_webrtc_rtcp_next(buf, 24, &pos, &pkt) == NGX_OK);
    fuzz_assert(pkt.type == NGX_WEBRTC_RTCP_PSFB && pkt.count == 15);
    fuzz_assert(memcmp(pkt.body + 8, "REMB", 4) == 0);
    fuzz_assert(pkt.body[12] == 1);
    fuzz_assert(get32(pkt.body + 16) == FUZZ_MEDIA);

    exp = pkt.body[13] >> 2;
    mantissa = get32(pkt.body + 12) & 0x3ffff;

    fuzz_assert(bitrate >> exp == mantissa);
    free(buf);
}


static u_char *
dup_exact(const void *data, size_t len)
{
    u_char  *p;

    p = malloc(len ? len : 1);
    fuzz_assert(p != NULL);

    return memcpy(p, data, len);
}
