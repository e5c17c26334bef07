
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Unit tests of src/ngx_webrtc_sdp.c: the real offers of t/data/sdp/, the
 * negotiation, the answer (and its re-parse), refusals of bad offers, and
 * trickle fragments.  Run from t/unit.  Every input is copied into a heap
 * buffer of its exact length so that a sanitizer catches any over-read.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_sdp.h"


#define DATA_DIR  "../data/sdp/"

#define FP  "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:"               \
            "10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"

#define SESSION                                                               \
    "a=group:BUNDLE 0\r\n"                                                    \
    "a=fingerprint:sha-256 " FP "\r\n"                                        \
    "a=ice-ufrag:abcd\r\n"                                                    \
    "a=ice-pwd:0123456789abcdefghijkl\r\n"

#define AUDIO                                                                 \
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                     \
    "c=IN IP4 0.0.0.0\r\n"                                                    \
    "a=mid:0\r\n"                                                             \
    "a=sendonly\r\n"                                                          \
    "a=rtcp-mux\r\n"                                                          \
    "a=rtpmap:111 opus/48000/2\r\n"

#define HEAD                                                                  \
    "v=0\r\n"                                                                 \
    "o=- 1 2 IN IP4 127.0.0.1\r\n"                                            \
    "s=-\r\n"                                                                 \
    "t=0 0\r\n"


/* a WHEP viewer's sections, shaped like Chromium's */

#define VIEWER_SESSION                                                        \
    "a=fingerprint:sha-256 " FP "\r\n"                                        \
    "a=ice-ufrag:abcd\r\n"                                                    \
    "a=ice-pwd:0123456789abcdefghijkl\r\n"

#define VIEWER_AUDIO(mid, dir)                                                \
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"                                   \
    "a=mid:" mid "\r\n"                                                       \
    "a=" dir "\r\n"                                                           \
    "a=rtcp-mux\r\n"                                                          \
    "a=extmap:14 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"             \
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"   \
    "\r\n"                                                                    \
    "a=extmap:4 http://www.ietf.org/id/"                                      \
    "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"                  \
    "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"                      \
    "a=rtpmap:111 opus/48000/2\r\n"                                           \
    "a=rtcp-fb:111 transport-cc\r\n"                                          \
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"                               \
    "a=rtpmap:0 PCMU/8000\r\n"

#define VIEWER_VP8(mid, dir)                                                  \
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"                                   \
    "a=mid:" mid "\r\n"                                                       \
    "a=" dir "\r\n"                                                           \
    "a=rtcp-mux\r\n"                                                          \
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"   \
    "\r\n"                                                                    \
    "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"                      \
    "a=extmap:14 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"             \
    "a=rtpmap:96 VP8/90000\r\n"                                               \
    "a=rtcp-fb:96 goog-remb\r\n"                                              \
    "a=rtcp-fb:96 nack\r\n"                                                   \
    "a=rtpmap:97 rtx/90000\r\n"                                               \
    "a=fmtp:97 apt=96\r\n"


#define copy_lit(s)  copy(s, sizeof(s) - 1)


