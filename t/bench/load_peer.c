
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * One peer connection of the generator: its UDP socket, ICE as the
 * controlling full agent (libnice's STUN usage: checks with USE-CANDIDATE
 * and MESSAGE-INTEGRITY, consent refreshes, replies to a full agent's
 * checks), the DTLS client handshake (OpenSSL, a memory BIO in and a BIO
 * of ours out whose every write is one datagram), and the SRTP contexts
 * keyed from the handshake (RFC 5764) or pre-shared in raw mode.
 */


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stun/usages/ice.h>

#include "load.h"
#include "rawkey.h"


#define LOAD_DTLS_MTU       1200
#define LOAD_RCVBUF         (512 * 1024)


static int load_peer_verify(int ok, X509_STORE_CTX *store);
static unsigned int load_peer_dtls_timer_cb(SSL *ssl, unsigned int us);
static void load_peer_dtls_step(load_peer_t *p);
static void load_peer_dtls_done(load_peer_t *p);
static int load_peer_srtp(load_peer_t *p, int gcm, const uint8_t *in_key,
    const uint8_t *in_salt, const uint8_t *out_key, const uint8_t *out_salt);
static bool load_peer_validate(StunAgent *agent, StunMessage *message,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data);
static int load_bio_write(BIO *b, const char *buf, int len);
static long load_bio_ctrl(BIO *b, int cmd, long num, void *ptr);
static int load_bio_create(BIO *b);
static void load_random_string(char *out, size_t len);


static BIO_METHOD  *load_bio_method;

static uint16_t  load_stun_known[] = {
    STUN_ATTRIBUTE_USERNAME,
    STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
    STUN_ATTRIBUTE_FINGERPRINT,
    STUN_ATTRIBUTE_PRIORITY,
    STUN_ATTRIBUTE_USE_CANDIDATE,
    STUN_ATTRIBUTE_ICE_CONTROLLED,
    STUN_ATTRIBUTE_ICE_CONTROLLING,
    STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
    STUN_ATTRIBUTE_MAPPED_ADDRESS,
    STUN_ATTRIBUTE_ERROR_CODE,
    STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
    0
};


/*
 * The client's certificate: self-signed ECDSA P-256, its SHA-256
 * fingerprint goes into every offer.  The SRTP profiles offered decide
 * which one the server picks: to force one, offer only that one.
 */
int
load_peer_init_tls(void)
{
    int            i;
    X509          *x;
    SSL_CTX       *ctx;
    EVP_PKEY      *pkey;
    X509_NAME     *name;
    unsigned int   n;
    const char    *profiles;
    uint8_t        md[EVP_MAX_MD_SIZE];
    char          *f;

    pkey = EVP_EC_gen("P-256");
    x = X509_new();

    if (pkey == NULL || x == NULL) {
        return -1;
    }

    ASN1_INTEGER_set(X509_get_serialNumber(x), (long) getpid());
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pkey);

    name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *) "webrtc_load", -1, -1,
                               0);
    X509_set_issuer_name(x, name);

    if (X509_sign(x, pkey, EVP_sha256()) == 0) {
        return -1;
    }

    if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32) {
        return -1;
    }

    f = load_conf.fingerprint;

    for (i = 0; i < 32; i++) {
        f += sprintf(f, i ? ":%02X" : "%02X", md[i]);
    }

    ctx = SSL_CTX_new(DTLS_client_method());
    if (ctx == NULL) {
        return -1;
    }

    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
    SSL_CTX_set_read_ahead(ctx, 1);

    if (SSL_CTX_use_certificate(ctx, x) != 1
        || SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
    {
        return -1;
    }

    switch (load_conf.profile_gcm) {
    case 1:
        profiles = "SRTP_AEAD_AES_128_GCM";
        break;
    case 0:
        profiles = "SRTP_AES128_CM_SHA1_80";
        break;
    default:
        profiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
    }

    /* 0 is success */
    if (SSL_CTX_set_tlsext_use_srtp(ctx, profiles) != 0) {
        return -1;
    }

    /* the server's certificate is checked against a=fingerprint */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, load_peer_verify);

    load_conf.ssl_ctx = ctx;

    X509_free(x);
    EVP_PKEY_free(pkey);

    load_bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                   "load_udp");
    if (load_bio_method == NULL) {
        return -1;
    }

    BIO_meth_set_write(load_bio_method, load_bio_write);
    BIO_meth_set_ctrl(load_bio_method, load_bio_ctrl);
    BIO_meth_set_create(load_bio_method, load_bio_create);

    return 0;
}


static int
load_peer_verify(int ok, X509_STORE_CTX *store)
{
    (void) ok;
    (void) store;

    return 1;
}


