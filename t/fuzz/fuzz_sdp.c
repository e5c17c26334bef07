
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of src/ngx_webrtc_sdp.c: the trickle fragment parser, the
 * offer parser, the choice of what we receive (WHIP) and send (WHEP), and
 * the answer writer, with the invariants the header promises checked by
 * abort():
 *
 *   - a refusal always says why (*err set);
 *   - every ngx_str_t of a parsed offer or fragment points into the input,
 *     every count is within its limit, every payload type within 0..127;
 *   - negotiate_recv accepts only supported codecs, and its indices are
 *     within the section's codecs;
 *   - negotiate_send (WHEP) against fixed publisher sources, {VP8, Opus} as
 *     most publishers send and {H.264 High, Opus, AV1, VP9 profile 2} for
 *     the profile matching and more video sections, gives each source to
 *     one section at most, of its type, a payload type of the same codec,
 *     clock rate and profile, no transport-cc, and no extension id used for
 *     two extensions in the bundle;
 *   - the answer fits the buffer; a buffer of its exact length gives the
 *     same bytes, any shorter one gives 0 without writing past its end (the
 *     buffers are heap blocks of exactly that size, for AddressSanitizer);
 *   - the answer parses back as SDP, with the same sections, the same mids,
 *     the chosen payload types, extensions and direction; a sendonly answer
 *     also with its SSRCs, and as an offer we would receive, the same
 *     sections and codecs are chosen from it.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_sdp.h"
#include "fuzz.h"


#define FUZZ_ANSWER_SIZE  65536

#define FUZZ_FP  "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:"          \
                 "10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"


static void check_refusal(ngx_int_t rc, const char *err);
static void check_parsed(ngx_webrtc_sdp_offer_t *o, u_char *in, size_t size);
static void check_str(ngx_str_t *s, u_char *in, size_t size);
static void check_negotiated(ngx_webrtc_sdp_offer_t *o);
static void fuzz_send(ngx_webrtc_sdp_offer_t *o,
    ngx_webrtc_sdp_source_t *sources, ngx_uint_t nsources,
    const uint8_t *data, size_t size);
static void check_negotiated_send(ngx_webrtc_sdp_offer_t *o,
    ngx_webrtc_sdp_source_t *sources, ngx_uint_t nsources);
static void check_answer(ngx_webrtc_sdp_offer_t *o,
    ngx_webrtc_sdp_answer_conf_t *conf, const uint8_t *data, size_t size);
static void check_reparse(ngx_webrtc_sdp_offer_t *o,
    ngx_webrtc_sdp_answer_conf_t *conf, u_char *answer, size_t n);
static void check_reparse_send(ngx_webrtc_sdp_offer_t *o,
    ngx_webrtc_sdp_answer_conf_t *conf);
static ngx_int_t str_eq(ngx_str_t *a, ngx_str_t *b);
static void init_conf(ngx_webrtc_sdp_answer_conf_t *conf,
    ngx_uint_t direction);


/* too large for the stack of a sanitized build, and reused each run */
static ngx_webrtc_sdp_offer_t  offer;
static ngx_webrtc_sdp_offer_t  reparsed;

/* what a publisher sends: the common pair, and one for the profile
   matching (H.264 High as OBS sends, VP9 profile 2) with three videos */

static ngx_webrtc_sdp_source_t  vp8_opus[] = {
    { NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_VP8, 0, 90000, 0, 0, 0 },
    { NGX_WEBRTC_MEDIA_AUDIO, NGX_WEBRTC_CODEC_OPUS, 2, 48000, 0, 0, 0 }
};

static ngx_webrtc_sdp_source_t  h264_av1_vp9_opus[] = {
    { NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_H264, 0, 90000, 0x640c1f, 1,
      0 },
    { NGX_WEBRTC_MEDIA_AUDIO, NGX_WEBRTC_CODEC_OPUS, 2, 48000, 0, 0, 0 },
    { NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_AV1, 0, 90000, 0, 0, 0 },
    { NGX_WEBRTC_MEDIA_VIDEO, NGX_WEBRTC_CODEC_VP9, 0, 90000, 0, 0, 2 }
};

