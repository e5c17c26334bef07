
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * DTLS with OpenSSL: the certificate of a configuration load (ECDSA P-256,
 * generated or read from webrtc_certificate), the server-side handshake of
 * one session on nginx timers, the check of the peer's certificate against
 * the offer's a=fingerprint, and the export of the SRTP keys (RFC 5764).
 *
 * Datagrams come in through a memory BIO, one at a time; they go out
 * through a BIO of our own whose every write is one UDP datagram.
 *
 * A WHEP viewer's SSL object (about 48 KB, half of what a viewer would
 * cost) is freed as soon as the keys are exported.  What DTLS 1.2 may
 * still ask of the server is kept as bytes: our last flight (ChangeCipherSpec
 * and Finished), sent again if the peer repeats its own because ours was
 * lost (RFC 6347 4.2.4), and our close_notify, written before the SSL goes
 * and sent when the session closes; and the peer's record key, so that
 * its close_notify (an encrypted alert) still ends the session at once.
 * Publishers and call participants keep their SSL.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_DTLS_MTU         1200
#define NGX_WEBRTC_DTLS_FLIGHT      512     /* datagrams, 2-byte lengths */
#define NGX_WEBRTC_DTLS_BYE         128     /* an encrypted alert record */
#define NGX_WEBRTC_DTLS_RESEND      250     /* ms between resends */
#define NGX_WEBRTC_DTLS_HEADER      13      /* a DTLS 1.2 record's header */
#define NGX_WEBRTC_DTLS_TAG         16      /* AES-GCM's and ChaCha20's */
#define NGX_WEBRTC_SRTP_PROFILES                                              \
    "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"


struct ngx_webrtc_dtls_s {
    SSL                    *ssl;
    BIO                    *rbio;
    ngx_event_t             timer;
    ngx_webrtc_session_t   *session;
    unsigned                done:1;
    unsigned                trim:1;     /* free the SSL at the end */
    unsigned                record:1;   /* copy what is sent to flight[] */
    unsigned                quiet:1;    /* keep what is written in bye[] */
    unsigned                too_long:1; /* the flight did not fit */

    /* once the SSL is freed: what opens the peer's alerts */
    const EVP_CIPHER       *peer_cipher;    /* NULL: they are not read */
    size_t                  peer_iv_len;    /* 4 (AES-GCM) or 12 */
    u_char                  peer_key[32];
    u_char                  peer_iv[12];

    ngx_msec_t              resent;
    size_t                  flight_len;
    size_t                  bye_len;
    u_char                  flight[NGX_WEBRTC_DTLS_FLIGHT];
    u_char                  bye[NGX_WEBRTC_DTLS_BYE];
};


static ngx_int_t ngx_webrtc_dtls_make_certificate(ngx_cycle_t *cycle,
    EVP_PKEY **pkey, X509 **x509);
static ngx_int_t ngx_webrtc_dtls_load_certificate(ngx_cycle_t *cycle,
    ngx_webrtc_conf_t *wcf, EVP_PKEY **pkey, X509 **x509);
static void ngx_webrtc_dtls_cleanup_ctx(void *data);
static int ngx_webrtc_dtls_verify(int ok, X509_STORE_CTX *store);
static void ngx_webrtc_dtls_step(ngx_webrtc_dtls_t *d);
static ngx_int_t ngx_webrtc_dtls_finish(ngx_webrtc_dtls_t *d);
static void ngx_webrtc_dtls_trim(ngx_webrtc_dtls_t *d);
static void ngx_webrtc_dtls_keep_peer_key(ngx_webrtc_dtls_t *d);
static void ngx_webrtc_dtls_trimmed(ngx_webrtc_dtls_t *d, u_char *buf,
    size_t len);
static ngx_int_t ngx_webrtc_dtls_open_alert(ngx_webrtc_dtls_t *d,
    u_char *rec, size_t len, u_char *alert);
static void ngx_webrtc_dtls_resend(ngx_webrtc_dtls_t *d, u_char *buf,
    size_t len);
static void ngx_webrtc_dtls_keep(ngx_webrtc_dtls_t *d, const char *buf,
    size_t len);
static void ngx_webrtc_dtls_timer_handler(ngx_event_t *ev);
static BIO_METHOD *ngx_webrtc_dtls_bio_method(void);
static int ngx_webrtc_dtls_bio_write(BIO *b, const char *buf, int len);
static long ngx_webrtc_dtls_bio_ctrl(BIO *b, int cmd, long num, void *ptr);
static int ngx_webrtc_dtls_bio_create(BIO *b);


