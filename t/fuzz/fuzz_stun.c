
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of src/ngx_webrtc_stun.c, ICE-lite's STUN checks and reply
 * on libnice's STUN API, with a session lookup that follows
 * ngx_webrtc_ice.c's rules (our ufrag of NGX_WEBRTC_UFRAG_LEN bytes, the
 * remote ufrag the offer gave) over two sessions.
 *
 * The input's first byte says how to treat the rest, a STUN datagram:
 *
 *   bit 0   sign it: MESSAGE-INTEGRITY set to the HMAC-SHA1 it should have
 *           with the password of the session its USERNAME names (if any);
 *   bit 1   seal it: a last FINGERPRINT set to the CRC-32 it should have;
 *   bit 2   it comes from an IPv6 address, else IPv4;
 *   bits 3-4  our ICE tie-breaker: 0, 1, 2^63 or 2^64 - 1.
 *
 * The fuzzer cannot find a 160-bit HMAC or a CRC by itself: signing and
 * sealing in the harness lets it past libnice's checks, to the code after
 * them, without any fuzz-only switch in the source.
 *
 * Checked by abort():
 *
 *   - ngx_webrtc_stun_validate() says STUN_VALIDATION_SUCCESS exactly when
 *     a reference written here from RFC 5389 and RFC 8445 7.2.2 says the
 *     message is valid: its layout, the magic cookie, a right FINGERPRINT,
 *     a request or indication with USERNAME and MESSAGE-INTEGRITY of 20
 *     bytes before it, a USERNAME "<ours>:<theirs>" of a known session, the
 *     HMAC right with its password, and no unknown comprehension-required
 *     attribute;
 *   - the lookup is given USERNAME split at its first colon, both parts
 *     inside the datagram's USERNAME;
 *   - a reply is built (STUN_USAGE_ICE_RETURN_SUCCESS or _ROLE_CONFLICT)
 *     only for a valid binding request; then into NGX_WEBRTC_STUN_REPLY_SIZE
 *     bytes always, the same into a block of exactly its length, nothing
 *     into one byte less; the reply is read back here: a binding success
 *     response with the request's transaction id, XOR-MAPPED-ADDRESS of the
 *     source, the request's USERNAME, MESSAGE-INTEGRITY with the session's
 *     password and a last FINGERPRINT, of exactly the predicted length; or,
 *     when the peer also claims to be controlled and its tie-breaker is
 *     larger than ours, a 487 error response, signed and sealed too;
 *   - ngx_webrtc_stun_username() on the whole datagram splits at the first
 *     colon, or declines when there is none.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_webrtc.h"
#include "ngx_webrtc_stun.h"
#include "fuzz.h"


#define FUZZ_COOKIE          0x2112a442
#define FUZZ_FP_XOR          0x5354554e

#define FUZZ_USERNAME        0x0006
#define FUZZ_MI              0x0008
#define FUZZ_XOR_MAPPED      0x0020
#define FUZZ_ERROR_CODE      0x0009
#define FUZZ_ICE_CONTROLLED  0x8029
#define FUZZ_FINGERPRINT     0x8028


typedef struct {
    ngx_str_t       ufrag;
    ngx_str_t       remote;
    ngx_str_t       pwd;
} fuzz_session_t;


typedef struct {
    u_char         *buf;
    size_t          len;
    ngx_uint_t      calls;
    ngx_str_t       ours;
    ngx_str_t       theirs;
} fuzz_lookup_t;


static ngx_int_t lookup(void *data, ngx_str_t *ours, ngx_str_t *theirs,
    ngx_str_t *pwd);
static fuzz_session_t *find_session(ngx_str_t *ours, ngx_str_t *theirs);
static fuzz_session_t *username_session(u_char *m, size_t len);
static ngx_uint_t well_formed(u_char *m, size_t len);
static ngx_uint_t find_attr(u_char *m, size_t len, uint16_t type,
    size_t *off, size_t *alen);
static void sign(u_char *m, size_t len);
static void seal(u_char *m, size_t len);
static void hmac(u_char *m, size_t mi, ngx_str_t *key, u_char *out);
static uint32_t crc32(u_char *m, size_t len);
static ngx_uint_t ref_valid(u_char *m, size_t len);
static void check_lookup(fuzz_lookup_t *lk);
static void check_reply(StunAgent *agent, StunMessage *req, u_char *m,
    size_t len, struct sockaddr *sa, socklen_t salen, uint64_t tie);
static void check_reply_bytes(u_char *r, size_t n, u_char *m, size_t len,
    struct sockaddr *sa, uint64_t tie);
