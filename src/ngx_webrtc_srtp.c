
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * SRTP and SRTCP with libsrtp2: one inbound context keyed by the peer's
 * (DTLS client's) keys, one outbound context keyed by ours, replay
 * protection on.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <srtp2/srtp.h>

#if (NGX_WEBRTC_SRTP_NSS)
#include <nss.h>
#endif

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_SRTP_REPLAY_WINDOW  1024


struct ngx_webrtc_srtp_s {
    srtp_t                  in;
    srtp_t                  out;
};


static void ngx_webrtc_srtp_cleanup(void *data);


static ngx_uint_t  ngx_webrtc_srtp_initialized;


ngx_int_t
ngx_webrtc_srtp_init(ngx_log_t *log)
{
    srtp_err_status_t  rc;

    if (ngx_webrtc_srtp_initialized) {
        return NGX_OK;
    }

#if (NGX_WEBRTC_SRTP_NSS)

    /*
     * Debian's libsrtp2 does its crypto with NSS, which it initializes
     * with NSS_INIT_OPTIMIZESPACE: the softoken then hashes its session
     * objects into 32 buckets, and every srtp_protect() looks its key up
     * there, so with thousands of SRTP contexts in one worker the chain
     * walk costs more than the encryption (docs/benchmarks.md).  NSS keeps
     * the settings of its first initialization in the process: ours,
     * without that flag (1024 buckets), made here in the worker before
     * any context exists.
     */

    if (NSS_InitContext("", "", "", "", NULL,
                        NSS_INIT_READONLY | NSS_INIT_NOCERTDB
                        | NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN
                        | NSS_INIT_NOROOTINIT)
        == NULL)
    {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "webrtc: NSS_InitContext() failed, libsrtp2 will "
                      "initialize NSS itself");
    }

#endif

    rc = srtp_init();
    if (rc != srtp_err_status_ok) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "webrtc: srtp_init() failed: %d", (int) rc);
        return NGX_ERROR;
    }

    ngx_webrtc_srtp_initialized = 1;

    return NGX_OK;
}


/*
 * keys: as exported for DTLS-SRTP (RFC 5764 4.2): client key, server key,
 * client salt, server salt.  We are the DTLS server.
 */
ngx_webrtc_srtp_t *
ngx_webrtc_srtp_create(ngx_webrtc_session_t *s, ngx_uint_t gcm, u_char *keys,
    size_t keys_len)
{
    size_t               key_len, salt_len;
    srtp_policy_t        policy;
    srtp_err_status_t    rc;
    ngx_pool_cleanup_t  *cln;
    ngx_webrtc_srtp_t   *srtp;
    u_char               remote[16 + 14], local[16 + 14];

    key_len = 16;
    salt_len = gcm ? 12 : 14;

    if (keys_len != 2 * (key_len + salt_len)) {
        return NULL;
    }

    ngx_memcpy(remote, keys, key_len);
    ngx_memcpy(remote + key_len, keys + 2 * key_len, salt_len);
    ngx_memcpy(local, keys + key_len, key_len);
    ngx_memcpy(local + key_len, keys + 2 * key_len + salt_len, salt_len);

    srtp = ngx_pcalloc(s->pool, sizeof(ngx_webrtc_srtp_t));
    if (srtp == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(s->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_webrtc_srtp_cleanup;
    cln->data = srtp;

    ngx_memzero(&policy, sizeof(srtp_policy_t));

    if (gcm) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);

    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }

    policy.window_size = NGX_WEBRTC_SRTP_REPLAY_WINDOW;
    policy.allow_repeat_tx = 0;
    policy.next = NULL;

    policy.ssrc.type = ssrc_any_inbound;
    policy.key = remote;

    rc = srtp_create(&srtp->in, &policy);
    if (rc != srtp_err_status_ok) {
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "webrtc srtp: srtp_create(inbound) failed: %d",
                      (int) rc);
        srtp->in = NULL;
        goto failed;
    }

    policy.ssrc.type = ssrc_any_outbound;
    policy.key = local;

    /* retransmissions (NACK answers) repeat sequence numbers on purpose */
    policy.allow_repeat_tx = 1;

    rc = srtp_create(&srtp->out, &policy);
    if (rc != srtp_err_status_ok) {
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "webrtc srtp: srtp_create(outbound) failed: %d",
                      (int) rc);
        srtp->out = NULL;
        goto failed;
    }

    ngx_explicit_memzero(remote, sizeof(remote));
    ngx_explicit_memzero(local, sizeof(local));

    return srtp;

failed:

    ngx_explicit_memzero(remote, sizeof(remote));
    ngx_explicit_memzero(local, sizeof(local));

    return NULL;
}


static void
ngx_webrtc_srtp_cleanup(void *data)
{
    ngx_webrtc_srtp_t  *srtp = data;

    ngx_webrtc_srtp_free(srtp);
}


void
ngx_webrtc_srtp_free(ngx_webrtc_srtp_t *srtp)
{
    if (srtp->in) {
        srtp_dealloc(srtp->in);
        srtp->in = NULL;
    }

    if (srtp->out) {
        srtp_dealloc(srtp->out);
        srtp->out = NULL;
    }
}


ngx_int_t
ngx_webrtc_srtp_unprotect(ngx_webrtc_srtp_t *srtp, u_char *buf, size_t *len,
    ngx_uint_t rtcp)
{
    int                n;
    srtp_err_status_t  rc;

    if (*len > NGX_WEBRTC_MTU) {
        return NGX_ERROR;
    }

    n = (int) *len;

    rc = rtcp ? srtp_unprotect_rtcp(srtp->in, buf, &n)
              : srtp_unprotect(srtp->in, buf, &n);

    if (rc != srtp_err_status_ok) {
        return rc == srtp_err_status_replay_fail
               || rc == srtp_err_status_replay_old ? NGX_DECLINED : NGX_ERROR;
    }

    *len = (size_t) n;

    return NGX_OK;
}


/* buf must have SRTP_MAX_TRAILER_LEN bytes of room after *len */
/*
 * Fan-out touches thousands of viewers' contexts, each once per packet:
 * the context libsrtp2 starts from is asked for ahead of its use.
 */
void
ngx_webrtc_srtp_prefetch(ngx_webrtc_srtp_t *srtp)
{
    ngx_webrtc_prefetch(srtp->out);
}


ngx_int_t
ngx_webrtc_srtp_protect(ngx_webrtc_srtp_t *srtp, u_char *buf, size_t *len,
    ngx_uint_t rtcp)
{
    int                n;
    srtp_err_status_t  rc;

    n = (int) *len;

    rc = rtcp ? srtp_protect_rtcp(srtp->out, buf, &n)
              : srtp_protect(srtp->out, buf, &n);

    if (rc != srtp_err_status_ok) {
        return NGX_ERROR;
    }

    *len = (size_t) n;

    return NGX_OK;
}
