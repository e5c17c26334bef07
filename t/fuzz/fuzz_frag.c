
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of ngx_webrtc_sdp_parse_frag() (src/ngx_webrtc_sdp.c), the
 * application/trickle-ice-sdpfrag body of a WHIP/WHEP PATCH (RFC 8840,
 * RFC 9725 4.3) on its own.  Checked by abort():
 *
 *   - a refusal says why (*err set), an acceptance fills the whole result
 *     (the result block is filled with garbage first);
 *   - every ngx_str_t points into the body, every count is within its
 *     NGX_WEBRTC_SDP_MAX_*; the fragment's credentials are the session's or
 *     else the first section's;
 *   - each candidate read back from its line with a tokenizer written here
 *     (RFC 8839 5.1: foundation, component 1..256, transport, priority,
 *     address, port, "typ", type) gives the same fields; there are no more
 *     candidates than a=candidate lines;
 *   - the parser is line by line: a body cut after any of up to 16 of its
 *     line ends (copied to a block of exactly that length) is accepted too,
 *     with no more sections, the complete sections alike and the candidates
 *     of the last one a prefix of the whole body's.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_sdp.h"
#include "fuzz.h"


/* src/ngx_webrtc_sdp.c's limits of a candidate's foundation and address */
#define FUZZ_MAX_FOUNDATION  32
#define FUZZ_MAX_TOKEN       256

#define FUZZ_CUTS            16


static void check_frag(ngx_webrtc_sdp_offer_t *o, u_char *in, size_t size);
static void check_str(ngx_str_t *s, u_char *in, size_t size);
static void check_candidate(ngx_webrtc_sdp_candidate_t *c, u_char *in,
    size_t size);
static ngx_uint_t next_token(u_char **p, u_char *last, ngx_str_t *tok);
static uint64_t token_number(ngx_str_t *tok);
static ngx_uint_t candidate_lines(u_char *p, size_t size);
static void check_prefix(u_char *in, size_t size, size_t cut);
static void check_same_str(ngx_str_t *a, u_char *in_a, ngx_str_t *b,
    u_char *in_b);


/* too large for the stack of a sanitized build */
static ngx_webrtc_sdp_offer_t  frag;
static ngx_webrtc_sdp_offer_t  part;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char      *in, *p, *nl;
    size_t       cuts[FUZZ_CUTS];
    ngx_int_t    rc;
    ngx_uint_t   i, n, ncuts, total;
    const char  *err;

    in = malloc(size ? size : 1);
    fuzz_assert(in != NULL);
    memcpy(in, data, size);

    ngx_memset(&frag, size ? data[0] : 0xa5, sizeof(ngx_webrtc_sdp_offer_t));

    err = NULL;
    rc = ngx_webrtc_sdp_parse_frag(&frag, in, size, &err);

    fuzz_assert(rc == NGX_OK || rc == NGX_ERROR);

    if (rc == NGX_ERROR) {
        fuzz_assert(err != NULL && err[0] != '\0');
        goto done;
    }

    check_frag(&frag, in, size);

    total = 0;

    for (i = 0; i < frag.nmedia; i++) {
        total += frag.media[i].ncandidates;
    }

    fuzz_assert(total <= candidate_lines(in, size));

    /* up to FUZZ_CUTS line ends, spread over the body */

    n = 0;

    for (p = in; (nl = memchr(p, '\n', in + size - p)) != NULL; p = nl + 1) {
        n++;
    }

    ncuts = 0;
    i = 0;

    for (p = in; (nl = memchr(p, '\n', in + size - p)) != NULL; p = nl + 1) {

        if (ncuts < FUZZ_CUTS && i * FUZZ_CUTS / n >= ncuts) {
            cuts[ncuts++] = nl + 1 - in;
        }

        i++;
    }

    for (i = 0; i < ncuts; i++) {
        check_prefix(in, size, cuts[i]);
    }

done:

    free(in);

    return 0;
}