static BIO_METHOD  *ngx_webrtc_bio_method;


ngx_int_t
ngx_webrtc_dtls_init_conf(ngx_cycle_t *cycle, ngx_webrtc_conf_t *wcf)
{
    u_char              *p;
    SSL_CTX             *ctx;
    X509                *x509;
    EVP_PKEY            *pkey;
    ngx_uint_t           i;
    unsigned int         n;
    ngx_pool_cleanup_t  *cln;
    u_char               md[EVP_MAX_MD_SIZE];

    x509 = NULL;
    pkey = NULL;

    if (wcf->certificate.len) {
        if (ngx_webrtc_dtls_load_certificate(cycle, wcf, &pkey, &x509)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

    } else if (ngx_webrtc_dtls_make_certificate(cycle, &pkey, &x509)
               != NGX_OK)
    {
        return NGX_ERROR;
    }

    ctx = SSL_CTX_new(DTLS_server_method());
    if (ctx == NULL) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: SSL_CTX_new() failed");
        goto failed;
    }

    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        SSL_CTX_free(ctx);
        goto failed;
    }

    cln->handler = ngx_webrtc_dtls_cleanup_ctx;
    cln->data = ctx;

    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
    SSL_CTX_set_read_ahead(ctx, 1);

    if (SSL_CTX_use_certificate(ctx, x509) != 1
        || SSL_CTX_use_PrivateKey(ctx, pkey) != 1
        || SSL_CTX_check_private_key(ctx) != 1)
    {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: the DTLS certificate cannot be used");
        goto failed;
    }

    /* SSL_CTX_set_tlsext_use_srtp() returns 0 on success */

    if (SSL_CTX_set_tlsext_use_srtp(ctx, NGX_WEBRTC_SRTP_PROFILES) != 0) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: SSL_CTX_set_tlsext_use_srtp() failed");
        goto failed;
    }

    /*
     * The peer's certificate is self-signed: any chain is accepted here and
     * the certificate is checked against a=fingerprint after the handshake.
     */

    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER|SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       ngx_webrtc_dtls_verify);

    if (X509_digest(x509, EVP_sha256(), md, &n) != 1 || n != 32) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: X509_digest() failed");
        goto failed;
    }

    p = wcf->fingerprint;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ':';
        }

        *p++ = "0123456789ABCDEF"[md[i] >> 4];
        *p++ = "0123456789ABCDEF"[md[i] & 0xf];
    }

    wcf->fingerprint_len = p - wcf->fingerprint;
    wcf->ssl_ctx = ctx;

    X509_free(x509);
    EVP_PKEY_free(pkey);

    return NGX_OK;

failed:

    X509_free(x509);
    EVP_PKEY_free(pkey);

    return NGX_ERROR;
}


static void
ngx_webrtc_dtls_cleanup_ctx(void *data)
{
    SSL_CTX_free(data);
}


static ngx_int_t
ngx_webrtc_dtls_make_certificate(ngx_cycle_t *cycle, EVP_PKEY **pkey,
    X509 **x509)
{
    X509        *x;
    uint64_t     serial;
    X509_NAME   *name;

    *pkey = EVP_EC_gen("P-256");
    if (*pkey == NULL) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: EVP_EC_gen(\"P-256\") failed");
        return NGX_ERROR;
    }

    x = X509_new();
    if (x == NULL) {
        goto failed;
    }

    *x509 = x;

    if (RAND_bytes((u_char *) &serial, sizeof(serial)) != 1) {
        goto failed;
    }

    if (X509_set_version(x, 2) != 1
        || ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
                                   serial >> 1) != 1
        || X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL
        || X509_gmtime_adj(X509_getm_notAfter(x), 30 * 86400) == NULL
        || X509_set_pubkey(x, *pkey) != 1)
    {
        goto failed;
    }

    name = X509_get_subject_name(x);

    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (u_char *) "ngx_webrtc", -1, -1, 0)
        != 1
        || X509_set_issuer_name(x, name) != 1
        || X509_sign(x, *pkey, EVP_sha256()) == 0)
    {
        goto failed;
    }

    return NGX_OK;

failed:

    ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                  "webrtc: cannot make the DTLS certificate");

    return NGX_ERROR;
}