#define CHECK(expr)                                                           \
    do {                                                                      \
        if (expr) {                                                           \
            passed++;                                                         \
                                                                              \
        } else {                                                              \
            failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n",                      \
                    __FILE__, __LINE__, #expr);                               \
        }                                                                     \
    } while (0)


typedef struct {
    u_char                  *data;
    size_t                   len;
} test_buf_t;


static ngx_uint_t  passed;
static ngx_uint_t  failed;

static ngx_webrtc_sdp_offer_t  offer;
static ngx_webrtc_sdp_offer_t  reparsed;

static ngx_webrtc_sdp_local_candidate_t  local[2] = {
    { ngx_string("192.0.2.10"), 40000 },
    { ngx_string("2001:db8::10"), 40001 }
};

static char  scratch[256 * 1024];
static u_char  answer[64 * 1024];


static test_buf_t
load(const char *name)
{
    FILE        *f;
    long         n;
    char         path[256];
    test_buf_t   b;

    b.data = NULL;
    b.len = 0;

    snprintf(path, sizeof(path), DATA_DIR "%s", name);

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return b;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    b.data = malloc(n > 0 ? n : 1);

    if (b.data && n > 0 && fread(b.data, 1, n, f) == (size_t) n) {
        b.len = n;
    }

    fclose(f);

    return b;
}


static test_buf_t
copy(const void *data, size_t len)
{
    test_buf_t  b;

    b.data = malloc(len ? len : 1);
    b.len = len;

    if (len) {
        memcpy(b.data, data, len);
    }

    return b;
}


static ngx_int_t
parse_text(const char *text, test_buf_t *b, const char **err)
{
    *b = copy(text, strlen(text));
    *err = NULL;

    return ngx_webrtc_sdp_parse_offer(&offer, b->data, b->len, err);
}


/* parses HEAD session AUDIO media into offer, returns the rc */

static ngx_int_t
try_raw(const char *session, const char *media, const char **err)
{
    ngx_int_t   rc;
    test_buf_t  b;

    snprintf(scratch, sizeof(scratch), HEAD "%s" AUDIO "%s", session, media);

    rc = parse_text(scratch, &b, err);

    free(b.data);

    return rc;
}


/* the same with a valid session part (BUNDLE, fingerprint, ICE) first */

static ngx_int_t
try_offer(const char *session, const char *media, const char **err)
{
    ngx_int_t   rc;
    test_buf_t  b;

    snprintf(scratch, sizeof(scratch), HEAD SESSION "%s" AUDIO "%s",
             session, media);

    rc = parse_text(scratch, &b, err);

    free(b.data);

    return rc;
}


static ngx_int_t
str_eq(ngx_str_t *s, const char *lit)
{
    return s->len == strlen(lit)
           && (s->len == 0 || memcmp(s->data, lit, s->len) == 0);
}


static ngx_int_t
has(u_char *p, size_t len, const char *needle)
{
    return memmem(p, len, needle, strlen(needle)) != NULL;
}


static ngx_uint_t
count(u_char *p, size_t len, const char *needle)
{
    u_char      *q, *last;
    size_t       n;
    ngx_uint_t   c;

    c = 0;
    n = strlen(needle);
    last = p + len;

    while (p < last) {
        q = memmem(p, last - p, needle, n);
        if (q == NULL) {
            break;
        }

        c++;
        p = q + n;
    }

    return c;
}


static u_char
ext_id(ngx_webrtc_sdp_media_t *m, ngx_uint_t ext)
{
    ngx_uint_t  i;

    for (i = 0; i < m->nextmaps; i++) {
        if (m->extmaps[i].ext == ext) {
            return m->extmaps[i].id;
        }
    }

    return 0;
}


static ngx_webrtc_sdp_codec_t *
codec(ngx_webrtc_sdp_media_t *m, ngx_uint_t pt)
{
    ngx_uint_t  i;

    for (i = 0; i < m->ncodecs; i++) {
        if (m->codecs[i].pt == pt) {
            return &m->codecs[i];
        }
    }

    return NULL;
}


static void
init_conf(ngx_webrtc_sdp_answer_conf_t *conf)
{
    memset(conf, 0, sizeof(ngx_webrtc_sdp_answer_conf_t));

    conf->ice_ufrag.data = (u_char *) "srvU";
    conf->ice_ufrag.len = 4;
    conf->ice_pwd.data = (u_char *) "srvpassword0123456789abc";
    conf->ice_pwd.len = 24;
    conf->fingerprint.data = (u_char *) FP;
    conf->fingerprint.len = sizeof(FP) - 1;
    conf->session_id = 1234567890123456789ULL;
    conf->direction = NGX_WEBRTC_DIR_RECV;
    conf->ncandidates = 2;
    conf->candidates = local;
}


/*
 * The answer parses back as an SDP and says what was negotiated; conf NULL:
 * a recvonly answer, else conf->direction's with conf's SSRCs.
 */

static void
check_reparse_conf(ngx_webrtc_sdp_offer_t *o, u_char *a, size_t n,
    ngx_webrtc_sdp_answer_conf_t *conf)
{
    uint32_t                 ssrc, rtx_ssrc;
    ngx_uint_t               i, j, e, send;
    test_buf_t               b;
    const char              *err;
    ngx_webrtc_sdp_media_t  *m, *r;
    ngx_webrtc_sdp_codec_t  *c, *rc;

    send = (conf && conf->direction == NGX_WEBRTC_DIR_SEND);

    b = copy(a, n);
    err = NULL;

    CHECK(ngx_webrtc_sdp_parse_offer(&reparsed, b.data, b.len, &err)
          == NGX_OK);

    if (err) {
        fprintf(stderr, "answer re-parse: %s\n", err);
    }

    CHECK(reparsed.nmedia == o->nmedia);
    CHECK(reparsed.ice_lite);
    CHECK(reparsed.setup == NGX_WEBRTC_SETUP_PASSIVE);
    CHECK(str_eq(&reparsed.ice_ufrag, "srvU"));
    CHECK(str_eq(&reparsed.ice_pwd, "srvpassword0123456789abc"));
    CHECK(reparsed.has_fingerprint);
    CHECK(reparsed.fingerprint[0] == 0x00 && reparsed.fingerprint[31] == 0x1f);
    CHECK(reparsed.extmap_allow_mixed == o->extmap_allow_mixed);
    CHECK(reparsed.bundle == o->bundle);

    for (i = 0; i < o->nmedia && i < reparsed.nmedia; i++) {
        m = &o->media[i];
        r = &reparsed.media[i];

        CHECK(r->mid.len == m->mid.len
              && (m->mid.len == 0
                  || memcmp(r->mid.data, m->mid.data, m->mid.len) == 0));
        CHECK(r->type == m->type);

        if (!m->accepted) {
            CHECK(r->port == 0);
            CHECK(r->direction == NGX_WEBRTC_DIR_INACTIVE);
            continue;
        }

        c = &m->codecs[m->codec];

        CHECK(r->port == 9);
        CHECK(r->direction == (send ? NGX_WEBRTC_DIR_SEND
                                    : NGX_WEBRTC_DIR_RECV));
        CHECK(r->rtcp_mux);
        CHECK(r->rtcp_rsize == m->rtcp_rsize);
        CHECK(r->setup == NGX_WEBRTC_SETUP_PASSIVE);
        CHECK(r->ncandidates == 2);
        CHECK(str_eq(&r->candidates[0].addr, "192.0.2.10"));
        CHECK(r->candidates[0].port == 40000);
        CHECK(str_eq(&r->candidates[1].addr, "2001:db8::10"));
        CHECK(r->ncodecs == (m->rtx >= 0 ? 2u : 1u));

        rc = &r->codecs[0];

        CHECK(rc->pt == c->pt);
        CHECK(rc->codec == c->codec);
        CHECK(rc->clock_rate == c->clock_rate);
        CHECK(rc->channels == c->channels);
        CHECK(rc->fmtp.len == c->fmtp.len
              && (c->fmtp.len == 0
                  || memcmp(rc->fmtp.data, c->fmtp.data, c->fmtp.len) == 0));
        CHECK(rc->fb_nack == c->fb_nack && rc->fb_pli == c->fb_pli
              && rc->fb_fir == c->fb_fir);

        if (send) {
            /* no bandwidth estimates for a sender without congestion
               control */
            CHECK(!rc->fb_remb && !rc->fb_twcc);

        } else {
            CHECK(rc->fb_remb == c->fb_remb && rc->fb_twcc == c->fb_twcc);
        }

        if (m->rtx >= 0 && r->ncodecs == 2) {
            CHECK(r->codecs[1].pt == m->codecs[m->rtx].pt);
            CHECK(r->codecs[1].codec == NGX_WEBRTC_CODEC_RTX);
            CHECK(r->codecs[1].apt == c->pt);
        }

        for (e = 1; e < NGX_WEBRTC_EXT_MAX; e++) {
            CHECK(ext_id(r, e) == m->ext_id[e]);
        }

        for (j = 0; j < r->nextmaps; j++) {
            CHECK(r->extmaps[j].ext != NGX_WEBRTC_EXT_OTHER);
        }

        /* a=rid:X recv and a=simulcast:recv: nothing we would receive */
        CHECK(r->nrids == 0 && !r->simulcast);

        if (m->simulcast && !send) {
            CHECK(has(a, n, "\r\na=simulcast:recv "));
        }

        if (!send) {
            CHECK(r->nssrcs == 0 && r->msid.len == 0);
            continue;
        }

        /* a=msid:<stream> <stream>-<mid>, in a=msid and a=ssrc lines */

        snprintf(scratch, sizeof(scratch), "%.*s %.*s-%.*s",
                 (int) conf->msid_stream.len, conf->msid_stream.data,
                 (int) conf->msid_stream.len, conf->msid_stream.data,
                 (int) m->mid.len, m->mid.data);

        CHECK(str_eq(&r->msid, conf->msid_stream.len ? scratch : ""));

        ssrc = conf->ssrcs[i];
        rtx_ssrc = (m->rtx >= 0) ? conf->rtx_ssrcs[i] : 0;

        if (ssrc == 0) {
            CHECK(r->nssrcs == 0);
            continue;
        }

        CHECK(r->nssrcs == (rtx_ssrc ? 2u : 1u));
        CHECK(r->ssrcs[0] == ssrc);
        CHECK(r->fid_primary == (rtx_ssrc ? ssrc : 0));
        CHECK(r->fid_rtx == rtx_ssrc);
        CHECK(r->cname.len == conf->cname.len
              && memcmp(r->cname.data, conf->cname.data, r->cname.len) == 0);

        if (rtx_ssrc) {
            CHECK(r->ssrcs[1] == rtx_ssrc);
        }

        if (conf->msid_stream.len) {
            snprintf(scratch, sizeof(scratch), "\r\na=ssrc:%lu msid:%.*s "
                     "%.*s-%.*s\r\n", (unsigned long) ssrc,
                     (int) conf->msid_stream.len, conf->msid_stream.data,
                     (int) conf->msid_stream.len, conf->msid_stream.data,
                     (int) m->mid.len, m->mid.data);
            CHECK(has(a, n, scratch));
        }
    }

    free(b.data);
}


static void
check_reparse(ngx_webrtc_sdp_offer_t *o, u_char *a, size_t n)
{
    check_reparse_conf(o, a, n, NULL);
}


static void
test_chromium_whip(void)
{
    size_t                        n;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_media_t       *a, *v;
    ngx_webrtc_sdp_codec_t       *c;
    ngx_webrtc_sdp_answer_conf_t  conf;

    b = load("chromium-156-whip-offer.sdp");
    CHECK(b.len > 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);

    CHECK(offer.nmedia == 2);
    CHECK(offer.bundle);
    CHECK(str_eq(&offer.bundle_mids, "0 1"));
    CHECK(offer.extmap_allow_mixed);
    CHECK(!offer.ice_lite);
    CHECK(offer.has_fingerprint);
    CHECK(offer.fingerprint[0] == 0xCC && offer.fingerprint[1] == 0xEE);
    CHECK(offer.fingerprint[31] == 0xDC);
    CHECK(str_eq(&offer.ice_ufrag, "qbsW"));
    CHECK(str_eq(&offer.ice_pwd, "ehJPQKGk6KaWAF8gsHeD7G+u"));
    CHECK(offer.setup == NGX_WEBRTC_SETUP_ACTPASS);

    a = &offer.media[0];
    v = &offer.media[1];

    CHECK(a->type == NGX_WEBRTC_MEDIA_AUDIO);
    CHECK(str_eq(&a->media, "audio"));
    CHECK(str_eq(&a->proto, "UDP/TLS/RTP/SAVPF"));
    CHECK(a->port == 33287);
    CHECK(str_eq(&a->mid, "0"));
    CHECK(a->direction == NGX_WEBRTC_DIR_SEND);
    CHECK(a->rtcp_mux && a->rtcp_rsize);
    CHECK(str_eq(&a->msid, "29ccf4a6-44c8-45da-9127-8319c73fc278 "
                           "0fd260e3-8392-447a-b525-67724fbfa205"));
    CHECK(a->ncodecs == 8);
    CHECK(a->codecs[0].pt == 111);
    CHECK(a->codecs[0].codec == NGX_WEBRTC_CODEC_OPUS);
    CHECK(a->codecs[0].clock_rate == 48000);
    CHECK(a->codecs[0].channels == 2);
    CHECK(a->codecs[0].fb_twcc);
    CHECK(!a->codecs[0].fb_nack);
    CHECK(str_eq(&a->codecs[0].fmtp, "minptime=10;useinbandfec=1"));
    CHECK(a->codecs[2].pt == 9 && str_eq(&a->codecs[2].name, "G722"));
    CHECK(a->codecs[2].codec == NGX_WEBRTC_CODEC_OTHER);
    CHECK(ext_id(a, NGX_WEBRTC_EXT_AUDIO_LEVEL) == 1);
    CHECK(ext_id(a, NGX_WEBRTC_EXT_ABS_SEND_TIME) == 2);
    CHECK(ext_id(a, NGX_WEBRTC_EXT_TWCC) == 3);
    CHECK(ext_id(a, NGX_WEBRTC_EXT_MID) == 4);
    CHECK(a->ncandidates == 4);
    CHECK(str_eq(&a->candidates[0].foundation, "3653579755"));
    CHECK(a->candidates[0].component == 1);
    CHECK(str_eq(&a->candidates[0].transport, "udp"));
    CHECK(a->candidates[0].priority == 2122194687);
    CHECK(str_eq(&a->candidates[0].addr, "192.0.2.2"));
    CHECK(a->candidates[0].port == 33287);
    CHECK(str_eq(&a->candidates[0].type, "host"));
    CHECK(str_eq(&a->candidates[1].addr, "fd00::2"));
    CHECK(str_eq(&a->candidates[2].transport, "tcp"));
    CHECK(a->candidates[2].port == 9);
    CHECK(a->nssrcs == 1 && a->ssrcs[0] == 3449383626u);
    CHECK(str_eq(&a->cname, "T1+oAoWiGBfwemIG"));
    CHECK(a->fid_primary == 0);

    CHECK(v->type == NGX_WEBRTC_MEDIA_VIDEO);
    CHECK(str_eq(&v->mid, "1"));
    CHECK(v->direction == NGX_WEBRTC_DIR_SEND);
    CHECK(v->ncodecs == 23);
    CHECK(v->codecs[0].pt == 96);
    CHECK(v->codecs[0].codec == NGX_WEBRTC_CODEC_VP8);
    CHECK(v->codecs[0].clock_rate == 90000 && v->codecs[0].channels == 0);
    CHECK(v->codecs[0].fb_nack && v->codecs[0].fb_pli && v->codecs[0].fb_fir
          && v->codecs[0].fb_remb && v->codecs[0].fb_twcc);
    CHECK(v->codecs[1].pt == 97);
    CHECK(v->codecs[1].codec == NGX_WEBRTC_CODEC_RTX);
    CHECK(v->codecs[1].apt == 96);

    c = codec(v, 108);
    CHECK(c && c->codec == NGX_WEBRTC_CODEC_H264);
    CHECK(c && c->profile_level_id == 0x42e01f);
    CHECK(c && c->packetization_mode == 1);

    c = codec(v, 104);
    CHECK(c && c->packetization_mode == 0 && c->profile_level_id == 0x42001f);

    c = codec(v, 45);
    CHECK(c && c->codec == NGX_WEBRTC_CODEC_AV1);
    CHECK(c && c->profile_level_id == 0);

    c = codec(v, 98);
    CHECK(c && c->codec == NGX_WEBRTC_CODEC_VP9);

    CHECK(ext_id(v, NGX_WEBRTC_EXT_TWCC) == 3);
    CHECK(ext_id(v, NGX_WEBRTC_EXT_MID) == 4);
    CHECK(ext_id(v, NGX_WEBRTC_EXT_RID) == 10);
    CHECK(ext_id(v, NGX_WEBRTC_EXT_RRID) == 11);
    CHECK(v->nextmaps == 11);
    CHECK(v->nssrcs == 2);
    CHECK(v->ssrcs[0] == 508692642 && v->ssrcs[1] == 375097069);
    CHECK(v->fid_primary == 508692642 && v->fid_rtx == 375097069);
    CHECK(!v->simulcast && v->nrids == 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);

    CHECK(a->accepted && a->codec == 0 && a->rtx == -1);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_TWCC] == 3);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_MID] == 4);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 1);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_RID] == 0);
    CHECK(v->accepted && v->codec == 0 && v->rtx == 1);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_RID] == 10);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME] == 2);

    init_conf(&conf);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);

    CHECK(memcmp(answer, "v=0\r\no=- 1234567890123456789 2 IN IP4 127.0.0.1"
                 "\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n", 69) == 0);
    CHECK(has(answer, n, "\r\na=group:BUNDLE 0 1\r\n"));
    CHECK(has(answer, n, "\r\na=msid-semantic: WMS *\r\n"));
    CHECK(has(answer, n, "\r\na=extmap-allow-mixed\r\n"));
    CHECK(has(answer, n, "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));
    CHECK(has(answer, n, "\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"));
    CHECK(count(answer, n, "\r\na=setup:passive\r\n") == 2);
    CHECK(count(answer, n, "\r\na=recvonly\r\n") == 2);
    CHECK(count(answer, n, "\r\na=rtcp-mux\r\n") == 2);
    CHECK(count(answer, n, "\r\na=rtcp-rsize\r\n") == 2);
    CHECK(count(answer, n, "\r\na=ice-ufrag:srvU\r\n") == 2);
    CHECK(count(answer, n, "\r\na=fingerprint:sha-256 " FP "\r\n") == 2);
    CHECK(count(answer, n, "\r\na=candidate:1 1 udp 2130706431 192.0.2.10 "
                           "40000 typ host\r\n") == 2);
    CHECK(count(answer, n, "\r\na=candidate:2 1 udp 2130706431 2001:db8::10 "
                           "40001 typ host\r\n") == 2);
    CHECK(count(answer, n, "\r\na=end-of-candidates\r\n") == 2);
    CHECK(has(answer, n, "\r\na=rtpmap:111 opus/48000/2\r\n"
                         "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                         "a=rtcp-fb:111 transport-cc\r\n"));
    CHECK(has(answer, n, "\r\na=rtpmap:96 VP8/90000\r\n"
                         "a=rtcp-fb:96 nack\r\n"
                         "a=rtcp-fb:96 nack pli\r\n"
                         "a=rtcp-fb:96 ccm fir\r\n"
                         "a=rtcp-fb:96 goog-remb\r\n"
                         "a=rtcp-fb:96 transport-cc\r\n"
                         "a=rtpmap:97 rtx/90000\r\n"
                         "a=fmtp:97 apt=96\r\n"));
    CHECK(has(answer, n, "\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid"
                         "\r\n"));
    CHECK(has(answer, n, "\r\na=extmap:3 http://www.ietf.org/id/draft-holmer-"
                         "rmcat-transport-wide-cc-extensions-01\r\n"));
    CHECK(!has(answer, n, "toffset"));
    CHECK(!has(answer, n, "a=rtpmap:63"));
    CHECK(!has(answer, n, "H264"));
    CHECK(!has(answer, n, "a=ssrc"));
    CHECK(!has(answer, n, "a=simulcast"));
    CHECK(!has(answer, n, "\n\n") && !has(answer, n, "\r\r"));
    CHECK(count(answer, n, "\n") == count(answer, n, "\r\n"));
    CHECK(answer[n - 2] == '\r' && answer[n - 1] == '\n');

    check_reparse(&offer, answer, n);

    free(b.data);
}


static void
test_chromium_whep(void)
{
    test_buf_t               b;
    const char              *err;
    ngx_webrtc_sdp_media_t  *v, *a;

    b = load("chromium-156-whep-offer.sdp");
    CHECK(b.len > 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);

    v = &offer.media[0];
    a = &offer.media[1];

    CHECK(offer.nmedia == 2);
    CHECK(offer.fingerprint[0] == 0xAC && offer.fingerprint[31] == 0x7F);
    CHECK(str_eq(&offer.ice_ufrag, "wgwm"));
    CHECK(v->type == NGX_WEBRTC_MEDIA_VIDEO);
    CHECK(v->direction == NGX_WEBRTC_DIR_RECV);

    /* 34 payload types offered: all are kept */
    CHECK(v->ncodecs == 34);
    CHECK(v->codecs[31].pt == 119);
    CHECK(v->codecs[31].codec == NGX_WEBRTC_CODEC_RTX);
    CHECK(v->codecs[31].apt == 118);
    CHECK(codec(v, 49) != NULL);
    CHECK(codec(v, 47) && codec(v, 47)->codec == NGX_WEBRTC_CODEC_AV1);

    CHECK(a->type == NGX_WEBRTC_MEDIA_AUDIO);
    CHECK(str_eq(&a->mid, "1"));
    CHECK(a->direction == NGX_WEBRTC_DIR_RECV);
    CHECK(ext_id(a, NGX_WEBRTC_EXT_AUDIO_LEVEL) == 14);
    CHECK(a->nssrcs == 0);

    /* nothing to receive from a WHEP offer */
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_ERROR);
    CHECK(err != NULL);
    CHECK(!v->accepted && !a->accepted);

    free(b.data);
}


static void
test_firefox_whip(void)
{
    size_t                        n;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_media_t       *a, *v;
    ngx_webrtc_sdp_answer_conf_t  conf;

    b = load("firefox-esr-153-whip-offer.sdp");
    CHECK(b.len > 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);

    a = &offer.media[0];
    v = &offer.media[1];

    CHECK(offer.nmedia == 2);
    CHECK(offer.fingerprint[0] == 0xF0 && offer.fingerprint[31] == 0x7F);
    CHECK(str_eq(&offer.ice_ufrag, "746756e9"));
    CHECK(str_eq(&offer.ice_pwd, "f2f17cc777192067a74fe987112734ef"));
    CHECK(offer.extmap_allow_mixed);

    /* session-level a=sendrecv, media-level a=sendonly */
    CHECK(a->direction == NGX_WEBRTC_DIR_SEND);
    CHECK(v->direction == NGX_WEBRTC_DIR_SEND);

    CHECK(a->codecs[0].pt == 109 && a->codecs[0].codec
                                    == NGX_WEBRTC_CODEC_OPUS);
    CHECK(a->codecs[1].pt == 9 && a->codecs[1].channels == 1);
    CHECK(a->ncandidates == 8);
    CHECK(a->candidates[0].addr.len > 6
          && memcmp(a->candidates[0].addr.data + a->candidates[0].addr.len
                    - 6, ".local", 6) == 0);
    CHECK(a->candidates[4].component == 2);
    CHECK(str_eq(&a->candidates[0].transport, "UDP"));
    CHECK(!a->rtcp_rsize);
    CHECK(str_eq(&a->cname, "{2331d08b-ac36-4e72-bc51-17317329f65a}"));

    CHECK(v->codecs[0].pt == 120 && v->codecs[0].codec
                                    == NGX_WEBRTC_CODEC_VP8);
    CHECK(v->codecs[1].pt == 124 && v->codecs[1].codec
                                    == NGX_WEBRTC_CODEC_RTX);
    CHECK(v->codecs[1].apt == 120);
    CHECK(v->nextmaps == 5);
    CHECK(v->extmaps[3].id == 6);
    CHECK(v->extmaps[3].ext == NGX_WEBRTC_EXT_OTHER);
    CHECK(v->fid_primary == 2086124873u && v->fid_rtx == 3426353164u);
    CHECK(v->nssrcs == 2);

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);
    CHECK(a->accepted && a->codec == 0 && a->rtx == -1);
    CHECK(v->accepted && v->codec == 0 && v->rtx == 1);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_TWCC] == 7);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_MID] == 3);

    init_conf(&conf);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109\r\n"));
    CHECK(has(answer, n, "\r\nm=video 9 UDP/TLS/RTP/SAVPF 120 124\r\n"));
    CHECK(has(answer, n, "\r\na=fmtp:109 maxplaybackrate=48000;stereo=1;"
                         "useinbandfec=1\r\n"));
    CHECK(has(answer, n, "\r\na=extmap-allow-mixed\r\n"));

    check_reparse(&offer, answer, n);

    free(b.data);
}


