
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * RTCP (RFC 3550, RFC 4585, RFC 5104, draft-holmer-rmcat-transport-wide-
 * cc-extensions-01): the walk over a compound packet and the parsers of what
 * a sender tells us (SR, NACK, PLI, FIR), the builders of what a receiver
 * sends (RR, NACK, PLI, FIR, REMB), and the transport-wide congestion
 * control recorder and feedback writer.
 *
 * Parsers read bytes a peer sent: every read is checked against the length
 * first.  No I/O, no allocation, no nginx function calls.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_rtcp.h"


#define NGX_WEBRTC_RTCP_HEADER_LEN   4
#define NGX_WEBRTC_RTCP_FB_LEN       12     /* header, sender, media SSRC */

#define NGX_WEBRTC_RTCP_FMT_NACK     1
#define NGX_WEBRTC_RTCP_FMT_TWCC     15
#define NGX_WEBRTC_RTCP_FMT_PLI      1
#define NGX_WEBRTC_RTCP_FMT_FIR      4
#define NGX_WEBRTC_RTCP_FMT_REMB     15

/* the largest length a 16-bit "words minus one" field can say */
#define NGX_WEBRTC_RTCP_MAX_LEN      (65536 * 4)

#define NGX_WEBRTC_TWCC_HEADER_LEN   20
#define NGX_WEBRTC_TWCC_MAX_STATUS   1000
#define NGX_WEBRTC_TWCC_VECTOR       7      /* symbols in a 2-bit vector */
#define NGX_WEBRTC_TWCC_MAX_RUN      0x1fff
#define NGX_WEBRTC_TWCC_TICK_US      250
#define NGX_WEBRTC_TWCC_REF_US       64000

/* packet status symbols, also the size of their receive deltas */
#define NGX_WEBRTC_TWCC_LOST         0
#define NGX_WEBRTC_TWCC_SMALL        1
#define NGX_WEBRTC_TWCC_LARGE        2


#define ngx_webrtc_rtcp_get16(p)                                              \
    (uint16_t) (((uint16_t) (p)[0] << 8) | (p)[1])

#define ngx_webrtc_rtcp_get32(p)                                              \
    (((uint32_t) (p)[0] << 24) | ((uint32_t) (p)[1] << 16)                    \
     | ((uint32_t) (p)[2] << 8) | (p)[3])


/* the chunk encoder of a feedback packet, counting only when out is NULL */
typedef struct {
    u_char          *out;
    ngx_uint_t       nchunks;
    ngx_uint_t       count;          /* symbols pending */
    ngx_uint_t       all_same;
    u_char           symbols[NGX_WEBRTC_TWCC_VECTOR];
} ngx_webrtc_twcc_chunks_t;


static u_char *ngx_webrtc_rtcp_put16(u_char *p, uint16_t v);
static u_char *ngx_webrtc_rtcp_put32(u_char *p, uint32_t v);
static u_char *ngx_webrtc_rtcp_put_header(u_char *p, ngx_uint_t count,
    ngx_uint_t type, size_t len, uint32_t sender_ssrc);
static ngx_uint_t ngx_webrtc_twcc_plan(ngx_webrtc_twcc_t *tw, size_t size,
    int64_t ref_ticks, ngx_uint_t *nchunks);
static ngx_uint_t ngx_webrtc_twcc_symbol(int64_t arrival_us,
    int64_t *last_ticks, int64_t *delta);
static void ngx_webrtc_twcc_chunk_add(ngx_webrtc_twcc_chunks_t *ch,
    ngx_uint_t symbol);
static void ngx_webrtc_twcc_chunk_flush(ngx_webrtc_twcc_chunks_t *ch);


