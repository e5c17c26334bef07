
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of ngx_webrtc_demux() (src/ngx_webrtc_rtp.c): the first
 * bytes of a datagram on the media port tell its protocol (RFC 7983, and
 * RFC 5761 4 for RTCP beside RTP).  Checked by abort():
 *
 *   - the result equals a reference written here from RFC 7983's table of
 *     first-byte ranges, on the datagram and on each of its prefixes of up
 *     to 4 bytes (each copied to its own block of exactly that length);
 *   - only the first two bytes count: a prefix of two bytes or more gets
 *     the same answer as the whole datagram;
 *   - a datagram that ngx_webrtc_rtp_parse() takes is RTP or RTCP.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_rtp.h"
#include "fuzz.h"


static ngx_uint_t ref_demux(const uint8_t *p, size_t len);
static ngx_uint_t demux_copy(const uint8_t *data, size_t len);


/* RFC 7983 7: the first byte's ranges, and what we do with each */

static const struct {
    u_char      first;
    u_char      last;
    ngx_uint_t  type;
} ranges[] = {
    {   0,   3, NGX_WEBRTC_DEMUX_STUN },
    {   4,  15, NGX_WEBRTC_DEMUX_OTHER },   /* unassigned */
    {  16,  19, NGX_WEBRTC_DEMUX_OTHER },   /* ZRTP: not ours */
    {  20,  63, NGX_WEBRTC_DEMUX_DTLS },
    {  64,  79, NGX_WEBRTC_DEMUX_OTHER },   /* TURN channels: not ours */
    {  80, 127, NGX_WEBRTC_DEMUX_OTHER },
    { 128, 191, NGX_WEBRTC_DEMUX_RTP },     /* or RTCP, by the next byte */
    { 192, 255, NGX_WEBRTC_DEMUX_OTHER }
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                   *in;
    size_t                    n;
    ngx_uint_t                type, t;
    ngx_webrtc_rtp_header_t   h;

    type = demux_copy(data, size);

    fuzz_assert(type <= NGX_WEBRTC_DEMUX_RTCP);
    fuzz_assert(type == ref_demux(data, size));

    for (n = 0; n < size && n <= 4; n++) {
        t = demux_copy(data, n);

        fuzz_assert(t == ref_demux(data, n));

        if (n >= 2) {
            fuzz_assert(t == type);
        }
    }

    /* RTP version 2 is 0b10xxxxxx: 128..191 */

    in = malloc(size ? size : 1);
    fuzz_assert(in != NULL);
    memcpy(in, data, size);

    if (ngx_webrtc_rtp_parse(&h, in, size) == NGX_OK) {
        fuzz_assert(type == NGX_WEBRTC_DEMUX_RTP
                    || type == NGX_WEBRTC_DEMUX_RTCP);
    }

    free(in);

    return 0;
}


static ngx_uint_t
demux_copy(const uint8_t *data, size_t len)
{
    u_char      *p;
    ngx_uint_t   type;

    /* exactly len bytes: a read past them is a report */

    p = malloc(len ? len : 1);
    fuzz_assert(p != NULL);
    memcpy(p, data, len);

    type = ngx_webrtc_demux(p, len);

    free(p);

    return type;
}


static ngx_uint_t
ref_demux(const uint8_t *p, size_t len)
{
    size_t  i;

    if (len == 0) {
        return NGX_WEBRTC_DEMUX_OTHER;
    }

    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {

        if (p[0] < ranges[i].first || p[0] > ranges[i].last) {
            continue;
        }

        if (ranges[i].type != NGX_WEBRTC_DEMUX_RTP) {
            return ranges[i].type;
        }

        /* RFC 5761 4: payload types 64..95 with the marker bit are
           RTCP's 192..223 */

        if (len < 2) {
            return NGX_WEBRTC_DEMUX_OTHER;
        }

        if ((p[1] & 0x80) && (p[1] & 0x7f) >= 64 && (p[1] & 0x7f) <= 95) {
            return NGX_WEBRTC_DEMUX_RTCP;
        }

        return NGX_WEBRTC_DEMUX_RTP;
    }

    fuzz_assert(0);

    return NGX_WEBRTC_DEMUX_OTHER;
}
