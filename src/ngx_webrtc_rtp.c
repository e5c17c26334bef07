
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * RTP headers (RFC 3550, RFC 8285 extensions), keyframe detection for
 * H.264, VP8, VP9 and AV1 payloads, and the receive state of one incoming
 * SSRC: RFC 3550 appendix A statistics and the list of sequences to NACK.
 *
 * Everything here reads bytes a peer sent: every read is checked against
 * the length first.  No I/O, no allocation, no nginx function calls.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_rtp.h"
#include "ngx_webrtc_sdp.h"


/* RFC 3550 A.1 */
#define NGX_WEBRTC_RTP_MAX_DROPOUT    3000
#define NGX_WEBRTC_RTP_SEQ_MOD        65536


#define ngx_webrtc_rtp_get16(p)                                               \
    (uint16_t) (((uint16_t) (p)[0] << 8) | (p)[1])

#define ngx_webrtc_rtp_get32(p)                                               \
    (((uint32_t) (p)[0] << 24) | ((uint32_t) (p)[1] << 16)                    \
     | ((uint32_t) (p)[2] << 8) | (p)[3])


static ngx_uint_t ngx_webrtc_rtp_h264_keyframe(u_char *p, size_t len);
static ngx_uint_t ngx_webrtc_rtp_vp8_keyframe(u_char *p, size_t len);
static void ngx_webrtc_rtp_recv_start(ngx_webrtc_rtp_recv_t *rs,
    uint16_t seq, uint32_t ts, ngx_msec_t now);
static int64_t ngx_webrtc_rtp_transit(ngx_webrtc_rtp_recv_t *rs,
    uint32_t ts, ngx_msec_t now);
static void ngx_webrtc_rtp_missing_prune(ngx_webrtc_rtp_recv_t *rs,
    uint16_t max_seq);
static ngx_uint_t ngx_webrtc_rtp_missing_remove(ngx_webrtc_rtp_recv_t *rs,
    uint16_t seq);


ngx_int_t
ngx_webrtc_rtp_parse(ngx_webrtc_rtp_header_t *h, u_char *p, size_t len)
{
    size_t  off, ext_len, pad;

    if (len < NGX_WEBRTC_RTP_HEADER_LEN || (p[0] >> 6) != 2) {
        return NGX_ERROR;
    }

    off = NGX_WEBRTC_RTP_HEADER_LEN + (size_t) (p[0] & 0x0f) * 4;

    if (off > len) {
        return NGX_ERROR;
    }

    h->pt = p[1] & 0x7f;
    h->marker = (p[1] & 0x80) ? 1 : 0;
    h->padding = (p[0] & 0x20) ? 1 : 0;
    h->seq = ngx_webrtc_rtp_get16(p + 2);
    h->ts = ngx_webrtc_rtp_get32(p + 4);
    h->ssrc = ngx_webrtc_rtp_get32(p + 8);

    h->ext = NULL;
    h->ext_len = 0;
    h->ext_profile = 0;

    if (p[0] & 0x10) {

        if (len - off < 4) {
            return NGX_ERROR;
        }

        h->ext_profile = ngx_webrtc_rtp_get16(p + off);
        ext_len = (size_t) ngx_webrtc_rtp_get16(p + off + 2) * 4;
        off += 4;

        if (ext_len > len - off) {
            return NGX_ERROR;
        }

        h->ext = p + off;
        h->ext_len = ext_len;
        off += ext_len;
    }

    h->header_len = off;
    h->payload_len = len - off;

    if (h->padding) {
        /* the count includes itself, so 0 is as invalid as too many */
        pad = p[len - 1];

        if (pad == 0 || pad > h->payload_len) {
            return NGX_ERROR;
        }

        h->payload_len -= pad;
    }

    return NGX_OK;
}


u_char *
ngx_webrtc_rtp_find_ext(ngx_webrtc_rtp_header_t *h, u_char id, size_t *len)
{
    u_char      *p, *end;
    size_t       n;
    ngx_uint_t   eid;

    if (h->ext == NULL || id == 0) {
        return NULL;
    }

    p = h->ext;
    end = p + h->ext_len;

    if (h->ext_profile == 0xbede) {

        /* RFC 8285 4.2: id 15 is reserved and ends the block */
        if (id >= 15) {
            return NULL;
        }

        while (p < end) {

            if (*p == 0) {
                /* padding */
                p++;
                continue;
            }

            eid = *p >> 4;

            if (eid == 15) {
                return NULL;
            }

            n = (size_t) (*p & 0x0f) + 1;
            p++;

            if (n > (size_t) (end - p)) {
                return NULL;
            }

            if (eid == id) {
                *len = n;
                return p;
            }

            p += n;
        }

        return NULL;
    }

    if ((h->ext_profile & 0xfff0) == 0x1000) {

        while (p < end) {

            if (*p == 0) {
                /* padding */
                p++;
                continue;
            }

            if (end - p < 2) {
                return NULL;
            }

            eid = p[0];
            n = p[1];
            p += 2;

            if (n > (size_t) (end - p)) {
                return NULL;
            }

            if (eid == id) {
                *len = n;
                return p;
            }

            p += n;
        }
    }

    return NULL;
}