static void
test_firefox_whep(void)
{
    ngx_uint_t               i;
    test_buf_t               b;
    const char              *err;
    ngx_webrtc_sdp_media_t  *v, *a;

    b = load("firefox-esr-153-whep-offer.sdp");
    CHECK(b.len > 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);

    v = &offer.media[0];
    a = &offer.media[1];

    CHECK(offer.nmedia == 2);
    CHECK(offer.fingerprint[0] == 0xCB && offer.fingerprint[31] == 0xE7);
    CHECK(v->direction == NGX_WEBRTC_DIR_RECV);
    CHECK(a->direction == NGX_WEBRTC_DIR_RECV);

    /* mDNS names, component 2, a=end-of-candidates after them */
    CHECK(v->ncandidates == 8 && a->ncandidates == 8);

    for (i = 0; i < v->ncandidates; i++) {
        CHECK(v->candidates[i].addr.len == 42);
        CHECK(memcmp(v->candidates[i].addr.data + 36, ".local", 6) == 0);
    }

    CHECK(str_eq(&v->candidates[0].addr,
                 "4c3cb69a-c35e-4221-a6f1-a43bf3918cbb.local"));
    CHECK(v->candidates[0].port == 34710);
    CHECK(v->candidates[4].component == 2);
    CHECK(v->candidates[4].port == 42861);
    CHECK(str_eq(&v->candidates[2].transport, "TCP"));

    /* a=fmtp before a=rtpmap */
    CHECK(v->codecs[1].codec == NGX_WEBRTC_CODEC_RTX && v->codecs[1].apt
                                                        == 120);
    CHECK(v->codecs[8].pt == 119 && v->codecs[8].apt == 122);
    CHECK(str_eq(&v->codecs[0].fmtp, "max-fs=12288;max-fr=60"));
    CHECK(str_eq(&v->mid, "0") && str_eq(&a->mid, "1"));

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_ERROR);

    free(b.data);
}


static void
test_obs(void)
{
    size_t                        n;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_media_t       *a, *v;
    ngx_webrtc_sdp_answer_conf_t  conf;

    b = load("obs-shaped-libdatachannel-whip-offer.sdp");
    CHECK(b.len > 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);

    a = &offer.media[0];
    v = &offer.media[1];

    CHECK(offer.nmedia == 2);
    CHECK(offer.bundle);
    CHECK(str_eq(&offer.bundle_mids, "0 1"));
    CHECK(!offer.extmap_allow_mixed);

    /* session-level fingerprint inherited */
    CHECK(offer.has_fingerprint);
    CHECK(offer.fingerprint[0] == 0x18 && offer.fingerprint[1] == 0x1C);
    CHECK(offer.fingerprint[31] == 0x4C);
    CHECK(str_eq(&offer.ice_ufrag, "Shwl"));
    CHECK(str_eq(&offer.ice_pwd, "hl0ui9+NRsdIjmA4BwQrnv"));

    CHECK(a->ncandidates == 0 && v->ncandidates == 0);
    CHECK(a->port == 39457);
    CHECK(a->codecs[0].codec == NGX_WEBRTC_CODEC_OPUS);
    CHECK(a->ssrcs[0] == 1111 && str_eq(&a->cname, "obs-cname"));
    CHECK(str_eq(&a->msid, "obs-stream audio"));

    CHECK(v->ncodecs == 1);
    CHECK(v->codecs[0].pt == 96);
    CHECK(v->codecs[0].codec == NGX_WEBRTC_CODEC_H264);
    CHECK(v->codecs[0].profile_level_id == 0x42e01f);
    CHECK(v->codecs[0].packetization_mode == 1);
    CHECK(v->codecs[0].fb_nack && v->codecs[0].fb_pli
          && v->codecs[0].fb_remb);
    CHECK(!v->codecs[0].fb_fir && !v->codecs[0].fb_twcc);
    CHECK(v->nextmaps == 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);
    CHECK(a->accepted && a->codec == 0);
    CHECK(v->accepted && v->codec == 0 && v->rtx == -1);

    init_conf(&conf);
    conf.ncandidates = 1;

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"));
    CHECK(has(answer, n, "\r\na=fmtp:96 profile-level-id=42e01f;"
                         "packetization-mode=1;level-asymmetry-allowed=1\r\n"));
    CHECK(has(answer, n, "\r\na=rtcp-fb:96 goog-remb\r\n"));
    CHECK(!has(answer, n, "ccm fir"));
    CHECK(!has(answer, n, "transport-cc"));
    CHECK(!has(answer, n, "a=rtcp-rsize"));
    CHECK(!has(answer, n, "a=extmap"));
    CHECK(!has(answer, n, "rtx"));
    CHECK(count(answer, n, "a=candidate:") == 2);

    conf.ncandidates = 2;
    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    check_reparse(&offer, answer, n);

    free(b.data);
}


static void
test_line_endings(void)
{
    size_t                  i, j;
    test_buf_t              b, lf;
    const char             *err;
    ngx_webrtc_sdp_media_t  *v;

    b = load("chromium-156-whip-offer.sdp");
    lf = copy(b.data, b.len);

    for (i = 0, j = 0; i < b.len; i++) {
        if (b.data[i] != '\r') {
            lf.data[j++] = b.data[i];
        }
    }

    lf.len = j;
    free(b.data);
    b = copy(lf.data, lf.len);
    free(lf.data);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);
    CHECK(offer.nmedia == 2);

    v = &offer.media[1];
    CHECK(v->ncodecs == 23 && v->codecs[1].apt == 96);
    CHECK(str_eq(&v->cname, "T1+oAoWiGBfwemIG"));
    CHECK(offer.fingerprint[31] == 0xDC);

    free(b.data);
}