static ngx_webrtc_sdp_local_candidate_t  candidates[] = {
    { ngx_string("192.0.2.10"), 40000 },
    { ngx_string("2001:db8::10"), 40000 }
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                        *in;
    ngx_int_t                      rc;
    const char                    *err;
    ngx_webrtc_sdp_answer_conf_t   conf;

    /* the parsers keep pointers into the input: it must be writable memory
       of exactly size bytes that outlives the parsed structures */

    in = malloc(size ? size : 1);
    fuzz_assert(in != NULL);
    memcpy(in, data, size);

    /* a trickle fragment: an empty body is fine, anything else may be */

    err = NULL;
    rc = ngx_webrtc_sdp_parse_frag(&offer, in, size, &err);
    check_refusal(rc, err);

    if (rc == NGX_OK) {
        check_parsed(&offer, in, size);
        check_str(&offer.ice_ufrag, in, size);
        check_str(&offer.ice_pwd, in, size);
    }

    /* an offer */

    err = NULL;
    rc = ngx_webrtc_sdp_parse_offer(&offer, in, size, &err);
    check_refusal(rc, err);

    if (rc != NGX_OK) {
        goto done;
    }

    check_parsed(&offer, in, size);
    fuzz_assert(offer.nmedia >= 1);
    fuzz_assert(offer.ice_ufrag.len && offer.ice_pwd.len);
    fuzz_assert(offer.has_fingerprint);

    /* what we receive (WHIP) */

    err = NULL;
    rc = ngx_webrtc_sdp_negotiate_recv(&offer, &err);
    check_refusal(rc, err);

    if (rc == NGX_OK) {
        check_negotiated(&offer);

        init_conf(&conf, NGX_WEBRTC_DIR_RECV);
        check_answer(&offer, &conf, data, size);
    }

    /* what we send (WHEP), from the same offer */

    fuzz_send(&offer, vp8_opus, sizeof(vp8_opus) / sizeof(vp8_opus[0]),
              data, size);
    fuzz_send(&offer, h264_av1_vp9_opus,
              sizeof(h264_av1_vp9_opus) / sizeof(h264_av1_vp9_opus[0]),
              data, size);

done:

    free(in);

    return 0;
}


static void
check_refusal(ngx_int_t rc, const char *err)
{
    fuzz_assert(rc == NGX_OK || rc == NGX_ERROR);

    if (rc == NGX_ERROR) {
        fuzz_assert(err != NULL && err[0] != '\0');
    }
}


static void
check_parsed(ngx_webrtc_sdp_offer_t *o, u_char *in, size_t size)
{
    uint64_t                     seen[2];
    ngx_uint_t                   i, j;
    ngx_webrtc_sdp_codec_t      *c;
    ngx_webrtc_sdp_media_t      *m;
    ngx_webrtc_sdp_candidate_t  *cand;

    fuzz_assert(o->nmedia <= NGX_WEBRTC_SDP_MAX_MEDIA);

    check_str(&o->ice_ufrag, in, size);
    check_str(&o->ice_pwd, in, size);
    check_str(&o->bundle_mids, in, size);

    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];

        /* a fragment's candidates before any m= line: a section of its
           own, of no type */

        fuzz_assert((m->type >= NGX_WEBRTC_MEDIA_AUDIO
                     && m->type <= NGX_WEBRTC_MEDIA_OTHER)
                    || (m->type == 0 && m->media.len == 0));
        fuzz_assert(m->direction <= NGX_WEBRTC_DIR_SENDRECV);
        fuzz_assert(m->setup <= NGX_WEBRTC_SETUP_PASSIVE);
        fuzz_assert(m->ncodecs <= NGX_WEBRTC_SDP_MAX_CODECS);
        fuzz_assert(m->nextmaps <= NGX_WEBRTC_SDP_MAX_EXTMAPS);
        fuzz_assert(m->nssrcs <= NGX_WEBRTC_SDP_MAX_SSRCS);
        fuzz_assert(m->nrids <= NGX_WEBRTC_SDP_MAX_RIDS);
        fuzz_assert(m->ncandidates <= NGX_WEBRTC_SDP_MAX_CANDIDATES);

        check_str(&m->media, in, size);
        check_str(&m->proto, in, size);
        check_str(&m->mid, in, size);
        check_str(&m->msid, in, size);
        check_str(&m->ice_ufrag, in, size);
        check_str(&m->ice_pwd, in, size);
        check_str(&m->cname, in, size);

        seen[0] = 0;
        seen[1] = 0;

        for (j = 0; j < m->ncodecs; j++) {
            c = &m->codecs[j];

            fuzz_assert(c->pt <= 127);
            fuzz_assert(c->codec <= NGX_WEBRTC_CODEC_RTX);
            check_str(&c->name, in, size);
            check_str(&c->fmtp, in, size);

            /* each payload type once, whatever the m= line repeats */
            fuzz_assert(!(seen[c->pt >> 6] & ((uint64_t) 1 << (c->pt & 63))));
            seen[c->pt >> 6] |= (uint64_t) 1 << (c->pt & 63);
        }

        for (j = 0; j < m->nextmaps; j++) {
            fuzz_assert(m->extmaps[j].id != 0);
            fuzz_assert(m->extmaps[j].ext < NGX_WEBRTC_EXT_MAX);
            check_str(&m->extmaps[j].uri, in, size);
        }

        for (j = 0; j < m->nrids; j++) {
            fuzz_assert(m->rids[j].len != 0);
            check_str(&m->rids[j], in, size);
        }

        for (j = 0; j < m->ncandidates; j++) {
            cand = &m->candidates[j];

            check_str(&cand->foundation, in, size);
            check_str(&cand->transport, in, size);
            check_str(&cand->addr, in, size);
            check_str(&cand->type, in, size);
        }
    }
}


