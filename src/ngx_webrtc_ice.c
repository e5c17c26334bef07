
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * ICE-lite (RFC 8445 section 2.5) on libnice's STUN API: a binding request
 * is answered only when its USERNAME names one of our sessions and its
 * MESSAGE-INTEGRITY verifies with that session's password; anything else
 * gets no reply at all, so the port cannot be used for amplification.  A
 * valid check latches the peer's address (peer-reflexive: offers may carry
 * no candidates) and refreshes consent (RFC 7675).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <openssl/rand.h>

#include "ngx_webrtc_media.h"
#include "ngx_webrtc_stun.h"


typedef struct {
    ngx_webrtc_session_t      *session;    /* held here already */
    ngx_webrtc_session_rec_t  *rec;        /* ours to adopt, if it checks */
    u_char                     ufrag[NGX_WEBRTC_UFRAG_LEN];
    ngx_log_t                 *log;
} ngx_webrtc_ice_lookup_t;


static ngx_int_t ngx_webrtc_ice_lookup(void *data, ngx_str_t *ufrag,
    ngx_str_t *remote, ngx_str_t *pwd);
static void ngx_webrtc_ice_find_session(ngx_webrtc_ice_lookup_t *lookup,
    ngx_str_t *ufrag, ngx_str_t *remote);
static ngx_webrtc_session_t *ngx_webrtc_ice_adopt(
    ngx_webrtc_ice_lookup_t *lookup);


static StunAgent  ngx_webrtc_stun_agent;


ngx_int_t
ngx_webrtc_ice_init(void)
{
    ngx_webrtc_stun_init(&ngx_webrtc_stun_agent);

    if (RAND_bytes((u_char *) &ngx_webrtc_worker.tie_breaker,
                   sizeof(uint64_t))
        != 1)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_webrtc_ice_handle(u_char *buf, size_t len, struct sockaddr *sa,
    socklen_t salen, ngx_log_t *log)
{
    size_t                   out_len;
    StunMessage              req;
    StunValidationStatus     vs;
    StunUsageIceReturn       rc;
    ngx_webrtc_session_t    *s;
    ngx_webrtc_ice_lookup_t  lookup;
    uint8_t                  out[NGX_WEBRTC_STUN_REPLY_SIZE];

    lookup.session = NULL;
    lookup.rec = NULL;
    lookup.log = log;

    vs = ngx_webrtc_stun_validate(&ngx_webrtc_stun_agent, &req, buf, len,
                                  ngx_webrtc_ice_lookup, &lookup);

    if (vs != STUN_VALIDATION_SUCCESS) {
        ngx_log_debug1(NGX_LOG_DEBUG_EVENT, log, 0,
                       "webrtc ice: invalid STUN message dropped: %d",
                       (int) vs);
        return;
    }

    if (!ngx_webrtc_stun_is_binding_request(&req)) {
        return;
    }

    /*
     * A session gets local state (and its timers start) only with a check
     * that verified: a guessed ufrag with a wrong key costs us nothing.
     */

    s = lookup.session;

    if (s == NULL && lookup.rec) {
        s = ngx_webrtc_ice_adopt(&lookup);
    }

    if (s == NULL) {
        return;
    }

    out_len = sizeof(out);

    rc = ngx_webrtc_stun_reply(&ngx_webrtc_stun_agent, &req, out, &out_len,
                               sa, salen, ngx_webrtc_worker.tie_breaker);

    if (rc != STUN_USAGE_ICE_RETURN_SUCCESS
        && rc != STUN_USAGE_ICE_RETURN_ROLE_CONFLICT)
    {
        ngx_log_debug1(NGX_LOG_DEBUG_EVENT, log, 0,
                       "webrtc ice: no reply built: %d", (int) rc);
        return;
    }

    s->last_consent = ngx_current_msec;

    /*
     * Latch on the first valid check (a lite agent learns the address
     * from it), and move to the address of a nominated one.
     */

    if (!s->latched
        || stun_message_has_attribute(&req, STUN_ATTRIBUTE_USE_CANDIDATE))
    {
        ngx_webrtc_udp_latch(s, sa, salen);
    }

    if (s->rec->state == NGX_WEBRTC_STATE_NEW) {
        ngx_webrtc_session_set_state(s, NGX_WEBRTC_STATE_ICE);
    }

    if (out_len) {
        ngx_webrtc_udp_send_to(sa, salen, out, out_len);
    }
}


static ngx_int_t
ngx_webrtc_ice_lookup(void *data, ngx_str_t *ufrag, ngx_str_t *remote,
    ngx_str_t *pwd)
{
    ngx_webrtc_ice_lookup_t *lookup = data;

    ngx_webrtc_ice_find_session(lookup, ufrag, remote);

    if (lookup->session) {
        pwd->data = lookup->session->pwd.data;

    } else if (lookup->rec) {
        /* the record's password stays put: only its owner frees it */
        pwd->data = lookup->rec->pwd;

    } else {
        return NGX_DECLINED;
    }

    pwd->len = NGX_WEBRTC_PWD_LEN;

    return NGX_OK;
}


/* our sessions by ufrag: held here, or a record for this worker to adopt */
static void
ngx_webrtc_ice_find_session(ngx_webrtc_ice_lookup_t *lookup,
    ngx_str_t *ufrag, ngx_str_t *remote)
{
    ngx_str_node_t            *n;
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_session_t      *s;
    ngx_webrtc_session_rec_t  *rec;

    if (ufrag->len != NGX_WEBRTC_UFRAG_LEN) {
        return;
    }

    n = ngx_str_rbtree_lookup(&ngx_webrtc_worker.ufrags, ufrag,
                              ngx_crc32_short(ufrag->data, ufrag->len));

    if (n) {
        s = (ngx_webrtc_session_t *)
                ((u_char *) n - offsetof(ngx_webrtc_session_t, ufrag_node));

        if (remote->len == s->rec->remote_ufrag_len
            && ngx_memcmp(remote->data, s->rec->remote_ufrag, remote->len)
               == 0)
        {
            lookup->session = s;
        }

        return;
    }

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    rec = ngx_webrtc_shm_find_ufrag(ctx, ufrag);

    /*
     * During a reload an old worker with our number may still run: only
     * the process now in the slot adopts new sessions.
     */

    if (rec
        && !rec->local
        && !rec->closing
        && rec->worker == ngx_webrtc_worker.proc
        && remote->len == rec->remote_ufrag_len
        && ngx_memcmp(remote->data, rec->remote_ufrag, remote->len) == 0)
    {
        lookup->rec = rec;
        ngx_memcpy(lookup->ufrag, ufrag->data, NGX_WEBRTC_UFRAG_LEN);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


static ngx_webrtc_session_t *
ngx_webrtc_ice_adopt(ngx_webrtc_ice_lookup_t *lookup)
{
    ngx_str_t                  ufrag;
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_session_rec_t  *rec;

    ctx = ngx_webrtc_worker.shm;
    ufrag.data = lookup->ufrag;
    ufrag.len = NGX_WEBRTC_UFRAG_LEN;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    /* another worker may have deleted it since the lookup */

    rec = ngx_webrtc_shm_find_ufrag(ctx, &ufrag);

    if (rec != lookup->rec || rec->local || rec->closing
        || rec->worker != ngx_webrtc_worker.proc)
    {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NULL;
    }

    rec->local = 1;
    rec->pid = ngx_pid;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return ngx_webrtc_session_open(rec, lookup->log);
}