ngx_int_t
ngx_webrtc_rtcp_next(u_char *p, size_t len, size_t *pos,
    ngx_webrtc_rtcp_packet_t *pkt)
{
    u_char  *h;
    size_t   plen, blen, pad;

    if (*pos == len) {
        return NGX_DONE;
    }

    if (*pos > len || len - *pos < NGX_WEBRTC_RTCP_HEADER_LEN) {
        return NGX_ERROR;
    }

    h = p + *pos;

    if ((h[0] >> 6) != 2) {
        return NGX_ERROR;
    }

    plen = ((size_t) ngx_webrtc_rtcp_get16(h + 2) + 1) * 4;

    if (plen > len - *pos) {
        return NGX_ERROR;
    }

    blen = plen - NGX_WEBRTC_RTCP_HEADER_LEN;

    if (h[0] & 0x20) {
        /*
         * RFC 3550 6.4.1: the last octet counts the padding, itself
         * included; only the last packet of a compound should have it,
         * but inside its own length it harms no one elsewhere
         */
        pad = h[plen - 1];

        if (pad == 0 || pad > blen) {
            return NGX_ERROR;
        }

        blen -= pad;
    }

    pkt->type = h[1];
    pkt->count = h[0] & 0x1f;
    pkt->body = h + NGX_WEBRTC_RTCP_HEADER_LEN;
    pkt->len = blen;
    pkt->ssrc = (blen >= 4) ? ngx_webrtc_rtcp_get32(pkt->body) : 0;

    *pos += plen;

    return NGX_OK;
}


ngx_uint_t
ngx_webrtc_rtcp_parse_nack(ngx_webrtc_rtcp_packet_t *pkt,
    uint32_t *media_ssrc, uint16_t *seqs, ngx_uint_t max)
{
    u_char      *p;
    size_t       i;
    uint16_t     pid, blp;
    ngx_uint_t   n, bit;

    if (pkt->type != NGX_WEBRTC_RTCP_RTPFB
        || pkt->count != NGX_WEBRTC_RTCP_FMT_NACK
        || pkt->len < 8)
    {
        return 0;
    }

    p = pkt->body;
    *media_ssrc = ngx_webrtc_rtcp_get32(p + 4);

    n = 0;

    for (i = 8; pkt->len - i >= 4; i += 4) {
        pid = ngx_webrtc_rtcp_get16(p + i);
        blp = ngx_webrtc_rtcp_get16(p + i + 2);

        if (n == max) {
            return n;
        }

        seqs[n++] = pid;

        for (bit = 0; bit < 16; bit++) {

            if ((blp & (1 << bit)) == 0) {
                continue;
            }

            if (n == max) {
                return n;
            }

            seqs[n++] = (uint16_t) (pid + bit + 1);
        }
    }

    return n;
}


uint32_t
ngx_webrtc_rtcp_keyframe_ssrc(ngx_webrtc_rtcp_packet_t *pkt)
{
    if (pkt->type != NGX_WEBRTC_RTCP_PSFB) {
        return 0;
    }

    switch (pkt->count) {

    case NGX_WEBRTC_RTCP_FMT_PLI:
        /* sender SSRC, media SSRC */
        return (pkt->len >= 8) ? ngx_webrtc_rtcp_get32(pkt->body + 4) : 0;

    case NGX_WEBRTC_RTCP_FMT_FIR:
        /* sender SSRC, 0, FCI: SSRC, seq nr, reserved */
        return (pkt->len >= 16) ? ngx_webrtc_rtcp_get32(pkt->body + 8) : 0;

    default:
        return 0;
    }
}


