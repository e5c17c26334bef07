
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of src/ngx_webrtc_rtp.c.  The input is read two ways:
 *
 *   - as an RTP packet: rtp_parse(), then find_ext() for every id 0..255
 *     and is_keyframe() for every codec on the payload, which is copied
 *     into a heap block of its exact length so that an over-read into the
 *     padding is caught too; then rtp_write() of the same header, the
 *     one-byte extensions found (and some it must leave out) and payload,
 *     which must parse back to the same;
 *
 *   - as a stream of 4-byte records driving one receive state: packets
 *     arriving (seq, RTP timestamp, arrival time) in order, with gaps,
 *     reordered, duplicated or after a restart, and recv_nacks() calls.
 *     After each record the missing list must be what the header says:
 *     at most NGX_WEBRTC_NACK_WINDOW entries, oldest first, all behind
 *     max_seq within the window, none asked for more than
 *     NGX_WEBRTC_NACK_MAX_TRIES times.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_rtp.h"
#include "ngx_webrtc_sdp.h"
#include "fuzz.h"


#define get16(p)  (uint16_t) (((uint16_t) (p)[0] << 8) | (p)[1])
#define get32(p)  (((uint32_t) (p)[0] << 24) | ((uint32_t) (p)[1] << 16)      \
                   | ((uint32_t) (p)[2] << 8) | (p)[3])


/* the codec ids of ngx_webrtc_sdp.h, and one no codec has */
static ngx_uint_t  codecs[] = {
    NGX_WEBRTC_CODEC_OTHER, NGX_WEBRTC_CODEC_OPUS, NGX_WEBRTC_CODEC_VP8,
    NGX_WEBRTC_CODEC_VP9, NGX_WEBRTC_CODEC_H264, NGX_WEBRTC_CODEC_AV1,
    NGX_WEBRTC_CODEC_RTX, 255
};


static void fuzz_packet(u_char *p, size_t size);
static void fuzz_keyframe(u_char *payload, size_t len);
static void fuzz_write(ngx_webrtc_rtp_header_t *h, u_char *payload);
static void fuzz_recv(const uint8_t *data, size_t size);
static void check_missing(ngx_webrtc_rtp_recv_t *rs);


/* ~10 KB: off the stack of a sanitized build */
static ngx_webrtc_rtp_recv_t  rs;
static uint16_t               before[NGX_WEBRTC_NACK_WINDOW];
static uint16_t               seqs[NGX_WEBRTC_NACK_WINDOW + 1];


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char  *p;

    p = malloc(size ? size : 1);
    fuzz_assert(p != NULL);
    memcpy(p, data, size);

    fuzz_packet(p, size);

    /* the whole input as a payload, whatever its header */
    fuzz_keyframe(p, size);

    free(p);

    fuzz_recv(data, size);

    return 0;
}


static void
fuzz_packet(u_char *p, size_t size)
{
    u_char                   *e, *end;
    size_t                    len, min, i;
    ngx_uint_t                id;
    volatile u_char           sink;
    ngx_webrtc_rtp_header_t   h;

    if (ngx_webrtc_rtp_parse(&h, p, size) != NGX_OK) {
        return;
    }

    /* the fields, as RFC 3550 5.1 puts them */

    fuzz_assert(size >= NGX_WEBRTC_RTP_HEADER_LEN && (p[0] >> 6) == 2);
    fuzz_assert(h.pt == (p[1] & 0x7f));
    fuzz_assert(h.marker == (p[1] >> 7));
    fuzz_assert(h.padding == ((p[0] >> 5) & 1));
    fuzz_assert(h.seq == get16(p + 2));
    fuzz_assert(h.ts == get32(p + 4));
    fuzz_assert(h.ssrc == get32(p + 8));

    /* the lengths: header (CSRCs, extension), payload, padding */

    min = NGX_WEBRTC_RTP_HEADER_LEN + (size_t) (p[0] & 0x0f) * 4;

    fuzz_assert(h.header_len >= min);
    fuzz_assert(h.header_len <= size);
    fuzz_assert(h.payload_len <= size - h.header_len);

    if (h.padding) {
        fuzz_assert(p[size - 1] != 0);
        fuzz_assert(h.header_len + h.payload_len + p[size - 1] == size);

    } else {
        fuzz_assert(h.header_len + h.payload_len == size);
    }

    if (p[0] & 0x10) {
        fuzz_assert(h.ext == p + min + 4);
        fuzz_assert(h.ext_profile == get16(p + min));
        fuzz_assert(h.ext_len == (size_t) get16(p + min + 2) * 4);
        fuzz_assert(h.ext + h.ext_len == p + h.header_len);

    } else {
        fuzz_assert(h.ext == NULL && h.ext_len == 0);
        fuzz_assert(h.header_len == min);
    }

    /* every extension id: found ones lie inside the block, after their
       own element header (RFC 8285 4.2, 4.3) */

    end = h.ext ? h.ext + h.ext_len : NULL;

    for (id = 0; id < 256; id++) {
        len = (size_t) -1;
        e = ngx_webrtc_rtp_find_ext(&h, (u_char) id, &len);

        if (e == NULL) {
            continue;
        }

        fuzz_assert(id != 0);
        fuzz_assert(h.ext != NULL);
        fuzz_assert(len != (size_t) -1);
        fuzz_assert(e >= h.ext && e <= end);
        fuzz_assert(len <= (size_t) (end - e));

        if (h.ext_profile == 0xbede) {
            fuzz_assert(id < 15);
            fuzz_assert(e - h.ext >= 1);
            fuzz_assert((e[-1] >> 4) == id);
            fuzz_assert(len == (size_t) (e[-1] & 0x0f) + 1);

        } else {
            fuzz_assert((h.ext_profile & 0xfff0) == 0x1000);
            fuzz_assert(e - h.ext >= 2);
            fuzz_assert(e[-2] == id && e[-1] == len);
        }

        for (i = 0; i < len; i++) {
            sink = e[i];
        }
    }

    (void) sink;

    fuzz_keyframe(p + h.header_len, h.payload_len);
    fuzz_write(&h, p + h.header_len);
}