static ngx_int_t
ngx_webrtc_dtls_load_certificate(ngx_cycle_t *cycle, ngx_webrtc_conf_t *wcf,
    EVP_PKEY **pkey, X509 **x509)
{
    BIO        *bio;
    ngx_str_t  *key;

    if (ngx_conf_full_name(cycle, &wcf->certificate, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    key = wcf->certificate_key.len ? &wcf->certificate_key
                                   : &wcf->certificate;

    if (ngx_conf_full_name(cycle, key, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    bio = BIO_new_file((char *) wcf->certificate.data, "r");
    if (bio == NULL) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: cannot open \"%V\"", &wcf->certificate);
        return NGX_ERROR;
    }

    *x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);

    if (*x509 == NULL) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: no certificate in \"%V\"", &wcf->certificate);
        return NGX_ERROR;
    }

    bio = BIO_new_file((char *) key->data, "r");
    if (bio == NULL) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: cannot open \"%V\"", key);
        return NGX_ERROR;
    }

    *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);

    if (*pkey == NULL) {
        ngx_ssl_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc: no private key in \"%V\"", key);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static int
ngx_webrtc_dtls_verify(int ok, X509_STORE_CTX *store)
{
    return 1;
}


ngx_webrtc_dtls_t *
ngx_webrtc_dtls_create(ngx_webrtc_session_t *s)
{
    BIO                *wbio;
    BIO_METHOD         *method;
    ngx_webrtc_dtls_t  *d;

    method = ngx_webrtc_dtls_bio_method();
    if (method == NULL) {
        return NULL;
    }

    d = ngx_pcalloc(s->pool, sizeof(ngx_webrtc_dtls_t));
    if (d == NULL) {
        return NULL;
    }

    d->session = s;
    d->trim = (s->rec->kind == NGX_WEBRTC_KIND_WHEP);

    d->ssl = SSL_new(ngx_webrtc_worker.conf->ssl_ctx);
    if (d->ssl == NULL) {
        ngx_ssl_error(NGX_LOG_ERR, s->log, 0, "webrtc dtls: SSL_new() failed");
        return NULL;
    }

    d->rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(method);

    if (d->rbio == NULL || wbio == NULL) {
        BIO_free(d->rbio);
        BIO_free(wbio);
        SSL_free(d->ssl);
        return NULL;
    }

    BIO_set_mem_eof_return(d->rbio, -1);
    BIO_set_data(wbio, s);
    BIO_set_init(wbio, 1);

    SSL_set_bio(d->ssl, d->rbio, wbio);
    SSL_set_accept_state(d->ssl);
    SSL_set_mtu(d->ssl, NGX_WEBRTC_DTLS_MTU);
    DTLS_set_link_mtu(d->ssl, NGX_WEBRTC_DTLS_MTU);

    d->timer.handler = ngx_webrtc_dtls_timer_handler;
    d->timer.data = d;
    d->timer.log = s->log;
    d->timer.cancelable = 1;

    return d;
}


void
ngx_webrtc_dtls_free(ngx_webrtc_dtls_t *d)
{
    if (d == NULL) {
        return;
    }

    if (d->timer.timer_set) {
        ngx_del_timer(&d->timer);
    }

    if (d->ssl) {
        if (d->done) {
            (void) SSL_shutdown(d->ssl);
        }

        SSL_free(d->ssl);
        d->ssl = NULL;

    } else if (d->bye_len) {
        ngx_webrtc_udp_send(d->session, d->bye, d->bye_len);
        d->bye_len = 0;
    }

    if (d->peer_cipher) {
        OPENSSL_cleanse(d->peer_key, sizeof(d->peer_key));
        d->peer_cipher = NULL;
    }
}