ngx_uint_t
ngx_webrtc_rtp_is_keyframe(ngx_uint_t codec, u_char *payload, size_t len)
{
    if (len == 0) {
        return 0;
    }

    switch (codec) {

    case NGX_WEBRTC_CODEC_H264:
        return ngx_webrtc_rtp_h264_keyframe(payload, len);

    case NGX_WEBRTC_CODEC_VP8:
        return ngx_webrtc_rtp_vp8_keyframe(payload, len);

    case NGX_WEBRTC_CODEC_VP9:
        /* RFC 9628: I P L F B E V Z; B: start of a frame, P: inter-coded */
        return (payload[0] & 0x48) == 0x08;

    case NGX_WEBRTC_CODEC_AV1:
        /* AV1 RTP: Z Y W W N; N: first packet of a coded video sequence */
        return (payload[0] & 0x08) ? 1 : 0;

    default:
        return 0;
    }
}


static ngx_uint_t
ngx_webrtc_rtp_h264_keyframe(u_char *p, size_t len)
{
    size_t      i, n;
    ngx_uint_t  type;

    type = p[0] & 0x1f;

    switch (type) {

    case 5:  /* IDR slice */
    case 7:  /* SPS */
        return 1;

    case 24:  /* STAP-A: 16-bit size, NAL unit, ... */

        i = 1;

        while (len - i >= 2) {
            n = ngx_webrtc_rtp_get16(p + i);
            i += 2;

            if (n == 0 || n > len - i) {
                return 0;
            }

            type = p[i] & 0x1f;

            if (type == 5 || type == 7) {
                return 1;
            }

            i += n;
        }

        return 0;

    case 28:  /* FU-A: FU indicator, FU header S E R type */

        if (len < 2 || (p[1] & 0x80) == 0) {
            return 0;
        }

        type = p[1] & 0x1f;

        return (type == 5 || type == 7);

    default:
        return 0;
    }
}


static ngx_uint_t
ngx_webrtc_rtp_vp8_keyframe(u_char *p, size_t len)
{
    size_t  off;

    /*
     * RFC 7741 4.2: X R N S R PID; only the start of partition 0 carries
     * the payload header that tells a key frame
     */

    if ((p[0] & 0x10) == 0 || (p[0] & 0x07) != 0) {
        return 0;
    }

    off = 1;

    if (p[0] & 0x80) {

        if (len < 2) {
            return 0;
        }

        off = 2;

        if (p[1] & 0x80) {
            /* I: PictureID, 15 bits when M is set */

            if (off >= len) {
                return 0;
            }

            off += (p[off] & 0x80) ? 2 : 1;
        }

        if (p[1] & 0x40) {
            /* L: TL0PICIDX */
            off++;
        }

        if (p[1] & 0x30) {
            /* T or K: TID Y KEYIDX */
            off++;
        }
    }

    if (off >= len) {
        return 0;
    }

    /* RFC 7741 4.3: Size0 H VER P, P = 0 for a key frame */

    return (p[off] & 0x01) == 0;
}


void
ngx_webrtc_rtp_recv_init(ngx_webrtc_rtp_recv_t *rs, uint32_t clock_rate)
{
    ngx_memzero(rs, sizeof(ngx_webrtc_rtp_recv_t));

    rs->clock_rate = clock_rate;
}


