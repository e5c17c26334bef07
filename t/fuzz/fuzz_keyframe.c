
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of ngx_webrtc_rtp_is_keyframe() (src/ngx_webrtc_rtp.c): the
 * input is an RTP payload, tried as every codec.  Checked by abort():
 *
 *   - the answer is 0 or 1, and the same as a reference written here from
 *     the payload formats: H.264 (RFC 6184 5.6-5.8: IDR or SPS alone, in a
 *     STAP-A before any broken unit, or in the first FU-A fragment), VP8
 *     (RFC 7741 4.2, 4.3: the descriptor's S bit and partition 0, then the
 *     inverse key frame bit of the VP8 header), VP9 (RFC 9628 4.2: B set,
 *     P clear), AV1 (the N bit of the aggregation header);
 *   - never a keyframe: an empty payload, Opus, RTX, an unknown codec;
 *   - the answer depends on a prefix only: once a prefix of the payload is
 *     a keyframe, every longer one is (tried on the first 64 prefixes and
 *     on the whole payload, each copied to a block of exactly its length,
 *     so that a read past it is a report).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_rtp.h"
#include "ngx_webrtc_sdp.h"
#include "fuzz.h"


/* one past the codec ids ngx_webrtc_sdp.h knows, and then some */
#define FUZZ_CODECS     9
#define FUZZ_PREFIXES   64


static ngx_uint_t keyframe_copy(ngx_uint_t codec, const uint8_t *data,
    size_t len);
static ngx_uint_t ref_keyframe(ngx_uint_t codec, const uint8_t *p,
    size_t len);
static ngx_uint_t ref_h264(const uint8_t *p, size_t len);
static ngx_uint_t ref_vp8(const uint8_t *p, size_t len);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t      n;
    ngx_uint_t  codec, kf, whole, seen;

    for (codec = 0; codec < FUZZ_CODECS; codec++) {

        whole = keyframe_copy(codec, data, size);

        fuzz_assert(whole == 0 || whole == 1);
        fuzz_assert(whole == ref_keyframe(codec, data, size));

        if (codec != NGX_WEBRTC_CODEC_H264 && codec != NGX_WEBRTC_CODEC_VP8
            && codec != NGX_WEBRTC_CODEC_VP9 && codec != NGX_WEBRTC_CODEC_AV1)
        {
            fuzz_assert(whole == 0);
        }

        seen = 0;

        for (n = 0; n < size && n < FUZZ_PREFIXES; n++) {
            kf = keyframe_copy(codec, data, n);

            fuzz_assert(kf == ref_keyframe(codec, data, n));

            if (n == 0) {
                fuzz_assert(kf == 0);
            }

            if (seen) {
                fuzz_assert(kf == 1);
            }

            seen = kf;
        }

        if (seen) {
            fuzz_assert(whole == 1);
        }
    }

    return 0;
}


static ngx_uint_t
keyframe_copy(ngx_uint_t codec, const uint8_t *data, size_t len)
{
    u_char      *p;
    ngx_uint_t   kf;

    p = malloc(len ? len : 1);
    fuzz_assert(p != NULL);
    memcpy(p, data, len);

    kf = ngx_webrtc_rtp_is_keyframe(codec, p, len);

    free(p);

    return kf;
}


static ngx_uint_t
ref_keyframe(ngx_uint_t codec, const uint8_t *p, size_t len)
{
    if (len == 0) {
        return 0;
    }

    switch (codec) {

    case NGX_WEBRTC_CODEC_H264:
        return ref_h264(p, len);

    case NGX_WEBRTC_CODEC_VP8:
        return ref_vp8(p, len);

    case NGX_WEBRTC_CODEC_VP9:
        /* I P L F B E V Z */
        return ((p[0] >> 3) & 1) && !((p[0] >> 6) & 1);

    case NGX_WEBRTC_CODEC_AV1:
        /* Z Y W W N - - - */
        return (p[0] >> 3) & 1;

    default:
        return 0;
    }
}


static ngx_uint_t
ref_h264(const uint8_t *p, size_t len)
{
    size_t          size;
    ngx_uint_t      type;
    const uint8_t  *end;

    end = p + len;
    type = p[0] & 0x1f;

    if (type == 5 || type == 7) {
        return 1;
    }

    if (type == 28) {
        /* FU indicator, FU header: S E R Type */
        return len >= 2 && (p[1] & 0x80)
               && ((p[1] & 0x1f) == 5 || (p[1] & 0x1f) == 7);
    }

    if (type != 24) {
        return 0;
    }

    /* STAP-A: units of a 16-bit size and a NAL unit of that size; a unit
       that does not fit ends the search, a lone last byte is ignored */

    for (p++; end - p >= 2; p += size) {
        size = (size_t) p[0] << 8 | p[1];
        p += 2;

        if (size == 0 || size > (size_t) (end - p)) {
            return 0;
        }

        if ((p[0] & 0x1f) == 5 || (p[0] & 0x1f) == 7) {
            return 1;
        }
    }

    return 0;
}


static ngx_uint_t
ref_vp8(const uint8_t *p, size_t len)
{
    size_t  need;

    /* X R N S R PID: the start (S) of partition 0 */

    if (!(p[0] & 0x10) || (p[0] & 0x07)) {
        return 0;
    }

    need = 1;

    if (p[0] & 0x80) {
        /* I L T K RSV */

        if (len < 2) {
            return 0;
        }

        need = 2;

        if (p[1] & 0x80) {
            /* M PictureID: one byte, two with M */

            if (len < 3) {
                return 0;
            }

            need += (p[2] & 0x80) ? 2 : 1;
        }

        need += (p[1] & 0x40) ? 1 : 0;          /* TL0PICIDX */
        need += (p[1] & 0x30) ? 1 : 0;          /* TID Y KEYIDX */
    }

    /* the VP8 payload header: Size0 H VER P, P clear for a key frame */

    return len > need && (p[need] & 0x01) == 0;
}