/* empty, or inside the input: the parser never points anywhere else */

static void
check_str(ngx_str_t *s, u_char *in, size_t size)
{
    if (s->len == 0) {
        return;
    }

    fuzz_assert(s->data >= in);
    fuzz_assert(s->len <= size);
    fuzz_assert((size_t) (s->data - in) <= size - s->len);
}


static void
check_negotiated(ngx_webrtc_sdp_offer_t *o)
{
    ngx_uint_t               i, j, accepted;
    ngx_webrtc_sdp_codec_t  *c, *rtx;
    ngx_webrtc_sdp_media_t  *m;

    accepted = 0;

    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];

        if (!m->accepted) {
            continue;
        }

        accepted++;

        fuzz_assert(m->type == NGX_WEBRTC_MEDIA_AUDIO
                    || m->type == NGX_WEBRTC_MEDIA_VIDEO);
        fuzz_assert(m->direction & NGX_WEBRTC_DIR_SEND);
        fuzz_assert(m->codec >= 0 && m->codec < (ngx_int_t) m->ncodecs);

        c = &m->codecs[m->codec];

        fuzz_assert(strcasecmp(ngx_webrtc_sdp_codec_name(c->codec), "other")
                    != 0);

        if (m->type == NGX_WEBRTC_MEDIA_AUDIO) {
            fuzz_assert(c->codec == NGX_WEBRTC_CODEC_OPUS);
            fuzz_assert(c->clock_rate == 48000);

        } else {
            fuzz_assert(c->codec == NGX_WEBRTC_CODEC_VP8
                        || c->codec == NGX_WEBRTC_CODEC_VP9
                        || c->codec == NGX_WEBRTC_CODEC_AV1
                        || (c->codec == NGX_WEBRTC_CODEC_H264
                            && c->packetization_mode == 1));
            fuzz_assert(c->clock_rate == 90000);
        }

        fuzz_assert(m->rtx >= -1 && m->rtx < (ngx_int_t) m->ncodecs);

        if (m->rtx >= 0) {
            rtx = &m->codecs[m->rtx];

            fuzz_assert(rtx->codec == NGX_WEBRTC_CODEC_RTX);
            fuzz_assert(rtx->apt == c->pt);
            fuzz_assert(m->rtx != m->codec);
        }

        /* an id is used by one extension only */

        for (j = 1; j < NGX_WEBRTC_EXT_MAX; j++) {
            if (m->ext_id[j] && j + 1 < NGX_WEBRTC_EXT_MAX) {
                fuzz_assert(memchr(m->ext_id + j + 1, m->ext_id[j],
                                   NGX_WEBRTC_EXT_MAX - j - 1)
                            == NULL);
            }
        }
    }

    fuzz_assert(accepted >= 1);
}