static void
test_inline(void)
{
    size_t                        n;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_media_t       *m;
    ngx_webrtc_sdp_answer_conf_t  conf;

    /* static payload types without a=rtpmap */

    CHECK(parse_text(HEAD SESSION
                     "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\n"
                     "a=mid:0\r\n"
                     "a=rtpmap:111 opus/48000/2\r\n"
                     "a=rtcp-fb:* nack\r\n", &b, &err) == NGX_OK);
    m = &offer.media[0];
    CHECK(m->ncodecs == 3);
    CHECK(m->codecs[1].pt == 0 && m->codecs[1].name.len == 0);
    CHECK(m->codecs[1].codec == NGX_WEBRTC_CODEC_OTHER);
    CHECK(m->codecs[2].pt == 8 && m->codecs[2].clock_rate == 0);
    CHECK(m->codecs[0].fb_nack && m->codecs[1].fb_nack
          && m->codecs[2].fb_nack);
    CHECK(m->direction == NGX_WEBRTC_DIR_SENDRECV);
    CHECK(m->setup == NGX_WEBRTC_SETUP_NONE);
    free(b.data);

    /* an offer with a=setup:passive parses; AV1X; session-level ice */

    CHECK(try_offer("a=setup:passive\r\n",
                    "m=video 9 UDP/TLS/RTP/SAVPF 35 36\r\n"
                    "a=mid:1\r\n"
                    "a=sendonly\r\n"
                    "a=rtpmap:35 AV1X/90000\r\n"
                    "a=rtpmap:36 rtx/90000\r\n"
                    "a=fmtp:36 apt=35\r\n", &err) == NGX_OK);
    CHECK(offer.setup == NGX_WEBRTC_SETUP_PASSIVE);
    CHECK(offer.media[1].codecs[0].codec == NGX_WEBRTC_CODEC_AV1);
    CHECK(offer.media[1].codecs[1].apt == 35);
    CHECK(offer.media[1].setup == NGX_WEBRTC_SETUP_PASSIVE);

    /* H.264 packetization-mode=0 only: video refused, audio accepted */

    CHECK(parse_text(HEAD SESSION AUDIO
                     "m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\n"
                     "a=mid:1\r\n"
                     "a=sendonly\r\n"
                     "a=rtpmap:102 H264/90000\r\n"
                     "a=fmtp:102 packetization-mode=0;"
                     "profile-level-id=42e01f\r\n"
                     "a=rtpmap:103 rtx/90000\r\n"
                     "a=fmtp:103 apt=102\r\n", &b, &err) == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);
    CHECK(offer.media[0].accepted);
    CHECK(!offer.media[1].accepted);
    CHECK(offer.media[1].codec == -1 && offer.media[1].rtx == -1);

    init_conf(&conf);
    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\na=group:BUNDLE 0\r\n"));
    CHECK(has(answer, n, "\r\nm=video 0 UDP/TLS/RTP/SAVPF 102\r\n"
                         "c=IN IP4 0.0.0.0\r\n"
                         "a=mid:1\r\n"
                         "a=inactive\r\n"));
    CHECK(!has(answer, n, "H264"));
    check_reparse(&offer, answer, n);
    free(b.data);

    /* ... and alone it is refused */

    CHECK(parse_text(HEAD SESSION
                     "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
                     "a=mid:0\r\n"
                     "a=sendonly\r\n"
                     "a=rtpmap:102 H264/90000\r\n"
                     "a=fmtp:102 packetization-mode=0\r\n", &b, &err)
          == NGX_OK);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "no supported codec") == 0);
    free(b.data);

    /* a data channel section is answered with port 0 */

    CHECK(parse_text(HEAD SESSION AUDIO
                     "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                     "a=mid:1\r\n"
                     "a=sctp-port:5000\r\n", &b, &err) == NGX_OK);
    CHECK(offer.media[1].type == NGX_WEBRTC_MEDIA_APPLICATION);
    CHECK(offer.media[1].ncodecs == 0);
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);
    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(has(answer, n, "\r\nm=application 0 UDP/DTLS/SCTP "
                         "webrtc-datachannel\r\n"));
    free(b.data);

    /* port 0 without bundle-only: disabled by the offerer */

    CHECK(parse_text(HEAD SESSION AUDIO
                     "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
                     "a=mid:1\r\n"
                     "a=sendonly\r\n"
                     "a=rtpmap:96 VP8/90000\r\n"
                     "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
                     "a=mid:2\r\n"
                     "a=bundle-only\r\n"
                     "a=sendonly\r\n"
                     "a=rtpmap:96 VP8/90000\r\n", &b, &err) == NGX_OK);
    CHECK(offer.media[1].direction == NGX_WEBRTC_DIR_INACTIVE);
    CHECK(offer.media[2].direction == NGX_WEBRTC_DIR_SEND);
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);
    CHECK(!offer.media[1].accepted && offer.media[2].accepted);
    free(b.data);

    /* more than 16 candidates are dropped, not refused */

    {
        size_t      len;
        ngx_uint_t  i;

        len = snprintf(scratch, sizeof(scratch), HEAD SESSION AUDIO);

        for (i = 0; i < 20; i++) {
            len += snprintf(scratch + len, sizeof(scratch) - len,
                            "a=candidate:%u 1 udp 100 10.0.0.%u 5000 "
                            "typ host\r\n", (unsigned) i, (unsigned) i);
        }

        CHECK(parse_text(scratch, &b, &err) == NGX_OK);
        CHECK(offer.media[0].ncandidates == NGX_WEBRTC_SDP_MAX_CANDIDATES);
        free(b.data);
    }

    /* a sha-1 fingerprint first, the sha-256 one after */

    CHECK(try_raw("a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:"
                  "BB:CC:DD:EE:FF:00:11:22:33\r\n"
                  "a=fingerprint:SHA-256 " FP "\r\n"
                  "a=ice-ufrag:abcd\r\n"
                  "a=ice-pwd:0123456789abcdefghijkl\r\n", "", &err)
          == NGX_OK);
    CHECK(offer.fingerprint[10] == 0x0A);

    /* extmap ids: 255 is fine, as is a direction */

    CHECK(try_offer("", "a=extmap:255/sendonly urn:ietf:params:rtp-hdrext:"
                    "sdes:mid\r\n", &err) == NGX_OK);
    CHECK(offer.media[0].extmaps[0].id == 255);
    CHECK(offer.media[0].extmaps[0].ext == NGX_WEBRTC_EXT_MID);
}


static void
test_simulcast(void)
{
    size_t                        n;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_media_t       *v;
    ngx_webrtc_sdp_answer_conf_t  conf;

    static const char  video[] =
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=mid:1\r\n"
        "a=sendonly\r\n"
        "a=rtcp-mux\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
        "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:"
        "repaired-rtp-stream-id\r\n"
        "a=rtpmap:96 VP8/90000\r\n"
        "a=rtcp-fb:96 nack pli\r\n"
        "a=rtpmap:97 rtx/90000\r\n"
        "a=fmtp:97 apt=96\r\n"
        "a=rid:0 send\r\n"
        "a=rid:1 send pt=96;max-width=640\r\n"
        "a=rid:2 send\r\n";

    init_conf(&conf);

    snprintf(scratch, sizeof(scratch), HEAD SESSION AUDIO "%s%s", video,
             "a=simulcast:send 0;1;2\r\n");

    CHECK(parse_text(scratch, &b, &err) == NGX_OK);

    v = &offer.media[1];
    CHECK(v->simulcast);
    CHECK(v->nrids == 3);
    CHECK(str_eq(&v->rids[0], "0") && str_eq(&v->rids[1], "1")
          && str_eq(&v->rids[2], "2"));

    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_RID] == 10);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_RRID] == 11);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\na=rid:0 recv\r\na=rid:1 recv\r\n"
                         "a=rid:2 recv\r\na=simulcast:recv 0;1;2\r\n"));
    CHECK(count(answer, n, "a=rid:") == 3);
    CHECK(count(answer, n, "a=simulcast:") == 1);
    CHECK(has(answer, n, "\r\na=extmap:10 urn:ietf:params:rtp-hdrext:sdes:"
                         "rtp-stream-id\r\n"));
    check_reparse(&offer, answer, n);
    free(b.data);

    /* a paused layer is still a layer; the answer has no "~" */

    snprintf(scratch, sizeof(scratch), HEAD SESSION AUDIO "%s%s", video,
             "a=simulcast:send 0;1;~2\r\n");

    CHECK(parse_text(scratch, &b, &err) == NGX_OK);
    CHECK(offer.media[1].simulcast && offer.media[1].nrids == 3);
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(has(answer, n, "\r\na=simulcast:recv 0;1;2\r\n"));
    CHECK(!has(answer, n, "~"));
    free(b.data);

    /* five rids */

    snprintf(scratch, sizeof(scratch), HEAD SESSION AUDIO "%s%s", video,
             "a=rid:3 send\r\na=rid:4 send\r\n");
    err = NULL;
    CHECK(parse_text(scratch, &b, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "too many rids") == 0);
    free(b.data);
}


static void
test_answer_buffer(void)
{
    size_t                        n, size, i, bad_ret, bad_guard;
    u_char                       *buf;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_answer_conf_t  conf;

    b = load("chromium-156-whip-offer.sdp");

    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_OK);

    init_conf(&conf);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);

    bad_ret = 0;
    bad_guard = 0;

    for (size = 0; size <= n; size++) {
        buf = malloc(size + 64);
        memset(buf, 0xA5, size + 64);

        if (ngx_webrtc_sdp_write_answer(buf, size, &offer, &conf)
            != (size == n ? n : 0))
        {
            bad_ret++;
        }

        for (i = size; i < size + 64; i++) {
            if (buf[i] != 0xA5) {
                bad_guard++;
                break;
            }
        }

        if (size == n && memcmp(buf, answer, n) != 0) {
            bad_ret++;
        }

        free(buf);
    }

    CHECK(bad_ret == 0);
    CHECK(bad_guard == 0);
    CHECK(ngx_webrtc_sdp_write_answer(NULL, 0, &offer, &conf) == 0);

    /* a sendonly answer (WHEP) with our SSRCs */

    conf.direction = NGX_WEBRTC_DIR_SEND;
    conf.ssrcs[0] = 11;
    conf.ssrcs[1] = 22;
    conf.rtx_ssrcs[1] = 23;
    conf.cname.data = (u_char *) "ngxcname";
    conf.cname.len = 8;
    conf.msid_stream.data = (u_char *) "ngxstream";
    conf.msid_stream.len = 9;

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(count(answer, n, "\r\na=sendonly\r\n") == 2);
    CHECK(!has(answer, n, "a=recvonly"));
    CHECK(has(answer, n, "\r\na=ssrc:11 cname:ngxcname\r\n"));
    CHECK(has(answer, n, "\r\na=ssrc-group:FID 22 23\r\n"
                         "a=ssrc:22 cname:ngxcname\r\n"
                         "a=ssrc:22 msid:ngxstream ngxstream-1\r\n"
                         "a=ssrc:23 cname:ngxcname\r\n"
                         "a=ssrc:23 msid:ngxstream ngxstream-1\r\n"));
    CHECK(count(answer, n, "\r\na=msid:ngxstream ") == 2);

    free(b.data);
}