static void check_username(u_char *m, size_t len);


static fuzz_session_t  sessions[] = {
    { ngx_string("Abcd1234"), ngx_string("Fz0b"),
      ngx_string("p4Ss6Kc7QZ2mEol3bVd0Jx1rAbCdEfGh") },

    /* the longest remote ufrag a record holds: the longest reply */
    { ngx_string("ZZzz9999"),
      ngx_string("0123456789abcdef0123456789abcdef"
                 "0123456789abcdef0123456789abcdef"),
      ngx_string("qwertyuiopasdfghjklzxcvbnm012345") }
};

static const uint64_t  ties[] = {
    0, 1, (uint64_t) 1 << 63, (uint64_t) -1
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                *m;
    size_t                 len;
    uint64_t               tie;
    ngx_uint_t             ctl, valid;
    StunAgent              agent;
    StunMessage            req;
    fuzz_lookup_t          lk;
    struct sockaddr_in     sin;
    struct sockaddr_in6    sin6;
    StunValidationStatus   vs;

    if (size == 0) {
        return 0;
    }

    ctl = data[0];
    len = size - 1;

    /* exactly len bytes: libnice reads the caller's buffer in place */

    m = malloc(len ? len : 1);
    fuzz_assert(m != NULL);
    memcpy(m, data + 1, len);

    if (ctl & 1) {
        sign(m, len);
    }

    if (ctl & 2) {
        seal(m, len);
    }

    tie = ties[(ctl >> 3) & 3];

    ngx_memzero(&lk, sizeof(fuzz_lookup_t));
    lk.buf = m;
    lk.len = len;

    ngx_webrtc_stun_init(&agent);

    vs = ngx_webrtc_stun_validate(&agent, &req, m, len, lookup, &lk);

    valid = ref_valid(m, len);

    fuzz_assert((vs == STUN_VALIDATION_SUCCESS) == valid);

    check_lookup(&lk);

    if (vs == STUN_VALIDATION_SUCCESS) {

        if (ctl & 4) {
            ngx_memzero(&sin6, sizeof(struct sockaddr_in6));
            sin6.sin6_family = AF_INET6;
            sin6.sin6_port = htons(61764);
            ngx_memcpy(&sin6.sin6_addr, "\x20\x01\x0d\xb8\x00\x00\x00\x00"
                                        "\x00\x00\x00\x00\x00\x00\x00\x07",
                       16);

            check_reply(&agent, &req, m, len, (struct sockaddr *) &sin6,
                        sizeof(struct sockaddr_in6), tie);

        } else {
            ngx_memzero(&sin, sizeof(struct sockaddr_in));
            sin.sin_family = AF_INET;
            sin.sin_port = htons(50000);
            sin.sin_addr.s_addr = htonl(0xc0000207);

            check_reply(&agent, &req, m, len, (struct sockaddr *) &sin,
                        sizeof(struct sockaddr_in), tie);
        }
    }

    check_username(m, len);

    free(m);

    return 0;
}


/* ngx_webrtc_ice.c's rules, over the sessions above */

static ngx_int_t
lookup(void *data, ngx_str_t *ours, ngx_str_t *theirs, ngx_str_t *pwd)
{
    fuzz_lookup_t *lk = data;

    fuzz_session_t  *s;

    lk->calls++;
    lk->ours = *ours;
    lk->theirs = *theirs;

    s = find_session(ours, theirs);
    if (s == NULL) {
        return NGX_DECLINED;
    }

    *pwd = s->pwd;

    return NGX_OK;
}


static fuzz_session_t *
find_session(ngx_str_t *ours, ngx_str_t *theirs)
{
    ngx_uint_t  i;

    if (ours->len != NGX_WEBRTC_UFRAG_LEN) {
        return NULL;
    }

    for (i = 0; i < sizeof(sessions) / sizeof(sessions[0]); i++) {
        if (ngx_memcmp(ours->data, sessions[i].ufrag.data,
                       NGX_WEBRTC_UFRAG_LEN)
            == 0)
        {
            fuzz_assert(sessions[i].remote.len <= NGX_WEBRTC_REMOTE_UFRAG_LEN);

            if (theirs->len == sessions[i].remote.len
                && ngx_memcmp(theirs->data, sessions[i].remote.data,
                              theirs->len)
                   == 0)
            {
                return &sessions[i];
            }

            return NULL;
        }
    }

    return NULL;
}


/* the session a well-formed message's USERNAME names, by the harness */