static void
fuzz_send(ngx_webrtc_sdp_offer_t *o, ngx_webrtc_sdp_source_t *sources,
    ngx_uint_t nsources, const uint8_t *data, size_t size)
{
    ngx_int_t                      rc;
    const char                    *err;
    ngx_webrtc_sdp_answer_conf_t   conf;

    err = NULL;
    rc = ngx_webrtc_sdp_negotiate_send(o, sources, nsources, &err);
    check_refusal(rc, err);

    if (rc != NGX_OK) {
        return;
    }

    check_negotiated_send(o, sources, nsources);

    init_conf(&conf, NGX_WEBRTC_DIR_SEND);
    check_answer(o, &conf, data, size);
}


static void
check_negotiated_send(ngx_webrtc_sdp_offer_t *o,
    ngx_webrtc_sdp_source_t *sources, ngx_uint_t nsources)
{
    ngx_uint_t                i, j, k, e, accepted;
    ngx_webrtc_sdp_codec_t   *c, *rtx;
    ngx_webrtc_sdp_media_t   *m, *other;
    ngx_webrtc_sdp_source_t  *src;

    accepted = 0;

    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];

        if (!m->accepted) {
            fuzz_assert(m->source == -1);
            continue;
        }

        accepted++;

        fuzz_assert(m->direction & NGX_WEBRTC_DIR_RECV);
        fuzz_assert(m->source >= 0 && m->source < (ngx_int_t) nsources);
        fuzz_assert(m->codec >= 0 && m->codec < (ngx_int_t) m->ncodecs);

        src = &sources[m->source];
        c = &m->codecs[m->codec];

        fuzz_assert(m->type == src->type);
        fuzz_assert(c->codec == src->codec);
        fuzz_assert(c->clock_rate == src->clock_rate);

        if (c->codec == NGX_WEBRTC_CODEC_H264) {
            fuzz_assert(c->packetization_mode == src->packetization_mode);
        }

        if (c->codec == NGX_WEBRTC_CODEC_VP9
            || c->codec == NGX_WEBRTC_CODEC_AV1)
        {
            fuzz_assert(c->profile == src->profile);
        }

        /* a source goes to one section */

        for (j = 0; j < i; j++) {
            fuzz_assert(!o->media[j].accepted
                        || o->media[j].source != m->source);
        }

        fuzz_assert(m->rtx >= -1 && m->rtx < (ngx_int_t) m->ncodecs);

        if (m->rtx >= 0) {
            rtx = &m->codecs[m->rtx];

            fuzz_assert(rtx->codec == NGX_WEBRTC_CODEC_RTX);
            fuzz_assert(rtx->apt == c->pt);
        }

        /* no congestion control: no transport-cc; no stream ids to send */

        fuzz_assert(m->ext_id[NGX_WEBRTC_EXT_TWCC] == 0);
        fuzz_assert(m->ext_id[NGX_WEBRTC_EXT_RID] == 0);
        fuzz_assert(m->ext_id[NGX_WEBRTC_EXT_RRID] == 0);
        fuzz_assert(m->type == NGX_WEBRTC_MEDIA_AUDIO
                    || m->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL] == 0);

        /* an id means one extension in the whole bundle */

        for (e = 1; e < NGX_WEBRTC_EXT_MAX; e++) {
            if (m->ext_id[e] == 0) {
                continue;
            }

            for (j = 0; j < o->nmedia; j++) {
                other = &o->media[j];

                for (k = 1; other->accepted && k < NGX_WEBRTC_EXT_MAX; k++) {
                    fuzz_assert(k == e || other->ext_id[k] != m->ext_id[e]);
                }
            }
        }
    }

    fuzz_assert(accepted >= 1);
}