int
load_peer_open(load_peer_t *p, int kind)
{
    int                 fd, one, size;
    socklen_t           len;
    struct sockaddr_in  sin;

    memset(p, 0, sizeof(load_peer_t));
    p->fd = -1;

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        load_log("socket(): %s", strerror(errno));
        return -1;
    }

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1) {
        load_log("bind(): %s", strerror(errno));
        close(fd);
        return -1;
    }

    /*
     * Kernel receive timestamps: the delay is measured to when a packet
     * reached our socket, not to when the generator got round to it.  The
     * drop counter tells our own socket overflows from the server's.
     */

    one = 1;
    size = LOAD_RCVBUF;

    (void) setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(int));
    (void) setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(int));
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(int));

    p->fd = fd;
    p->kind = kind;

    load_random_string(p->lufrag, LOAD_UFRAG_LEN);
    load_random_string(p->lpwd, LOAD_PWD_LEN);

    if (RAND_bytes((uint8_t *) &p->tie, sizeof(uint64_t)) != 1) {
        return -1;
    }

    len = sizeof(sin);
    (void) getsockname(fd, (struct sockaddr *) &sin, &len);

    return ntohs(sin.sin_port);
}


void
load_peer_close(load_peer_t *p)
{
    load_http_free(p);

    if (p->ssl) {
        SSL_free(p->ssl);
        p->ssl = NULL;
    }

    if (p->srtp_in) {
        srtp_dealloc(p->srtp_in);
        p->srtp_in = NULL;
    }

    if (p->srtp_out) {
        srtp_dealloc(p->srtp_out);
        p->srtp_out = NULL;
    }

    free(p->agent);
    p->agent = NULL;

    free(p->resource);
    p->resource = NULL;

    if (p->fd != -1) {
        close(p->fd);
        p->fd = -1;
    }
}


static void
load_random_string(char *out, size_t len)
{
    size_t   i;
    uint8_t  r[64];
    static const char  alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

    (void) RAND_bytes(r, (int) len);

    for (i = 0; i < len; i++) {
        out[i] = alphabet[r[i] & 63];
    }

    out[len] = '\0';
}


/* ICE: the answer is in, checks go to the server's candidate */
void
load_peer_start_ice(load_peer_t *p)
{
    if (p->agent == NULL) {
        p->agent = calloc(1, sizeof(StunAgent));
        if (p->agent == NULL) {
            load_peer_fail(p, "out of memory");
            return;
        }

        stun_agent_init(p->agent, load_stun_known,
                        STUN_COMPATIBILITY_RFC5389,
                        STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                        | STUN_AGENT_USAGE_USE_FINGERPRINT);
    }

    snprintf(p->username, sizeof(p->username), "%s:%s", p->rufrag,
             p->lufrag);

    p->state = PEER_ICE;
    p->checks = 0;
    load_peer_send_check(p);
}


/* a connectivity check; after ICE, a consent refresh (RFC 7675) */
void
load_peer_send_check(load_peer_t *p)
{
    size_t       len;
    StunMessage  msg;
    uint8_t      buf[512];

    len = stun_usage_ice_conncheck_create(p->agent, &msg, buf, sizeof(buf),
                                 (uint8_t *) p->username,
                                 strlen(p->username),
                                 (uint8_t *) p->rpwd, strlen(p->rpwd),
                                 true, true, 0x6e7f00ff, p->tie, NULL,
                                 STUN_USAGE_ICE_COMPATIBILITY_RFC5245);

    if (len == 0) {
        /* the agent's table of open transactions is full: forget them */
        stun_agent_init(p->agent, load_stun_known,
                        STUN_COMPATIBILITY_RFC5389,
                        STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                        | STUN_AGENT_USAGE_USE_FINGERPRINT);
        return;
    }

    p->checks++;

    (void) sendto(p->fd, buf, len, 0, (struct sockaddr *) &p->remote,
                  sizeof(struct sockaddr_in));
}


void
load_peer_stun(load_peer_t *p, uint8_t *buf, size_t len,
    struct sockaddr_in *from)
{
    bool                  control;
    size_t                out_len;
    StunMessage           msg, resp;
    StunValidationStatus  vs;
    StunUsageIceReturn    rc;
    struct sockaddr_storage  ss;
    uint8_t               out[512];

    if (p->agent == NULL) {
        return;
    }

    vs = stun_agent_validate(p->agent, &msg, buf, len, load_peer_validate,
                             p);
    if (vs != STUN_VALIDATION_SUCCESS) {
        if (load_conf.verbose) {
            load_log("peer %d: STUN message not valid: %d", p->index,
                     (int) vs);
        }
        return;
    }