ngx_int_t
ngx_webrtc_rtcp_parse_sr(ngx_webrtc_rtcp_packet_t *pkt, uint64_t *ntp,
    uint32_t *rtp_ts, uint32_t *packets, uint32_t *octets)
{
    u_char  *p;

    /* sender SSRC, NTP (64), RTP timestamp, packet count, octet count */

    if (pkt->type != NGX_WEBRTC_RTCP_SR || pkt->len < 24) {
        return NGX_ERROR;
    }

    p = pkt->body;

    if (ntp) {
        *ntp = ((uint64_t) ngx_webrtc_rtcp_get32(p + 4) << 32)
               | ngx_webrtc_rtcp_get32(p + 8);
    }

    if (rtp_ts) {
        *rtp_ts = ngx_webrtc_rtcp_get32(p + 12);
    }

    if (packets) {
        *packets = ngx_webrtc_rtcp_get32(p + 16);
    }

    if (octets) {
        *octets = ngx_webrtc_rtcp_get32(p + 20);
    }

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_rtcp_parse_report(ngx_webrtc_rtcp_packet_t *pkt, ngx_uint_t i,
    ngx_webrtc_rtcp_report_t *rb)
{
    u_char  *p;
    size_t   off;

    /* an SR's blocks follow its 24 bytes of sender info, an RR's its SSRC */

    switch (pkt->type) {

    case NGX_WEBRTC_RTCP_SR:
        off = 24;
        break;

    case NGX_WEBRTC_RTCP_RR:
        off = 4;
        break;

    default:
        return NGX_DONE;
    }

    if (i >= pkt->count) {
        return NGX_DONE;
    }

    off += i * 24;

    if (off + 24 > pkt->len) {
        return NGX_DONE;
    }

    p = pkt->body + off;

    rb->ssrc = ngx_webrtc_rtcp_get32(p);
    rb->fraction = p[4];
    rb->lost = (int32_t) ((uint32_t) p[5] << 16 | (uint32_t) p[6] << 8
                          | p[7]);

    if (rb->lost & 0x800000) {
        rb->lost -= 0x1000000;
    }

    rb->highest_seq = ngx_webrtc_rtcp_get32(p + 8);
    rb->jitter = ngx_webrtc_rtcp_get32(p + 12);
    rb->lsr = ngx_webrtc_rtcp_get32(p + 16);
    rb->dlsr = ngx_webrtc_rtcp_get32(p + 20);

    return NGX_OK;
}


size_t
ngx_webrtc_rtcp_write_sr(u_char *buf, size_t size, uint32_t sender_ssrc,
    uint64_t ntp, uint32_t rtp_ts, uint32_t packets, uint32_t octets)
{
    u_char  *p;

    if (size < 28) {
        return 0;
    }

    p = ngx_webrtc_rtcp_put_header(buf, 0, NGX_WEBRTC_RTCP_SR, 28,
                                   sender_ssrc);
    p = ngx_webrtc_rtcp_put32(p, (uint32_t) (ntp >> 32));
    p = ngx_webrtc_rtcp_put32(p, (uint32_t) ntp);
    p = ngx_webrtc_rtcp_put32(p, rtp_ts);
    p = ngx_webrtc_rtcp_put32(p, packets);
    p = ngx_webrtc_rtcp_put32(p, octets);

    return p - buf;
}


size_t
ngx_webrtc_rtcp_write_rr(u_char *buf, size_t size, uint32_t sender_ssrc,
    uint32_t media_ssrc, ngx_webrtc_rtp_recv_t *rs, ngx_msec_t now)
{
    u_char    *p;
    int64_t    lost, lost_interval;
    uint32_t   extended_max, expected, expected_interval, received_interval;
    uint32_t   fraction, jitter, lsr, dlsr;
    uint64_t   elapsed;

    /* the header, sender SSRC and one report block */

    if (size < 32) {
        return 0;
    }

    /* RFC 3550 A.3 */

    if (rs->started) {
        extended_max = rs->cycles + rs->max_seq;
        expected = extended_max - rs->base_seq + 1;

    } else {
        extended_max = 0;
        expected = 0;
    }

    lost = (int64_t) expected - rs->received;

    if (lost > 0x7fffff) {
        lost = 0x7fffff;

    } else if (lost < -0x800000) {
        lost = -0x800000;
    }

    expected_interval = expected - rs->expected_prior;
    rs->expected_prior = expected;
    received_interval = rs->received - rs->received_prior;
    rs->received_prior = rs->received;
    lost_interval = (int64_t) expected_interval - received_interval;

    if (expected_interval == 0 || lost_interval <= 0) {
        fraction = 0;

    } else {
        fraction = (uint32_t) ((lost_interval << 8) / expected_interval);

        if (fraction > 255) {
            fraction = 255;
        }
    }

    jitter = (rs->jitter < 4294967295.0) ? (uint32_t) rs->jitter
                                         : 0xffffffff;

    if (rs->sr_received) {
        lsr = rs->sr_ntp_mid;

        /* in units of 1/65536 seconds */
        elapsed = (now > rs->sr_received) ? now - rs->sr_received : 0;
        elapsed = elapsed * 65536 / 1000;
        dlsr = (elapsed > 0xffffffff) ? 0xffffffff : (uint32_t) elapsed;

    } else {
        lsr = 0;
        dlsr = 0;
    }

    p = ngx_webrtc_rtcp_put_header(buf, 1, NGX_WEBRTC_RTCP_RR, 32,
                                   sender_ssrc);
    p = ngx_webrtc_rtcp_put32(p, media_ssrc);
    p = ngx_webrtc_rtcp_put32(p, (fraction << 24)
                                 | ((uint32_t) lost & 0xffffff));
    p = ngx_webrtc_rtcp_put32(p, extended_max);
    p = ngx_webrtc_rtcp_put32(p, jitter);
    p = ngx_webrtc_rtcp_put32(p, lsr);
    (void) ngx_webrtc_rtcp_put32(p, dlsr);

    return 32;
}


size_t
ngx_webrtc_rtcp_write_nack(u_char *buf, size_t size, uint32_t sender_ssrc,
    uint32_t media_ssrc, uint16_t *seqs, ngx_uint_t n)
{
    u_char      *p;
    size_t       len;
    int32_t      covered, key, first, d;
    uint16_t     ref, blp;
    ngx_uint_t   i, found;

    if (n == 0 || size < NGX_WEBRTC_RTCP_FB_LEN) {
        return 0;
    }

    /*
     * Sequences may come in any order and across the wrap: each is placed
     * by its signed distance from the first one, and the oldest not yet
     * covered starts the next PID/BLP pair.  Quadratic, but n is at most
     * what recv_nacks returns, and no sorting buffer is needed.
     */

    ref = seqs[0];
    covered = -32769;
    p = buf + NGX_WEBRTC_RTCP_FB_LEN;
    len = NGX_WEBRTC_RTCP_FB_LEN;

    for ( ;; ) {
        found = 0;
        first = 0;

        for (i = 0; i < n; i++) {
            key = (int16_t) (uint16_t) (seqs[i] - ref);

            if (key > covered && (!found || key < first)) {
                first = key;
                found = 1;
            }
        }

        if (!found) {
            break;
        }

        blp = 0;

        for (i = 0; i < n; i++) {
            d = (int16_t) (uint16_t) (seqs[i] - ref) - first;

            if (d >= 1 && d <= 16) {
                blp |= (uint16_t) (1 << (d - 1));
            }
        }

        if (size - len < 4 || len + 4 > NGX_WEBRTC_RTCP_MAX_LEN) {
            return 0;
        }

        p = ngx_webrtc_rtcp_put16(p, (uint16_t) (ref + first));
        p = ngx_webrtc_rtcp_put16(p, blp);
        len += 4;

        covered = first + 16;
    }

    p = ngx_webrtc_rtcp_put_header(buf, NGX_WEBRTC_RTCP_FMT_NACK,
                                   NGX_WEBRTC_RTCP_RTPFB, len, sender_ssrc);
    (void) ngx_webrtc_rtcp_put32(p, media_ssrc);

    return len;
}


size_t
ngx_webrtc_rtcp_write_pli(u_char *buf, size_t size, uint32_t sender_ssrc,
    uint32_t media_ssrc)
{
    u_char  *p;

    if (size < NGX_WEBRTC_RTCP_FB_LEN) {
        return 0;
    }

    p = ngx_webrtc_rtcp_put_header(buf, NGX_WEBRTC_RTCP_FMT_PLI,
                                   NGX_WEBRTC_RTCP_PSFB,
                                   NGX_WEBRTC_RTCP_FB_LEN, sender_ssrc);
    (void) ngx_webrtc_rtcp_put32(p, media_ssrc);

    return NGX_WEBRTC_RTCP_FB_LEN;
}


size_t
ngx_webrtc_rtcp_write_fir(u_char *buf, size_t size, uint32_t sender_ssrc,
    uint32_t media_ssrc, u_char seq_nr)
{
    u_char  *p;

    if (size < 20) {
        return 0;
    }

    /* RFC 5104 4.3.1: the media source SSRC is 0, the FCI names it */

    p = ngx_webrtc_rtcp_put_header(buf, NGX_WEBRTC_RTCP_FMT_FIR,
                                   NGX_WEBRTC_RTCP_PSFB, 20, sender_ssrc);
    p = ngx_webrtc_rtcp_put32(p, 0);
    p = ngx_webrtc_rtcp_put32(p, media_ssrc);
    (void) ngx_webrtc_rtcp_put32(p, (uint32_t) seq_nr << 24);

    return 20;
}


size_t
ngx_webrtc_rtcp_write_remb(u_char *buf, size_t size, uint32_t sender_ssrc,
    uint32_t media_ssrc, uint64_t bitrate)
{
    u_char      *p;
    ngx_uint_t   exp;

    if (size < 24) {
        return 0;
    }

    /* an 18-bit mantissa and a 6-bit exponent */

    for (exp = 0; bitrate > 0x3ffff; exp++) {
        bitrate >>= 1;
    }

    p = ngx_webrtc_rtcp_put_header(buf, NGX_WEBRTC_RTCP_FMT_REMB,
                                   NGX_WEBRTC_RTCP_PSFB, 24, sender_ssrc);
    p = ngx_webrtc_rtcp_put32(p, 0);
    p = ngx_cpymem(p, "REMB", 4);
    p = ngx_webrtc_rtcp_put32(p, (1u << 24) | ((uint32_t) exp << 18)
                                 | (uint32_t) bitrate);
    (void) ngx_webrtc_rtcp_put32(p, media_ssrc);

    return 24;
}


void
ngx_webrtc_twcc_init(ngx_webrtc_twcc_t *tw)
{
    ngx_uint_t  i;

    tw->started = 0;
    tw->base_seq = 0;
    tw->max_seq = 0;
    tw->fb_count = 0;

    for (i = 0; i < NGX_WEBRTC_TWCC_WINDOW; i++) {
        tw->arrival_us[i] = -1;
    }
}


void
ngx_webrtc_twcc_record(ngx_webrtc_twcc_t *tw, uint16_t seq, int64_t now_us)
{
    int64_t     *slot;
    uint16_t     d, base, drop;
    ngx_uint_t   i;

    /* -1 means "not received" */

    if (now_us < 0) {
        return;
    }

    if (!tw->started) {
        tw->started = 1;
        tw->base_seq = seq;
        tw->max_seq = seq;
    }

    d = (uint16_t) (seq - tw->base_seq);

    if (d >= 0x8000) {
        /* older than what was reported already */
        return;
    }

    if (d >= NGX_WEBRTC_TWCC_WINDOW) {

        /* too far ahead: drop the oldest unreported to make room */

        base = (uint16_t) (seq - (NGX_WEBRTC_TWCC_WINDOW - 1));
        drop = (uint16_t) (base - tw->base_seq);

        if (drop >= NGX_WEBRTC_TWCC_WINDOW) {
            for (i = 0; i < NGX_WEBRTC_TWCC_WINDOW; i++) {
                tw->arrival_us[i] = -1;
            }

        } else {
            for (i = 0; i < drop; i++) {
                tw->arrival_us[(uint16_t) (tw->base_seq + i)
                               & (NGX_WEBRTC_TWCC_WINDOW - 1)] = -1;
            }
        }

        tw->base_seq = base;
    }

    slot = &tw->arrival_us[seq & (NGX_WEBRTC_TWCC_WINDOW - 1)];

    if (*slot < 0) {
        /* a duplicate keeps the first arrival */
        *slot = now_us;
    }

    if ((int16_t) (uint16_t) (seq - tw->max_seq) > 0
        || (int16_t) (uint16_t) (tw->max_seq - tw->base_seq) < 0)
    {
        tw->max_seq = seq;
    }
}


size_t
ngx_webrtc_twcc_write(ngx_webrtc_twcc_t *tw, u_char *buf, size_t size,
    uint32_t sender_ssrc, uint32_t media_ssrc)
{
    u_char                    *p, *deltas;
    size_t                     len, pad;
    int64_t                    arrival, ref, ref_ticks, last_ticks, delta;
    uint16_t                   seq, span;
    ngx_uint_t                 i, n, nchunks, symbol;
    ngx_webrtc_twcc_chunks_t   ch;

    if (!tw->started) {
        return 0;
    }

    span = (uint16_t) (tw->max_seq - tw->base_seq);

    if (span >= NGX_WEBRTC_TWCC_WINDOW) {
        /* max_seq was reported: nothing new */
        return 0;
    }

    /*
     * The reference time is that of the first packet received since
     * base_seq, even when only lost ones fit in this feedback: the sender
     * follows reference times from one feedback to the next.
     */

    ref = -1;

    for (i = 0; i <= span; i++) {
        seq = (uint16_t) (tw->base_seq + i);
        arrival = tw->arrival_us[seq & (NGX_WEBRTC_TWCC_WINDOW - 1)];

        if (arrival >= 0) {
            ref = arrival / NGX_WEBRTC_TWCC_REF_US;
            break;
        }
    }

    if (ref < 0) {
        return 0;
    }

    ref_ticks = ref * (NGX_WEBRTC_TWCC_REF_US / NGX_WEBRTC_TWCC_TICK_US);

    n = ngx_webrtc_twcc_plan(tw, size, ref_ticks, &nchunks);

    if (n == 0) {
        return 0;
    }

    /* the statuses first, then the deltas */

    ngx_memzero(&ch, sizeof(ngx_webrtc_twcc_chunks_t));
    ch.out = buf + NGX_WEBRTC_TWCC_HEADER_LEN;

    deltas = ch.out + nchunks * 2;
    p = deltas;
    last_ticks = ref_ticks;

    for (i = 0; i < n; i++) {
        seq = (uint16_t) (tw->base_seq + i);
        arrival = tw->arrival_us[seq & (NGX_WEBRTC_TWCC_WINDOW - 1)];

        symbol = ngx_webrtc_twcc_symbol(arrival, &last_ticks, &delta);

        ngx_webrtc_twcc_chunk_add(&ch, symbol);

        if (symbol == NGX_WEBRTC_TWCC_SMALL) {
            *p++ = (u_char) delta;

        } else if (symbol == NGX_WEBRTC_TWCC_LARGE) {
            p = ngx_webrtc_rtcp_put16(p, (uint16_t) (int16_t) delta);
        }
    }

    ngx_webrtc_twcc_chunk_flush(&ch);

    if (ch.nchunks != nchunks) {
        /* cannot happen: the plan and the writing agree */
        return 0;
    }

    /* RFC 3550 6.4.1 padding, as libwebrtc writes it */

    len = (size_t) (p - buf);
    pad = (4 - (len & 3)) & 3;

    if (pad) {
        ngx_memzero(p, pad - 1);
        p[pad - 1] = (u_char) pad;
        len += pad;
    }

    p = ngx_webrtc_rtcp_put_header(buf, NGX_WEBRTC_RTCP_FMT_TWCC,
                                   NGX_WEBRTC_RTCP_RTPFB, len, sender_ssrc);

    if (pad) {
        buf[0] |= 0x20;
    }

    p = ngx_webrtc_rtcp_put32(p, media_ssrc);
    p = ngx_webrtc_rtcp_put16(p, tw->base_seq);
    p = ngx_webrtc_rtcp_put16(p, (uint16_t) n);
    p = ngx_webrtc_rtcp_put32(p, ((uint32_t) (ref & 0xffffff) << 8)
                                 | tw->fb_count);

    /* what was reported is forgotten, the slots are free again */

    for (i = 0; i < n; i++) {
        seq = (uint16_t) (tw->base_seq + i);
        tw->arrival_us[seq & (NGX_WEBRTC_TWCC_WINDOW - 1)] = -1;
    }

    tw->base_seq = (uint16_t) (tw->base_seq + n);
    tw->fb_count++;

    return len;
}


/*
 * How many statuses from base_seq fit in size bytes, at most
 * NGX_WEBRTC_TWCC_MAX_STATUS, and stopping before a delta that 16 bits
 * cannot hold (the next feedback gets its own reference time for it).
 */

static ngx_uint_t
ngx_webrtc_twcc_plan(ngx_webrtc_twcc_t *tw, size_t size, int64_t ref_ticks,
    ngx_uint_t *nchunks)
{
    size_t                     len, deltas;
    int64_t                    arrival, last_ticks, delta;
    uint16_t                   seq;
    ngx_uint_t                 i, n, total, symbol;
    ngx_webrtc_twcc_chunks_t   ch;

    if (size > NGX_WEBRTC_RTCP_MAX_LEN) {
        size = NGX_WEBRTC_RTCP_MAX_LEN;
    }

    total = (uint16_t) (tw->max_seq - tw->base_seq) + 1;

    if (total > NGX_WEBRTC_TWCC_MAX_STATUS) {
        total = NGX_WEBRTC_TWCC_MAX_STATUS;
    }

    ngx_memzero(&ch, sizeof(ngx_webrtc_twcc_chunks_t));

    last_ticks = ref_ticks;
    deltas = 0;
    n = 0;
    *nchunks = 0;

    for (i = 0; i < total; i++) {
        seq = (uint16_t) (tw->base_seq + i);
        arrival = tw->arrival_us[seq & (NGX_WEBRTC_TWCC_WINDOW - 1)];

        symbol = ngx_webrtc_twcc_symbol(arrival, &last_ticks, &delta);

        if (symbol == NGX_WEBRTC_TWCC_LARGE
            && (delta < -32768 || delta > 32767))
        {
            break;
        }

        ngx_webrtc_twcc_chunk_add(&ch, symbol);
        deltas += symbol;

        /* the chunks so far, the pending one included, and padding */

        len = NGX_WEBRTC_TWCC_HEADER_LEN
              + (ch.nchunks + (ch.count ? 1 : 0)) * 2 + deltas;
        len = (len + 3) & ~(size_t) 3;

        if (len > size) {
            break;
        }

        n = i + 1;
        *nchunks = ch.nchunks + (ch.count ? 1 : 0);
    }

    return n;
}


static ngx_uint_t
ngx_webrtc_twcc_symbol(int64_t arrival_us, int64_t *last_ticks,
    int64_t *delta)
{
    int64_t  ticks;

    if (arrival_us < 0) {
        *delta = 0;
        return NGX_WEBRTC_TWCC_LOST;
    }

    /*
     * Deltas between whole ticks, not rounded time differences: the
     * timestamps the sender rebuilds do not drift.
     */

    ticks = arrival_us / NGX_WEBRTC_TWCC_TICK_US;
    *delta = ticks - *last_ticks;
    *last_ticks = ticks;

    return (*delta >= 0 && *delta <= 255) ? NGX_WEBRTC_TWCC_SMALL
                                          : NGX_WEBRTC_TWCC_LARGE;
}


/*
 * Greedy packet chunks: symbols gather in a 2-bit status vector chunk of 7;
 * while they are all the same they may go on as a run length chunk.
 */

static void
ngx_webrtc_twcc_chunk_add(ngx_webrtc_twcc_chunks_t *ch, ngx_uint_t symbol)
{
    if (ch->count < NGX_WEBRTC_TWCC_VECTOR) {

        if (ch->count == 0) {
            ch->all_same = 1;

        } else if (symbol != ch->symbols[0]) {
            ch->all_same = 0;
        }

        ch->symbols[ch->count++] = (u_char) symbol;
        return;
    }

    if (ch->all_same && symbol == ch->symbols[0]
        && ch->count < NGX_WEBRTC_TWCC_MAX_RUN)
    {
        ch->count++;
        return;
    }

    ngx_webrtc_twcc_chunk_flush(ch);

    ch->all_same = 1;
    ch->symbols[0] = (u_char) symbol;
    ch->count = 1;
}


static void
ngx_webrtc_twcc_chunk_flush(ngx_webrtc_twcc_chunks_t *ch)
{
    uint16_t    chunk;
    ngx_uint_t  i;

    if (ch->count == 0) {
        return;
    }

    if (ch->all_same) {
        /* T = 0, S, run length */
        chunk = (uint16_t) ((ch->symbols[0] << 13) | ch->count);

    } else {
        /* T = 1, S = 1, seven 2-bit symbols, unused ones 0 */
        chunk = 0xc000;

        for (i = 0; i < ch->count; i++) {
            chunk |= (uint16_t) (ch->symbols[i] << (2 * (6 - i)));
        }
    }

    if (ch->out) {
        ch->out = ngx_webrtc_rtcp_put16(ch->out, chunk);
    }

    ch->nchunks++;
    ch->count = 0;
}


static u_char *
ngx_webrtc_rtcp_put16(u_char *p, uint16_t v)
{
    *p++ = (u_char) (v >> 8);
    *p++ = (u_char) v;

    return p;
}


static u_char *
ngx_webrtc_rtcp_put32(u_char *p, uint32_t v)
{
    *p++ = (u_char) (v >> 24);
    *p++ = (u_char) (v >> 16);
    *p++ = (u_char) (v >> 8);
    *p++ = (u_char) v;

    return p;
}


/* the common header and the sender SSRC of a packet of len bytes */

static u_char *
ngx_webrtc_rtcp_put_header(u_char *p, ngx_uint_t count, ngx_uint_t type,
    size_t len, uint32_t sender_ssrc)
{
    *p++ = (u_char) (0x80 | count);
    *p++ = (u_char) type;
    p = ngx_webrtc_rtcp_put16(p, (uint16_t) (len / 4 - 1));

    return ngx_webrtc_rtcp_put32(p, sender_ssrc);
}
