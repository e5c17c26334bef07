
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * SDP: the offer parser, the trickle fragment parser, the choice of what we
 * receive (WHIP) or send (WHEP), and the answer writer.
 *
 * Layer 1: no nginx function calls, no allocation, no mutable globals.  The
 * input comes from the network: every read is bounded by the caller's
 * length and the input is not NUL-terminated.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_webrtc_sdp.h"


#define NGX_WEBRTC_SDP_MAX_TOKEN        256
#define NGX_WEBRTC_SDP_MAX_FOUNDATION   32
#define NGX_WEBRTC_SDP_FINGERPRINT_LEN  (32 * 3 - 1)

#define NGX_WEBRTC_SDP_FLAG_RTCP_MUX    1
#define NGX_WEBRTC_SDP_FLAG_RTCP_RSIZE  2
#define NGX_WEBRTC_SDP_FLAG_BUNDLE_ONLY 3
#define NGX_WEBRTC_SDP_FLAG_MIXED       4
#define NGX_WEBRTC_SDP_FLAG_ICE_LITE    5

#define NGX_WEBRTC_SDP_ICE_UFRAG        0
#define NGX_WEBRTC_SDP_ICE_PWD          1


typedef struct {
    ngx_webrtc_sdp_offer_t     *offer;

    /* the current media section, NULL at session level */
    ngx_webrtc_sdp_media_t     *media;

    /* session-level values, inherited by media sections */
    ngx_str_t                   ice_ufrag;
    ngx_str_t                   ice_pwd;
    ngx_uint_t                  setup;
    ngx_uint_t                  direction;

    ngx_uint_t                  bundle_only;   /* a bit per media index */
    const char                 *err;

    unsigned                    frag:1;
    unsigned                    session_fp:1;
    unsigned                    media0_fp:1;
    unsigned                    other_fp:1;

    u_char                      session_fingerprint[32];
    u_char                      other_fingerprint[32];
} ngx_webrtc_sdp_ctx_t;


typedef ngx_int_t (*ngx_webrtc_sdp_attr_pt)(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);

typedef struct {
    ngx_str_t                   name;
    ngx_webrtc_sdp_attr_pt      handler;
    ngx_uint_t                  data;
} ngx_webrtc_sdp_attr_t;


typedef struct {
    u_char                     *buf;
    size_t                      size;
    size_t                      len;
    ngx_uint_t                  fail;
} ngx_webrtc_sdp_out_t;


static ngx_int_t ngx_webrtc_sdp_parse(ngx_webrtc_sdp_ctx_t *ctx, u_char *p,
    size_t len);
static ngx_int_t ngx_webrtc_sdp_parse_attr(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value);
static ngx_int_t ngx_webrtc_sdp_parse_m(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value);
static void ngx_webrtc_sdp_finish(ngx_webrtc_sdp_ctx_t *ctx);
static ngx_webrtc_sdp_media_t *ngx_webrtc_sdp_new_media(
    ngx_webrtc_sdp_ctx_t *ctx);
static ngx_webrtc_sdp_media_t *ngx_webrtc_sdp_frag_media(
    ngx_webrtc_sdp_ctx_t *ctx);