static void
check_answer(ngx_webrtc_sdp_offer_t *o, ngx_webrtc_sdp_answer_conf_t *conf,
    const uint8_t *data, size_t size)
{
    u_char    *buf, *exact;
    size_t     n, cut, big;
    uint32_t   h;

    buf = malloc(FUZZ_ANSWER_SIZE);
    fuzz_assert(buf != NULL);

    n = ngx_webrtc_sdp_write_answer(buf, FUZZ_ANSWER_SIZE, o, conf);
    fuzz_assert(n <= FUZZ_ANSWER_SIZE);

    if (n == 0) {
        /*
         * Only an answer larger than the buffer fails: a long fmtp or mid
         * is copied into it, and each byte of the offer appears in the
         * answer a few times at most.
         */

        free(buf);

        big = FUZZ_ANSWER_SIZE + 4 * size;
        buf = malloc(big);
        fuzz_assert(buf != NULL);

        n = ngx_webrtc_sdp_write_answer(buf, big, o, conf);
        fuzz_assert(n > FUZZ_ANSWER_SIZE && n <= big);
    }

    /* the exact length: the same answer */

    exact = malloc(n);
    fuzz_assert(exact != NULL);
    fuzz_assert(ngx_webrtc_sdp_write_answer(exact, n, o, conf) == n);
    fuzz_assert(memcmp(exact, buf, n) == 0);
    free(exact);

    /* one byte short, and a shorter length chosen by the input: 0 */

    exact = malloc(n - 1);
    fuzz_assert(exact != NULL);
    fuzz_assert(ngx_webrtc_sdp_write_answer(exact, n - 1, o, conf) == 0);
    free(exact);

    h = 2166136261u;

    for (cut = 0; cut < size && cut < 64; cut++) {
        h = (h ^ data[cut]) * 16777619u;
    }

    cut = h % n;

    exact = malloc(cut ? cut : 1);
    fuzz_assert(exact != NULL);
    fuzz_assert(ngx_webrtc_sdp_write_answer(exact, cut, o, conf) == 0);
    free(exact);

    fuzz_assert(ngx_webrtc_sdp_write_answer(NULL, 0, o, conf) == 0);

    check_reparse(o, conf, buf, n);

    free(buf);
}


static void
check_reparse(ngx_webrtc_sdp_offer_t *o, ngx_webrtc_sdp_answer_conf_t *conf,
    u_char *answer, size_t n)
{
    u_char                  *a;
    ngx_int_t                rc;
    ngx_uint_t               i, j, k, nexts;
    const char              *err;
    ngx_webrtc_sdp_media_t  *m, *r;

    /* a copy of the exact length, as the parser's input always is */

    a = malloc(n);
    fuzz_assert(a != NULL);
    memcpy(a, answer, n);

    err = NULL;
    rc = ngx_webrtc_sdp_parse_offer(&reparsed, a, n, &err);

    if (rc != NGX_OK) {
        /*
         * Our answer has the ICE credentials in the accepted sections
         * only; the parser wants them in the first one.  Nothing else may
         * fail.
         */

        if (o->media[0].accepted || strcmp(err, "no ice-ufrag") != 0) {
            fprintf(stderr, "answer does not parse back: %s\n%.*s\n", err,
                    (int) n, a);
            abort();
        }

        free(a);
        return;
    }

    fuzz_assert(reparsed.nmedia == o->nmedia);
    fuzz_assert(reparsed.ice_lite);
    fuzz_assert(reparsed.setup == NGX_WEBRTC_SETUP_PASSIVE);
    fuzz_assert(reparsed.extmap_allow_mixed == o->extmap_allow_mixed);

    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];
        r = &reparsed.media[i];

        fuzz_assert(str_eq(&r->mid, &m->mid));
        fuzz_assert(str_eq(&r->media, &m->media));

        if (!m->accepted) {
            fuzz_assert(r->port == 0);
            fuzz_assert(r->direction == NGX_WEBRTC_DIR_INACTIVE);
            continue;
        }

        fuzz_assert(r->port == 9);
        fuzz_assert(r->direction == conf->direction);
        fuzz_assert(r->rtcp_mux);
        fuzz_assert(r->ncodecs == (m->rtx >= 0 ? 2 : 1));
        fuzz_assert(r->codecs[0].pt == m->codecs[m->codec].pt);
        fuzz_assert(r->codecs[0].codec == m->codecs[m->codec].codec);
        fuzz_assert(r->codecs[0].clock_rate
                    == m->codecs[m->codec].clock_rate);
        fuzz_assert(r->ice_ufrag.len == conf->ice_ufrag.len);
        fuzz_assert(r->ncandidates == conf->ncandidates);

        if (m->rtx >= 0) {
            fuzz_assert(r->codecs[1].pt == m->codecs[m->rtx].pt);
            fuzz_assert(r->codecs[1].codec == NGX_WEBRTC_CODEC_RTX);
            fuzz_assert(r->codecs[1].apt == m->codecs[m->codec].pt);
        }

        /* the known extensions, with the offered ids, and nothing else */

        nexts = 0;

        for (k = 1; k < NGX_WEBRTC_EXT_MAX; k++) {
            if (m->ext_id[k] == 0) {
                continue;
            }

            nexts++;

            for (j = 0; j < r->nextmaps; j++) {
                if (r->extmaps[j].id == m->ext_id[k]) {
                    break;
                }
            }

            fuzz_assert(j < r->nextmaps && r->extmaps[j].ext == k);
        }

        fuzz_assert(r->nextmaps == nexts);
    }

    if (conf->direction == NGX_WEBRTC_DIR_SEND) {
        check_reparse_send(o, conf);

    } else {
        /* a recvonly answer: nothing in it we would receive */
        fuzz_assert(ngx_webrtc_sdp_negotiate_recv(&reparsed, &err)
                    == NGX_ERROR);
    }

    free(a);
}