static void
test_refusals(void)
{
    size_t       len;
    u_char       garbage[512];
    ngx_uint_t   i;
    test_buf_t   b, t;
    const char  *err;

    /* truncated */

    b = load("chromium-156-whip-offer.sdp");
    t = copy(b.data, 40);
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, t.data, t.len, &err)
          == NGX_ERROR);
    CHECK(err != NULL);
    free(t.data);
    free(b.data);

    /* empty */

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, (u_char *) "", 0, &err)
          == NGX_ERROR);
    CHECK(err != NULL);
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, NULL, 0, &err) == NGX_ERROR);
    CHECK(err != NULL);

    /* garbage */

    for (i = 0; i < sizeof(garbage); i++) {
        garbage[i] = (u_char) (i * 7919 + 13);
    }

    t = copy(garbage, sizeof(garbage));
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, t.data, t.len, &err)
          == NGX_ERROR);
    CHECK(err != NULL);
    free(t.data);

    err = NULL;
    CHECK(parse_text("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &t, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad line") == 0);
    free(t.data);

    /* missing ice-ufrag, ice-pwd, fingerprint */

    err = NULL;
    CHECK(try_raw("a=fingerprint:sha-256 " FP "\r\n"
                    "a=ice-pwd:0123456789abcdefghijkl\r\n", "", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "no ice-ufrag") == 0);

    err = NULL;
    CHECK(try_raw("a=fingerprint:sha-256 " FP "\r\n"
                    "a=ice-ufrag:abcd\r\n", "", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "no ice-pwd") == 0);

    err = NULL;
    CHECK(try_raw("a=ice-ufrag:abcd\r\n"
                    "a=ice-pwd:0123456789abcdefghijkl\r\n", "", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "no sha-256 fingerprint") == 0);

    err = NULL;
    CHECK(try_raw("a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:"
                    "BB:CC:DD:EE:FF:00:11:22:33\r\n"
                    "a=ice-ufrag:abcd\r\n"
                    "a=ice-pwd:0123456789abcdefghijkl\r\n", "", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "no sha-256 fingerprint") == 0);

    err = NULL;
    CHECK(try_raw("a=fingerprint:sha-256 00:01\r\n"
                    "a=ice-ufrag:abcd\r\n"
                    "a=ice-pwd:0123456789abcdefghijkl\r\n", "", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad fingerprint") == 0);

    /* no m= line */

    err = NULL;
    CHECK(parse_text(HEAD SESSION, &t, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "no m= line") == 0);
    free(t.data);

    /* not v=0 first */

    err = NULL;
    CHECK(parse_text("o=- 1 2 IN IP4 127.0.0.1\r\nv=0\r\n" SESSION AUDIO,
                     &t, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "no v=0 line") == 0);
    free(t.data);

    /* NGX_WEBRTC_SDP_MAX_MEDIA m= lines are fine, one more is not */

    len = snprintf(scratch, sizeof(scratch), HEAD SESSION);

    for (i = 0; i < NGX_WEBRTC_SDP_MAX_MEDIA + 1; i++) {
        len += snprintf(scratch + len, sizeof(scratch) - len,
                        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                        "a=mid:%u\r\n", (unsigned) i);

        if (i == NGX_WEBRTC_SDP_MAX_MEDIA - 1) {
            CHECK(parse_text(scratch, &t, &err) == NGX_OK);
            CHECK(offer.nmedia == NGX_WEBRTC_SDP_MAX_MEDIA);
            free(t.data);
        }
    }

    err = NULL;
    CHECK(parse_text(scratch, &t, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "too many m= lines") == 0);
    free(t.data);

    /* payload types */

    err = NULL;
    CHECK(try_offer("", "m=video 9 UDP/TLS/RTP/SAVPF 96 200\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad payload type") == 0);

    err = NULL;
    CHECK(try_offer("", "a=rtpmap:200 VP8/90000\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad payload type") == 0);

    err = NULL;
    CHECK(try_offer("", "m=video 9 UDP/TLS/RTP/SAVPF 9x\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad payload type") == 0);

    err = NULL;
    CHECK(try_offer("", "a=fmtp:128 apt=1\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad payload type") == 0);

    err = NULL;
    CHECK(try_offer("", "a=rtcp-fb:1000 nack\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad payload type") == 0);

    /* numbers */

    err = NULL;
    CHECK(try_offer("", "m=video 70000 UDP/TLS/RTP/SAVPF 96\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad m= line") == 0);

    err = NULL;
    CHECK(try_offer("", "a=rtpmap:111 opus/4294967296/2\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad rtpmap") == 0);

    err = NULL;
    CHECK(try_offer("", "a=rtpmap:111 opus/48000/256\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad rtpmap") == 0);

    err = NULL;
    CHECK(try_offer("", "a=ssrc:4294967296 cname:x\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad ssrc") == 0);

    err = NULL;
    CHECK(try_offer("", "a=ssrc:99999999999999999999999 cname:x\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad ssrc") == 0);

    err = NULL;
    CHECK(try_offer("", "a=candidate:1 1 udp 4294967296 10.0.0.1 9 typ "
                    "host\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad candidate") == 0);

    err = NULL;
    CHECK(try_offer("", "a=candidate:1 1 udp 1 10.0.0.1 9 host\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad candidate") == 0);

    /* extmap ids */

    err = NULL;
    CHECK(try_offer("", "a=extmap:0 urn:ietf:params:rtp-hdrext:sdes:mid\r\n",
                    &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad extmap id") == 0);

    err = NULL;
    CHECK(try_offer("", "a=extmap:256 urn:ietf:params:rtp-hdrext:sdes:mid"
                    "\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad extmap id") == 0);

    err = NULL;
    CHECK(try_offer("", "a=extmap:3 urn:a\r\na=extmap:3 urn:b\r\n", &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "duplicate extmap id") == 0);

    len = 0;

    for (i = 1; i <= 17; i++) {
        len += snprintf((char *) garbage + len, sizeof(garbage) - len,
                        "a=extmap:%u urn:x%u\r\n", (unsigned) i,
                        (unsigned) i);
    }

    err = NULL;
    CHECK(try_offer("", (char *) garbage, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "too many extmaps") == 0);

    /* ssrcs */

    len = 0;

    for (i = 1; i <= 9; i++) {
        len += snprintf((char *) garbage + len, sizeof(garbage) - len,
                        "a=ssrc:%u cname:x\r\n", (unsigned) i);
    }

    err = NULL;
    CHECK(try_offer("", (char *) garbage, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "too many ssrcs") == 0);

    /* duplicate mid, bad mid, bad ice-ufrag */

    err = NULL;
    CHECK(try_offer("", AUDIO, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "duplicate mid") == 0);

    err = NULL;
    CHECK(try_offer("", "a=mid:a b\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad mid") == 0);

    err = NULL;
    CHECK(try_offer("", "a=ice-ufrag:\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad ice-ufrag") == 0);

    /* NUL or a bare CR in a line */

    t = copy_lit(HEAD SESSION AUDIO "a=msid:0\0x\r\n");
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, t.data, t.len, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad character") == 0);
    free(t.data);

    err = NULL;
    CHECK(try_offer("", "a=msid:a\rb\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad character") == 0);

    /* too many lines */

    len = snprintf(scratch, sizeof(scratch), HEAD SESSION AUDIO);

    for (i = 0; i < NGX_WEBRTC_SDP_MAX_LINES; i++) {
        len += snprintf(scratch + len, sizeof(scratch) - len, "a=x\r\n");
    }

    err = NULL;
    CHECK(parse_text(scratch, &t, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "too many lines") == 0);
    free(t.data);

    /* bad simulcast, bad rid */

    err = NULL;
    CHECK(try_offer("", "a=simulcast:send\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad simulcast") == 0);

    err = NULL;
    CHECK(try_offer("", "a=rid:a.b send\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad rid") == 0);

    err = NULL;
    CHECK(try_offer("", "a=rid:a sideways\r\n", &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "bad rid") == 0);
}


static void
test_frag(void)
{
    test_buf_t               b;
    const char              *err;
    ngx_webrtc_sdp_media_t  *m;

    static const char  trickle[] =
        "a=ice-ufrag:EsAw\r\n"
        "a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n"
        "m=audio 9 RTP/AVP 0\r\n"
        "a=mid:0\r\n"
        "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host "
        "generation 0 ufrag EsAw network-id 1\r\n"
        "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ srflx "
        "raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-id 2\r\n"
        "a=end-of-candidates\r\n";

    static const char  restart[] =
        "a=ice-options:trickle ice2\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "a=ice-ufrag:ZXCV\r\n"
        "a=ice-pwd:newnewnewnewnewnewnewnew\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
        "a=mid:0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 0\r\n"
        "a=mid:1\r\n";

    b = copy(trickle, sizeof(trickle) - 1);
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_frag(&offer, b.data, b.len, &err) == NGX_OK);
    CHECK(str_eq(&offer.ice_ufrag, "EsAw"));
    CHECK(str_eq(&offer.ice_pwd, "bP+XJMM09aR8AiX1jdukzR6Y"));
    CHECK(!offer.has_fingerprint);
    CHECK(offer.nmedia == 1);

    m = &offer.media[0];
    CHECK(str_eq(&m->mid, "0"));
    CHECK(m->ncandidates == 2);
    CHECK(str_eq(&m->candidates[0].addr, "192.0.2.1"));
    CHECK(m->candidates[0].port == 61764);
    CHECK(m->candidates[0].priority == 2122260223);
    CHECK(str_eq(&m->candidates[1].addr, "198.51.100.2"));
    CHECK(m->candidates[1].port == 61765);
    CHECK(str_eq(&m->candidates[1].type, "srflx"));
    free(b.data);

    b = copy(restart, sizeof(restart) - 1);
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_frag(&offer, b.data, b.len, &err) == NGX_OK);
    CHECK(str_eq(&offer.ice_ufrag, "ZXCV"));
    CHECK(str_eq(&offer.ice_pwd, "newnewnewnewnewnewnewnew"));
    CHECK(offer.nmedia == 2);
    CHECK(str_eq(&offer.media[1].mid, "1"));
    CHECK(offer.media[0].ncandidates == 0);
    CHECK(str_eq(&offer.media[1].ice_ufrag, "ZXCV"));
    free(b.data);

    /* candidates without an m= line; media-level credentials only */

    b = copy_lit("a=candidate:1 1 udp 1 10.0.0.1 5000 typ host\n"
                 "a=end-of-candidates\n");
    CHECK(ngx_webrtc_sdp_parse_frag(&offer, b.data, b.len, &err) == NGX_OK);
    CHECK(offer.nmedia == 1 && offer.media[0].ncandidates == 1);
    CHECK(offer.media[0].candidates[0].port == 5000);
    free(b.data);

    b = copy_lit("m=audio 9 RTP/AVP 0\na=ice-ufrag:MEDI\na=ice-pwd:pw\n");
    CHECK(ngx_webrtc_sdp_parse_frag(&offer, b.data, b.len, &err) == NGX_OK);
    CHECK(str_eq(&offer.ice_ufrag, "MEDI"));
    CHECK(str_eq(&offer.ice_pwd, "pw"));
    free(b.data);

    /* empty and bad */

    CHECK(ngx_webrtc_sdp_parse_frag(&offer, NULL, 0, &err) == NGX_OK);
    CHECK(offer.nmedia == 0);

    b = copy_lit("a=candidate:x\r\n");
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_frag(&offer, b.data, b.len, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "bad candidate") == 0);
    free(b.data);
}


static ngx_webrtc_sdp_source_t
source(ngx_uint_t type, ngx_uint_t codec, uint32_t profile_level_id,
    ngx_uint_t packetization_mode, ngx_uint_t profile)
{
    ngx_webrtc_sdp_source_t  src;

    memset(&src, 0, sizeof(ngx_webrtc_sdp_source_t));

    src.type = type;
    src.codec = (u_char) codec;
    src.channels = (type == NGX_WEBRTC_MEDIA_AUDIO) ? 2 : 0;
    src.clock_rate = (type == NGX_WEBRTC_MEDIA_AUDIO) ? 48000 : 90000;
    src.profile_level_id = profile_level_id;
    src.packetization_mode = (u_char) packetization_mode;
    src.profile = (u_char) profile;

    return src;
}


#define VP8_SOURCE                                                            \
    source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_VP8, 0, 0, 0)
#define OPUS_SOURCE                                                           \
    source(NGX_WEBRTC_MEDIA_AUDIO, NGX_WEBRTC_CODEC_OPUS, 0, 0, 0)
#define H264_SOURCE(plid, pm)                                                 \
    source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_H264, plid, pm, 0)


/* the viewer's payload type chosen for a section, -1 none */

static ngx_int_t
sent_pt(ngx_webrtc_sdp_media_t *m)
{
    if (m->codec < 0 || m->codec >= (ngx_int_t) m->ncodecs) {
        return -1;
    }

    return m->codecs[m->codec].pt;
}


static ngx_int_t
sent_rtx_pt(ngx_webrtc_sdp_media_t *m)
{
    if (m->rtx < 0 || m->rtx >= (ngx_int_t) m->ncodecs) {
        return -1;
    }

    return m->codecs[m->rtx].pt;
}


/* negotiates a video source against the offer, returns the pt or -1 */

static ngx_int_t
send_video(ngx_webrtc_sdp_source_t video, ngx_uint_t index,
    const char **err)
{
    ngx_webrtc_sdp_source_t  sources[2];

    sources[0] = OPUS_SOURCE;
    sources[1] = video;
    *err = NULL;

    if (ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, err) != NGX_OK) {
        return -1;
    }

    return sent_pt(&offer.media[index]);
}


static void
init_send_conf(ngx_webrtc_sdp_answer_conf_t *conf)
{
    ngx_uint_t  i;

    init_conf(conf);

    conf->direction = NGX_WEBRTC_DIR_SEND;
    conf->cname.data = (u_char *) "ngxcname";
    conf->cname.len = 8;
    conf->msid_stream.data = (u_char *) "live";
    conf->msid_stream.len = 4;

    for (i = 0; i < NGX_WEBRTC_SDP_MAX_MEDIA; i++) {
        conf->ssrcs[i] = 1001 + 100 * i;
        conf->rtx_ssrcs[i] = 1002 + 100 * i;
    }
}


/* every smaller buffer gets 0 and is not written past its end */

static void
check_sizes(ngx_webrtc_sdp_offer_t *o, ngx_webrtc_sdp_answer_conf_t *conf)
{
    size_t       n, size, i, bad_ret, bad_guard;
    u_char      *buf;

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), o, conf);
    CHECK(n > 0);

    bad_ret = 0;
    bad_guard = 0;

    for (size = 0; size <= n; size++) {
        buf = malloc(size + 64);
        memset(buf, 0xA5, size + 64);

        if (ngx_webrtc_sdp_write_answer(buf, size, o, conf)
            != (size == n ? n : 0))
        {
            bad_ret++;
        }

        for (i = size; i < size + 64; i++) {
            if (buf[i] != 0xA5) {
                bad_guard++;
                break;
            }
        }

        if (size == n && memcmp(buf, answer, n) != 0) {
            bad_ret++;
        }

        free(buf);
    }

    CHECK(bad_ret == 0);
    CHECK(bad_guard == 0);
}