static void
check_frag(ngx_webrtc_sdp_offer_t *o, u_char *in, size_t size)
{
    ngx_uint_t               i, j;
    ngx_webrtc_sdp_media_t  *m;

    fuzz_assert(o->nmedia <= NGX_WEBRTC_SDP_MAX_MEDIA);

    check_str(&o->ice_ufrag, in, size);
    check_str(&o->ice_pwd, in, size);
    check_str(&o->bundle_mids, in, size);

    if (o->nmedia) {
        if (o->media[0].ice_ufrag.len) {
            fuzz_assert(o->ice_ufrag.len);
        }

        if (o->media[0].ice_pwd.len) {
            fuzz_assert(o->ice_pwd.len);
        }
    }

    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];

        check_str(&m->media, in, size);
        check_str(&m->proto, in, size);
        check_str(&m->mid, in, size);
        check_str(&m->msid, in, size);
        check_str(&m->ice_ufrag, in, size);
        check_str(&m->ice_pwd, in, size);
        check_str(&m->cname, in, size);

        fuzz_assert(m->ncodecs <= NGX_WEBRTC_SDP_MAX_CODECS);
        fuzz_assert(m->nextmaps <= NGX_WEBRTC_SDP_MAX_EXTMAPS);
        fuzz_assert(m->nssrcs <= NGX_WEBRTC_SDP_MAX_SSRCS);
        fuzz_assert(m->nrids <= NGX_WEBRTC_SDP_MAX_RIDS);
        fuzz_assert(m->ncandidates <= NGX_WEBRTC_SDP_MAX_CANDIDATES);

        for (j = 0; j < m->nrids; j++) {
            check_str(&m->rids[j], in, size);
        }

        for (j = 0; j < m->ncodecs; j++) {
            check_str(&m->codecs[j].name, in, size);
            check_str(&m->codecs[j].fmtp, in, size);
            fuzz_assert(m->codecs[j].pt <= 127);
        }

        for (j = 0; j < m->nextmaps; j++) {
            check_str(&m->extmaps[j].uri, in, size);
            fuzz_assert(m->extmaps[j].id != 0);
        }

        for (j = 0; j < m->ncandidates; j++) {
            check_candidate(&m->candidates[j], in, size);
        }
    }
}


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
check_candidate(ngx_webrtc_sdp_candidate_t *c, u_char *in, size_t size)
{
    u_char     *p, *last, *start;
    ngx_str_t   tok[8];
    ngx_uint_t  i;

    check_str(&c->foundation, in, size);
    check_str(&c->transport, in, size);
    check_str(&c->addr, in, size);
    check_str(&c->type, in, size);

    fuzz_assert(c->foundation.len > 0);
    fuzz_assert(c->foundation.len <= FUZZ_MAX_FOUNDATION);
    fuzz_assert(c->addr.len <= FUZZ_MAX_TOKEN);
    fuzz_assert(c->component >= 1 && c->component <= 256);

    /* the line it came from: "a=candidate:" and blanks before it */

    start = c->foundation.data;

    for (p = start; p > in && (p[-1] == ' ' || p[-1] == '\t'); p--) {
        /* void */
    }

    fuzz_assert(p - in >= 12);
    fuzz_assert(ngx_strncmp(p - 12, "a=candidate:", 12) == 0);
    fuzz_assert(p - 12 == in || p[-13] == '\n');

    last = memchr(start, '\n', in + size - start);
    if (last == NULL) {
        last = in + size;
    }

    p = start;

    for (i = 0; i < 8; i++) {
        fuzz_assert(next_token(&p, last, &tok[i]));
    }

    fuzz_assert(tok[0].data == c->foundation.data
                && tok[0].len == c->foundation.len);
    fuzz_assert(token_number(&tok[1]) == c->component);
    fuzz_assert(tok[2].data == c->transport.data
                && tok[2].len == c->transport.len);
    fuzz_assert(token_number(&tok[3]) == c->priority);
    fuzz_assert(tok[4].data == c->addr.data && tok[4].len == c->addr.len);
    fuzz_assert(token_number(&tok[5]) == c->port);
    fuzz_assert(tok[6].len == 3 && ngx_strncmp(tok[6].data, "typ", 3) == 0);
    fuzz_assert(tok[7].data == c->type.data && tok[7].len == c->type.len);
}