static fuzz_session_t *
username_session(u_char *m, size_t len)
{
    u_char     *u, *colon;
    size_t      off, ulen;
    ngx_str_t   ours, theirs;

    if (!find_attr(m, len, FUZZ_USERNAME, &off, &ulen)) {
        return NULL;
    }

    u = m + off;
    colon = memchr(u, ':', ulen);

    if (colon == NULL) {
        return NULL;
    }

    ours.data = u;
    ours.len = colon - u;
    theirs.data = colon + 1;
    theirs.len = u + ulen - theirs.data;

    return find_session(&ours, &theirs);
}


/* RFC 5389 6, 15: a header, then attributes padded to 4 bytes, filling
   the length exactly */

static ngx_uint_t
well_formed(u_char *m, size_t len)
{
    size_t  off, alen;

    if (len < 20 || (m[0] & 0xc0) || (size_t) (m[2] << 8 | m[3]) != len - 20
        || len % 4)
    {
        return 0;
    }

    for (off = 20; off < len; off += 4 + ngx_align(alen, 4)) {
        if (len - off < 4) {
            return 0;
        }

        alen = m[off + 2] << 8 | m[off + 3];

        if (ngx_align(alen, 4) > len - off - 4) {
            return 0;
        }
    }

    return 1;
}


/*
 * The first attribute of that type in a well-formed message, as libnice
 * finds it: none is looked for past MESSAGE-INTEGRITY (but FINGERPRINT)
 * nor past FINGERPRINT.
 */

static ngx_uint_t
find_attr(u_char *m, size_t len, uint16_t type, size_t *off, size_t *alen)
{
    size_t    o, n;
    uint16_t  t;

    for (o = 20; o < len; o += 4 + ngx_align(n, 4)) {
        t = m[o] << 8 | m[o + 1];
        n = m[o + 2] << 8 | m[o + 3];

        if (t == type) {
            *off = o + 4;
            *alen = n;
            return 1;
        }

        if ((t == FUZZ_MI && type != FUZZ_FINGERPRINT)
            || t == FUZZ_FINGERPRINT)
        {
            return 0;
        }
    }

    return 0;
}


static void
sign(u_char *m, size_t len)
{
    size_t           off, n;
    fuzz_session_t  *s;

    if (!well_formed(m, len)
        || !find_attr(m, len, FUZZ_MI, &off, &n)
        || n != 20)
    {
        return;
    }

    s = username_session(m, len);
    if (s == NULL) {
        return;
    }

    hmac(m, off - 4, &s->pwd, m + off);
}


static void
seal(u_char *m, size_t len)
{
    size_t    off, n;
    uint32_t  crc;

    if (!well_formed(m, len)
        || !find_attr(m, len, FUZZ_FINGERPRINT, &off, &n)
        || n != 4
        || off != len - 4)
    {
        return;
    }

    crc = crc32(m, len - 8) ^ FUZZ_FP_XOR;

    m[off] = crc >> 24;
    m[off + 1] = crc >> 16;
    m[off + 2] = crc >> 8;
    m[off + 3] = crc;
}


/* RFC 5389 15.4: over the message up to MESSAGE-INTEGRITY (at mi), its
   length as if it ended right after it */

static void
hmac(u_char *m, size_t mi, ngx_str_t *key, u_char *out)
{
    u_char        *copy;
    unsigned int   n;

    copy = malloc(mi);
    fuzz_assert(copy != NULL);
    memcpy(copy, m, mi);

    copy[2] = (mi + 24 - 20) >> 8;
    copy[3] = (mi + 24 - 20) & 0xff;

    n = 20;
    fuzz_assert(HMAC(EVP_sha1(), key->data, key->len, copy, mi, out, &n)
                != NULL);
    fuzz_assert(n == 20);

    free(copy);
}


static uint32_t
crc32(u_char *m, size_t len)
{
    size_t    i;
    uint32_t  crc;
    int       k;

    crc = 0xffffffff;

    for (i = 0; i < len; i++) {
        crc ^= m[i];

        for (k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
        }
    }

    return ~crc;
}