static void
test_send_chromium(void)
{
    size_t                        n;
    test_buf_t                    b, t;
    const char                   *err;
    ngx_webrtc_sdp_media_t       *v, *a;
    ngx_webrtc_sdp_source_t       sources[2];
    ngx_webrtc_sdp_answer_conf_t  conf;

    b = load("chromium-156-whep-offer.sdp");
    CHECK(b.len > 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);

    v = &offer.media[0];
    a = &offer.media[1];

    /* VP9 profile-id and AV1 profile */
    CHECK(codec(v, 98) && codec(v, 98)->profile == 0);
    CHECK(codec(v, 100) && codec(v, 100)->profile == 2);
    CHECK(codec(v, 35) && codec(v, 35)->profile == 1);
    CHECK(codec(v, 37) && codec(v, 37)->profile == 3);
    CHECK(codec(v, 45) && codec(v, 45)->profile == 0);
    CHECK(codec(v, 47) && codec(v, 47)->profile == 1);
    CHECK(codec(v, 96) && codec(v, 96)->profile == 0);
    CHECK(v->source == -1 && a->source == -1);

    /* VP8 and Opus */

    sources[0] = VP8_SOURCE;
    sources[1] = OPUS_SOURCE;

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(err == NULL);

    CHECK(v->accepted && v->source == 0);
    CHECK(sent_pt(v) == 96 && sent_rtx_pt(v) == 97);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_MID] == 9);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME] == 2);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_TWCC] == 0);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_RID] == 0);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_RRID] == 0);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 0);

    CHECK(a->accepted && a->source == 1);
    CHECK(sent_pt(a) == 111 && a->rtx == -1);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 14);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME] == 2);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_MID] == 9);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_TWCC] == 0);

    init_send_conf(&conf);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);

    CHECK(has(answer, n, "\r\na=group:BUNDLE 0 1\r\n"));
    CHECK(has(answer, n, "\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
                         "c=IN IP4 0.0.0.0\r\n"
                         "a=mid:0\r\n"
                         "a=sendonly\r\n"
                         "a=msid:live live-0\r\n"));
    CHECK(has(answer, n, "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                         "c=IN IP4 0.0.0.0\r\n"
                         "a=mid:1\r\n"
                         "a=sendonly\r\n"
                         "a=msid:live live-1\r\n"));
    CHECK(count(answer, n, "\r\na=sendonly\r\n") == 2);
    CHECK(!has(answer, n, "recvonly") && !has(answer, n, "inactive"));
    CHECK(has(answer, n, "\r\na=rtpmap:96 VP8/90000\r\n"
                         "a=rtcp-fb:96 nack\r\n"
                         "a=rtcp-fb:96 nack pli\r\n"
                         "a=rtcp-fb:96 ccm fir\r\n"
                         "a=rtpmap:97 rtx/90000\r\n"
                         "a=fmtp:97 apt=96\r\n"));
    CHECK(has(answer, n, "\r\na=rtpmap:111 opus/48000/2\r\n"
                         "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                         "a=extmap:"));
    CHECK(!has(answer, n, "transport-cc"));
    CHECK(!has(answer, n, "transport-wide-cc"));
    CHECK(!has(answer, n, "goog-remb"));
    CHECK(!has(answer, n, "rtp-stream-id"));
    CHECK(!has(answer, n, "a=rid") && !has(answer, n, "a=simulcast"));

    /* one id per URI across the bundle, as aiortc needs */
    CHECK(count(answer, n, "\r\na=extmap:9 urn:ietf:params:rtp-hdrext:"
                           "sdes:mid\r\n") == 2);
    CHECK(count(answer, n, "\r\na=extmap:2 http://www.webrtc.org/"
                           "experiments/rtp-hdrext/abs-send-time\r\n") == 2);
    CHECK(count(answer, n, "\r\na=extmap:14 urn:ietf:params:rtp-hdrext:"
                           "ssrc-audio-level\r\n") == 1);
    CHECK(count(answer, n, "a=extmap:") == 5);

    CHECK(has(answer, n, "\r\na=ssrc-group:FID 1001 1002\r\n"
                         "a=ssrc:1001 cname:ngxcname\r\n"
                         "a=ssrc:1001 msid:live live-0\r\n"
                         "a=ssrc:1002 cname:ngxcname\r\n"
                         "a=ssrc:1002 msid:live live-0\r\n"));
    CHECK(has(answer, n, "\r\na=ssrc:1101 cname:ngxcname\r\n"
                         "a=ssrc:1101 msid:live live-1\r\n"));

    /* audio has no rtx: no rtx SSRC, no FID group */
    CHECK(!has(answer, n, "1102"));
    CHECK(count(answer, n, "a=ssrc-group:") == 1);
    CHECK(count(answer, n, "a=ssrc:") == 6);
    CHECK(!has(answer, n, "\n\n") && !has(answer, n, "\r\r"));
    CHECK(count(answer, n, "\n") == count(answer, n, "\r\n"));

    check_reparse_conf(&offer, answer, n, &conf);

    /* the sendonly answer is an offer a WHIP endpoint would take */

    t = copy(answer, n);
    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&reparsed, t.data, t.len, &err)
          == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_recv(&reparsed, &err) == NGX_OK);
    CHECK(reparsed.media[0].accepted && reparsed.media[1].accepted);
    CHECK(reparsed.media[0].codecs[reparsed.media[0].codec].pt == 96);
    CHECK(reparsed.media[0].rtx == 1);
    free(t.data);

    check_sizes(&offer, &conf);

    /* no SSRCs, no msid stream: no a=ssrc, no a=msid */

    conf.msid_stream.len = 0;
    memset(conf.ssrcs, 0, sizeof(conf.ssrcs));

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(!has(answer, n, "a=ssrc") && !has(answer, n, "a=msid:"));
    check_reparse_conf(&offer, answer, n, &conf);

    /* an rtx SSRC without an rtx SSRC of ours: no FID group */

    init_send_conf(&conf);
    conf.rtx_ssrcs[0] = 0;

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(count(answer, n, "a=ssrc:") == 4);
    CHECK(!has(answer, n, "a=ssrc-group"));
    CHECK(has(answer, n, "\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"));
    check_reparse_conf(&offer, answer, n, &conf);

    /*
     * An audio-only publisher: the video section first is rejected.  (A
     * rejected section carries no ICE credentials, so the answer does not
     * parse as an offer: not checked here.)
     */

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, &sources[1], 1, &err)
          == NGX_OK);
    CHECK(!v->accepted && v->source == -1 && v->codec == -1);
    CHECK(a->accepted && a->source == 0 && sent_pt(a) == 111);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\na=group:BUNDLE 1\r\n"));
    CHECK(has(answer, n, "\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
                         "c=IN IP4 0.0.0.0\r\n"
                         "a=mid:0\r\n"
                         "a=inactive\r\n"
                         "m=audio 9 "));
    CHECK(count(answer, n, "a=ice-ufrag:") == 1);
    CHECK(has(answer, n, "\r\na=ssrc:1101 cname:ngxcname\r\n"
                         "a=ssrc:1101 msid:live live-1\r\n"));
    CHECK(!has(answer, n, "a=ssrc:1001") && !has(answer, n, "VP8"));

    /* negotiate_recv forgets what negotiate_send chose */

    CHECK(ngx_webrtc_sdp_negotiate_recv(&offer, &err) == NGX_ERROR);
    CHECK(v->source == -1 && a->source == -1);
    CHECK(!v->accepted && !a->accepted);

    /* H.264 42e01f packetization-mode=1: the very pt, not pm=0, 4d, f4 */

    CHECK(send_video(H264_SOURCE(0x42e01f, 1), 0, &err) == 108);
    CHECK(sent_rtx_pt(v) == 109);
    CHECK(v->source == 1 && a->source == 0);
    CHECK(codec(v, 108)->packetization_mode == 1);
    CHECK(codec(v, 108)->profile_level_id == 0x42e01f);

    init_send_conf(&conf);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\nm=video 9 UDP/TLS/RTP/SAVPF 108 109\r\n"));
    CHECK(has(answer, n, "\r\na=rtpmap:108 H264/90000\r\n"
                         "a=fmtp:108 level-asymmetry-allowed=1;"
                         "packetization-mode=1;profile-level-id=42e01f\r\n"
                         "a=rtcp-fb:108 nack\r\n"
                         "a=rtcp-fb:108 nack pli\r\n"
                         "a=rtcp-fb:108 ccm fir\r\n"
                         "a=rtpmap:109 rtx/90000\r\n"
                         "a=fmtp:109 apt=108\r\n"));
    CHECK(count(answer, n, "H264") == 1);
    CHECK(!has(answer, n, "VP8") && !has(answer, n, "transport-cc"));
    check_reparse_conf(&offer, answer, n, &conf);

    CHECK(send_video(H264_SOURCE(0x42001f, 1), 0, &err) == 102);
    CHECK(sent_rtx_pt(v) == 103);
    CHECK(send_video(H264_SOURCE(0x42e01f, 0), 0, &err) == 114);
    CHECK(sent_rtx_pt(v) == 115);
    CHECK(send_video(H264_SOURCE(0x42001f, 0), 0, &err) == 104);
    CHECK(send_video(H264_SOURCE(0x4d001f, 1), 0, &err) == 116);
    CHECK(send_video(H264_SOURCE(0xf4001f, 0), 0, &err) == 43);

    /* the level aside: the same profile, else any baseline */
    CHECK(send_video(H264_SOURCE(0x42e034, 1), 0, &err) == 108);
    CHECK(send_video(H264_SOURCE(0x420034, 1), 0, &err) == 102);
    CHECK(send_video(H264_SOURCE(0x42c01f, 1), 0, &err) == 102);
    CHECK(send_video(H264_SOURCE(0x4d0032, 1), 0, &err) == 116);
    CHECK(send_video(H264_SOURCE(0, 1), 0, &err) == 102);

    /* no High, and no Main for a High publisher */

    CHECK(send_video(H264_SOURCE(0x640032, 1), 0, &err) == -1);
    CHECK(err && strcmp(err, "the viewer offers no H264 that matches the "
                             "publisher's profile and packetization-mode")
                 == 0);
    CHECK(send_video(H264_SOURCE(0x4d401f, 1), 0, &err) == -1);
    CHECK(send_video(H264_SOURCE(0x42e01f, 2), 0, &err) == -1);
    CHECK(err && strncmp(err, "the viewer offers no H264", 25) == 0);

    /* VP9 and AV1 by profile */

    CHECK(send_video(source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_VP9,
                            0, 0, 0), 0, &err) == 98);
    CHECK(sent_rtx_pt(v) == 99);
    CHECK(send_video(source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_VP9,
                            0, 0, 2), 0, &err) == 100);
    CHECK(sent_rtx_pt(v) == 101);
    CHECK(send_video(source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_AV1,
                            0, 0, 1), 0, &err) == 47);
    CHECK(sent_rtx_pt(v) == 48);
    CHECK(send_video(source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_AV1,
                            0, 0, 2), 0, &err) == -1);
    CHECK(err && strcmp(err, "the viewer offers no AV1 of the publisher's "
                             "profile") == 0);

    free(b.data);
}