    switch (stun_message_get_class(&msg)) {

    case STUN_RESPONSE:
        p->last_answer = load_now();

        if (p->state == PEER_ICE) {
            /* the path works: the DTLS handshake starts */

            p->state = PEER_DTLS;
            p->ssl = SSL_new(load_conf.ssl_ctx);

            if (p->ssl == NULL) {
                load_peer_fail(p, "SSL_new() failed");
                return;
            }

            {
                BIO  *wbio;

                p->rbio = BIO_new(BIO_s_mem());
                wbio = BIO_new(load_bio_method);

                if (p->rbio == NULL || wbio == NULL) {
                    load_peer_fail(p, "BIO_new() failed");
                    return;
                }

                BIO_set_mem_eof_return(p->rbio, -1);
                BIO_set_data(wbio, p);
                BIO_set_init(wbio, 1);
                SSL_set_bio(p->ssl, p->rbio, wbio);
            }

            DTLS_set_timer_cb(p->ssl, load_peer_dtls_timer_cb);
            SSL_set_connect_state(p->ssl);
            SSL_set_mtu(p->ssl, LOAD_DTLS_MTU);
            DTLS_set_link_mtu(p->ssl, LOAD_DTLS_MTU);

            load_peer_dtls_step(p);
        }

        return;

    case STUN_ERROR:
        if (load_conf.verbose) {
            load_log("peer %d: STUN error response", p->index);
        }
        return;

    case STUN_REQUEST:
        /* a full agent (Janus without ice_lite) checks us too */

        memset(&ss, 0, sizeof(ss));
        memcpy(&ss, from, sizeof(struct sockaddr_in));

        control = true;
        out_len = sizeof(out);

        rc = stun_usage_ice_conncheck_create_reply(p->agent, &msg, &resp,
                                 out, &out_len, &ss,
                                 sizeof(struct sockaddr_in), &control,
                                 p->tie,
                                 STUN_USAGE_ICE_COMPATIBILITY_RFC5245);

        if ((rc == STUN_USAGE_ICE_RETURN_SUCCESS
             || rc == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT)
            && out_len)
        {
            (void) sendto(p->fd, out, out_len, 0, (struct sockaddr *) from,
                          sizeof(struct sockaddr_in));
        }

        return;

    default:
        return;
    }
}


/* a request's USERNAME is "<our ufrag>:<theirs>", keyed with our pwd */
static bool
load_peer_validate(StunAgent *agent, StunMessage *message,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data)
{
    load_peer_t *p = user_data;

    (void) agent;
    (void) message;

    if (username_len <= LOAD_UFRAG_LEN
        || memcmp(username, p->lufrag, LOAD_UFRAG_LEN) != 0
        || username[LOAD_UFRAG_LEN] != ':')
    {
        return false;
    }

    *password = (uint8_t *) p->lpwd;
    *password_len = LOAD_PWD_LEN;

    return true;
}


/*
 * Retransmissions from 100 ms, doubling to 2 s, as browsers do (OpenSSL's
 * own start at 1 s): a server that gets the ClientHello before it is ready
 * for it costs 100 ms, not a second.
 */
static unsigned int
load_peer_dtls_timer_cb(SSL *ssl, unsigned int us)
{
    (void) ssl;

    if (us == 0) {
        return 100000;
    }

    return us >= 1000000 ? 2000000 : 2 * us;
}


void
load_peer_dtls(load_peer_t *p, uint8_t *buf, size_t len)
{
    if (p->ssl == NULL || p->state != PEER_DTLS) {
        return;
    }

    if (BIO_write(p->rbio, buf, (int) len) != (int) len) {
        return;
    }

    load_peer_dtls_step(p);
}


static void
load_peer_dtls_step(load_peer_t *p)
{
    int             n, err;
    struct timeval  tv;

    n = SSL_do_handshake(p->ssl);

    if (n == 1) {
        p->dtls_timeout = 0;
        load_peer_dtls_done(p);
        return;
    }

    err = SSL_get_error(p->ssl, n);

    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        char  msg[256];

        ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
        ERR_clear_error();
        load_log("peer %d: DTLS handshake failed: %s", p->index, msg);
        load_peer_fail(p, "DTLS handshake failed");
        return;
    }

    ERR_clear_error();

    if (DTLSv1_get_timeout(p->ssl, &tv) == 1) {
        p->dtls_timeout = load_now() + (int64_t) tv.tv_sec * 1000000000
                          + (int64_t) tv.tv_usec * 1000;
    }
}