static ngx_uint_t
ref_valid(u_char *m, size_t len)
{
    size_t           off, n, mi, milen, o;
    u_char           sha[20];
    uint16_t         type, t;
    uint32_t         fp;
    fuzz_session_t  *s;

    if (!well_formed(m, len)) {
        return 0;
    }

    if (((uint32_t) m[4] << 24 | m[5] << 16 | m[6] << 8 | m[7])
        != FUZZ_COOKIE)
    {
        return 0;
    }

    if (!find_attr(m, len, FUZZ_FINGERPRINT, &off, &n) || n != 4) {
        return 0;
    }

    fp = (uint32_t) m[off] << 24 | m[off + 1] << 16 | m[off + 2] << 8
         | m[off + 3];

    if (fp != (crc32(m, len - 8) ^ FUZZ_FP_XOR)) {
        return 0;
    }

    /* C1 C0 of the type: requests (00) and indications (01) only, we
       have sent no request a response could answer */

    type = m[0] << 8 | m[1];

    if (type & 0x0100) {
        return 0;
    }

    if (!find_attr(m, len, FUZZ_USERNAME, &off, &n)
        || !find_attr(m, len, FUZZ_MI, &mi, &milen))
    {
        return 0;
    }

    s = username_session(m, len);
    if (s == NULL) {
        return 0;
    }

    if (milen != 20 || mi + 20 > len) {
        return 0;
    }

    hmac(m, mi - 4, &s->pwd, sha);

    if (ngx_memcmp(sha, m + mi, 20) != 0) {
        return 0;
    }

    /* RFC 5389 7.3.1: comprehension-required attributes we do not know */

    for (o = 20; o < len; o += 4 + ngx_align(n, 4)) {
        t = m[o] << 8 | m[o + 1];
        n = m[o + 2] << 8 | m[o + 3];

        if (t < 0x8000 && t != STUN_ATTRIBUTE_USERNAME
            && t != STUN_ATTRIBUTE_MESSAGE_INTEGRITY
            && t != STUN_ATTRIBUTE_PRIORITY
            && t != STUN_ATTRIBUTE_USE_CANDIDATE)
        {
            return 0;
        }
    }

    return 1;
}


static void
check_lookup(fuzz_lookup_t *lk)
{
    u_char  *u;
    size_t   off, n;

    fuzz_assert(lk->calls <= 1);

    if (lk->calls == 0) {
        return;
    }

    /* called with the USERNAME libnice finds */

    fuzz_assert(well_formed(lk->buf, lk->len));
    fuzz_assert(find_attr(lk->buf, lk->len, FUZZ_USERNAME, &off, &n));

    u = lk->buf + off;

    fuzz_assert(lk->ours.data == u);
    fuzz_assert(lk->ours.len + 1 + lk->theirs.len == n);
    fuzz_assert(u[lk->ours.len] == ':');
    fuzz_assert(lk->theirs.data == u + lk->ours.len + 1);
    fuzz_assert(memchr(u, ':', lk->ours.len) == NULL);
}


static void
check_reply(StunAgent *agent, StunMessage *req, u_char *m, size_t len,
    struct sockaddr *sa, socklen_t salen, uint64_t tie)
{
    u_char              *out, *exact;
    size_t               n, k;
    StunUsageIceReturn   rc;

    out = malloc(NGX_WEBRTC_STUN_REPLY_SIZE);
    fuzz_assert(out != NULL);

    n = NGX_WEBRTC_STUN_REPLY_SIZE;
    rc = ngx_webrtc_stun_reply(agent, req, out, &n, sa, salen, tie);

    if (!ngx_webrtc_stun_is_binding_request(req)) {
        /* no reply to anything else (a binding indication, another
           method): ngx_webrtc_ice.c would send none */
        fuzz_assert(rc != STUN_USAGE_ICE_RETURN_SUCCESS
                    && rc != STUN_USAGE_ICE_RETURN_ROLE_CONFLICT);
        free(out);
        return;
    }

    /* a valid check: a reply, from a USERNAME with a known ufrag */

    fuzz_assert(username_session(m, len) != NULL);
    fuzz_assert(rc == STUN_USAGE_ICE_RETURN_SUCCESS
                || rc == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT);
    fuzz_assert(n > 0 && n <= NGX_WEBRTC_STUN_REPLY_SIZE);

    check_reply_bytes(out, n, m, len, sa, tie);

    /* the same into exactly its length; nothing into one byte less */

    exact = malloc(n);
    fuzz_assert(exact != NULL);

    k = n;
    fuzz_assert(ngx_webrtc_stun_reply(agent, req, exact, &k, sa, salen, tie)
                == rc);
    fuzz_assert(k == n && memcmp(exact, out, n) == 0);
    free(exact);

    exact = malloc(n - 1);
    fuzz_assert(exact != NULL);

    k = n - 1;
    (void) ngx_webrtc_stun_reply(agent, req, exact, &k, sa, salen, tie);
    fuzz_assert(k == 0);
    free(exact);

    free(out);
}