void
ngx_webrtc_dtls_handle(ngx_webrtc_session_t *s, u_char *buf, size_t len)
{
    int                 n, err;
    u_char              sink[NGX_WEBRTC_MTU];
    ngx_webrtc_dtls_t  *d;

    d = s->dtls;

    if (d == NULL) {
        return;
    }

    if (d->ssl == NULL) {
        ngx_webrtc_dtls_trimmed(d, buf, len);
        return;
    }

    if (BIO_write(d->rbio, buf, (int) len) != (int) len) {
        return;
    }

    if (!d->done) {
        if (s->rec->state < NGX_WEBRTC_STATE_DTLS) {
            ngx_webrtc_session_set_state(s, NGX_WEBRTC_STATE_DTLS);
        }

        ngx_webrtc_dtls_step(d);
        return;
    }

    /* after the handshake: alerts (close_notify) or stray records */

    for ( ;; ) {
        n = SSL_read(d->ssl, sink, sizeof(sink));
        if (n > 0) {
            continue;
        }

        err = SSL_get_error(d->ssl, n);

        if (err == SSL_ERROR_ZERO_RETURN) {
            ngx_webrtc_session_close(s, "DTLS close_notify from the peer");
            return;
        }

        ERR_clear_error();
        break;
    }

    (void) BIO_reset(d->rbio);
}


static void
ngx_webrtc_dtls_step(ngx_webrtc_dtls_t *d)
{
    int                    n, err;
    struct timeval         tv;
    ngx_webrtc_session_t  *s;

    s = d->session;

    /* what this step sends is our last flight if the handshake ends */

    d->record = d->trim;
    d->too_long = 0;
    d->flight_len = 0;

    n = SSL_do_handshake(d->ssl);

    d->record = 0;

    if (n == 1) {
        d->done = 1;

        if (d->timer.timer_set) {
            ngx_del_timer(&d->timer);
        }

        if (ngx_webrtc_dtls_finish(d) == NGX_OK && d->trim) {
            ngx_webrtc_dtls_trim(d);
        }

        return;
    }

    err = SSL_get_error(d->ssl, n);

    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        ngx_ssl_error(NGX_LOG_INFO, s->log, 0,
                      "webrtc dtls session %*s: handshake failed",
                      (size_t) NGX_WEBRTC_ID_LEN, s->rec->id);
        ngx_webrtc_session_close(s, "DTLS handshake failed");
        return;
    }

    ERR_clear_error();

    if (DTLSv1_get_timeout(d->ssl, &tv) == 1) {
        ngx_add_timer(&d->timer,
                      (ngx_msec_t) tv.tv_sec * 1000 + tv.tv_usec / 1000 + 1);
    }
}


static void
ngx_webrtc_dtls_timer_handler(ngx_event_t *ev)
{
    ngx_webrtc_dtls_t  *d = ev->data;

    if (d->ssl == NULL || d->done) {
        return;
    }

    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        ngx_webrtc_session_close(d->session, "DTLS retransmission failed");
        return;
    }

    ngx_webrtc_dtls_step(d);
}


static ngx_int_t
ngx_webrtc_dtls_finish(ngx_webrtc_dtls_t *d)
{
    X509                   *peer;
    size_t                  keys_len;
    ngx_int_t               rc;
    ngx_uint_t              gcm;
    unsigned int            n;
    ngx_webrtc_session_t   *s;
    SRTP_PROTECTION_PROFILE  *profile;
    u_char                  md[EVP_MAX_MD_SIZE];
    u_char                  keys[2 * (16 + 14)];

    s = d->session;

    peer = SSL_get1_peer_certificate(d->ssl);
    if (peer == NULL) {
        ngx_webrtc_session_close(s, "no DTLS client certificate");
        return NGX_ERROR;
    }

    n = 0;

    if (X509_digest(peer, EVP_sha256(), md, &n) != 1 || n != 32
        || CRYPTO_memcmp(md, s->rec->remote_fp, 32) != 0)
    {
        X509_free(peer);
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "webrtc dtls session %*s: the peer's certificate does "
                      "not match the offer's fingerprint",
                      (size_t) NGX_WEBRTC_ID_LEN, s->rec->id);
        ngx_webrtc_session_close(s, "certificate fingerprint mismatch");
        return NGX_ERROR;
    }

    X509_free(peer);

    profile = SSL_get_selected_srtp_profile(d->ssl);
    if (profile == NULL) {
        ngx_webrtc_session_close(s, "no SRTP profile negotiated");
        return NGX_ERROR;
    }

    switch (profile->id) {

    case SRTP_AEAD_AES_128_GCM:
        gcm = 1;
        keys_len = 2 * (16 + 12);
        break;

    case SRTP_AES128_CM_SHA1_80:
        gcm = 0;
        keys_len = 2 * (16 + 14);
        break;

    default:
        ngx_webrtc_session_close(s, "unsupported SRTP profile");
        return NGX_ERROR;
    }

    if (SSL_export_keying_material(d->ssl, keys, keys_len,
                                   "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0)
        != 1)
    {
        ngx_webrtc_session_close(s, "SRTP key export failed");
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, s->log, 0,
                   "webrtc dtls session %*s: done",
                   (size_t) NGX_WEBRTC_ID_LEN, s->rec->id);

    rc = ngx_webrtc_session_connected(s, gcm, keys, keys_len);

    OPENSSL_cleanse(keys, sizeof(keys));

    return rc;
}