static void
test_send_firefox(void)
{
    size_t                        n;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_media_t       *v, *a;
    ngx_webrtc_sdp_source_t       sources[2];
    ngx_webrtc_sdp_answer_conf_t  conf;

    b = load("firefox-esr-153-whep-offer.sdp");
    CHECK(b.len > 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_parse_offer(&offer, b.data, b.len, &err) == NGX_OK);

    v = &offer.media[0];
    a = &offer.media[1];

    CHECK(codec(v, 121) && codec(v, 121)->profile == 0);

    sources[0] = VP8_SOURCE;
    sources[1] = OPUS_SOURCE;

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);

    CHECK(v->accepted && v->source == 0);
    CHECK(sent_pt(v) == 120 && sent_rtx_pt(v) == 124);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_MID] == 3);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME] == 4);
    CHECK(v->ext_id[NGX_WEBRTC_EXT_TWCC] == 0);

    CHECK(a->accepted && a->source == 1);
    CHECK(sent_pt(a) == 109 && a->rtx == -1);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 1);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_MID] == 3);
    CHECK(a->ext_id[NGX_WEBRTC_EXT_TWCC] == 0);

    init_send_conf(&conf);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\nm=video 9 UDP/TLS/RTP/SAVPF 120 124\r\n"));
    CHECK(has(answer, n, "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109\r\n"));
    CHECK(has(answer, n, "\r\na=rtpmap:120 VP8/90000\r\n"
                         "a=fmtp:120 max-fs=12288;max-fr=60\r\n"
                         "a=rtcp-fb:120 nack\r\n"
                         "a=rtcp-fb:120 nack pli\r\n"
                         "a=rtcp-fb:120 ccm fir\r\n"
                         "a=rtpmap:124 rtx/90000\r\n"
                         "a=fmtp:124 apt=120\r\n"));
    CHECK(has(answer, n, "\r\na=fmtp:109 maxplaybackrate=48000;stereo=1;"
                         "useinbandfec=1\r\n"));
    CHECK(has(answer, n, "\r\na=ssrc-group:FID 1001 1002\r\n"));
    CHECK(has(answer, n, "\r\na=ssrc:1101 msid:live live-1\r\n"));
    CHECK(!has(answer, n, "transport-cc") && !has(answer, n, "goog-remb"));

    /* Firefox asks for reduced-size RTCP on video only */
    CHECK(count(answer, n, "\r\na=rtcp-rsize\r\n") == 1);
    check_reparse_conf(&offer, answer, n, &conf);

    /* VP9 and AV1 without parameters are profile 0; no H.264 offered */

    CHECK(send_video(source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_VP9,
                            0, 0, 0), 0, &err) == 121);
    CHECK(sent_rtx_pt(v) == 125);
    CHECK(send_video(source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_AV1,
                            0, 0, 0), 0, &err) == 99);
    CHECK(sent_rtx_pt(v) == 100);
    CHECK(send_video(source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_VP9,
                            0, 0, 2), 0, &err) == -1);
    CHECK(err && strcmp(err, "the viewer offers no VP9 of the publisher's "
                             "profile") == 0);
    CHECK(send_video(H264_SOURCE(0x42e01f, 1), 0, &err) == -1);
    CHECK(err && strncmp(err, "the viewer offers no H264", 25) == 0);

    free(b.data);
}


static void
test_send_inline(void)
{
    size_t                        n;
    test_buf_t                    b;
    const char                   *err;
    ngx_webrtc_sdp_source_t       sources[3];
    ngx_webrtc_sdp_answer_conf_t  conf;

    init_send_conf(&conf);

    sources[0] = VP8_SOURCE;
    sources[1] = OPUS_SOURCE;

    /* a High publisher, a viewer that decodes constrained baseline only */

    CHECK(parse_text(HEAD VIEWER_SESSION
                     "m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\n"
                     "a=mid:0\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:102 H264/90000\r\n"
                     "a=fmtp:102 level-asymmetry-allowed=1;"
                     "packetization-mode=1;profile-level-id=42e01f\r\n"
                     "a=rtpmap:103 rtx/90000\r\n"
                     "a=fmtp:103 apt=102\r\n", &b, &err) == NGX_OK);
    sources[2] = H264_SOURCE(0x640032, 1);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, &sources[2], 1, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "the viewer offers no H264 that matches the "
                             "publisher's profile and packetization-mode")
                 == 0);
    CHECK(!offer.media[0].accepted);

    /* OBS: 42e01f advertised (while it sends High) */
    sources[2] = H264_SOURCE(0x42e01f, 1);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, &sources[2], 1, &err)
          == NGX_OK);
    CHECK(sent_pt(&offer.media[0]) == 102);
    CHECK(sent_rtx_pt(&offer.media[0]) == 103);

    /* ... and to a viewer without profile-level-id: baseline */
    free(b.data);

    CHECK(parse_text(HEAD VIEWER_SESSION
                     "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
                     "a=mid:0\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:102 H264/90000\r\n"
                     "a=fmtp:102 packetization-mode=1\r\n", &b, &err)
          == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, &sources[2], 1, &err)
          == NGX_OK);
    CHECK(sent_pt(&offer.media[0]) == 102 && offer.media[0].rtx == -1);
    sources[2] = H264_SOURCE(0x4d001f, 1);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, &sources[2], 1, &err)
          == NGX_ERROR);
    free(b.data);

    /* an audio-only viewer: audio sent, the video source unused */

    CHECK(parse_text(HEAD VIEWER_SESSION "a=group:BUNDLE 0\r\n"
                     VIEWER_AUDIO("0", "recvonly"), &b, &err) == NGX_OK);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(err == NULL);
    CHECK(offer.media[0].accepted && offer.media[0].source == 1);
    CHECK(sent_pt(&offer.media[0]) == 111);
    CHECK(offer.media[0].ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 14);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(has(answer, n, "\r\na=group:BUNDLE 0\r\n"));
    CHECK(has(answer, n, "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));
    CHECK(!has(answer, n, "PCMU") && !has(answer, n, "m=video"));
    CHECK(has(answer, n, "\r\na=ssrc:1001 cname:ngxcname\r\n"
                         "a=ssrc:1001 msid:live live-0\r\n"));
    check_reparse_conf(&offer, answer, n, &conf);
    free(b.data);

    /* a video-only viewer, a publisher with audio: fine */

    CHECK(parse_text(HEAD VIEWER_SESSION VIEWER_VP8("v", "recvonly"), &b,
                     &err) == NGX_OK);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(offer.media[0].accepted && offer.media[0].source == 0);
    CHECK(sent_pt(&offer.media[0]) == 96);
    CHECK(sent_rtx_pt(&offer.media[0]) == 97);

    /* audio-level is no video extension */
    CHECK(offer.media[0].ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 0);
    CHECK(offer.media[0].ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME] == 2);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(n > 0);
    CHECK(!has(answer, n, "a=group:BUNDLE"));
    CHECK(has(answer, n, "\r\na=msid:live live-v\r\n"));
    CHECK(!has(answer, n, "audio-level") && !has(answer, n, "goog-remb"));
    CHECK(has(answer, n, "\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000"));
    check_reparse_conf(&offer, answer, n, &conf);
    free(b.data);

    /* audio first in the offer, video first in sources: matched by type */

    CHECK(parse_text(HEAD VIEWER_SESSION "a=group:BUNDLE 0 1\r\n"
                     VIEWER_AUDIO("0", "recvonly")
                     VIEWER_VP8("1", "recvonly"), &b, &err) == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(offer.media[0].accepted && offer.media[0].source == 1);
    CHECK(sent_pt(&offer.media[0]) == 111);
    CHECK(offer.media[1].accepted && offer.media[1].source == 0);
    CHECK(sent_pt(&offer.media[1]) == 96);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(has(answer, n, "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                         "c=IN IP4 0.0.0.0\r\n"
                         "a=mid:0\r\n"
                         "a=sendonly\r\n"
                         "a=msid:live live-0\r\n"));
    CHECK(has(answer, n, "\r\na=ssrc-group:FID 1101 1102\r\n"));
    check_reparse_conf(&offer, answer, n, &conf);
    free(b.data);

    /* sendrecv is taken, sendonly and inactive are not */

    CHECK(parse_text(HEAD VIEWER_SESSION "a=group:BUNDLE 0 1 2\r\n"
                     VIEWER_VP8("0", "sendrecv")
                     VIEWER_AUDIO("1", "sendonly")
                     VIEWER_AUDIO("2", "inactive"), &b, &err) == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(offer.media[0].accepted && offer.media[0].source == 0);
    CHECK(!offer.media[1].accepted && offer.media[1].source == -1);
    CHECK(offer.media[1].codec == -1 && offer.media[1].rtx == -1);
    CHECK(!offer.media[2].accepted && offer.media[2].source == -1);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(has(answer, n, "\r\na=group:BUNDLE 0\r\n"));
    CHECK(has(answer, n, "\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"
                         "c=IN IP4 0.0.0.0\r\n"
                         "a=mid:1\r\n"
                         "a=inactive\r\n"));
    CHECK(count(answer, n, "\r\na=sendonly\r\n") == 1);
    CHECK(count(answer, n, "a=ssrc:") == 4);
    check_reparse_conf(&offer, answer, n, &conf);
    free(b.data);

    /* a second video section: the second video source, else rejected */

    CHECK(parse_text(HEAD VIEWER_SESSION
                     VIEWER_VP8("0", "recvonly")
                     "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                     "a=mid:1\r\n"
                     VIEWER_AUDIO("2", "recvonly")
                     VIEWER_VP8("3", "recvonly"), &b, &err) == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(offer.media[0].source == 0 && offer.media[2].source == 1);
    CHECK(!offer.media[1].accepted && offer.media[1].source == -1);
    CHECK(!offer.media[3].accepted && offer.media[3].source == -1);

    sources[2] = VP8_SOURCE;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 3, &err) == NGX_OK);
    CHECK(offer.media[0].source == 0 && offer.media[2].source == 1);
    CHECK(offer.media[3].accepted && offer.media[3].source == 2);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(has(answer, n, "\r\na=msid:live live-3\r\n"));
    CHECK(has(answer, n, "\r\na=ssrc-group:FID 1301 1302\r\n"));
    CHECK(has(answer, n, "\r\nm=application 0 UDP/DTLS/SCTP "
                         "webrtc-datachannel\r\n"));
    check_reparse_conf(&offer, answer, n, &conf);

    /*
     * aiortc 1.4 (one extension id map per bundle) offers abs-send-time
     * and audio-level under the same id: audio-level is not answered
     */

    free(b.data);

    CHECK(parse_text(HEAD VIEWER_SESSION "a=group:BUNDLE 0 1\r\n"
                     "m=video 9 UDP/TLS/RTP/SAVPF 97 98 101 102\r\n"
                     "a=recvonly\r\n"
                     "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                     "a=extmap:2 http://www.webrtc.org/experiments/"
                     "rtp-hdrext/abs-send-time\r\n"
                     "a=mid:0\r\n"
                     "a=rtcp-mux\r\n"
                     "a=rtpmap:97 VP8/90000\r\n"
                     "a=rtcp-fb:97 nack\r\n"
                     "a=rtcp-fb:97 nack pli\r\n"
                     "a=rtcp-fb:97 goog-remb\r\n"
                     "a=rtpmap:98 rtx/90000\r\n"
                     "a=fmtp:98 apt=97\r\n"
                     "a=rtpmap:101 H264/90000\r\n"
                     "a=fmtp:101 level-asymmetry-allowed=1;"
                     "packetization-mode=1;profile-level-id=42e01f\r\n"
                     "a=rtpmap:102 rtx/90000\r\n"
                     "a=fmtp:102 apt=101\r\n"
                     "m=audio 9 UDP/TLS/RTP/SAVPF 96 0 8\r\n"
                     "a=recvonly\r\n"
                     "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                     "a=extmap:2 urn:ietf:params:rtp-hdrext:"
                     "ssrc-audio-level\r\n"
                     "a=mid:1\r\n"
                     "a=rtcp-mux\r\n"
                     "a=rtpmap:96 opus/48000/2\r\n"
                     "a=rtpmap:0 PCMU/8000\r\n"
                     "a=rtpmap:8 PCMA/8000\r\n", &b, &err) == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(sent_pt(&offer.media[0]) == 97);
    CHECK(sent_rtx_pt(&offer.media[0]) == 98);
    CHECK(offer.media[0].ext_id[NGX_WEBRTC_EXT_MID] == 1);
    CHECK(offer.media[0].ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME] == 2);
    CHECK(sent_pt(&offer.media[1]) == 96);
    CHECK(offer.media[1].ext_id[NGX_WEBRTC_EXT_MID] == 1);
    CHECK(offer.media[1].ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 0);

    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(count(answer, n, "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid")
          == 2);
    CHECK(count(answer, n, "a=extmap:2 ") == 1);
    CHECK(!has(answer, n, "audio-level"));
    check_reparse_conf(&offer, answer, n, &conf);

    sources[2] = H264_SOURCE(0x42e01f, 1);
    sources[0] = sources[2];
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    CHECK(sent_pt(&offer.media[0]) == 101);
    CHECK(sent_rtx_pt(&offer.media[0]) == 102);
    sources[0] = VP8_SOURCE;

    /* audio alone: nothing to collide with, audio-level keeps its id */

    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, &sources[1], 1, &err)
          == NGX_OK);
    CHECK(!offer.media[0].accepted);
    CHECK(offer.media[1].ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 2);

    /* a section without a mid: the track id says its index */

    free(b.data);

    CHECK(parse_text(HEAD VIEWER_SESSION
                     "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:111 opus/48000/2\r\n", &b, &err) == NGX_OK);
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err) == NGX_OK);
    n = ngx_webrtc_sdp_write_answer(answer, sizeof(answer), &offer, &conf);
    CHECK(has(answer, n, "\r\na=msid:live live-0\r\n"));
    CHECK(has(answer, n, "\r\na=ssrc:1001 msid:live live-0\r\n"));
    CHECK(!has(answer, n, "a=mid:"));

    /* nothing to send */

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, NULL, 0, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "no media to send") == 0);

    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, NULL, 2, &err) == NGX_ERROR);
    CHECK(err && strcmp(err, "no media to send") == 0);
    CHECK(offer.nmedia == 1 && !offer.media[0].accepted);
    free(b.data);

    CHECK(parse_text(HEAD VIEWER_SESSION VIEWER_AUDIO("0", "sendonly")
                     "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
                     "a=mid:1\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:96 VP8/90000\r\n", &b, &err) == NGX_OK);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "no media to send") == 0);
    free(b.data);

    /* a viewer that cannot decode a source given to it */

    CHECK(parse_text(HEAD VIEWER_SESSION
                     "m=audio 9 UDP/TLS/RTP/SAVPF 0 8\r\n"
                     "a=mid:0\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:0 PCMU/8000\r\n"
                     "a=rtpmap:8 PCMA/8000\r\n"
                     VIEWER_VP8("1", "recvonly"), &b, &err) == NGX_OK);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "the viewer offers no Opus") == 0);
    free(b.data);

    CHECK(parse_text(HEAD VIEWER_SESSION
                     "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
                     "a=mid:0\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:102 H264/90000\r\n"
                     "a=fmtp:102 packetization-mode=1\r\n"
                     "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
                     "a=mid:1\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:96 VP9/90000\r\n"
                     "a=rtpmap:97 VP8/48000\r\n", &b, &err) == NGX_OK);
    CHECK(offer.media[1].ncodecs == 2);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, sources, 2, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "the viewer offers no VP8") == 0);

    /* a source we cannot send at all */

    sources[2] = source(NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_OTHER, 0, 0,
                        0);
    err = NULL;
    CHECK(ngx_webrtc_sdp_negotiate_send(&offer, &sources[2], 1, &err)
          == NGX_ERROR);
    CHECK(err && strcmp(err, "the publisher's codec cannot be sent") == 0);
    free(b.data);

    /* profile-id and profile: keys without case, bad values are 0 */

    CHECK(parse_text(HEAD VIEWER_SESSION
                     "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99\r\n"
                     "a=mid:0\r\n"
                     "a=recvonly\r\n"
                     "a=rtpmap:96 VP9/90000\r\n"
                     "a=fmtp:96 profile-id=x\r\n"
                     "a=rtpmap:97 VP9/90000\r\n"
                     "a=fmtp:97 x=1;PROFILE-ID = 7\r\n"
                     "a=rtpmap:98 AV1/90000\r\n"
                     "a=fmtp:98 profile=256\r\n"
                     "a=rtpmap:99 AV1/90000\r\n"
                     "a=fmtp:99 level-idx=5;profile=2;tier=0\r\n", &b, &err)
          == NGX_OK);
    CHECK(offer.media[0].codecs[0].profile == 0);
    CHECK(offer.media[0].codecs[1].profile == 7);
    CHECK(offer.media[0].codecs[2].profile == 0);
    CHECK(offer.media[0].codecs[3].profile == 2);
    free(b.data);
}