static void
check_reply_bytes(u_char *r, size_t n, u_char *m, size_t len,
    struct sockaddr *sa, uint64_t tie)
{
    u_char                *a;
    size_t                 off, alen, uoff, ulen, mi, fpo, expect;
    uint16_t               port;
    uint32_t               fp;
    uint64_t               q;
    ngx_uint_t             conflict, i;
    u_char                 sha[20], xaddr[16];
    fuzz_session_t        *s;
    struct sockaddr_in    *sin;
    struct sockaddr_in6   *sin6;

    s = username_session(m, len);

    /* a 487 when the peer is controlled too and wins (RFC 8445 7.3.1.1) */

    conflict = 0;

    if (find_attr(m, len, FUZZ_ICE_CONTROLLED, &off, &alen) && alen == 8) {
        q = 0;

        for (i = 0; i < 8; i++) {
            q = q << 8 | m[off + i];
        }

        conflict = (tie < q);
    }

    fuzz_assert(well_formed(r, n));
    fuzz_assert(ngx_memcmp(r + 4, m + 4, 16) == 0);  /* cookie, id */

    /* FINGERPRINT last, MESSAGE-INTEGRITY right before it */

    fuzz_assert(n >= 20 + 24 + 8);
    fpo = n - 4;
    fuzz_assert(r[fpo - 4] == 0x80 && r[fpo - 3] == 0x28
                && r[fpo - 2] == 0 && r[fpo - 1] == 4);

    fp = (uint32_t) r[fpo] << 24 | r[fpo + 1] << 16 | r[fpo + 2] << 8
         | r[fpo + 3];
    fuzz_assert(fp == (crc32(r, n - 8) ^ FUZZ_FP_XOR));

    mi = n - 8 - 20;
    fuzz_assert(r[mi - 4] == 0x00 && r[mi - 3] == 0x08
                && r[mi - 2] == 0 && r[mi - 1] == 20);

    hmac(r, mi - 4, &s->pwd, sha);
    fuzz_assert(ngx_memcmp(sha, r + mi, 20) == 0);

    if (conflict) {
        fuzz_assert(r[0] == 0x01 && r[1] == 0x11);      /* error response */
        fuzz_assert(find_attr(r, n, FUZZ_ERROR_CODE, &off, &alen));
        fuzz_assert(alen >= 4 && r[off + 2] == 4 && r[off + 3] == 87);
        return;
    }

    fuzz_assert(r[0] == 0x01 && r[1] == 0x01);          /* success */

    /* XOR-MAPPED-ADDRESS (RFC 5389 15.2) */

    fuzz_assert(find_attr(r, n, FUZZ_XOR_MAPPED, &off, &alen));

    a = r + off;
    fuzz_assert(alen == (sa->sa_family == AF_INET ? 8 : 20));

    port = (a[2] << 8 | a[3]) ^ (FUZZ_COOKIE >> 16);

    for (i = 0; i < alen - 4; i++) {
        xaddr[i] = a[4 + i] ^ r[4 + i];
    }

    if (sa->sa_family == AF_INET) {
        sin = (struct sockaddr_in *) sa;
        fuzz_assert(alen == 8 && a[1] == 1);
        fuzz_assert(port == ntohs(sin->sin_port));
        fuzz_assert(ngx_memcmp(xaddr, &sin->sin_addr, 4) == 0);

    } else {
        sin6 = (struct sockaddr_in6 *) sa;
        fuzz_assert(alen == 20 && a[1] == 2);
        fuzz_assert(port == ntohs(sin6->sin6_port));
        fuzz_assert(ngx_memcmp(xaddr, &sin6->sin6_addr, 16) == 0);
    }

    /* the request's USERNAME */

    fuzz_assert(find_attr(m, len, FUZZ_USERNAME, &uoff, &ulen));
    fuzz_assert(find_attr(r, n, FUZZ_USERNAME, &off, &alen));
    fuzz_assert(alen == ulen && ngx_memcmp(r + off, m + uoff, ulen) == 0);

    expect = 20 + 4 + (sa->sa_family == AF_INET ? 8 : 20)
             + 4 + ngx_align(ulen, 4) + 24 + 8;

    fuzz_assert(n == expect);
}


static void
check_username(u_char *m, size_t len)
{
    u_char     *colon;
    ngx_int_t   rc;
    ngx_str_t   ours, theirs;

    rc = ngx_webrtc_stun_username(m, len, &ours, &theirs);
    colon = memchr(m, ':', len);

    if (colon == NULL) {
        fuzz_assert(rc == NGX_DECLINED);
        return;
    }

    fuzz_assert(rc == NGX_OK);
    fuzz_assert(ours.data == m && ours.len == (size_t) (colon - m));
    fuzz_assert(theirs.data == colon + 1);
    fuzz_assert(theirs.len == len - ours.len - 1);
}