/* a token ends at a blank or the line's end (a CR there is not part of it) */

static ngx_uint_t
next_token(u_char **p, u_char *last, ngx_str_t *tok)
{
    u_char  *q;

    q = *p;

    while (q < last && (*q == ' ' || *q == '\t')) {
        q++;
    }

    tok->data = q;

    while (q < last && *q != ' ' && *q != '\t'
           && !(*q == '\r' && q + 1 == last))
    {
        fuzz_assert(*q != '\0' && *q != '\r' && *q != '\n');
        q++;
    }

    tok->len = q - tok->data;
    *p = q;

    return tok->len != 0;
}


static uint64_t
token_number(ngx_str_t *tok)
{
    size_t    i;
    uint64_t  n;

    n = 0;

    for (i = 0; i < tok->len; i++) {
        fuzz_assert(tok->data[i] >= '0' && tok->data[i] <= '9');
        fuzz_assert(n <= 0xffffffff);
        n = n * 10 + (tok->data[i] - '0');
    }

    return n;
}


static ngx_uint_t
candidate_lines(u_char *p, size_t size)
{
    u_char      *last, *nl;
    ngx_uint_t   n;

    last = p + size;
    n = 0;

    while (p < last) {
        if ((size_t) (last - p) >= 12 && ngx_strncmp(p, "a=candidate:", 12)
                                         == 0)
        {
            n++;
        }

        nl = memchr(p, '\n', last - p);
        if (nl == NULL) {
            break;
        }

        p = nl + 1;
    }

    return n;
}


static void
check_prefix(u_char *in, size_t size, size_t cut)
{
    u_char                      *pin;
    ngx_int_t                    rc;
    ngx_uint_t                   i, j;
    const char                  *err;
    ngx_webrtc_sdp_media_t      *pm, *m;
    ngx_webrtc_sdp_candidate_t  *pc, *c;

    pin = malloc(cut);
    fuzz_assert(pin != NULL);
    memcpy(pin, in, cut);

    err = NULL;
    rc = ngx_webrtc_sdp_parse_frag(&part, pin, cut, &err);

    fuzz_assert(rc == NGX_OK);

    check_frag(&part, pin, cut);

    fuzz_assert(part.nmedia <= frag.nmedia);

    for (i = 0; i < part.nmedia; i++) {
        pm = &part.media[i];
        m = &frag.media[i];

        fuzz_assert(pm->ncandidates <= m->ncandidates);

        if (i + 1 < part.nmedia) {
            /* complete in the prefix */
            fuzz_assert(pm->ncandidates == m->ncandidates);
            check_same_str(&pm->mid, pin, &m->mid, in);
            check_same_str(&pm->media, pin, &m->media, in);
            fuzz_assert(pm->port == m->port);
        }

        for (j = 0; j < pm->ncandidates; j++) {
            pc = &pm->candidates[j];
            c = &m->candidates[j];

            check_same_str(&pc->foundation, pin, &c->foundation, in);
            check_same_str(&pc->transport, pin, &c->transport, in);
            check_same_str(&pc->addr, pin, &c->addr, in);
            check_same_str(&pc->type, pin, &c->type, in);
            fuzz_assert(pc->component == c->component);
            fuzz_assert(pc->priority == c->priority);
            fuzz_assert(pc->port == c->port);
        }
    }

    free(pin);
}


static void
check_same_str(ngx_str_t *a, u_char *in_a, ngx_str_t *b, u_char *in_b)
{
    fuzz_assert(a->len == b->len);

    if (a->len) {
        fuzz_assert(a->data - in_a == b->data - in_b);
    }
}