void
load_peer_dtls_timer(load_peer_t *p)
{
    if (p->ssl == NULL || p->state != PEER_DTLS) {
        p->dtls_timeout = 0;
        return;
    }

    if (DTLSv1_handle_timeout(p->ssl) < 0) {
        load_peer_fail(p, "DTLS retransmission failed");
        return;
    }

    p->dtls_timeout = 0;
    load_peer_dtls_step(p);
}


static void
load_peer_dtls_done(load_peer_t *p)
{
    int                       gcm;
    X509                     *peer;
    size_t                    klen, slen;
    unsigned int              n;
    SRTP_PROTECTION_PROFILE  *profile;
    uint8_t                   md[EVP_MAX_MD_SIZE];
    uint8_t                   keys[2 * (16 + 14)];

    peer = SSL_get1_peer_certificate(p->ssl);
    if (peer == NULL) {
        load_peer_fail(p, "no server certificate");
        return;
    }

    n = 0;

    if (X509_digest(peer, EVP_sha256(), md, &n) != 1 || n != 32
        || (p->has_rfp && memcmp(md, p->rfp, 32) != 0))
    {
        X509_free(peer);
        load_peer_fail(p, "the server's certificate does not match "
                          "a=fingerprint");
        return;
    }

    X509_free(peer);

    profile = SSL_get_selected_srtp_profile(p->ssl);
    if (profile == NULL) {
        load_peer_fail(p, "no SRTP profile negotiated");
        return;
    }

    if (profile->id == SRTP_AEAD_AES_128_GCM) {
        gcm = 1;
        slen = 12;

    } else if (profile->id == SRTP_AES128_CM_SHA1_80) {
        gcm = 0;
        slen = 14;

    } else {
        load_peer_fail(p, "unexpected SRTP profile");
        return;
    }

    klen = 16;

    if (SSL_export_keying_material(p->ssl, keys, 2 * (klen + slen),
                                   "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0)
        != 1)
    {
        load_peer_fail(p, "key export failed");
        return;
    }

    /* RFC 5764 4.2: client key, server key, client salt, server salt */

    if (load_peer_srtp(p, gcm, keys + klen, keys + 2 * klen + slen,
                       keys, keys + 2 * klen)
        != 0)
    {
        load_peer_fail(p, "srtp_create() failed");
        return;
    }

    load_peer_up(p);
}


/*
 * in: what the server sends us (its write keys); out: what we send (the
 * client's write keys: the publisher's media, the viewers' reports).
 */
static int
load_peer_srtp(load_peer_t *p, int gcm, const uint8_t *in_key,
    const uint8_t *in_salt, const uint8_t *out_key, const uint8_t *out_salt)
{
    size_t         slen;
    srtp_policy_t  policy;
    uint8_t        key[16 + 14];

    slen = gcm ? 12 : 14;
    p->gcm = gcm;

    memset(&policy, 0, sizeof(policy));

    if (gcm) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);

    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }

    policy.window_size = 1024;
    policy.key = key;

    memcpy(key, in_key, 16);
    memcpy(key + 16, in_salt, slen);
    policy.ssrc.type = ssrc_any_inbound;

    if (srtp_create(&p->srtp_in, &policy) != srtp_err_status_ok) {
        p->srtp_in = NULL;
        return -1;
    }

    /* viewers send receiver reports, as browsers do */

    if (out_key) {
        memcpy(key, out_key, 16);
        memcpy(key + 16, out_salt, slen);
        policy.ssrc.type = ssrc_any_outbound;
        policy.allow_repeat_tx = 1;

        if (srtp_create(&p->srtp_out, &policy) != srtp_err_status_ok) {
            p->srtp_out = NULL;
            return -1;
        }
    }

    return 0;
}


/* raw mode: the publisher sends with key 0, viewer i receives with key i */
int
load_peer_raw_keys(load_peer_t *p, int index, int gcm)
{
    uint8_t  key[RAWKEY_LEN];

    rawkey_make(index, key);

    if (p->kind == KIND_PUBLISHER) {
        return load_peer_srtp(p, gcm, key, key + 16, key, key + 16);
    }

    return load_peer_srtp(p, gcm, key, key + 16, NULL, NULL);
}


static int
load_bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}


static int
load_bio_write(BIO *b, const char *buf, int len)
{
    load_peer_t  *p;

    p = BIO_get_data(b);

    if (p && len > 0) {
        (void) sendto(p->fd, buf, (size_t) len, 0,
                      (struct sockaddr *) &p->remote,
                      sizeof(struct sockaddr_in));
    }

    return len;
}


static long
load_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void) b;
    (void) num;
    (void) ptr;

    switch (cmd) {

    case BIO_CTRL_FLUSH:
        return 1;

    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return LOAD_DTLS_MTU;

    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
        return 28;

    default:
        return 0;
    }
}