static void
fuzz_write(ngx_webrtc_rtp_header_t *h, u_char *payload)
{
    u_char                   *buf, *e;
    size_t                    len, ext_len, n;
    ngx_uint_t                i, next, id;
    ngx_webrtc_rtp_ext_t      ext[14 + 4];
    ngx_webrtc_rtp_header_t   w;
    static u_char             junk[17];

    /* what the one-byte form can carry, as found in the packet */

    next = 0;
    ext_len = 0;

    for (id = 1; id <= 14; id++) {
        e = ngx_webrtc_rtp_find_ext(h, (u_char) id, &len);

        if (e == NULL || len < 1 || len > 16) {
            continue;
        }

        ext[next].id = (u_char) id;
        ext[next].len = (u_char) len;
        ext[next].data = e;
        next++;

        ext_len += 1 + len;
    }

    /* and what it cannot: to be left out */

    ext[next].id = 0;
    ext[next].len = 1;
    ext[next++].data = junk;
    ext[next].id = 15;
    ext[next].len = 1;
    ext[next++].data = junk;
    ext[next].id = 1;
    ext[next].len = 0;
    ext[next++].data = junk;
    ext[next].id = 2;
    ext[next].len = 17;
    ext[next++].data = junk;

    /* RFC 8285 4.2: 0xBEDE, the length in words, padded elements */

    n = NGX_WEBRTC_RTP_HEADER_LEN
        + (ext_len ? 4 + ((ext_len + 3) & ~(size_t) 3) : 0)
        + h->payload_len;

    buf = malloc(n);
    fuzz_assert(buf != NULL);

    fuzz_assert(ngx_webrtc_rtp_write(buf, n - 1, h, ext, next, payload,
                                     h->payload_len)
                == 0);
    fuzz_assert(ngx_webrtc_rtp_write(buf, n, h, ext, next, payload,
                                     h->payload_len)
                == n);

    fuzz_assert(ngx_webrtc_rtp_parse(&w, buf, n) == NGX_OK);

    fuzz_assert(w.pt == h->pt && w.marker == h->marker);
    fuzz_assert(w.seq == h->seq && w.ts == h->ts && w.ssrc == h->ssrc);
    fuzz_assert(!w.padding && (buf[0] & 0x0f) == 0);
    fuzz_assert(w.payload_len == h->payload_len);
    fuzz_assert(h->payload_len == 0
                || memcmp(buf + w.header_len, payload, h->payload_len) == 0);
    fuzz_assert(ext_len ? w.ext_profile == 0xbede : w.ext == NULL);

    for (i = 0; i < next - 4; i++) {
        e = ngx_webrtc_rtp_find_ext(&w, ext[i].id, &len);

        fuzz_assert(e != NULL && len == ext[i].len);
        fuzz_assert(memcmp(e, ext[i].data, len) == 0);
    }

    free(buf);
}


static void
fuzz_keyframe(u_char *payload, size_t len)
{
    u_char      *copy;
    ngx_uint_t   i, key;

    /* exactly the payload: its padding is outside the block */

    copy = malloc(len ? len : 1);
    fuzz_assert(copy != NULL);
    memcpy(copy, payload, len);

    for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        key = ngx_webrtc_rtp_is_keyframe(codecs[i], copy, len);

        fuzz_assert(key == 0 || key == 1);

        if (len == 0
            || codecs[i] == NGX_WEBRTC_CODEC_OTHER
            || codecs[i] == NGX_WEBRTC_CODEC_OPUS
            || codecs[i] == NGX_WEBRTC_CODEC_RTX
            || codecs[i] == 255)
        {
            fuzz_assert(key == 0);
        }
    }

    free(copy);
}