/*
 * Frees a viewer's SSL once its handshake is over, keeping our last flight
 * (recorded while it was sent) and our close_notify (written now) as
 * bytes.  A last flight too long for flight[] keeps the SSL.
 */

static void
ngx_webrtc_dtls_trim(ngx_webrtc_dtls_t *d)
{
    if (d->flight_len == 0 || d->too_long) {
        d->flight_len = 0;
        return;
    }

    ngx_webrtc_dtls_keep_peer_key(d);

    d->quiet = 1;
    (void) SSL_shutdown(d->ssl);
    d->quiet = 0;
    ERR_clear_error();

    SSL_free(d->ssl);
    d->ssl = NULL;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, d->session->log, 0,
                   "webrtc dtls session %*s: SSL freed, flight of %uz bytes "
                   "kept", (size_t) NGX_WEBRTC_ID_LEN, d->session->rec->id,
                   d->flight_len);
}


/*
 * Before a viewer's SSL goes: the peer's record key and IV, derived from
 * the master secret as the record layer does (RFC 5246 6.3), so that its
 * alerts can still be opened.  Only the AEAD suites (AES-GCM, ChaCha20-
 * Poly1305: what browsers and OpenSSL agree on); with any other the
 * session ends by DELETE or at the consent timeout, as before.
 */

static void
ngx_webrtc_dtls_keep_peer_key(ngx_webrtc_dtls_t *d)
{
    int                 server, ok;
    size_t              key_len, iv_len, mk_len;
    EVP_KDF            *kdf;
    OSSL_PARAM          params[4];
    EVP_KDF_CTX        *kctx;
    const EVP_MD       *md;
    const SSL_CIPHER   *c;
    const EVP_CIPHER   *cipher;
    u_char              seed[13 + 2 * SSL3_RANDOM_SIZE];
    u_char              mk[SSL_MAX_MASTER_KEY_LENGTH];
    u_char              kb[2 * (32 + 12)];

    c = SSL_get_current_cipher(d->ssl);
    if (c == NULL) {
        return;
    }

    switch (SSL_CIPHER_get_cipher_nid(c)) {

    case NID_aes_128_gcm:
        cipher = EVP_aes_128_gcm();
        iv_len = 4;
        break;

    case NID_aes_256_gcm:
        cipher = EVP_aes_256_gcm();
        iv_len = 4;
        break;

    case NID_chacha20_poly1305:
        cipher = EVP_chacha20_poly1305();
        iv_len = 12;
        break;

    default:
        return;
    }

    key_len = EVP_CIPHER_get_key_length(cipher);
    md = SSL_CIPHER_get_handshake_digest(c);
    mk_len = SSL_SESSION_get_master_key(SSL_get_session(d->ssl), mk,
                                        sizeof(mk));

    if (md == NULL || mk_len == 0 || key_len > sizeof(d->peer_key)) {
        OPENSSL_cleanse(mk, sizeof(mk));
        return;
    }

    /* key_block = PRF(master, "key expansion", server + client random) */

    ngx_memcpy(seed, "key expansion", 13);
    SSL_get_server_random(d->ssl, seed + 13, SSL3_RANDOM_SIZE);
    SSL_get_client_random(d->ssl, seed + 13 + SSL3_RANDOM_SIZE,
                          SSL3_RANDOM_SIZE);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                         (char *) EVP_MD_get0_name(md), 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                                  mk, mk_len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
                                                  seed, sizeof(seed));
    params[3] = OSSL_PARAM_construct_end();

    kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
    kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);

    ok = (kctx != NULL
          && EVP_KDF_derive(kctx, kb, 2 * (key_len + iv_len), params) == 1);

    EVP_KDF_CTX_free(kctx);
    OPENSSL_cleanse(mk, sizeof(mk));

    if (ok) {
        /* the block: client key, server key, client IV, server IV */

        server = SSL_is_server(d->ssl);

        ngx_memcpy(d->peer_key, kb + (server ? 0 : key_len), key_len);
        ngx_memcpy(d->peer_iv, kb + 2 * key_len + (server ? 0 : iv_len),
                   iv_len);
        d->peer_iv_len = iv_len;
        d->peer_cipher = cipher;
    }

    OPENSSL_cleanse(kb, sizeof(kb));
    ERR_clear_error();
}


