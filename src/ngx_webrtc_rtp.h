
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * RTP headers (RFC 3550, RFC 8285 extensions), keyframe detection, and the
 * receive-side bookkeeping of one incoming stream: RFC 3550 statistics and
 * the sequence gaps to NACK (RFC 4585).
 *
 * Layer 1/2: no I/O, no allocation, no nginx function calls; times are
 * passed in by the caller in milliseconds.
 */


#ifndef _NGX_WEBRTC_RTP_H_INCLUDED_
#define _NGX_WEBRTC_RTP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_WEBRTC_RTP_HEADER_LEN   12


typedef struct {
    u_char          pt;
    unsigned        marker:1;
    unsigned        padding:1;
    uint16_t        seq;
    uint32_t        ts;
    uint32_t        ssrc;

    size_t          header_len;     /* up to the payload, extensions
                                       included */
    size_t          payload_len;    /* without padding */

    /* the extension block (RFC 8285), NULL when absent */
    u_char         *ext;
    size_t          ext_len;        /* bytes of extension data */
    uint16_t        ext_profile;    /* 0xBEDE one-byte, 0x100x two-byte */
} ngx_webrtc_rtp_header_t;


/*
 * Parses a decrypted or encrypted RTP packet's header (encryption leaves
 * the header in clear).  Returns NGX_OK or NGX_ERROR (version != 2, lengths
 * that do not fit, padding longer than the payload).
 */
ngx_int_t ngx_webrtc_rtp_parse(ngx_webrtc_rtp_header_t *h, u_char *p,
    size_t len);

/*
 * Finds the header extension with the given id (one-byte or two-byte form).
 * Returns a pointer to its data and sets *len, or NULL.
 */
u_char *ngx_webrtc_rtp_find_ext(ngx_webrtc_rtp_header_t *h, u_char id,
    size_t *len);

/* a header extension to write */
typedef struct {
    u_char          id;             /* 1..14: the one-byte form */
    u_char          len;            /* 1..16 */
    u_char         *data;
} ngx_webrtc_rtp_ext_t;

/*
 * Writes an RTP packet: the header fields pt, marker, seq, ts and ssrc of
 * h (no CSRCs, no padding), the extensions in the one-byte form (those
 * with an id or length it cannot carry are left out), then the payload.
 * Returns the length, or 0 when it does not fit in size.
 */
size_t ngx_webrtc_rtp_write(u_char *buf, size_t size,
    ngx_webrtc_rtp_header_t *h, ngx_webrtc_rtp_ext_t *ext, ngx_uint_t next,
    u_char *payload, size_t payload_len);

/*
 * Is this packet the start of a keyframe?  codec is NGX_WEBRTC_CODEC_* of
 * ngx_webrtc_sdp.h.  H.264: an IDR (type 5) or SPS (type 7) NAL, alone, in
 * a STAP-A, or in the first FU-A fragment.  VP8: the first partition of a
 * key frame.  VP9: a start-of-frame that is not inter-predicted.  AV1: the
 * N bit (start of a new coded video sequence) in the aggregation header.
 */
ngx_uint_t ngx_webrtc_rtp_is_keyframe(ngx_uint_t codec, u_char *payload,
    size_t len);


#define NGX_WEBRTC_NACK_WINDOW      512   /* sequence numbers remembered */
#define NGX_WEBRTC_NACK_MAX_TRIES   5


/* The receive state of one SSRC: statistics and missing packets. */
typedef struct {
    unsigned        started:1;
    uint16_t        base_seq;
    uint16_t        max_seq;
    uint32_t        cycles;         /* << 16, as in RFC 3550 A.1 */
    uint32_t        received;
    uint32_t        expected_prior;
    uint32_t        received_prior;
    uint32_t        clock_rate;
    int64_t         transit;        /* last transit, in clock units */
    double          jitter;         /* in clock units */

    /* last SR from the sender, for LSR/DLSR */
    uint32_t        sr_ntp_mid;     /* middle 32 bits of the NTP time */
    ngx_msec_t      sr_received;    /* when it arrived, 0 = never */

    /* missing packets, a compact list oldest first: missing[i], tries[i]
       and sent[i] for i < nmissing */
    uint16_t        missing[NGX_WEBRTC_NACK_WINDOW];
    u_char          tries[NGX_WEBRTC_NACK_WINDOW];
    ngx_msec_t      sent[NGX_WEBRTC_NACK_WINDOW];
    ngx_uint_t      nmissing;

    uint64_t        lost_total;     /* for status: cumulative lost */
} ngx_webrtc_rtp_recv_t;


void ngx_webrtc_rtp_recv_init(ngx_webrtc_rtp_recv_t *rs,
    uint32_t clock_rate);

/*
 * Records an arriving packet: updates the statistics, adds the gap between
 * the previous highest sequence and this one to the missing list (up to
 * NGX_WEBRTC_NACK_WINDOW), and removes a retransmitted one.  now and the
 * RTP timestamp feed the jitter.  Returns 1 for a new packet, 0 for a
 * duplicate or too old one.  A jump of more than 3000 either way restarts
 * the statistics and returns 1.
 */
ngx_uint_t ngx_webrtc_rtp_recv_update(ngx_webrtc_rtp_recv_t *rs,
    uint16_t seq, uint32_t ts, ngx_msec_t now);

/*
 * Sequence numbers to NACK now: each missing one not NACKed in the last
 * rtt_ms (or never), at most NGX_WEBRTC_NACK_MAX_TRIES times; drops those
 * past the limit.  Writes at most max into seqs, returns how many.
 */
ngx_uint_t ngx_webrtc_rtp_recv_nacks(ngx_webrtc_rtp_recv_t *rs,
    ngx_msec_t now, ngx_msec_t rtt_ms, uint16_t *seqs, ngx_uint_t max);


/* what a datagram on the media port carries (RFC 7983, RFC 5761 4) */
#define NGX_WEBRTC_DEMUX_OTHER      0
#define NGX_WEBRTC_DEMUX_STUN       1
#define NGX_WEBRTC_DEMUX_DTLS       2
#define NGX_WEBRTC_DEMUX_RTP        3
#define NGX_WEBRTC_DEMUX_RTCP       4

/*
 * Tells a datagram's protocol by its first byte: 0..3 STUN, 20..63 DTLS,
 * 128..191 RTP or RTCP (then RTCP when the second byte, the packet type,
 * is 192..223); anything else, or too short to tell, is OTHER.
 */
ngx_uint_t ngx_webrtc_demux(u_char *p, size_t len);


#endif /* _NGX_WEBRTC_RTP_H_INCLUDED_ */
