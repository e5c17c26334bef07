
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * RTCP (RFC 3550, RFC 4585, RFC 5104, draft-holmer-rmcat-transport-wide-
 * cc-extensions-01): walking a compound packet safely, and building the
 * feedback a receiver sends: RR, NACK, PLI, FIR, transport-wide congestion
 * control feedback.
 *
 * Layer 1/2: no I/O, no allocation, no nginx function calls.
 */


#ifndef _NGX_WEBRTC_RTCP_H_INCLUDED_
#define _NGX_WEBRTC_RTCP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_rtp.h"


#define NGX_WEBRTC_RTCP_SR          200
#define NGX_WEBRTC_RTCP_RR          201
#define NGX_WEBRTC_RTCP_SDES        202
#define NGX_WEBRTC_RTCP_BYE         203
#define NGX_WEBRTC_RTCP_RTPFB       205     /* fmt 1 NACK, 15 TWCC */
#define NGX_WEBRTC_RTCP_PSFB        206     /* fmt 1 PLI, 4 FIR, 15 REMB */


/* one packet of a compound packet */
typedef struct {
    u_char          type;
    u_char          count;          /* RC / SC / FMT */
    u_char         *body;           /* after the 4-byte common header */
    size_t          len;            /* body bytes, padding removed */
    uint32_t        ssrc;           /* sender SSRC (first word of body),
                                       0 if the body is shorter */
} ngx_webrtc_rtcp_packet_t;


/*
 * Iterates a compound packet: *pos starts at 0; each call fills pkt and
 * advances *pos.  Returns NGX_OK for a packet, NGX_DONE at the end,
 * NGX_ERROR for a malformed one (bad version, length past the end).
 */
ngx_int_t ngx_webrtc_rtcp_next(u_char *p, size_t len, size_t *pos,
    ngx_webrtc_rtcp_packet_t *pkt);

/* For a NACK packet: the media SSRC and the lost sequences, at most max. */
ngx_uint_t ngx_webrtc_rtcp_parse_nack(ngx_webrtc_rtcp_packet_t *pkt,
    uint32_t *media_ssrc, uint16_t *seqs, ngx_uint_t max);

/* For PLI/FIR: the media SSRC asked for a keyframe, 0 on error. */
uint32_t ngx_webrtc_rtcp_keyframe_ssrc(ngx_webrtc_rtcp_packet_t *pkt);

/* For an SR: NTP (64 bits) and RTP timestamps, NGX_ERROR if too short. */
ngx_int_t ngx_webrtc_rtcp_parse_sr(ngx_webrtc_rtcp_packet_t *pkt,
    uint64_t *ntp, uint32_t *rtp_ts, uint32_t *packets, uint32_t *octets);

/* one report block of an SR or RR */
typedef struct {
    uint32_t        ssrc;           /* the source it reports on */
    u_char          fraction;       /* fraction lost, of 256 */
    int32_t         lost;           /* cumulative, 24 bits signed */
    uint32_t        highest_seq;
    uint32_t        jitter;
    uint32_t        lsr;
    uint32_t        dlsr;           /* in 1/65536 s */
} ngx_webrtc_rtcp_report_t;

/*
 * The i-th report block of an SR or RR: NGX_OK, or NGX_DONE when there is
 * no such block (or it is cut short).
 */
ngx_int_t ngx_webrtc_rtcp_parse_report(ngx_webrtc_rtcp_packet_t *pkt,
    ngx_uint_t i, ngx_webrtc_rtcp_report_t *rb);

/*
 * Builders: each writes one RTCP packet into buf (size bytes) and returns
 * its length, or 0 when it does not fit.  Concatenate for a compound one.
 */

/* SR without report blocks. */
size_t ngx_webrtc_rtcp_write_sr(u_char *buf, size_t size,
    uint32_t sender_ssrc, uint64_t ntp, uint32_t rtp_ts, uint32_t packets,
    uint32_t octets);

/* RR with one report block built from rs (updates rs's *_prior fields). */
size_t ngx_webrtc_rtcp_write_rr(u_char *buf, size_t size,
    uint32_t sender_ssrc, uint32_t media_ssrc, ngx_webrtc_rtp_recv_t *rs,
    ngx_msec_t now);

/* Generic NACK (RFC 4585 6.2.1) with as many PID/BLP pairs as needed. */
size_t ngx_webrtc_rtcp_write_nack(u_char *buf, size_t size,
    uint32_t sender_ssrc, uint32_t media_ssrc, uint16_t *seqs,
    ngx_uint_t n);

size_t ngx_webrtc_rtcp_write_pli(u_char *buf, size_t size,
    uint32_t sender_ssrc, uint32_t media_ssrc);

size_t ngx_webrtc_rtcp_write_fir(u_char *buf, size_t size,
    uint32_t sender_ssrc, uint32_t media_ssrc, u_char seq_nr);

/* REMB (draft-alvestrand-rmcat-remb), bitrate in bits per second. */
size_t ngx_webrtc_rtcp_write_remb(u_char *buf, size_t size,
    uint32_t sender_ssrc, uint32_t media_ssrc, uint64_t bitrate);


/*
 * Transport-wide congestion control: the receiver records the arrival time
 * of every packet carrying the transport-wide sequence number extension,
 * and sends feedback every 50-100 ms.
 */
#define NGX_WEBRTC_TWCC_WINDOW      1024    /* power of two */

typedef struct {
    unsigned        started:1;
    uint16_t        base_seq;       /* first seq not yet reported */
    uint16_t        max_seq;        /* highest seq seen */
    u_char          fb_count;       /* feedback packet count, wraps */
    int64_t         arrival_us[NGX_WEBRTC_TWCC_WINDOW]; /* -1 = not seen */
} ngx_webrtc_twcc_t;

void ngx_webrtc_twcc_init(ngx_webrtc_twcc_t *tw);

/*
 * Records arrival of transport-wide seq at now_us (microseconds, >= 0: -1
 * marks a packet not seen).
 */
void ngx_webrtc_twcc_record(ngx_webrtc_twcc_t *tw, uint16_t seq,
    int64_t now_us);

/*
 * Writes one transport-cc feedback packet (RTPFB fmt 15) covering
 * base_seq..max_seq (at most what fits in size and the window), then
 * advances base_seq past what it reported.  Returns 0 when there is
 * nothing to report or it does not fit.
 */
size_t ngx_webrtc_twcc_write(ngx_webrtc_twcc_t *tw, u_char *buf,
    size_t size, uint32_t sender_ssrc, uint32_t media_ssrc);


#endif /* _NGX_WEBRTC_RTCP_H_INCLUDED_ */