/*
 * A datagram from a viewer whose SSL is freed: its last flight again
 * (ours was lost), or an alert, which ends the session if it opens with
 * the peer's key; anything else is dropped.
 */

static void
ngx_webrtc_dtls_trimmed(ngx_webrtc_dtls_t *d, u_char *buf, size_t len)
{
    size_t   pos, n;
    u_char   alert[2];

    if (len > 0 && buf[0] != 21) {
        ngx_webrtc_dtls_resend(d, buf, len);
        return;
    }

    /* a datagram may carry several records */

    for (pos = 0; pos + NGX_WEBRTC_DTLS_HEADER <= len; pos += n) {
        n = NGX_WEBRTC_DTLS_HEADER
            + ((size_t) buf[pos + 11] << 8 | buf[pos + 12]);

        if (n > len - pos) {
            return;
        }

        if (buf[pos] != 21
            || ngx_webrtc_dtls_open_alert(d, buf + pos, n, alert) != NGX_OK)
        {
            continue;
        }

        if (alert[1] == 0) {
            ngx_webrtc_session_close(d->session,
                                     "DTLS close_notify from the peer");

        } else {
            ngx_log_error(NGX_LOG_INFO, d->session->log, 0,
                          "webrtc dtls session %*s: alert %d from the peer",
                          (size_t) NGX_WEBRTC_ID_LEN, d->session->rec->id,
                          (int) alert[1]);
            ngx_webrtc_session_close(d->session, "DTLS alert from the peer");
        }

        return;
    }
}


/*
 * Opens one alert record of epoch 1 with the peer's key (RFC 5288 for
 * AES-GCM: a 4-byte IV and an 8-byte explicit nonce; RFC 7905 for
 * ChaCha20: a 12-byte IV xored with the sequence number).  NGX_OK only if
 * its tag is right: an alert nobody could have sent but the peer.
 */

static ngx_int_t
ngx_webrtc_dtls_open_alert(ngx_webrtc_dtls_t *d, u_char *rec, size_t len,
    u_char *alert)
{
    int              n, ok;
    u_char          *frag, *ct;
    size_t           i, explicit, ct_len;
    EVP_CIPHER_CTX  *ctx;
    u_char           nonce[12], aad[13], out[16];

    if (d->peer_cipher == NULL) {
        return NGX_DECLINED;
    }

    /* epoch 1: the first after the handshake, the only one we know */

    if (rec[3] != 0 || rec[4] != 1) {
        return NGX_DECLINED;
    }

    explicit = (d->peer_iv_len == 4) ? 8 : 0;

    if (len < NGX_WEBRTC_DTLS_HEADER + explicit + 2 + NGX_WEBRTC_DTLS_TAG
        || len > NGX_WEBRTC_DTLS_HEADER + explicit + sizeof(out)
                 + NGX_WEBRTC_DTLS_TAG)
    {
        return NGX_DECLINED;
    }

    frag = rec + NGX_WEBRTC_DTLS_HEADER;
    ct = frag + explicit;
    ct_len = len - NGX_WEBRTC_DTLS_HEADER - explicit - NGX_WEBRTC_DTLS_TAG;

    if (explicit) {
        ngx_memcpy(nonce, d->peer_iv, 4);
        ngx_memcpy(nonce + 4, frag, 8);

    } else {
        ngx_memcpy(nonce, d->peer_iv, 12);

        for (i = 0; i < 8; i++) {
            nonce[4 + i] ^= rec[3 + i];
        }
    }

    /* epoch and sequence number, type, version, the plaintext's length */

    ngx_memcpy(aad, rec + 3, 8);
    ngx_memcpy(aad + 8, rec, 3);
    aad[11] = (u_char) (ct_len >> 8);
    aad[12] = (u_char) ct_len;

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ok = EVP_DecryptInit_ex(ctx, d->peer_cipher, NULL, d->peer_key, nonce)
         && EVP_DecryptUpdate(ctx, NULL, &n, aad, sizeof(aad))
         && EVP_DecryptUpdate(ctx, out, &n, ct, (int) ct_len)
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                                NGX_WEBRTC_DTLS_TAG, ct + ct_len)
         && EVP_DecryptFinal_ex(ctx, out + n, &n);

    EVP_CIPHER_CTX_free(ctx);
    ERR_clear_error();

    if (!ok) {
        ngx_log_debug2(NGX_LOG_DEBUG_EVENT, d->session->log, 0,
                       "webrtc dtls session %*s: an alert record that does "
                       "not open, dropped", (size_t) NGX_WEBRTC_ID_LEN,
                       d->session->rec->id);
        return NGX_DECLINED;
    }

    alert[0] = out[0];
    alert[1] = out[1];

    return NGX_OK;
}