/*
 * Records of 4 bytes, op a b dt; the clock advances by dt ms each record:
 *
 *   op & 3 == 0, 1   next packet: seq = last seq + (int8) a, its RTP
 *                    timestamp 3000 per seq from the first, jittered by
 *                    (int8) b ms at 90 kHz
 *   op & 3 == 2      next packet: seq = a << 8 | b, from nowhere
 *   op & 3 == 3      recv_nacks(): rtt a * 4 ms, at most b % 80 seqs,
 *                    or more than the window holds when op & 4
 *
 * The first two bytes of the input also pick the clock rate (the low bit),
 * the seq the others are relative to, and the start time.
 */

static void
fuzz_recv(const uint8_t *data, size_t size)
{
    size_t       i;
    uint16_t     seq, last, d;
    uint32_t     ts, clock_rate;
    ngx_uint_t   k, n, max, rc, due, was_missing, nmissing;
    ngx_msec_t   now, rtt;

    if (size < 2) {
        return;
    }

    clock_rate = (data[0] & 1) ? 48000 : 90000;
    last = get16(data);
    now = (ngx_msec_t) data[1] * 1000003;

    ngx_webrtc_rtp_recv_init(&rs, clock_rate);

    fuzz_assert(!rs.started && rs.nmissing == 0);

    for (i = 2; size - i >= 4; i += 4) {
        now += data[i + 3];

        switch (data[i] & 3) {

        case 3:
            rtt = (ngx_msec_t) data[i + 1] * 4;
            max = (data[i] & 4) ? NGX_WEBRTC_NACK_WINDOW + 1
                                : data[i + 2] % 80;

            /* due: never asked for, or not in the last rtt */

            nmissing = rs.nmissing;
            due = 0;

            for (k = 0; k < nmissing; k++) {
                if (rs.tries[k] == 0
                    || (ngx_msec_int_t) (now - rs.sent[k])
                       >= (ngx_msec_int_t) rtt)
                {
                    due++;
                }
            }

            ngx_memcpy(before, rs.missing, nmissing * sizeof(uint16_t));

            n = ngx_webrtc_rtp_recv_nacks(&rs, now, rtt, seqs, max);

            fuzz_assert(n == ngx_min(due, max));
            fuzz_assert(rs.nmissing <= nmissing);

            /* what is asked for was missing, in the list's order */

            for (k = 0, rc = 0; k < n; k++) {
                while (rc < nmissing && before[rc] != seqs[k]) {
                    rc++;
                }

                fuzz_assert(rc < nmissing);
                rc++;
            }

            break;

        case 2:
            seq = get16(data + i + 1);
            ts = (uint32_t) seq * 3000;
            goto update;

        default:
            seq = (uint16_t) (last + (int8_t) data[i + 1]);
            ts = (uint32_t) (int16_t) (seq - get16(data)) * 3000
                 + (uint32_t) ((int8_t) data[i + 2] * 90);

        update:

            /* only a packet behind max_seq can be in the list (which
               check_missing() makes sure of): no need to look otherwise */

            was_missing = 0;
            d = (uint16_t) (rs.max_seq - seq);

            for (k = 0; rs.started && d >= 1 && d <= NGX_WEBRTC_NACK_WINDOW
                        && k < rs.nmissing;
                 k++)
            {
                if (rs.missing[k] == seq) {
                    was_missing = 1;
                    break;
                }
            }

            nmissing = rs.nmissing;
            rc = ngx_webrtc_rtp_recv_update(&rs, seq, ts, now);

            fuzz_assert(rc == 0 || rc == 1);
            fuzz_assert(rs.started);

            if (was_missing) {
                /* a retransmission we were waiting for */
                fuzz_assert(rc == 1 && rs.nmissing == nmissing - 1);
            }

            if (rc) {
                last = seq;
            }

            /* nothing is missing at or after the newest packet */

            for (k = 0; k < rs.nmissing; k++) {
                fuzz_assert(rs.missing[k] != seq);
            }

        }

        check_missing(&rs);
    }
}


static void
check_missing(ngx_webrtc_rtp_recv_t *rs)
{
    uint16_t    d, prev;
    ngx_uint_t  k;

    fuzz_assert(rs->nmissing <= NGX_WEBRTC_NACK_WINDOW);

    prev = NGX_WEBRTC_NACK_WINDOW + 1;

    for (k = 0; k < rs->nmissing; k++) {
        d = (uint16_t) (rs->max_seq - rs->missing[k]);

        /* behind max_seq, within the window, oldest first, once */

        fuzz_assert(d >= 1 && d <= NGX_WEBRTC_NACK_WINDOW);
        fuzz_assert(d < prev);
        fuzz_assert(rs->tries[k] < NGX_WEBRTC_NACK_MAX_TRIES);

        prev = d;
    }
}