ngx_uint_t
ngx_webrtc_rtp_recv_update(ngx_webrtc_rtp_recv_t *rs, uint16_t seq,
    uint32_t ts, ngx_msec_t now)
{
    double      jitter;
    int64_t     transit, d;
    uint16_t    udelta, s;
    ngx_uint_t  i;

    if (!rs->started) {
        ngx_webrtc_rtp_recv_start(rs, seq, ts, now);
        return 1;
    }

    udelta = (uint16_t) (seq - rs->max_seq);

    if (udelta == 0) {
        return 0;
    }

    if (udelta < NGX_WEBRTC_RTP_MAX_DROPOUT) {

        /* in order, with a permissible gap */

        if (seq < rs->max_seq) {
            rs->cycles += NGX_WEBRTC_RTP_SEQ_MOD;
        }

        ngx_webrtc_rtp_missing_prune(rs, seq);

        if (udelta > NGX_WEBRTC_NACK_WINDOW) {
            /* more than we remember: retransmissions would come too late */
            rs->nmissing = 0;

        } else {
            s = rs->max_seq;

            for (i = 1; i < udelta; i++) {
                s++;

                if (rs->nmissing == NGX_WEBRTC_NACK_WINDOW) {
                    break;
                }

                rs->missing[rs->nmissing] = s;
                rs->tries[rs->nmissing] = 0;
                rs->sent[rs->nmissing] = 0;
                rs->nmissing++;
            }
        }

        rs->lost_total += udelta - 1;
        rs->max_seq = seq;
        rs->received++;

        /*
         * RFC 3550 A.8; only in-order packets: a retransmission's transit
         * time says nothing of the network's jitter
         */

        transit = ngx_webrtc_rtp_transit(rs, ts, now);
        d = (int32_t) ((uint32_t) transit - (uint32_t) rs->transit);
        rs->transit = transit;

        if (d < 0) {
            d = -d;
        }

        jitter = rs->jitter;
        rs->jitter = jitter + ((double) d - jitter) / 16.0;

        return 1;
    }

    if (udelta > NGX_WEBRTC_RTP_SEQ_MOD - NGX_WEBRTC_RTP_MAX_DROPOUT) {

        /*
         * Behind max_seq: a reordered packet or a retransmission we asked
         * for is new; anything else is a duplicate, or came so late after
         * its gap was forgotten (NACK window, tries exhausted) that it
         * cannot be told from one.  A.1 would take a packet more than
         * MAX_MISORDER behind for a sequence jump to be confirmed by the
         * next packet; late retransmissions land there, so they must not
         * restart the stream, and there is no bad_seq to confirm a jump.
         */

        if (ngx_webrtc_rtp_missing_remove(rs, seq)) {
            rs->received++;

            if (rs->lost_total) {
                rs->lost_total--;
            }

            return 1;
        }

        return 0;
    }

    /*
     * A jump of more than MAX_DROPOUT either way: the sender restarted its
     * sequence; start over as A.1 does after its confirmation.
     */

    ngx_webrtc_rtp_recv_start(rs, seq, ts, now);

    return 1;
}


ngx_uint_t
ngx_webrtc_rtp_recv_nacks(ngx_webrtc_rtp_recv_t *rs, ngx_msec_t now,
    ngx_msec_t rtt_ms, uint16_t *seqs, ngx_uint_t max)
{
    ngx_uint_t  i, j, n;

    n = 0;
    j = 0;

    for (i = 0; i < rs->nmissing; i++) {

        if (n < max
            && (rs->tries[i] == 0
                || (ngx_msec_int_t) (now - rs->sent[i])
                   >= (ngx_msec_int_t) rtt_ms))
        {
            seqs[n++] = rs->missing[i];
            rs->tries[i]++;
            rs->sent[i] = now;

            if (rs->tries[i] >= NGX_WEBRTC_NACK_MAX_TRIES) {
                /* asked for the last time: forget it */
                continue;
            }
        }

        if (j != i) {
            rs->missing[j] = rs->missing[i];
            rs->tries[j] = rs->tries[i];
            rs->sent[j] = rs->sent[i];
        }

        j++;
    }

    rs->nmissing = j;

    return n;
}


static void
ngx_webrtc_rtp_recv_start(ngx_webrtc_rtp_recv_t *rs, uint16_t seq,
    uint32_t ts, ngx_msec_t now)
{
    /* RFC 3550 A.1 init_seq(); lost_total and the jitter live on */

    rs->started = 1;
    rs->base_seq = seq;
    rs->max_seq = seq;
    rs->cycles = 0;
    rs->received = 1;
    rs->expected_prior = 0;
    rs->received_prior = 0;
    rs->nmissing = 0;
    rs->transit = ngx_webrtc_rtp_transit(rs, ts, now);
}


static int64_t
ngx_webrtc_rtp_transit(ngx_webrtc_rtp_recv_t *rs, uint32_t ts,
    ngx_msec_t now)
{
    uint64_t  arrival;

    /* the arrival time in RTP clock units, without overflowing */

    arrival = (uint64_t) (now / 1000) * rs->clock_rate
              + (uint64_t) (now % 1000) * rs->clock_rate / 1000;

    /* both clocks wrap at 2^32: the difference is meaningful modulo 2^32 */

    return (int32_t) ((uint32_t) arrival - ts);
}