static void
check_reparse_send(ngx_webrtc_sdp_offer_t *o,
    ngx_webrtc_sdp_answer_conf_t *conf)
{
    size_t                   n;
    ngx_uint_t               i, nssrcs;
    const char              *err;
    ngx_webrtc_sdp_media_t  *m, *r;
    u_char                   msid[128];

    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];
        r = &reparsed.media[i];

        if (!m->accepted) {
            continue;
        }

        /* "<stream> <stream>-<mid or index>" */

        n = snprintf((char *) msid, sizeof(msid), "%.*s %.*s-",
                     (int) conf->msid_stream.len, conf->msid_stream.data,
                     (int) conf->msid_stream.len, conf->msid_stream.data);

        fuzz_assert(r->msid.len > n && memcmp(r->msid.data, msid, n) == 0);

        if (m->mid.len) {
            fuzz_assert(r->msid.len == n + m->mid.len);
            fuzz_assert(memcmp(r->msid.data + n, m->mid.data, m->mid.len)
                        == 0);
        }

        /* our SSRCs, the RTX one in a FID group when an RTX was chosen */

        nssrcs = 0;

        if (conf->ssrcs[i]) {
            nssrcs = (m->rtx >= 0 && conf->rtx_ssrcs[i]) ? 2 : 1;

            fuzz_assert(r->ssrcs[0] == conf->ssrcs[i]);
            fuzz_assert(r->cname.len == conf->cname.len);
        }

        fuzz_assert(r->nssrcs == nssrcs);

        if (nssrcs == 2) {
            fuzz_assert(r->fid_primary == conf->ssrcs[i]);
            fuzz_assert(r->fid_rtx == conf->rtx_ssrcs[i]);
            fuzz_assert(r->ssrcs[1] == conf->rtx_ssrcs[i]);

        } else {
            fuzz_assert(r->fid_primary == 0);
        }
    }

    /*
     * Read as an offer to receive, our answer asks for what we chose: the
     * same sections, codecs and RTX.
     */

    err = NULL;
    fuzz_assert(ngx_webrtc_sdp_negotiate_recv(&reparsed, &err) == NGX_OK);

    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];
        r = &reparsed.media[i];

        fuzz_assert(r->accepted == m->accepted);

        if (!m->accepted) {
            continue;
        }

        fuzz_assert(r->codecs[r->codec].pt == m->codecs[m->codec].pt);
        fuzz_assert((r->rtx < 0) == (m->rtx < 0));
        fuzz_assert(r->rtx < 0 || r->codecs[r->rtx].pt == m->codecs[m->rtx].pt);
    }
}


static ngx_int_t
str_eq(ngx_str_t *a, ngx_str_t *b)
{
    return a->len == b->len
           && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}


static void
init_conf(ngx_webrtc_sdp_answer_conf_t *conf, ngx_uint_t direction)
{
    ngx_memzero(conf, sizeof(ngx_webrtc_sdp_answer_conf_t));

    ngx_str_set(&conf->ice_ufrag, "srvU");
    ngx_str_set(&conf->ice_pwd, "srvpassword0123456789abc");
    ngx_str_set(&conf->fingerprint, FUZZ_FP);
    conf->session_id = 4611686018427387904ULL;
    conf->direction = direction;
    conf->ncandidates = sizeof(candidates) / sizeof(candidates[0]);
    conf->candidates = candidates;

    conf->ssrcs[0] = 0x11111111;
    conf->ssrcs[1] = 0x22222222;
    conf->rtx_ssrcs[1] = 0x33333333;
    ngx_str_set(&conf->cname, "fuzzcname");
    ngx_str_set(&conf->msid_stream, "fuzzstream");
}