static ngx_int_t ngx_webrtc_sdp_ice(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_fingerprint(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_setup(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_direction(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_flag(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_group(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_mid(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_msid(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_rtpmap(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_fmtp(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_rtcp_fb(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_extmap(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_ssrc(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_ssrc_group(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_rid(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_simulcast(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);
static ngx_int_t ngx_webrtc_sdp_candidate(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t data);

static ngx_int_t ngx_webrtc_sdp_token(ngx_str_t *s, ngx_str_t *tok);
static void ngx_webrtc_sdp_trim(ngx_str_t *s);
static ngx_int_t ngx_webrtc_sdp_split(ngx_str_t *s, u_char c,
    ngx_str_t *head);
static ngx_int_t ngx_webrtc_sdp_number(ngx_str_t *s, uint64_t max,
    uint64_t *out);
static ngx_int_t ngx_webrtc_sdp_hex(u_char c);
static ngx_int_t ngx_webrtc_sdp_eq(ngx_str_t *s, const char *lit);
static ngx_int_t ngx_webrtc_sdp_eq_nocase(ngx_str_t *s, const char *lit);
static ngx_int_t ngx_webrtc_sdp_is_rtp(ngx_str_t *proto);
static ngx_int_t ngx_webrtc_sdp_is_token(ngx_str_t *s, size_t max);
static ngx_webrtc_sdp_codec_t *ngx_webrtc_sdp_find_codec(
    ngx_webrtc_sdp_media_t *m, ngx_uint_t pt);
static ngx_int_t ngx_webrtc_sdp_pt(ngx_webrtc_sdp_ctx_t *ctx,
    ngx_str_t *tok, ngx_uint_t *pt);
static ngx_int_t ngx_webrtc_sdp_fmtp_param(ngx_str_t *fmtp, const char *name,
    ngx_str_t *value);
static void ngx_webrtc_sdp_parse_fmtp(ngx_webrtc_sdp_codec_t *c);
static ngx_int_t ngx_webrtc_sdp_rtx_apt(ngx_webrtc_sdp_codec_t *c,
    ngx_uint_t pt);
static ngx_int_t ngx_webrtc_sdp_supported(ngx_webrtc_sdp_media_t *m,
    ngx_webrtc_sdp_codec_t *c);
static ngx_int_t ngx_webrtc_sdp_find_rtx(ngx_webrtc_sdp_media_t *m,
    ngx_uint_t pt);
static ngx_int_t ngx_webrtc_sdp_next_source(ngx_webrtc_sdp_offer_t *offer,
    ngx_uint_t index, ngx_webrtc_sdp_source_t *sources,
    ngx_uint_t nsources);
static ngx_int_t ngx_webrtc_sdp_send_codec(ngx_webrtc_sdp_media_t *m,
    ngx_webrtc_sdp_source_t *src);
static uint32_t ngx_webrtc_sdp_h264_profile(uint32_t profile_level_id);
static void ngx_webrtc_sdp_bundle_ext_ids(ngx_webrtc_sdp_offer_t *offer);
static const char *ngx_webrtc_sdp_send_error(ngx_uint_t codec);

static void ngx_webrtc_sdp_write_media(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_media_t *m, ngx_uint_t index,
    ngx_webrtc_sdp_offer_t *offer, ngx_webrtc_sdp_answer_conf_t *conf);
static void ngx_webrtc_sdp_write_ssrc(ngx_webrtc_sdp_out_t *out,
    uint32_t ssrc, ngx_webrtc_sdp_media_t *m, ngx_uint_t index,
    ngx_webrtc_sdp_answer_conf_t *conf);
static void ngx_webrtc_sdp_write_track_id(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_media_t *m, ngx_uint_t index,
    ngx_webrtc_sdp_answer_conf_t *conf);
static void ngx_webrtc_sdp_write_transport(ngx_webrtc_sdp_out_t *out,
    ngx_str_t *ufrag, ngx_str_t *pwd, ngx_str_t *fingerprint,
    ngx_uint_t offer, ngx_webrtc_sdp_local_candidate_t *cands, ngx_uint_t n);
static void ngx_webrtc_sdp_write_codec(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_codec_t *c, ngx_webrtc_sdp_codec_t *rtx, ngx_uint_t recv);
static void ngx_webrtc_sdp_write_rejected(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_media_t *m);
static void ngx_webrtc_sdp_out(ngx_webrtc_sdp_out_t *out, const void *data,
    size_t len);
static void ngx_webrtc_sdp_out_str(ngx_webrtc_sdp_out_t *out, ngx_str_t *s);
static void ngx_webrtc_sdp_out_num(ngx_webrtc_sdp_out_t *out, uint64_t n);


#define ngx_webrtc_sdp_out_lit(out, s)                                        \
    ngx_webrtc_sdp_out(out, s, sizeof(s) - 1)


static ngx_webrtc_sdp_attr_t  ngx_webrtc_sdp_attrs[] = {

    { ngx_string("ice-ufrag"), ngx_webrtc_sdp_ice,
      NGX_WEBRTC_SDP_ICE_UFRAG },
    { ngx_string("ice-pwd"), ngx_webrtc_sdp_ice, NGX_WEBRTC_SDP_ICE_PWD },
    { ngx_string("fingerprint"), ngx_webrtc_sdp_fingerprint, 0 },
    { ngx_string("setup"), ngx_webrtc_sdp_setup, 0 },
    { ngx_string("group"), ngx_webrtc_sdp_group, 0 },
    { ngx_string("mid"), ngx_webrtc_sdp_mid, 0 },
    { ngx_string("msid"), ngx_webrtc_sdp_msid, 0 },
    { ngx_string("rtpmap"), ngx_webrtc_sdp_rtpmap, 0 },
    { ngx_string("fmtp"), ngx_webrtc_sdp_fmtp, 0 },
    { ngx_string("rtcp-fb"), ngx_webrtc_sdp_rtcp_fb, 0 },
    { ngx_string("extmap"), ngx_webrtc_sdp_extmap, 0 },
    { ngx_string("ssrc"), ngx_webrtc_sdp_ssrc, 0 },
    { ngx_string("ssrc-group"), ngx_webrtc_sdp_ssrc_group, 0 },
    { ngx_string("rid"), ngx_webrtc_sdp_rid, 0 },
    { ngx_string("simulcast"), ngx_webrtc_sdp_simulcast, 0 },
    { ngx_string("candidate"), ngx_webrtc_sdp_candidate, 0 },

    { ngx_string("sendonly"), ngx_webrtc_sdp_direction,
      NGX_WEBRTC_DIR_SEND },
    { ngx_string("recvonly"), ngx_webrtc_sdp_direction,
      NGX_WEBRTC_DIR_RECV },
    { ngx_string("sendrecv"), ngx_webrtc_sdp_direction,
      NGX_WEBRTC_DIR_SENDRECV },
    { ngx_string("inactive"), ngx_webrtc_sdp_direction,
      NGX_WEBRTC_DIR_INACTIVE },

    { ngx_string("rtcp-mux"), ngx_webrtc_sdp_flag,
      NGX_WEBRTC_SDP_FLAG_RTCP_MUX },
    { ngx_string("rtcp-rsize"), ngx_webrtc_sdp_flag,
      NGX_WEBRTC_SDP_FLAG_RTCP_RSIZE },
    { ngx_string("bundle-only"), ngx_webrtc_sdp_flag,
      NGX_WEBRTC_SDP_FLAG_BUNDLE_ONLY },
    { ngx_string("extmap-allow-mixed"), ngx_webrtc_sdp_flag,
      NGX_WEBRTC_SDP_FLAG_MIXED },
    { ngx_string("ice-lite"), ngx_webrtc_sdp_flag,
      NGX_WEBRTC_SDP_FLAG_ICE_LITE },

    { ngx_null_string, NULL, 0 }
};


/* indexed by NGX_WEBRTC_EXT_*; the answer lists them in this order */
static ngx_str_t  ngx_webrtc_sdp_ext_uris[] = {
    ngx_null_string,
    ngx_string("urn:ietf:params:rtp-hdrext:sdes:mid"),
    ngx_string("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"),
    ngx_string("urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"),
    ngx_string("http://www.ietf.org/id/"
               "draft-holmer-rmcat-transport-wide-cc-extensions-01"),
    ngx_string("http://www.webrtc.org/experiments/rtp-hdrext/"
               "abs-send-time"),
    ngx_string("urn:ietf:params:rtp-hdrext:ssrc-audio-level")
};


ngx_int_t
ngx_webrtc_sdp_parse_offer(ngx_webrtc_sdp_offer_t *offer, u_char *p,
    size_t len, const char **err)
{
    ngx_uint_t               i, j;
    ngx_webrtc_sdp_ctx_t     ctx;
    ngx_webrtc_sdp_media_t  *m;

    ngx_memzero(offer, offsetof(ngx_webrtc_sdp_offer_t, media));
    ngx_memzero(&ctx, sizeof(ngx_webrtc_sdp_ctx_t));

    ctx.offer = offer;
    ctx.direction = NGX_WEBRTC_DIR_SENDRECV;

    if (p == NULL || len == 0) {
        *err = "empty offer";
        return NGX_ERROR;
    }

    if (ngx_webrtc_sdp_parse(&ctx, p, len) != NGX_OK) {
        *err = ctx.err;
        return NGX_ERROR;
    }

    ngx_webrtc_sdp_finish(&ctx);

    if (offer->nmedia == 0) {
        *err = "no m= line";
        return NGX_ERROR;
    }

    m = &offer->media[0];

    if (m->ice_ufrag.len == 0) {
        *err = "no ice-ufrag";
        return NGX_ERROR;
    }

    if (m->ice_pwd.len == 0) {
        *err = "no ice-pwd";
        return NGX_ERROR;
    }

    if (!offer->has_fingerprint) {
        *err = "no sha-256 fingerprint";
        return NGX_ERROR;
    }

    offer->ice_ufrag = m->ice_ufrag;
    offer->ice_pwd = m->ice_pwd;
    offer->setup = m->setup;

    for (i = 1; i < offer->nmedia; i++) {
        m = &offer->media[i];

        for (j = 0; m->mid.len && j < i; j++) {
            if (offer->media[j].mid.len == m->mid.len
                && ngx_memcmp(offer->media[j].mid.data, m->mid.data,
                              m->mid.len)
                   == 0)
            {
                *err = "duplicate mid";
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_sdp_parse_frag(ngx_webrtc_sdp_offer_t *frag, u_char *p,
    size_t len, const char **err)
{
    ngx_webrtc_sdp_ctx_t  ctx;

    ngx_memzero(frag, offsetof(ngx_webrtc_sdp_offer_t, media));
    ngx_memzero(&ctx, sizeof(ngx_webrtc_sdp_ctx_t));

    ctx.offer = frag;
    ctx.direction = NGX_WEBRTC_DIR_SENDRECV;
    ctx.frag = 1;

    if (p == NULL || len == 0) {
        return NGX_OK;
    }

    if (ngx_webrtc_sdp_parse(&ctx, p, len) != NGX_OK) {
        *err = ctx.err;
        return NGX_ERROR;
    }

    ngx_webrtc_sdp_finish(&ctx);

    /* an ICE restart may be signalled at media level only */

    frag->ice_ufrag = ctx.ice_ufrag;
    frag->ice_pwd = ctx.ice_pwd;

    if (frag->nmedia) {
        if (frag->ice_ufrag.len == 0) {
            frag->ice_ufrag = frag->media[0].ice_ufrag;
        }

        if (frag->ice_pwd.len == 0) {
            frag->ice_pwd = frag->media[0].ice_pwd;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_parse(ngx_webrtc_sdp_ctx_t *ctx, u_char *p, size_t len)
{
    u_char      *last, *eol, *next, *e;
    ngx_int_t    rc;
    ngx_str_t    value;
    ngx_uint_t   nlines, first;

    last = p + len;
    nlines = 0;
    first = 1;

    while (p < last) {

        if (++nlines > NGX_WEBRTC_SDP_MAX_LINES) {
            ctx->err = "too many lines";
            return NGX_ERROR;
        }

        eol = memchr(p, '\n', last - p);

        if (eol == NULL) {
            eol = last;
            next = last;

        } else {
            next = eol + 1;
        }

        e = eol;

        if (e > p && e[-1] == '\r') {
            e--;
        }

        while (e > p && (e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }

        if (e == p) {
            p = next;
            continue;
        }

        if (e - p < 2 || p[1] != '=') {
            ctx->err = "bad line";
            return NGX_ERROR;
        }

        if (memchr(p, '\0', e - p) != NULL || memchr(p, '\r', e - p) != NULL)
        {
            ctx->err = "bad character";
            return NGX_ERROR;
        }

        value.data = p + 2;
        value.len = e - p - 2;

        if (first) {
            first = 0;

            if (!ctx->frag
                && (p[0] != 'v' || !ngx_webrtc_sdp_eq(&value, "0")))
            {
                ctx->err = "no v=0 line";
                return NGX_ERROR;
            }
        }

        switch (p[0]) {

        case 'm':
            rc = ngx_webrtc_sdp_parse_m(ctx, &value);
            break;

        case 'a':
            rc = ngx_webrtc_sdp_parse_attr(ctx, &value);
            break;

        default:
            rc = NGX_OK;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        p = next;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_parse_attr(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value)
{
    ngx_str_t               name, v;
    ngx_webrtc_sdp_attr_t  *a;

    v = *value;

    if (ngx_webrtc_sdp_split(&v, ':', &name) != NGX_OK) {
        name = v;
        v.len = 0;
    }

    for (a = ngx_webrtc_sdp_attrs; a->handler; a++) {
        if (name.len == a->name.len
            && ngx_memcmp(name.data, a->name.data, name.len) == 0)
        {
            ngx_webrtc_sdp_trim(&v);
            return a->handler(ctx, &v, a->data);
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_parse_m(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value)
{
    uint64_t                 n;
    uint64_t                 seen[2];
    ngx_str_t                v, tok, port;
    ngx_uint_t               rtp, nfmt, pt;
    ngx_webrtc_sdp_media_t  *m;
    ngx_webrtc_sdp_offer_t  *offer;

    offer = ctx->offer;

    if (ctx->frag && ctx->media == NULL && offer->nmedia == 1) {

        /* a fragment's candidates seen before its first m= line */

        m = &offer->media[0];
        ctx->media = m;

    } else {
        m = ngx_webrtc_sdp_new_media(ctx);
        if (m == NULL) {
            return NGX_ERROR;
        }
    }

    v = *value;

    if (ngx_webrtc_sdp_token(&v, &m->media) != NGX_OK
        || ngx_webrtc_sdp_token(&v, &tok) != NGX_OK)
    {
        goto bad;
    }

    if (ngx_webrtc_sdp_eq(&m->media, "audio")) {
        m->type = NGX_WEBRTC_MEDIA_AUDIO;

    } else if (ngx_webrtc_sdp_eq(&m->media, "video")) {
        m->type = NGX_WEBRTC_MEDIA_VIDEO;

    } else if (ngx_webrtc_sdp_eq(&m->media, "application")) {
        m->type = NGX_WEBRTC_MEDIA_APPLICATION;

    } else {
        m->type = NGX_WEBRTC_MEDIA_OTHER;
    }

    /* <port>[/<number of ports>] */

    if (ngx_webrtc_sdp_split(&tok, '/', &port) == NGX_OK) {
        if (ngx_webrtc_sdp_number(&tok, 65535, &n) != NGX_OK) {
            goto bad;
        }

    } else {
        port = tok;
    }

    if (ngx_webrtc_sdp_number(&port, 65535, &n) != NGX_OK) {
        goto bad;
    }

    m->port = (in_port_t) n;

    if (ngx_webrtc_sdp_token(&v, &m->proto) != NGX_OK) {
        goto bad;
    }

    rtp = ngx_webrtc_sdp_is_rtp(&m->proto);

    seen[0] = 0;
    seen[1] = 0;
    nfmt = 0;

    while (ngx_webrtc_sdp_token(&v, &tok) == NGX_OK) {
        nfmt++;

        if (!rtp) {
            continue;
        }

        if (ngx_webrtc_sdp_pt(ctx, &tok, &pt) != NGX_OK) {
            return NGX_ERROR;
        }

        if (seen[pt >> 6] & ((uint64_t) 1 << (pt & 63))) {
            continue;
        }

        seen[pt >> 6] |= (uint64_t) 1 << (pt & 63);

        /*
         * Chromium offers 34 payload types to receive video: past the limit
         * codecs are dropped (as are their attributes), the ones offered
         * first are the preferred ones.
         */

        if (m->ncodecs == NGX_WEBRTC_SDP_MAX_CODECS) {
            continue;
        }

        m->codecs[m->ncodecs++].pt = (u_char) pt;
    }

    if (nfmt == 0) {
        goto bad;
    }

    return NGX_OK;

bad:

    ctx->err = "bad m= line";
    return NGX_ERROR;
}


static ngx_webrtc_sdp_media_t *
ngx_webrtc_sdp_new_media(ngx_webrtc_sdp_ctx_t *ctx)
{
    ngx_webrtc_sdp_media_t  *m;
    ngx_webrtc_sdp_offer_t  *offer;

    offer = ctx->offer;

    if (offer->nmedia == NGX_WEBRTC_SDP_MAX_MEDIA) {
        ctx->err = "too many m= lines";
        return NULL;
    }

    m = &offer->media[offer->nmedia++];

    /* sections are zeroed as they come: an offer is 32 of 5 kB */
    ngx_memzero(m, sizeof(ngx_webrtc_sdp_media_t));

    m->direction = ctx->direction;
    m->setup = ctx->setup;
    m->codec = -1;
    m->rtx = -1;
    m->source = -1;

    ctx->media = m;

    return m;
}


/* the media section of a fragment's lines seen before any m= line */

static ngx_webrtc_sdp_media_t *
ngx_webrtc_sdp_frag_media(ngx_webrtc_sdp_ctx_t *ctx)
{
    ngx_webrtc_sdp_media_t  *m;

    if (ctx->media) {
        return ctx->media;
    }

    if (!ctx->frag) {
        return NULL;
    }

    if (ctx->offer->nmedia) {
        return &ctx->offer->media[0];
    }

    m = ngx_webrtc_sdp_new_media(ctx);

    /* further lines are still session-level until an m= line */

    ctx->media = NULL;

    return m;
}


static void
ngx_webrtc_sdp_finish(ngx_webrtc_sdp_ctx_t *ctx)
{
    ngx_uint_t               i, j;
    ngx_webrtc_sdp_media_t  *m;
    ngx_webrtc_sdp_offer_t  *offer;

    offer = ctx->offer;

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];

        if (m->ice_ufrag.len == 0) {
            m->ice_ufrag = ctx->ice_ufrag;
        }

        if (m->ice_pwd.len == 0) {
            m->ice_pwd = ctx->ice_pwd;
        }

        if (m->setup == NGX_WEBRTC_SETUP_NONE) {
            m->setup = ctx->setup;
        }

        /* port 0 without a=bundle-only: the offerer disabled the section */

        if (!ctx->frag && m->port == 0
            && !(ctx->bundle_only & ((ngx_uint_t) 1 << i)))
        {
            m->direction = NGX_WEBRTC_DIR_INACTIVE;
        }

        /* a=fmtp may come before a=rtpmap (Firefox) */

        for (j = 0; j < m->ncodecs; j++) {
            ngx_webrtc_sdp_parse_fmtp(&m->codecs[j]);
        }
    }

    if (ctx->media0_fp) {
        offer->has_fingerprint = 1;

    } else if (ctx->session_fp) {
        offer->has_fingerprint = 1;
        ngx_memcpy(offer->fingerprint, ctx->session_fingerprint, 32);

    } else if (ctx->other_fp) {
        offer->has_fingerprint = 1;
        ngx_memcpy(offer->fingerprint, ctx->other_fingerprint, 32);
    }
}


static ngx_int_t
ngx_webrtc_sdp_ice(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    ngx_str_t  *s;

    if (!ngx_webrtc_sdp_is_token(value, NGX_WEBRTC_SDP_MAX_TOKEN)) {
        ctx->err = (data == NGX_WEBRTC_SDP_ICE_UFRAG) ? "bad ice-ufrag"
                                                      : "bad ice-pwd";
        return NGX_ERROR;
    }

    if (ctx->media) {
        s = (data == NGX_WEBRTC_SDP_ICE_UFRAG) ? &ctx->media->ice_ufrag
                                               : &ctx->media->ice_pwd;
    } else {
        s = (data == NGX_WEBRTC_SDP_ICE_UFRAG) ? &ctx->ice_ufrag
                                               : &ctx->ice_pwd;
    }

    *s = *value;

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_fingerprint(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    u_char      *dst;
    ngx_int_t    hi, lo;
    ngx_str_t    v, hash, fp;
    ngx_uint_t   i;
    u_char       bin[32];

    v = *value;

    if (ngx_webrtc_sdp_token(&v, &hash) != NGX_OK) {
        goto bad;
    }

    if (!ngx_webrtc_sdp_eq_nocase(&hash, "sha-256")) {
        return NGX_OK;
    }

    if (ngx_webrtc_sdp_token(&v, &fp) != NGX_OK
        || fp.len != NGX_WEBRTC_SDP_FINGERPRINT_LEN)
    {
        goto bad;
    }

    for (i = 0; i < 32; i++) {
        hi = ngx_webrtc_sdp_hex(fp.data[i * 3]);
        lo = ngx_webrtc_sdp_hex(fp.data[i * 3 + 1]);

        if (hi < 0 || lo < 0) {
            goto bad;
        }

        if (i < 31 && fp.data[i * 3 + 2] != ':') {
            goto bad;
        }

        bin[i] = (u_char) (hi << 4 | lo);
    }

    dst = NULL;

    if (ctx->media == NULL) {
        if (!ctx->session_fp) {
            ctx->session_fp = 1;
            dst = ctx->session_fingerprint;
        }

    } else if (ctx->media == &ctx->offer->media[0]) {
        if (!ctx->media0_fp) {
            ctx->media0_fp = 1;
            dst = ctx->offer->fingerprint;
        }

    } else if (!ctx->other_fp) {
        ctx->other_fp = 1;
        dst = ctx->other_fingerprint;
    }

    if (dst) {
        ngx_memcpy(dst, bin, 32);
    }

    return NGX_OK;

bad:

    ctx->err = "bad fingerprint";
    return NGX_ERROR;
}


static ngx_int_t
ngx_webrtc_sdp_setup(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    ngx_uint_t  setup;

    if (ngx_webrtc_sdp_eq(value, "actpass")) {
        setup = NGX_WEBRTC_SETUP_ACTPASS;

    } else if (ngx_webrtc_sdp_eq(value, "active")) {
        setup = NGX_WEBRTC_SETUP_ACTIVE;

    } else if (ngx_webrtc_sdp_eq(value, "passive")) {
        setup = NGX_WEBRTC_SETUP_PASSIVE;

    } else {
        setup = NGX_WEBRTC_SETUP_NONE;
    }

    if (ctx->media) {
        ctx->media->setup = setup;

    } else {
        ctx->setup = setup;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_direction(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    if (ctx->media) {
        ctx->media->direction = data;

    } else {
        ctx->direction = data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_flag(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    ngx_webrtc_sdp_media_t  *m;

    switch (data) {

    case NGX_WEBRTC_SDP_FLAG_MIXED:
        ctx->offer->extmap_allow_mixed = 1;
        return NGX_OK;

    case NGX_WEBRTC_SDP_FLAG_ICE_LITE:
        ctx->offer->ice_lite = 1;
        return NGX_OK;
    }

    m = ctx->media;

    if (m == NULL) {
        return NGX_OK;
    }

    switch (data) {

    case NGX_WEBRTC_SDP_FLAG_RTCP_MUX:
        m->rtcp_mux = 1;
        break;

    case NGX_WEBRTC_SDP_FLAG_RTCP_RSIZE:
        m->rtcp_rsize = 1;
        break;

    default: /* NGX_WEBRTC_SDP_FLAG_BUNDLE_ONLY */
        ctx->bundle_only |= (ngx_uint_t) 1 << (m - ctx->offer->media);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_group(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    ngx_str_t  v, semantics;

    v = *value;

    if (ctx->media
        || ctx->offer->bundle
        || ngx_webrtc_sdp_token(&v, &semantics) != NGX_OK
        || !ngx_webrtc_sdp_eq(&semantics, "BUNDLE"))
    {
        /* a=group:LS and the like */
        return NGX_OK;
    }

    ngx_webrtc_sdp_trim(&v);

    ctx->offer->bundle = 1;
    ctx->offer->bundle_mids = v;

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_mid(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    ngx_webrtc_sdp_media_t  *m;

    if (!ngx_webrtc_sdp_is_token(value, NGX_WEBRTC_SDP_MAX_TOKEN)) {
        ctx->err = "bad mid";
        return NGX_ERROR;
    }

    m = ngx_webrtc_sdp_frag_media(ctx);

    if (m) {
        m->mid = *value;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_msid(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    if (ctx->media) {
        ctx->media->msid = *value;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_rtpmap(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    uint64_t                 clock, channels;
    ngx_str_t                v, tok, name, rate;
    ngx_uint_t               pt;
    ngx_webrtc_sdp_codec_t  *c;

    v = *value;

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK) {
        goto bad;
    }

    if (ngx_webrtc_sdp_pt(ctx, &tok, &pt) != NGX_OK) {
        return NGX_ERROR;
    }

    /* <encoding name>/<clock rate>[/<encoding parameters>] */

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK
        || ngx_webrtc_sdp_split(&tok, '/', &name) != NGX_OK
        || name.len == 0)
    {
        goto bad;
    }

    channels = 0;

    if (ngx_webrtc_sdp_split(&tok, '/', &rate) == NGX_OK) {
        if (ngx_webrtc_sdp_number(&tok, 255, &channels) != NGX_OK) {
            goto bad;
        }

    } else {
        rate = tok;
    }

    if (ngx_webrtc_sdp_number(&rate, 0xffffffff, &clock) != NGX_OK) {
        goto bad;
    }

    if (ctx->media == NULL) {
        return NGX_OK;
    }

    c = ngx_webrtc_sdp_find_codec(ctx->media, pt);
    if (c == NULL) {
        return NGX_OK;
    }

    c->name = name;
    c->clock_rate = (uint32_t) clock;
    c->channels = (u_char) channels;

    if (ngx_webrtc_sdp_eq_nocase(&name, "opus")) {
        c->codec = NGX_WEBRTC_CODEC_OPUS;

    } else if (ngx_webrtc_sdp_eq_nocase(&name, "VP8")) {
        c->codec = NGX_WEBRTC_CODEC_VP8;

    } else if (ngx_webrtc_sdp_eq_nocase(&name, "VP9")) {
        c->codec = NGX_WEBRTC_CODEC_VP9;

    } else if (ngx_webrtc_sdp_eq_nocase(&name, "H264")) {
        c->codec = NGX_WEBRTC_CODEC_H264;

    } else if (ngx_webrtc_sdp_eq_nocase(&name, "AV1")
               || ngx_webrtc_sdp_eq_nocase(&name, "AV1X"))
    {
        c->codec = NGX_WEBRTC_CODEC_AV1;

    } else if (ngx_webrtc_sdp_eq_nocase(&name, "rtx")) {
        c->codec = NGX_WEBRTC_CODEC_RTX;

    } else {
        c->codec = NGX_WEBRTC_CODEC_OTHER;
    }

    return NGX_OK;

bad:

    ctx->err = "bad rtpmap";
    return NGX_ERROR;
}


static ngx_int_t
ngx_webrtc_sdp_fmtp(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    ngx_str_t                v, tok;
    ngx_uint_t               pt;
    ngx_webrtc_sdp_codec_t  *c;

    v = *value;

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK) {
        ctx->err = "bad fmtp";
        return NGX_ERROR;
    }

    if (ngx_webrtc_sdp_pt(ctx, &tok, &pt) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx->media == NULL) {
        return NGX_OK;
    }

    c = ngx_webrtc_sdp_find_codec(ctx->media, pt);

    if (c) {
        ngx_webrtc_sdp_trim(&v);
        c->fmtp = v;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_rtcp_fb(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    ngx_str_t                v, tok;
    ngx_uint_t               pt, i, all;
    ngx_webrtc_sdp_codec_t  *c;
    ngx_webrtc_sdp_media_t  *m;

    v = *value;

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK) {
        ctx->err = "bad rtcp-fb";
        return NGX_ERROR;
    }

    all = ngx_webrtc_sdp_eq(&tok, "*");
    pt = 0;

    if (!all && ngx_webrtc_sdp_pt(ctx, &tok, &pt) != NGX_OK) {
        return NGX_ERROR;
    }

    m = ctx->media;

    if (m == NULL) {
        return NGX_OK;
    }

    ngx_webrtc_sdp_trim(&v);

    for (i = 0; i < m->ncodecs; i++) {
        c = &m->codecs[i];

        if (!all && c->pt != pt) {
            continue;
        }

        if (ngx_webrtc_sdp_eq(&v, "nack")) {
            c->fb_nack = 1;

        } else if (ngx_webrtc_sdp_eq(&v, "nack pli")) {
            c->fb_pli = 1;

        } else if (ngx_webrtc_sdp_eq(&v, "ccm fir")) {
            c->fb_fir = 1;

        } else if (ngx_webrtc_sdp_eq(&v, "goog-remb")) {
            c->fb_remb = 1;

        } else if (ngx_webrtc_sdp_eq(&v, "transport-cc")) {
            c->fb_twcc = 1;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_extmap(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    uint64_t                  id;
    ngx_str_t                 v, tok, num;
    ngx_uint_t                i;
    ngx_webrtc_sdp_media_t   *m;
    ngx_webrtc_sdp_extmap_t  *x;

    v = *value;

    /* <id>[/<direction>] <uri> [<extension attributes>] */

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK) {
        goto bad;
    }

    if (ngx_webrtc_sdp_split(&tok, '/', &num) != NGX_OK) {
        num = tok;
    }

    if (ngx_webrtc_sdp_number(&num, 255, &id) != NGX_OK || id == 0) {
        ctx->err = "bad extmap id";
        return NGX_ERROR;
    }

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK) {
        goto bad;
    }

    m = ctx->media;

    if (m == NULL) {
        return NGX_OK;
    }

    for (i = 0; i < m->nextmaps; i++) {
        if (m->extmaps[i].id == id) {
            ctx->err = "duplicate extmap id";
            return NGX_ERROR;
        }
    }

    if (m->nextmaps == NGX_WEBRTC_SDP_MAX_EXTMAPS) {
        ctx->err = "too many extmaps";
        return NGX_ERROR;
    }

    x = &m->extmaps[m->nextmaps++];

    x->id = (u_char) id;
    x->uri = tok;
    x->ext = NGX_WEBRTC_EXT_OTHER;

    for (i = 1; i < NGX_WEBRTC_EXT_MAX; i++) {
        if (tok.len == ngx_webrtc_sdp_ext_uris[i].len
            && strncasecmp((const char *) tok.data,
                           (const char *) ngx_webrtc_sdp_ext_uris[i].data,
                           tok.len)
               == 0)
        {
            x->ext = (u_char) i;
            break;
        }
    }

    return NGX_OK;

bad:

    ctx->err = "bad extmap";
    return NGX_ERROR;
}


static ngx_int_t
ngx_webrtc_sdp_ssrc(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    uint64_t                 ssrc;
    ngx_str_t                v, tok, attr;
    ngx_uint_t               i;
    ngx_webrtc_sdp_media_t  *m;

    v = *value;

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK
        || ngx_webrtc_sdp_number(&tok, 0xffffffff, &ssrc) != NGX_OK)
    {
        ctx->err = "bad ssrc";
        return NGX_ERROR;
    }

    m = ctx->media;

    if (m == NULL) {
        return NGX_OK;
    }

    for (i = 0; i < m->nssrcs; i++) {
        if (m->ssrcs[i] == ssrc) {
            break;
        }
    }

    if (i == m->nssrcs) {
        if (m->nssrcs == NGX_WEBRTC_SDP_MAX_SSRCS) {
            ctx->err = "too many ssrcs";
            return NGX_ERROR;
        }

        m->ssrcs[m->nssrcs++] = (uint32_t) ssrc;
    }

    /* <attribute>[:<value>] */

    ngx_webrtc_sdp_trim(&v);

    if (m->cname.len == 0
        && ngx_webrtc_sdp_split(&v, ':', &attr) == NGX_OK
        && ngx_webrtc_sdp_eq(&attr, "cname"))
    {
        m->cname = v;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_ssrc_group(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    uint64_t                 primary, rtx;
    ngx_str_t                v, tok;
    ngx_webrtc_sdp_media_t  *m;

    v = *value;

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK) {
        goto bad;
    }

    m = ctx->media;

    /* only the first FID group: SIM and FEC-FR are not used */

    if (m == NULL || m->fid_primary || !ngx_webrtc_sdp_eq(&tok, "FID")) {
        return NGX_OK;
    }

    if (ngx_webrtc_sdp_token(&v, &tok) != NGX_OK
        || ngx_webrtc_sdp_number(&tok, 0xffffffff, &primary) != NGX_OK
        || ngx_webrtc_sdp_token(&v, &tok) != NGX_OK
        || ngx_webrtc_sdp_number(&tok, 0xffffffff, &rtx) != NGX_OK)
    {
        goto bad;
    }

    m->fid_primary = (uint32_t) primary;
    m->fid_rtx = (uint32_t) rtx;

    return NGX_OK;

bad:

    ctx->err = "bad ssrc-group";
    return NGX_ERROR;
}


static ngx_int_t
ngx_webrtc_sdp_rid(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    u_char                   ch;
    ngx_str_t                v, id, dir;
    ngx_uint_t               i;
    ngx_webrtc_sdp_media_t  *m;

    v = *value;

    /* <rid-id> <send|recv> [<restrictions>] */

    if (ngx_webrtc_sdp_token(&v, &id) != NGX_OK
        || id.len > NGX_WEBRTC_SDP_MAX_TOKEN - 1
        || ngx_webrtc_sdp_token(&v, &dir) != NGX_OK)
    {
        goto bad;
    }

    for (i = 0; i < id.len; i++) {
        ch = id.data[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
        {
            goto bad;
        }
    }

    if (ngx_webrtc_sdp_eq(&dir, "recv")) {
        return NGX_OK;
    }

    if (!ngx_webrtc_sdp_eq(&dir, "send")) {
        goto bad;
    }

    m = ctx->media;

    if (m == NULL) {
        return NGX_OK;
    }

    for (i = 0; i < m->nrids; i++) {
        if (m->rids[i].len == id.len
            && ngx_memcmp(m->rids[i].data, id.data, id.len) == 0)
        {
            return NGX_OK;
        }
    }

    if (m->nrids == NGX_WEBRTC_SDP_MAX_RIDS) {
        ctx->err = "too many rids";
        return NGX_ERROR;
    }

    m->rids[m->nrids++] = id;

    return NGX_OK;

bad:

    ctx->err = "bad rid";
    return NGX_ERROR;
}


static ngx_int_t
ngx_webrtc_sdp_simulcast(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    u_char      ch;
    ngx_str_t   v, dir, list;
    ngx_uint_t  i, send;

    v = *value;
    send = 0;

    /* send <alternatives>[;...] [recv <alternatives>[;...]] */

    while (ngx_webrtc_sdp_token(&v, &dir) == NGX_OK) {

        if (ngx_webrtc_sdp_token(&v, &list) != NGX_OK) {
            goto bad;
        }

        if (ngx_webrtc_sdp_eq(&dir, "recv")) {
            continue;
        }

        if (!ngx_webrtc_sdp_eq(&dir, "send")) {
            goto bad;
        }

        /* the old "rid=" prefix */

        if (list.len > 4 && ngx_memcmp(list.data, "rid=", 4) == 0) {
            list.data += 4;
            list.len -= 4;
        }

        for (i = 0; i < list.len; i++) {
            ch = list.data[i];

            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                  || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'
                  || ch == ';' || ch == ',' || ch == '~'))
            {
                goto bad;
            }
        }

        send = 1;
    }

    if (send && ctx->media) {
        ctx->media->simulcast = 1;
    }

    return NGX_OK;

bad:

    ctx->err = "bad simulcast";
    return NGX_ERROR;
}


static ngx_int_t
ngx_webrtc_sdp_candidate(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *value,
    ngx_uint_t data)
{
    uint64_t                     component, priority, port;
    ngx_str_t                    v, foundation, transport, addr, typ, type,
                                 tok;
    ngx_webrtc_sdp_media_t      *m;
    ngx_webrtc_sdp_candidate_t  *c;

    v = *value;

    /*
     * <foundation> <component> <transport> <priority> <address> <port>
     * typ <type> [<extensions>]
     */

    if (ngx_webrtc_sdp_token(&v, &foundation) != NGX_OK
        || foundation.len > NGX_WEBRTC_SDP_MAX_FOUNDATION
        || ngx_webrtc_sdp_token(&v, &tok) != NGX_OK
        || ngx_webrtc_sdp_number(&tok, 256, &component) != NGX_OK
        || component == 0
        || ngx_webrtc_sdp_token(&v, &transport) != NGX_OK
        || ngx_webrtc_sdp_token(&v, &tok) != NGX_OK
        || ngx_webrtc_sdp_number(&tok, 0xffffffff, &priority) != NGX_OK
        || ngx_webrtc_sdp_token(&v, &addr) != NGX_OK
        || addr.len > NGX_WEBRTC_SDP_MAX_TOKEN
        || ngx_webrtc_sdp_token(&v, &tok) != NGX_OK
        || ngx_webrtc_sdp_number(&tok, 65535, &port) != NGX_OK
        || ngx_webrtc_sdp_token(&v, &typ) != NGX_OK
        || !ngx_webrtc_sdp_eq(&typ, "typ")
        || ngx_webrtc_sdp_token(&v, &type) != NGX_OK)
    {
        ctx->err = "bad candidate";
        return NGX_ERROR;
    }

    m = ngx_webrtc_sdp_frag_media(ctx);

    /*
     * Past the limit candidates are dropped: an ICE-lite server learns
     * the peer's address from its checks, and a multi-homed host offers
     * many.
     */

    if (m == NULL || m->ncandidates == NGX_WEBRTC_SDP_MAX_CANDIDATES) {
        return NGX_OK;
    }

    c = &m->candidates[m->ncandidates++];

    c->foundation = foundation;
    c->component = (ngx_uint_t) component;
    c->transport = transport;
    c->priority = (uint32_t) priority;
    c->addr = addr;
    c->port = (in_port_t) port;
    c->type = type;

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_sdp_negotiate_recv(ngx_webrtc_sdp_offer_t *offer,
    const char **err)
{
    ngx_uint_t                i, j, sending, accepted;
    ngx_webrtc_sdp_codec_t   *c;
    ngx_webrtc_sdp_media_t   *m;
    ngx_webrtc_sdp_extmap_t  *x;

    sending = 0;
    accepted = 0;

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];

        m->accepted = 0;
        m->codec = -1;
        m->rtx = -1;
        m->source = -1;
        ngx_memzero(m->ext_id, sizeof(m->ext_id));

        if ((m->type != NGX_WEBRTC_MEDIA_AUDIO
             && m->type != NGX_WEBRTC_MEDIA_VIDEO)
            || !ngx_webrtc_sdp_is_rtp(&m->proto)
            || !(m->direction & NGX_WEBRTC_DIR_SEND))
        {
            continue;
        }

        sending++;

        for (j = 0; j < m->ncodecs; j++) {
            if (ngx_webrtc_sdp_supported(m, &m->codecs[j])) {
                m->codec = j;
                break;
            }
        }

        if (m->codec == -1) {
            continue;
        }

        c = &m->codecs[m->codec];

        m->rtx = ngx_webrtc_sdp_find_rtx(m, c->pt);

        for (j = 0; j < m->nextmaps; j++) {
            x = &m->extmaps[j];

            if (x->ext != NGX_WEBRTC_EXT_OTHER && m->ext_id[x->ext] == 0) {
                m->ext_id[x->ext] = x->id;
            }
        }

        m->accepted = 1;
        accepted++;
    }

    if (accepted == 0) {
        *err = sending ? "no supported codec" : "no media to receive";
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_supported(ngx_webrtc_sdp_media_t *m,
    ngx_webrtc_sdp_codec_t *c)
{
    if (m->type == NGX_WEBRTC_MEDIA_AUDIO) {
        return c->codec == NGX_WEBRTC_CODEC_OPUS && c->clock_rate == 48000;
    }

    if (c->clock_rate != 90000) {
        return 0;
    }

    switch (c->codec) {

    case NGX_WEBRTC_CODEC_VP8:
    case NGX_WEBRTC_CODEC_VP9:
    case NGX_WEBRTC_CODEC_AV1:
        return 1;

    case NGX_WEBRTC_CODEC_H264:
        return c->packetization_mode == 1;

    default:
        return 0;
    }
}


static ngx_int_t
ngx_webrtc_sdp_rtx_apt(ngx_webrtc_sdp_codec_t *c, ngx_uint_t pt)
{
    uint64_t   apt;
    ngx_str_t  v;

    if (ngx_webrtc_sdp_fmtp_param(&c->fmtp, "apt", &v) != NGX_OK
        || ngx_webrtc_sdp_number(&v, 127, &apt) != NGX_OK
        || apt != pt)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* the offered rtx whose apt is pt, -1 none */

static ngx_int_t
ngx_webrtc_sdp_find_rtx(ngx_webrtc_sdp_media_t *m, ngx_uint_t pt)
{
    ngx_uint_t  i;

    for (i = 0; i < m->ncodecs; i++) {
        if (m->codecs[i].codec == NGX_WEBRTC_CODEC_RTX
            && ngx_webrtc_sdp_rtx_apt(&m->codecs[i], pt) == NGX_OK)
        {
            return i;
        }
    }

    return -1;
}


ngx_int_t
ngx_webrtc_sdp_negotiate_send(ngx_webrtc_sdp_offer_t *offer,
    ngx_webrtc_sdp_source_t *sources, ngx_uint_t nsources, const char **err)
{
    ngx_int_t                 s;
    ngx_uint_t                i, accepted;
    ngx_webrtc_sdp_media_t   *m;

    if (sources == NULL) {
        nsources = 0;
    }

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];

        m->accepted = 0;
        m->codec = -1;
        m->rtx = -1;
        m->source = -1;
        ngx_memzero(m->ext_id, sizeof(m->ext_id));
    }

    accepted = 0;

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];

        /* players may offer sendrecv: we answer sendonly all the same */

        if ((m->type != NGX_WEBRTC_MEDIA_AUDIO
             && m->type != NGX_WEBRTC_MEDIA_VIDEO)
            || !ngx_webrtc_sdp_is_rtp(&m->proto)
            || !(m->direction & NGX_WEBRTC_DIR_RECV))
        {
            continue;
        }

        s = ngx_webrtc_sdp_next_source(offer, i, sources, nsources);

        if (s == -1) {
            /* nothing (left) of this type to send: the section is unused */
            continue;
        }

        if (ngx_webrtc_sdp_negotiate_media_send(m, &sources[s], err)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        m->source = s;
        accepted++;
    }

    if (accepted == 0) {
        *err = "no media to send";
        return NGX_ERROR;
    }

    ngx_webrtc_sdp_bundle_ext_ids(offer);

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_sdp_negotiate_media_send(ngx_webrtc_sdp_media_t *m,
    ngx_webrtc_sdp_source_t *src, const char **err)
{
    ngx_uint_t                j;
    ngx_webrtc_sdp_extmap_t  *x;

    m->accepted = 0;
    m->rtx = -1;
    ngx_memzero(m->ext_id, sizeof(m->ext_id));

    m->codec = ngx_webrtc_sdp_send_codec(m, src);

    if (m->codec == -1) {
        *err = ngx_webrtc_sdp_send_error(src->codec);
        return NGX_ERROR;
    }

    m->rtx = ngx_webrtc_sdp_find_rtx(m, m->codecs[m->codec].pt);

    /*
     * transport-cc is not answered: the feedback would drive a congestion
     * controller the sender does not have yet
     */

    for (j = 0; j < m->nextmaps; j++) {
        x = &m->extmaps[j];

        switch (x->ext) {

        case NGX_WEBRTC_EXT_AUDIO_LEVEL:
            if (m->type != NGX_WEBRTC_MEDIA_AUDIO) {
                break;
            }

            /* fall through */

        case NGX_WEBRTC_EXT_MID:
        case NGX_WEBRTC_EXT_ABS_SEND_TIME:
            if (m->ext_id[x->ext] == 0) {
                m->ext_id[x->ext] = x->id;
            }

            break;

        default:
            break;
        }
    }

    m->accepted = 1;

    return NGX_OK;
}


/*
 * aiortc 1.4 reads the header extensions of all the sections of a bundle
 * with one id map, and offers abs-send-time (video) and audio-level (audio)
 * under the same id: an audio level it receives is then read as a 3-byte
 * abs-send-time, which kills its transport.  So an id that another
 * accepted section gives to another extension is not answered: the lower
 * NGX_WEBRTC_EXT_* keeps it (the MID, then abs-send-time, then audio-level).
 */

static void
ngx_webrtc_sdp_bundle_ext_ids(ngx_webrtc_sdp_offer_t *offer)
{
    ngx_uint_t               i, j, e, k;
    ngx_webrtc_sdp_media_t  *m, *o;

    /* in the order of e: the ids compared with are final */

    for (e = NGX_WEBRTC_EXT_MID + 1; e < NGX_WEBRTC_EXT_MAX; e++) {

        for (i = 0; i < offer->nmedia; i++) {
            m = &offer->media[i];

            if (!m->accepted || m->ext_id[e] == 0) {
                continue;
            }

            for (j = 0; j < offer->nmedia && m->ext_id[e]; j++) {
                o = &offer->media[j];

                if (!o->accepted) {
                    continue;
                }

                for (k = NGX_WEBRTC_EXT_MID; k < e; k++) {
                    if (o->ext_id[k] == m->ext_id[e]) {
                        m->ext_id[e] = 0;
                        break;
                    }
                }
            }
        }
    }
}


/* the first source of the section's type not given to an earlier section */

static ngx_int_t
ngx_webrtc_sdp_next_source(ngx_webrtc_sdp_offer_t *offer, ngx_uint_t index,
    ngx_webrtc_sdp_source_t *sources, ngx_uint_t nsources)
{
    ngx_uint_t  k, j;

    for (k = 0; k < nsources; k++) {
        if (sources[k].type != offer->media[index].type) {
            continue;
        }

        for (j = 0; j < index; j++) {
            if (offer->media[j].source == (ngx_int_t) k) {
                break;
            }
        }

        if (j == index) {
            return k;
        }
    }

    return -1;
}


/*
 * The viewer's payload type that can carry the source, -1 none.  H.264 in
 * order of preference: the publisher's very profile-level-id; the same
 * profile (profile_idc and constraint flags) at another level, as browsers
 * decode any level (they offer level-asymmetry-allowed); any other
 * baseline for a baseline, as no encoder uses the features constrained
 * baseline (42e0) drops.  It is the profile the publisher advertised that
 * counts: OBS advertises 42e01f even when it sends High.
 */

static ngx_int_t
ngx_webrtc_sdp_send_codec(ngx_webrtc_sdp_media_t *m,
    ngx_webrtc_sdp_source_t *src)
{
    uint32_t                 profile, p;
    ngx_int_t                same_profile, baseline;
    ngx_uint_t               i;
    ngx_webrtc_sdp_codec_t  *c;

    switch (src->codec) {

    case NGX_WEBRTC_CODEC_OPUS:
    case NGX_WEBRTC_CODEC_VP8:
    case NGX_WEBRTC_CODEC_VP9:
    case NGX_WEBRTC_CODEC_H264:
    case NGX_WEBRTC_CODEC_AV1:
        break;

    default:
        return -1;
    }

    profile = ngx_webrtc_sdp_h264_profile(src->profile_level_id);
    same_profile = -1;
    baseline = -1;

    for (i = 0; i < m->ncodecs; i++) {
        c = &m->codecs[i];

        if (c->codec != src->codec || c->clock_rate != src->clock_rate) {
            continue;
        }

        switch (src->codec) {

        case NGX_WEBRTC_CODEC_VP9:
        case NGX_WEBRTC_CODEC_AV1:
            if (c->profile == src->profile) {
                return i;
            }

            break;

        case NGX_WEBRTC_CODEC_H264:
            if (c->packetization_mode != src->packetization_mode) {
                break;
            }

            if (c->profile_level_id == src->profile_level_id) {
                return i;
            }

            p = ngx_webrtc_sdp_h264_profile(c->profile_level_id);

            if (p == profile) {
                if (same_profile == -1) {
                    same_profile = i;
                }

            } else if ((p >> 8) == 0x42 && (profile >> 8) == 0x42) {
                if (baseline == -1) {
                    baseline = i;
                }
            }

            break;

        default: /* Opus, VP8 */
            return i;
        }
    }

    return (same_profile != -1) ? same_profile : baseline;
}


/* profile_idc and constraint flags; absent: baseline (RFC 6184, 8.1) */

static uint32_t
ngx_webrtc_sdp_h264_profile(uint32_t profile_level_id)
{
    return profile_level_id ? (profile_level_id >> 8) : 0x4200;
}


static const char *
ngx_webrtc_sdp_send_error(ngx_uint_t codec)
{
    switch (codec) {

    case NGX_WEBRTC_CODEC_OPUS:
        return "the viewer offers no Opus";

    case NGX_WEBRTC_CODEC_VP8:
        return "the viewer offers no VP8";

    case NGX_WEBRTC_CODEC_VP9:
        return "the viewer offers no VP9 of the publisher's profile";

    case NGX_WEBRTC_CODEC_H264:
        return "the viewer offers no H264 that matches the publisher's "
               "profile and packetization-mode";

    case NGX_WEBRTC_CODEC_AV1:
        return "the viewer offers no AV1 of the publisher's profile";

    default:
        return "the publisher's codec cannot be sent";
    }
}


size_t
ngx_webrtc_sdp_write_answer(u_char *buf, size_t size,
    ngx_webrtc_sdp_offer_t *offer, ngx_webrtc_sdp_answer_conf_t *conf)
{
    ngx_uint_t               i, n;
    ngx_webrtc_sdp_out_t     out;
    ngx_webrtc_sdp_media_t  *m;

    out.buf = buf;
    out.size = buf ? size : 0;
    out.len = 0;
    out.fail = 0;

    ngx_webrtc_sdp_out_lit(&out, "v=0\r\no=- ");
    ngx_webrtc_sdp_out_num(&out, conf->session_id);
    ngx_webrtc_sdp_out_lit(&out, " 2 IN IP4 127.0.0.1\r\n"
                                 "s=-\r\n"
                                 "t=0 0\r\n"
                                 "a=ice-lite\r\n");

    /* RFC 8843: no group in the answer when the offer had none */

    if (offer->bundle) {
        n = 0;

        for (i = 0; i < offer->nmedia; i++) {
            m = &offer->media[i];

            if (!m->accepted || m->mid.len == 0) {
                continue;
            }

            if (n++ == 0) {
                ngx_webrtc_sdp_out_lit(&out, "a=group:BUNDLE");
            }

            ngx_webrtc_sdp_out_lit(&out, " ");
            ngx_webrtc_sdp_out_str(&out, &m->mid);
        }

        if (n) {
            ngx_webrtc_sdp_out_lit(&out, "\r\n");
        }
    }

    ngx_webrtc_sdp_out_lit(&out, "a=msid-semantic: WMS *\r\n");

    if (offer->extmap_allow_mixed) {
        ngx_webrtc_sdp_out_lit(&out, "a=extmap-allow-mixed\r\n");
    }

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];

        if (m->accepted && m->codec >= 0 && m->codec < (ngx_int_t) m->ncodecs)
        {
            ngx_webrtc_sdp_write_media(&out, m, i, offer, conf);

        } else {
            ngx_webrtc_sdp_write_rejected(&out, m);
        }
    }

    return out.fail ? 0 : out.len;
}


static void
ngx_webrtc_sdp_write_media(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_media_t *m, ngx_uint_t index,
    ngx_webrtc_sdp_offer_t *offer, ngx_webrtc_sdp_answer_conf_t *conf)
{
    uint32_t                 rtx_ssrc;
    ngx_uint_t               i, send;
    ngx_webrtc_sdp_codec_t  *c, *rtx;

    c = &m->codecs[m->codec];
    rtx = (m->rtx >= 0 && m->rtx < (ngx_int_t) m->ncodecs)
          ? &m->codecs[m->rtx] : NULL;
    send = (conf->direction == NGX_WEBRTC_DIR_SEND);

    ngx_webrtc_sdp_out_lit(out, "m=");
    ngx_webrtc_sdp_out_str(out, &m->media);
    ngx_webrtc_sdp_out_lit(out, " 9 ");
    ngx_webrtc_sdp_out_str(out, &m->proto);
    ngx_webrtc_sdp_out_lit(out, " ");
    ngx_webrtc_sdp_out_num(out, c->pt);

    if (rtx) {
        ngx_webrtc_sdp_out_lit(out, " ");
        ngx_webrtc_sdp_out_num(out, rtx->pt);
    }

    ngx_webrtc_sdp_out_lit(out, "\r\nc=IN IP4 0.0.0.0\r\n");

    if (m->mid.len) {
        ngx_webrtc_sdp_out_lit(out, "a=mid:");
        ngx_webrtc_sdp_out_str(out, &m->mid);
        ngx_webrtc_sdp_out_lit(out, "\r\n");
    }

    if (send) {
        ngx_webrtc_sdp_out_lit(out, "a=sendonly\r\n");

        if (conf->msid_stream.len) {
            ngx_webrtc_sdp_out_lit(out, "a=msid:");
            ngx_webrtc_sdp_write_track_id(out, m, index, conf);
            ngx_webrtc_sdp_out_lit(out, "\r\n");
        }

    } else {
        ngx_webrtc_sdp_out_lit(out, "a=recvonly\r\n");
    }

    ngx_webrtc_sdp_out_lit(out, "a=rtcp-mux\r\n");

    if (m->rtcp_rsize) {
        ngx_webrtc_sdp_out_lit(out, "a=rtcp-rsize\r\n");
    }

    ngx_webrtc_sdp_write_transport(out, &conf->ice_ufrag, &conf->ice_pwd,
                                   &conf->fingerprint, 0, conf->candidates,
                                   conf->ncandidates);

    ngx_webrtc_sdp_write_codec(out, c, rtx, !send);

    for (i = 1; i < NGX_WEBRTC_EXT_MAX; i++) {
        if (m->ext_id[i] == 0) {
            continue;
        }

        ngx_webrtc_sdp_out_lit(out, "a=extmap:");
        ngx_webrtc_sdp_out_num(out, m->ext_id[i]);
        ngx_webrtc_sdp_out_lit(out, " ");
        ngx_webrtc_sdp_out_str(out, &ngx_webrtc_sdp_ext_uris[i]);
        ngx_webrtc_sdp_out_lit(out, "\r\n");
    }

    if (send) {
        if (index >= NGX_WEBRTC_SDP_MAX_MEDIA || conf->ssrcs[index] == 0) {
            return;
        }

        rtx_ssrc = rtx ? conf->rtx_ssrcs[index] : 0;

        if (rtx_ssrc) {
            ngx_webrtc_sdp_out_lit(out, "a=ssrc-group:FID ");
            ngx_webrtc_sdp_out_num(out, conf->ssrcs[index]);
            ngx_webrtc_sdp_out_lit(out, " ");
            ngx_webrtc_sdp_out_num(out, rtx_ssrc);
            ngx_webrtc_sdp_out_lit(out, "\r\n");
        }

        ngx_webrtc_sdp_write_ssrc(out, conf->ssrcs[index], m, index, conf);

        if (rtx_ssrc) {
            ngx_webrtc_sdp_write_ssrc(out, rtx_ssrc, m, index, conf);
        }

        return;
    }

    if (!m->simulcast || m->nrids == 0) {
        return;
    }

    for (i = 0; i < m->nrids; i++) {
        ngx_webrtc_sdp_out_lit(out, "a=rid:");
        ngx_webrtc_sdp_out_str(out, &m->rids[i]);
        ngx_webrtc_sdp_out_lit(out, " recv\r\n");
    }

    ngx_webrtc_sdp_out_lit(out, "a=simulcast:recv ");

    for (i = 0; i < m->nrids; i++) {
        if (i) {
            ngx_webrtc_sdp_out_lit(out, ";");
        }

        ngx_webrtc_sdp_out_str(out, &m->rids[i]);
    }

    ngx_webrtc_sdp_out_lit(out, "\r\n");
}


/* a=ssrc lines of a sendonly answer: pre-RFC 8830 players read msid there */

static void
ngx_webrtc_sdp_write_ssrc(ngx_webrtc_sdp_out_t *out, uint32_t ssrc,
    ngx_webrtc_sdp_media_t *m, ngx_uint_t index,
    ngx_webrtc_sdp_answer_conf_t *conf)
{
    if (conf->cname.len) {
        ngx_webrtc_sdp_out_lit(out, "a=ssrc:");
        ngx_webrtc_sdp_out_num(out, ssrc);
        ngx_webrtc_sdp_out_lit(out, " cname:");
        ngx_webrtc_sdp_out_str(out, &conf->cname);
        ngx_webrtc_sdp_out_lit(out, "\r\n");
    }

    if (conf->msid_stream.len) {
        ngx_webrtc_sdp_out_lit(out, "a=ssrc:");
        ngx_webrtc_sdp_out_num(out, ssrc);
        ngx_webrtc_sdp_out_lit(out, " msid:");
        ngx_webrtc_sdp_write_track_id(out, m, index, conf);
        ngx_webrtc_sdp_out_lit(out, "\r\n");
    }
}


/* "<stream> <stream>-<mid>", the section's index without a mid */

static void
ngx_webrtc_sdp_write_track_id(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_media_t *m, ngx_uint_t index,
    ngx_webrtc_sdp_answer_conf_t *conf)
{
    ngx_webrtc_sdp_out_str(out, &conf->msid_stream);
    ngx_webrtc_sdp_out_lit(out, " ");
    ngx_webrtc_sdp_out_str(out, &conf->msid_stream);
    ngx_webrtc_sdp_out_lit(out, "-");

    if (m->mid.len) {
        ngx_webrtc_sdp_out_str(out, &m->mid);

    } else {
        ngx_webrtc_sdp_out_num(out, index);
    }
}


static void
ngx_webrtc_sdp_write_rejected(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_media_t *m)
{
    size_t  n;

    ngx_webrtc_sdp_out_lit(out, "m=");
    ngx_webrtc_sdp_out_str(out, &m->media);
    ngx_webrtc_sdp_out_lit(out, " 0 ");
    ngx_webrtc_sdp_out_str(out, &m->proto);

    n = m->proto.len;

    if (m->ncodecs) {
        ngx_webrtc_sdp_out_lit(out, " ");
        ngx_webrtc_sdp_out_num(out, m->codecs[0].pt);

    } else if (n >= 4 && ngx_memcmp(m->proto.data + n - 4, "SCTP", 4) == 0) {
        ngx_webrtc_sdp_out_lit(out, " webrtc-datachannel");

    } else {
        ngx_webrtc_sdp_out_lit(out, " 0");
    }

    ngx_webrtc_sdp_out_lit(out, "\r\nc=IN IP4 0.0.0.0\r\n");

    if (m->mid.len) {
        ngx_webrtc_sdp_out_lit(out, "a=mid:");
        ngx_webrtc_sdp_out_str(out, &m->mid);
        ngx_webrtc_sdp_out_lit(out, "\r\n");
    }

    ngx_webrtc_sdp_out_lit(out, "a=inactive\r\n");
}


/* ICE credentials, the fingerprint, our role, our candidates */

static void
ngx_webrtc_sdp_write_transport(ngx_webrtc_sdp_out_t *out, ngx_str_t *ufrag,
    ngx_str_t *pwd, ngx_str_t *fingerprint, ngx_uint_t offer,
    ngx_webrtc_sdp_local_candidate_t *cands, ngx_uint_t n)
{
    ngx_uint_t  i;

    ngx_webrtc_sdp_out_lit(out, "a=ice-ufrag:");
    ngx_webrtc_sdp_out_str(out, ufrag);
    ngx_webrtc_sdp_out_lit(out, "\r\na=ice-pwd:");
    ngx_webrtc_sdp_out_str(out, pwd);
    ngx_webrtc_sdp_out_lit(out, "\r\na=fingerprint:sha-256 ");
    ngx_webrtc_sdp_out_str(out, fingerprint);

    /* an offer leaves the choice to the peer, which takes active */

    if (offer) {
        ngx_webrtc_sdp_out_lit(out, "\r\na=setup:actpass\r\n");

    } else {
        ngx_webrtc_sdp_out_lit(out, "\r\na=setup:passive\r\n");
    }

    for (i = 0; i < n; i++) {
        ngx_webrtc_sdp_out_lit(out, "a=candidate:");
        ngx_webrtc_sdp_out_num(out, i + 1);
        ngx_webrtc_sdp_out_lit(out, " 1 udp 2130706431 ");
        ngx_webrtc_sdp_out_str(out, &cands[i].addr);
        ngx_webrtc_sdp_out_lit(out, " ");
        ngx_webrtc_sdp_out_num(out, cands[i].port);
        ngx_webrtc_sdp_out_lit(out, " typ host\r\n");
    }

    ngx_webrtc_sdp_out_lit(out, "a=end-of-candidates\r\n");
}


/*
 * A codec with its feedback, and its RTX.  A sender without congestion
 * control has no use for bandwidth estimates: goog-remb and transport-cc
 * only where we receive (recv).
 */

static void
ngx_webrtc_sdp_write_codec(ngx_webrtc_sdp_out_t *out,
    ngx_webrtc_sdp_codec_t *c, ngx_webrtc_sdp_codec_t *rtx, ngx_uint_t recv)
{
    ngx_webrtc_sdp_out_lit(out, "a=rtpmap:");
    ngx_webrtc_sdp_out_num(out, c->pt);
    ngx_webrtc_sdp_out_lit(out, " ");
    ngx_webrtc_sdp_out_str(out, &c->name);
    ngx_webrtc_sdp_out_lit(out, "/");
    ngx_webrtc_sdp_out_num(out, c->clock_rate);

    if (c->channels) {
        ngx_webrtc_sdp_out_lit(out, "/");
        ngx_webrtc_sdp_out_num(out, c->channels);
    }

    ngx_webrtc_sdp_out_lit(out, "\r\n");

    if (c->fmtp.len) {
        ngx_webrtc_sdp_out_lit(out, "a=fmtp:");
        ngx_webrtc_sdp_out_num(out, c->pt);
        ngx_webrtc_sdp_out_lit(out, " ");
        ngx_webrtc_sdp_out_str(out, &c->fmtp);
        ngx_webrtc_sdp_out_lit(out, "\r\n");
    }

    if (c->fb_nack) {
        ngx_webrtc_sdp_out_lit(out, "a=rtcp-fb:");
        ngx_webrtc_sdp_out_num(out, c->pt);
        ngx_webrtc_sdp_out_lit(out, " nack\r\n");
    }

    if (c->fb_pli) {
        ngx_webrtc_sdp_out_lit(out, "a=rtcp-fb:");
        ngx_webrtc_sdp_out_num(out, c->pt);
        ngx_webrtc_sdp_out_lit(out, " nack pli\r\n");
    }

    if (c->fb_fir) {
        ngx_webrtc_sdp_out_lit(out, "a=rtcp-fb:");
        ngx_webrtc_sdp_out_num(out, c->pt);
        ngx_webrtc_sdp_out_lit(out, " ccm fir\r\n");
    }

    if (c->fb_remb && recv) {
        ngx_webrtc_sdp_out_lit(out, "a=rtcp-fb:");
        ngx_webrtc_sdp_out_num(out, c->pt);
        ngx_webrtc_sdp_out_lit(out, " goog-remb\r\n");
    }

    if (c->fb_twcc && recv) {
        ngx_webrtc_sdp_out_lit(out, "a=rtcp-fb:");
        ngx_webrtc_sdp_out_num(out, c->pt);
        ngx_webrtc_sdp_out_lit(out, " transport-cc\r\n");
    }

    if (rtx == NULL) {
        return;
    }

    ngx_webrtc_sdp_out_lit(out, "a=rtpmap:");
    ngx_webrtc_sdp_out_num(out, rtx->pt);
    ngx_webrtc_sdp_out_lit(out, " rtx/");
    ngx_webrtc_sdp_out_num(out, rtx->clock_rate ? rtx->clock_rate
                                                : c->clock_rate);
    ngx_webrtc_sdp_out_lit(out, "\r\na=fmtp:");
    ngx_webrtc_sdp_out_num(out, rtx->pt);
    ngx_webrtc_sdp_out_lit(out, " apt=");
    ngx_webrtc_sdp_out_num(out, c->pt);
    ngx_webrtc_sdp_out_lit(out, "\r\n");
}


/*
 * A whole description of a peer's connection, offer or answer, from what
 * the caller keeps per section (see ngx_webrtc_sdp_section_t).
 */
size_t
ngx_webrtc_sdp_write_desc(u_char *buf, size_t size,
    ngx_webrtc_sdp_desc_t *d)
{
    ngx_uint_t                  i, k;
    ngx_webrtc_sdp_out_t        out;
    ngx_webrtc_sdp_codec_t     *c;
    ngx_webrtc_sdp_section_t   *sec;

    out.buf = buf;
    out.size = buf ? size : 0;
    out.len = 0;
    out.fail = 0;

    ngx_webrtc_sdp_out_lit(&out, "v=0\r\no=- ");
    ngx_webrtc_sdp_out_num(&out, d->session_id);
    ngx_webrtc_sdp_out_lit(&out, " ");
    ngx_webrtc_sdp_out_num(&out, d->version);
    ngx_webrtc_sdp_out_lit(&out, " IN IP4 127.0.0.1\r\n"
                                 "s=-\r\n"
                                 "t=0 0\r\n"
                                 "a=ice-lite\r\n");

    for (i = 0; i < d->nsections; i++) {
        if (i == 0) {
            ngx_webrtc_sdp_out_lit(&out, "a=group:BUNDLE ");

        } else {
            ngx_webrtc_sdp_out_lit(&out, " ");
        }

        ngx_webrtc_sdp_out_str(&out, &d->sections[i].mid);
    }

    if (d->nsections) {
        ngx_webrtc_sdp_out_lit(&out, "\r\n");
    }

    ngx_webrtc_sdp_out_lit(&out, "a=msid-semantic: WMS *\r\n");

    if (d->extmap_allow_mixed) {
        ngx_webrtc_sdp_out_lit(&out, "a=extmap-allow-mixed\r\n");
    }

    for (i = 0; i < d->nsections; i++) {
        sec = &d->sections[i];
        c = &sec->codec;

        ngx_webrtc_sdp_out_lit(&out, "m=");
        ngx_webrtc_sdp_out_str(&out, &sec->media);
        ngx_webrtc_sdp_out_lit(&out, " 9 UDP/TLS/RTP/SAVPF ");
        ngx_webrtc_sdp_out_num(&out, c->pt);

        if (sec->has_rtx) {
            ngx_webrtc_sdp_out_lit(&out, " ");
            ngx_webrtc_sdp_out_num(&out, sec->rtx.pt);
        }

        ngx_webrtc_sdp_out_lit(&out, "\r\nc=IN IP4 0.0.0.0\r\na=mid:");
        ngx_webrtc_sdp_out_str(&out, &sec->mid);
        ngx_webrtc_sdp_out_lit(&out, "\r\n");

        switch (sec->direction) {

        case NGX_WEBRTC_DIR_SEND:
            ngx_webrtc_sdp_out_lit(&out, "a=sendonly\r\na=msid:");
            ngx_webrtc_sdp_out_str(&out, &sec->msid_stream);
            ngx_webrtc_sdp_out_lit(&out, " ");
            ngx_webrtc_sdp_out_str(&out, &sec->msid_track);
            ngx_webrtc_sdp_out_lit(&out, "\r\n");
            break;

        case NGX_WEBRTC_DIR_RECV:
            ngx_webrtc_sdp_out_lit(&out, "a=recvonly\r\n");
            break;

        default:
            ngx_webrtc_sdp_out_lit(&out, "a=inactive\r\n");
        }

        ngx_webrtc_sdp_out_lit(&out, "a=rtcp-mux\r\n");

        if (sec->rtcp_rsize) {
            ngx_webrtc_sdp_out_lit(&out, "a=rtcp-rsize\r\n");
        }

        ngx_webrtc_sdp_write_transport(&out, &d->ice_ufrag, &d->ice_pwd,
                                       &d->fingerprint, d->offer,
                                       d->candidates, d->ncandidates);

        ngx_webrtc_sdp_write_codec(&out, c, sec->has_rtx ? &sec->rtx : NULL,
                                   sec->direction == NGX_WEBRTC_DIR_RECV);

        for (k = 1; k < NGX_WEBRTC_EXT_MAX; k++) {
            if (sec->ext_id[k] == 0
                || (k == NGX_WEBRTC_EXT_TWCC
                    && sec->direction != NGX_WEBRTC_DIR_RECV))
            {
                continue;
            }

            ngx_webrtc_sdp_out_lit(&out, "a=extmap:");
            ngx_webrtc_sdp_out_num(&out, sec->ext_id[k]);
            ngx_webrtc_sdp_out_lit(&out, " ");
            ngx_webrtc_sdp_out_str(&out, &ngx_webrtc_sdp_ext_uris[k]);
            ngx_webrtc_sdp_out_lit(&out, "\r\n");
        }

        if (sec->direction != NGX_WEBRTC_DIR_SEND || sec->ssrc == 0) {
            continue;
        }

        if (sec->has_rtx && sec->rtx_ssrc) {
            ngx_webrtc_sdp_out_lit(&out, "a=ssrc-group:FID ");
            ngx_webrtc_sdp_out_num(&out, sec->ssrc);
            ngx_webrtc_sdp_out_lit(&out, " ");
            ngx_webrtc_sdp_out_num(&out, sec->rtx_ssrc);
            ngx_webrtc_sdp_out_lit(&out, "\r\n");
        }

        for (k = 0; k < 2; k++) {
            if (k == 1 && !(sec->has_rtx && sec->rtx_ssrc)) {
                break;
            }

            ngx_webrtc_sdp_out_lit(&out, "a=ssrc:");
            ngx_webrtc_sdp_out_num(&out, k ? sec->rtx_ssrc : sec->ssrc);
            ngx_webrtc_sdp_out_lit(&out, " cname:");
            ngx_webrtc_sdp_out_str(&out, &d->cname);
            ngx_webrtc_sdp_out_lit(&out, "\r\na=ssrc:");
            ngx_webrtc_sdp_out_num(&out, k ? sec->rtx_ssrc : sec->ssrc);
            ngx_webrtc_sdp_out_lit(&out, " msid:");
            ngx_webrtc_sdp_out_str(&out, &sec->msid_stream);
            ngx_webrtc_sdp_out_lit(&out, " ");
            ngx_webrtc_sdp_out_str(&out, &sec->msid_track);
            ngx_webrtc_sdp_out_lit(&out, "\r\n");
        }
    }

    return out.fail ? 0 : out.len;
}


const char *
ngx_webrtc_sdp_codec_name(ngx_uint_t codec)
{
    switch (codec) {

    case NGX_WEBRTC_CODEC_OPUS:
        return "opus";

    case NGX_WEBRTC_CODEC_VP8:
        return "VP8";

    case NGX_WEBRTC_CODEC_VP9:
        return "VP9";

    case NGX_WEBRTC_CODEC_H264:
        return "H264";

    case NGX_WEBRTC_CODEC_AV1:
        return "AV1";

    case NGX_WEBRTC_CODEC_RTX:
        return "rtx";

    default:
        return "other";
    }
}


static void
ngx_webrtc_sdp_parse_fmtp(ngx_webrtc_sdp_codec_t *c)
{
    size_t     i;
    uint32_t   id;
    uint64_t   n;
    ngx_int_t  d;
    ngx_str_t  v;

    c->profile_level_id = 0;
    c->packetization_mode = 0;
    c->profile = 0;
    c->apt = 0;

    if (c->codec == NGX_WEBRTC_CODEC_RTX) {
        if (ngx_webrtc_sdp_fmtp_param(&c->fmtp, "apt", &v) == NGX_OK
            && ngx_webrtc_sdp_number(&v, 127, &n) == NGX_OK)
        {
            c->apt = (u_char) n;
        }

        return;
    }

    if (c->codec == NGX_WEBRTC_CODEC_VP9 || c->codec == NGX_WEBRTC_CODEC_AV1)
    {
        if (ngx_webrtc_sdp_fmtp_param(&c->fmtp,
                                      (c->codec == NGX_WEBRTC_CODEC_VP9)
                                      ? "profile-id" : "profile", &v)
            == NGX_OK
            && ngx_webrtc_sdp_number(&v, 255, &n) == NGX_OK)
        {
            c->profile = (u_char) n;
        }

        return;
    }

    if (c->codec != NGX_WEBRTC_CODEC_H264) {
        return;
    }

    if (ngx_webrtc_sdp_fmtp_param(&c->fmtp, "profile-level-id", &v) == NGX_OK
        && v.len == 6)
    {
        id = 0;

        for (i = 0; i < 6; i++) {
            d = ngx_webrtc_sdp_hex(v.data[i]);
            if (d < 0) {
                break;
            }

            id = id << 4 | (uint32_t) d;
        }

        if (i == 6) {
            c->profile_level_id = id;
        }
    }

    if (ngx_webrtc_sdp_fmtp_param(&c->fmtp, "packetization-mode", &v)
        == NGX_OK
        && ngx_webrtc_sdp_number(&v, 255, &n) == NGX_OK)
    {
        c->packetization_mode = (u_char) n;
    }
}


/* "key=value;key=value", keys compared without case */

static ngx_int_t
ngx_webrtc_sdp_fmtp_param(ngx_str_t *fmtp, const char *name,
    ngx_str_t *value)
{
    ngx_str_t  v, param, key;

    v = *fmtp;

    while (v.len) {

        if (ngx_webrtc_sdp_split(&v, ';', &param) != NGX_OK) {
            param = v;
            v.len = 0;
        }

        if (ngx_webrtc_sdp_split(&param, '=', &key) != NGX_OK) {
            continue;
        }

        ngx_webrtc_sdp_trim(&key);

        if (ngx_webrtc_sdp_eq_nocase(&key, name)) {
            ngx_webrtc_sdp_trim(&param);
            *value = param;
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


static ngx_webrtc_sdp_codec_t *
ngx_webrtc_sdp_find_codec(ngx_webrtc_sdp_media_t *m, ngx_uint_t pt)
{
    ngx_uint_t  i;

    for (i = 0; i < m->ncodecs; i++) {
        if (m->codecs[i].pt == pt) {
            return &m->codecs[i];
        }
    }

    return NULL;
}


static ngx_int_t
ngx_webrtc_sdp_pt(ngx_webrtc_sdp_ctx_t *ctx, ngx_str_t *tok, ngx_uint_t *pt)
{
    uint64_t  n;

    if (ngx_webrtc_sdp_number(tok, 127, &n) != NGX_OK) {
        ctx->err = "bad payload type";
        return NGX_ERROR;
    }

    *pt = (ngx_uint_t) n;

    return NGX_OK;
}


/* the next space-separated token; advances s past it */

static ngx_int_t
ngx_webrtc_sdp_token(ngx_str_t *s, ngx_str_t *tok)
{
    u_char  *p, *last;

    p = s->data;
    last = p + s->len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    tok->data = p;

    while (p < last && *p != ' ' && *p != '\t') {
        p++;
    }

    tok->len = p - tok->data;

    s->data = p;
    s->len = last - p;

    return tok->len ? NGX_OK : NGX_DECLINED;
}


static void
ngx_webrtc_sdp_trim(ngx_str_t *s)
{
    while (s->len && (s->data[0] == ' ' || s->data[0] == '\t')) {
        s->data++;
        s->len--;
    }

    while (s->len && (s->data[s->len - 1] == ' '
                      || s->data[s->len - 1] == '\t'))
    {
        s->len--;
    }
}


/* head: up to the first c; s: after it */

static ngx_int_t
ngx_webrtc_sdp_split(ngx_str_t *s, u_char c, ngx_str_t *head)
{
    u_char  *p;

    if (s->len == 0) {
        return NGX_DECLINED;
    }

    p = memchr(s->data, c, s->len);
    if (p == NULL) {
        return NGX_DECLINED;
    }

    head->data = s->data;
    head->len = p - s->data;

    s->len -= head->len + 1;
    s->data = p + 1;

    return NGX_OK;
}


/* a whole token of decimal digits, no larger than max */

static ngx_int_t
ngx_webrtc_sdp_number(ngx_str_t *s, uint64_t max, uint64_t *out)
{
    size_t    i;
    uint64_t  n, d;

    if (s->len == 0) {
        return NGX_ERROR;
    }

    n = 0;

    for (i = 0; i < s->len; i++) {
        if (s->data[i] < '0' || s->data[i] > '9') {
            return NGX_ERROR;
        }

        d = s->data[i] - '0';

        if (d > max || n > (max - d) / 10) {
            return NGX_ERROR;
        }

        n = n * 10 + d;
    }

    *out = n;

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_sdp_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static ngx_int_t
ngx_webrtc_sdp_eq(ngx_str_t *s, const char *lit)
{
    size_t  n;

    n = ngx_strlen(lit);

    return s->len == n && ngx_memcmp(s->data, lit, n) == 0;
}


static ngx_int_t
ngx_webrtc_sdp_eq_nocase(ngx_str_t *s, const char *lit)
{
    size_t  n;

    n = ngx_strlen(lit);

    return s->len == n
           && strncasecmp((const char *) s->data, lit, n) == 0;
}


/* "RTP/AVP", "UDP/TLS/RTP/SAVPF", "TCP/DTLS/RTP/SAVPF" */

static ngx_int_t
ngx_webrtc_sdp_is_rtp(ngx_str_t *proto)
{
    size_t  i;

    for (i = 0; i + 4 <= proto->len; i++) {
        if (ngx_memcmp(proto->data + i, "RTP/", 4) == 0
            && (i == 0 || proto->data[i - 1] == '/'))
        {
            return 1;
        }
    }

    return 0;
}


/* non-empty, no white space, at most max bytes */

static ngx_int_t
ngx_webrtc_sdp_is_token(ngx_str_t *s, size_t max)
{
    if (s->len == 0 || s->len > max) {
        return 0;
    }

    return memchr(s->data, ' ', s->len) == NULL
           && memchr(s->data, '\t', s->len) == NULL;
}


static void
ngx_webrtc_sdp_out(ngx_webrtc_sdp_out_t *out, const void *data, size_t len)
{
    if (out->fail || len == 0) {
        return;
    }

    if (len > out->size - out->len) {
        out->fail = 1;
        return;
    }

    ngx_memcpy(out->buf + out->len, data, len);
    out->len += len;
}


static void
ngx_webrtc_sdp_out_str(ngx_webrtc_sdp_out_t *out, ngx_str_t *s)
{
    ngx_webrtc_sdp_out(out, s->data, s->len);
}


static void
ngx_webrtc_sdp_out_num(ngx_webrtc_sdp_out_t *out, uint64_t n)
{
    u_char  *p;
    u_char   tmp[20];

    p = tmp + sizeof(tmp);

    do {
        *--p = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    ngx_webrtc_sdp_out(out, p, tmp + sizeof(tmp) - p);
}