static void
ngx_webrtc_rtp_missing_prune(ngx_webrtc_rtp_recv_t *rs, uint16_t max_seq)
{
    ngx_uint_t  i, n;

    /* the list is oldest first: drop those beyond the window */

    for (i = 0; i < rs->nmissing; i++) {
        if ((uint16_t) (max_seq - rs->missing[i]) <= NGX_WEBRTC_NACK_WINDOW) {
            break;
        }
    }

    if (i == 0) {
        return;
    }

    n = rs->nmissing - i;

    ngx_memmove(rs->missing, rs->missing + i, n * sizeof(uint16_t));
    ngx_memmove(rs->tries, rs->tries + i, n * sizeof(u_char));
    ngx_memmove(rs->sent, rs->sent + i, n * sizeof(ngx_msec_t));

    rs->nmissing = n;
}


static ngx_uint_t
ngx_webrtc_rtp_missing_remove(ngx_webrtc_rtp_recv_t *rs, uint16_t seq)
{
    ngx_uint_t  i, n;

    for (i = 0; i < rs->nmissing; i++) {

        if (rs->missing[i] != seq) {
            continue;
        }

        n = rs->nmissing - i - 1;

        ngx_memmove(rs->missing + i, rs->missing + i + 1,
                    n * sizeof(uint16_t));
        ngx_memmove(rs->tries + i, rs->tries + i + 1, n * sizeof(u_char));
        ngx_memmove(rs->sent + i, rs->sent + i + 1, n * sizeof(ngx_msec_t));

        rs->nmissing--;

        return 1;
    }

    return 0;
}


size_t
ngx_webrtc_rtp_write(u_char *buf, size_t size, ngx_webrtc_rtp_header_t *h,
    ngx_webrtc_rtp_ext_t *ext, ngx_uint_t next, u_char *payload,
    size_t payload_len)
{
    u_char      *p, *words;
    size_t       ext_len, n;
    ngx_uint_t   i;

    ext_len = 0;

    for (i = 0; i < next; i++) {
        if (ext[i].id >= 1 && ext[i].id <= 14
            && ext[i].len >= 1 && ext[i].len <= 16)
        {
            ext_len += 1 + ext[i].len;
        }
    }

    /* the extension block is padded to 32-bit words */

    n = ext_len ? 4 + ((ext_len + 3) & ~(size_t) 3) : 0;

    if (size < NGX_WEBRTC_RTP_HEADER_LEN + n + payload_len) {
        return 0;
    }

    p = buf;

    *p++ = (u_char) (0x80 | (n ? 0x10 : 0));
    *p++ = (u_char) ((h->marker ? 0x80 : 0) | (h->pt & 0x7f));
    *p++ = (u_char) (h->seq >> 8);
    *p++ = (u_char) h->seq;
    *p++ = (u_char) (h->ts >> 24);
    *p++ = (u_char) (h->ts >> 16);
    *p++ = (u_char) (h->ts >> 8);
    *p++ = (u_char) h->ts;
    *p++ = (u_char) (h->ssrc >> 24);
    *p++ = (u_char) (h->ssrc >> 16);
    *p++ = (u_char) (h->ssrc >> 8);
    *p++ = (u_char) h->ssrc;

    if (n) {
        *p++ = 0xbe;
        *p++ = 0xde;
        *p++ = (u_char) (((n - 4) / 4) >> 8);
        *p++ = (u_char) ((n - 4) / 4);

        words = p;

        for (i = 0; i < next; i++) {
            if (ext[i].id < 1 || ext[i].id > 14
                || ext[i].len < 1 || ext[i].len > 16)
            {
                continue;
            }

            *p++ = (u_char) (ext[i].id << 4 | (ext[i].len - 1));
            p = ngx_cpymem(p, ext[i].data, ext[i].len);
        }

        while ((size_t) (p - words) < n - 4) {
            *p++ = 0;
        }
    }

    p = ngx_cpymem(p, payload, payload_len);

    return p - buf;
}


ngx_uint_t
ngx_webrtc_demux(u_char *p, size_t len)
{
    if (len == 0) {
        return NGX_WEBRTC_DEMUX_OTHER;
    }

    if (p[0] <= 3) {
        return NGX_WEBRTC_DEMUX_STUN;
    }

    if (p[0] >= 20 && p[0] <= 63) {
        return NGX_WEBRTC_DEMUX_DTLS;
    }

    if (p[0] < 128 || p[0] > 191 || len < 2) {
        return NGX_WEBRTC_DEMUX_OTHER;
    }

    /* RFC 5761 4: RTCP packet types 192..223 share the port with RTP */

    if (p[1] >= 192 && p[1] <= 223) {
        return NGX_WEBRTC_DEMUX_RTCP;
    }

    return NGX_WEBRTC_DEMUX_RTP;
}