/*
 * A handshake record from a peer whose SSL is freed: the peer sends its
 * last flight again because ours was lost, and gets ours again, at most
 * every NGX_WEBRTC_DTLS_RESEND ms, and its video restarts at a keyframe.
 */

static void
ngx_webrtc_dtls_resend(ngx_webrtc_dtls_t *d, u_char *buf, size_t len)
{
    size_t   n, pos;

    /* the record's content type: 22 handshake, 20 change_cipher_spec */

    if (d->flight_len == 0 || len < NGX_WEBRTC_DTLS_HEADER
        || (buf[0] != 22 && buf[0] != 20))
    {
        return;
    }

    if (d->resent && ngx_current_msec - d->resent < NGX_WEBRTC_DTLS_RESEND) {
        return;
    }

    d->resent = ngx_current_msec ? ngx_current_msec : 1;

    for (pos = 0; pos + 2 <= d->flight_len; pos += 2 + n) {
        n = (size_t) d->flight[pos] << 8 | d->flight[pos + 1];
        ngx_webrtc_udp_send(d->session, d->flight + pos + 2, n);
    }

    /* what it was sent until now it could not decrypt */

    ngx_webrtc_viewer_restart(d->session);
}


/*
 * A datagram written by OpenSSL, kept: the last flight as well as sent,
 * the close_notify instead of sent.
 */

static void
ngx_webrtc_dtls_keep(ngx_webrtc_dtls_t *d, const char *buf, size_t len)
{
    if (d->quiet) {
        if (len <= NGX_WEBRTC_DTLS_BYE) {
            ngx_memcpy(d->bye, buf, len);
            d->bye_len = len;
        }

        return;
    }

    if (d->too_long || d->flight_len + 2 + len > NGX_WEBRTC_DTLS_FLIGHT) {
        d->too_long = 1;
        return;
    }

    d->flight[d->flight_len++] = (u_char) (len >> 8);
    d->flight[d->flight_len++] = (u_char) len;
    ngx_memcpy(d->flight + d->flight_len, buf, len);
    d->flight_len += len;
}


static BIO_METHOD *
ngx_webrtc_dtls_bio_method(void)
{
    BIO_METHOD  *m;

    if (ngx_webrtc_bio_method) {
        return ngx_webrtc_bio_method;
    }

    m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                     "ngx_webrtc_udp");
    if (m == NULL) {
        return NULL;
    }

    BIO_meth_set_write(m, ngx_webrtc_dtls_bio_write);
    BIO_meth_set_ctrl(m, ngx_webrtc_dtls_bio_ctrl);
    BIO_meth_set_create(m, ngx_webrtc_dtls_bio_create);

    ngx_webrtc_bio_method = m;

    return m;
}


static int
ngx_webrtc_dtls_bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}


static int
ngx_webrtc_dtls_bio_write(BIO *b, const char *buf, int len)
{
    ngx_webrtc_dtls_t     *d;
    ngx_webrtc_session_t  *s;

    s = BIO_get_data(b);

    if (s == NULL || len <= 0) {
        return len;
    }

    d = s->dtls;

    if (d && (d->record || d->quiet)) {
        ngx_webrtc_dtls_keep(d, buf, (size_t) len);

        if (d->quiet) {
            return len;
        }
    }

    ngx_webrtc_udp_send(s, (u_char *) buf, (size_t) len);

    return len;
}


static long
ngx_webrtc_dtls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    switch (cmd) {

    case BIO_CTRL_FLUSH:
        return 1;

    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return NGX_WEBRTC_DTLS_MTU;

    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
        return 28;

    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
        return 0;

    default:
        return 0;
    }
}