static void
test_codec_name(void)
{
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(NGX_WEBRTC_CODEC_OPUS), "opus")
          == 0);
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(NGX_WEBRTC_CODEC_VP8), "VP8")
          == 0);
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(NGX_WEBRTC_CODEC_VP9), "VP9")
          == 0);
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(NGX_WEBRTC_CODEC_H264), "H264")
          == 0);
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(NGX_WEBRTC_CODEC_AV1), "AV1")
          == 0);
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(NGX_WEBRTC_CODEC_RTX), "rtx")
          == 0);
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(NGX_WEBRTC_CODEC_OTHER), "other")
          == 0);
    CHECK(strcmp(ngx_webrtc_sdp_codec_name(99), "other") == 0);
}


/*
 * A peer's description (group calls): what it says per section, parsed
 * back with our own parser; every buffer size below the full one fails.
 */
static void
test_peer_desc(void)
{
    size_t                             len, n;
    u_char                            *buf;
    test_buf_t                         t;
    const char                        *err;
    ngx_webrtc_sdp_desc_t              d;
    ngx_webrtc_sdp_media_t            *m;
    ngx_webrtc_sdp_section_t           sec[3];
    ngx_webrtc_sdp_local_candidate_t   cand;

    ngx_memzero(&d, sizeof(d));
    ngx_memzero(sec, sizeof(sec));

    ngx_str_set(&cand.addr, "192.0.2.7");
    cand.port = 20001;

    d.offer = 1;
    d.session_id = 42;
    d.version = 3;
    ngx_str_set(&d.ice_ufrag, "abcd1234");
    ngx_str_set(&d.ice_pwd, "0123456789abcdef0123456789abcdef");
    ngx_str_set(&d.fingerprint, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
                "67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
    ngx_str_set(&d.cname, "ngx-webrtc");
    d.candidates = &cand;
    d.ncandidates = 1;
    d.sections = sec;
    d.nsections = 3;

    /* 0: what the peer sends us */
    ngx_str_set(&sec[0].media, "audio");
    ngx_str_set(&sec[0].mid, "0");
    sec[0].direction = NGX_WEBRTC_DIR_RECV;
    sec[0].codec.pt = 111;
    ngx_str_set(&sec[0].codec.name, "opus");
    sec[0].codec.clock_rate = 48000;
    sec[0].codec.channels = 2;
    sec[0].codec.fb_twcc = 1;
    sec[0].ext_id[NGX_WEBRTC_EXT_MID] = 4;
    sec[0].ext_id[NGX_WEBRTC_EXT_TWCC] = 3;

    /* 1: another participant's video, with RTX */
    ngx_str_set(&sec[1].media, "video");
    ngx_str_set(&sec[1].mid, "1");
    sec[1].direction = NGX_WEBRTC_DIR_SEND;
    sec[1].codec.pt = 96;
    ngx_str_set(&sec[1].codec.name, "VP8");
    sec[1].codec.clock_rate = 90000;
    sec[1].codec.fb_nack = 1;
    sec[1].codec.fb_pli = 1;
    sec[1].codec.fb_twcc = 1;
    sec[1].has_rtx = 1;
    sec[1].rtx.pt = 97;
    ngx_str_set(&sec[1].rtx.name, "rtx");
    sec[1].ext_id[NGX_WEBRTC_EXT_MID] = 4;
    sec[1].ext_id[NGX_WEBRTC_EXT_TWCC] = 3;
    sec[1].ssrc = 1111;
    sec[1].rtx_ssrc = 2222;
    ngx_str_set(&sec[1].msid_stream, "7f3a9c01");
    ngx_str_set(&sec[1].msid_track, "7f3a9c01-1");

    /* 2: a section that carries nothing now */
    ngx_str_set(&sec[2].media, "video");
    ngx_str_set(&sec[2].mid, "2");
    sec[2].direction = NGX_WEBRTC_DIR_INACTIVE;
    sec[2].codec = sec[1].codec;

    len = ngx_webrtc_sdp_write_desc(NULL, 0, &d);
    CHECK(len == 0);

    buf = malloc(65536);
    len = ngx_webrtc_sdp_write_desc(buf, 65536, &d);
    CHECK(len > 0);

    /* exactly its length fits, one byte less does not */

    for (n = len - 1; n + 8 > len && n > 0; n--) {
        CHECK(ngx_webrtc_sdp_write_desc(buf, n, &d) == 0);
    }

    CHECK(ngx_webrtc_sdp_write_desc(buf, len, &d) == len);
    buf[len] = '\0';

    CHECK(strstr((char *) buf, "a=group:BUNDLE 0 1 2\r\n") != NULL);
    CHECK(strstr((char *) buf, "o=- 42 3 IN IP4") != NULL);
    CHECK(strstr((char *) buf, "a=setup:actpass\r\n") != NULL);
    CHECK(strstr((char *) buf, "a=setup:passive") == NULL);
    CHECK(strstr((char *) buf, "a=ice-lite\r\n") != NULL);
    CHECK(strstr((char *) buf,
                 "a=msid:7f3a9c01 7f3a9c01-1\r\n") != NULL);
    CHECK(strstr((char *) buf, "a=ssrc-group:FID 1111 2222\r\n") != NULL);

    /* a sender gets no transport-cc: neither the feedback nor the id */
    CHECK(strstr((char *) buf, "a=rtcp-fb:111 transport-cc\r\n") != NULL);
    CHECK(strstr((char *) buf, "a=rtcp-fb:96 transport-cc") == NULL);

    CHECK(parse_text((char *) buf, &t, &err) == NGX_OK);
    CHECK(offer.nmedia == 3 && offer.bundle && offer.ice_lite);
    CHECK(offer.setup == NGX_WEBRTC_SETUP_ACTPASS);

    m = &offer.media[0];
    CHECK(m->direction == NGX_WEBRTC_DIR_RECV && m->ncodecs == 1
          && m->codecs[0].pt == 111 && m->ncandidates == 1
          && m->candidates[0].port == 20001);
    CHECK(m->nextmaps == 2);

    m = &offer.media[1];
    CHECK(m->direction == NGX_WEBRTC_DIR_SEND && m->ncodecs == 2
          && m->codecs[1].codec == NGX_WEBRTC_CODEC_RTX
          && m->codecs[1].apt == 96);
    CHECK(m->fid_primary == 1111 && m->fid_rtx == 2222);
    CHECK(m->nextmaps == 1 && m->extmaps[0].ext == NGX_WEBRTC_EXT_MID);

    m = &offer.media[2];
    CHECK(m->direction == NGX_WEBRTC_DIR_INACTIVE && m->port == 9);

    free(t.data);

    /* an answer says passive */

    d.offer = 0;
    len = ngx_webrtc_sdp_write_desc(buf, 65536, &d);
    buf[len] = '\0';
    CHECK(strstr((char *) buf, "a=setup:passive\r\n") != NULL);
    CHECK(strstr((char *) buf, "a=setup:actpass") == NULL);

    free(buf);
}


int
main(void)
{
    test_chromium_whip();
    test_chromium_whep();
    test_firefox_whip();
    test_firefox_whep();
    test_obs();
    test_line_endings();
    test_inline();
    test_simulcast();
    test_answer_buffer();
    test_refusals();
    test_frag();
    test_send_chromium();
    test_send_firefox();
    test_send_inline();
    test_codec_name();
    test_peer_desc();

    printf("sdp: %lu passed, %lu failed\n", (unsigned long) passed,
           (unsigned long) failed);

    return failed ? 1 : 0;
}
