
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
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "ngx_webrtc_media.h"


typedef struct {
    ngx_webrtc_session_t      *session;    /* held here already */
    ngx_webrtc_session_rec_t  *rec;        /* ours to adopt, if it checks */
    u_char                     ufrag[NGX_WEBRTC_UFRAG_LEN];
    ngx_log_t                 *log;
} ngx_webrtc_ice_lookup_t;


static bool ngx_webrtc_ice_validate(StunAgent *agent, StunMessage *message,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data);
static void ngx_webrtc_ice_find_session(ngx_webrtc_ice_lookup_t *lookup,
    ngx_str_t *ufrag, ngx_str_t *remote);
static ngx_webrtc_session_t *ngx_webrtc_ice_adopt(
    ngx_webrtc_ice_lookup_t *lookup);


static StunAgent  ngx_webrtc_stun_agent;

static const uint16_t  ngx_webrtc_stun_known[] = {
    STUN_ATTRIBUTE_USERNAME,
    STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
    STUN_ATTRIBUTE_FINGERPRINT,
    STUN_ATTRIBUTE_PRIORITY,
    STUN_ATTRIBUTE_USE_CANDIDATE,
    STUN_ATTRIBUTE_ICE_CONTROLLED,
    STUN_ATTRIBUTE_ICE_CONTROLLING,
    0
};


ngx_int_t
ngx_webrtc_ice_init(void)
{
    stun_agent_init(&ngx_webrtc_stun_agent, ngx_webrtc_stun_known,
                    STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                    | STUN_AGENT_USAGE_USE_FINGERPRINT);

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
    bool                     control;
    size_t                   out_len;
    StunMessage              req, resp;
    StunValidationStatus     vs;
    StunUsageIceReturn       rc;
    ngx_webrtc_session_t    *s;
    ngx_webrtc_ice_lookup_t  lookup;
    struct sockaddr_storage  ss;
    uint8_t                  out[512];

    lookup.session = NULL;
    lookup.rec = NULL;
    lookup.log = log;

    vs = stun_agent_validate(&ngx_webrtc_stun_agent, &req, buf, len,
                             ngx_webrtc_ice_validate, &lookup);

    if (vs != STUN_VALIDATION_SUCCESS) {
        ngx_log_debug1(NGX_LOG_DEBUG_EVENT, log, 0,
                       "webrtc ice: invalid STUN message dropped: %d",
                       (int) vs);
        return;
    }

    if (stun_message_get_class(&req) != STUN_REQUEST
        || stun_message_get_method(&req) != STUN_BINDING)
    {
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

    ngx_memzero(&ss, sizeof(ss));
    ngx_memcpy(&ss, sa, ngx_min((size_t) salen, sizeof(ss)));

    control = false;
    out_len = sizeof(out);

    rc = stun_usage_ice_conncheck_create_reply(&ngx_webrtc_stun_agent, &req,
                                 &resp, out, &out_len, &ss, salen, &control,
                                 ngx_webrtc_worker.tie_breaker,
                                 STUN_USAGE_ICE_COMPATIBILITY_RFC5245);

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


static bool
ngx_webrtc_ice_validate(StunAgent *agent, StunMessage *message,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data)
{
    ngx_webrtc_ice_lookup_t *lookup = user_data;

    u_char     *colon;
    ngx_str_t   ufrag, remote;

    /* USERNAME is "<our ufrag>:<their ufrag>" */

    colon = ngx_strlchr(username, username + username_len, ':');
    if (colon == NULL) {
        return false;
    }

    ufrag.data = username;
    ufrag.len = colon - username;
    remote.data = colon + 1;
    remote.len = username + username_len - remote.data;

    ngx_webrtc_ice_find_session(lookup, &ufrag, &remote);

    if (lookup->session) {
        *password = lookup->session->pwd.data;

    } else if (lookup->rec) {
        /* the record's password stays put: only its owner frees it */
        *password = lookup->rec->pwd;

    } else {
        return false;
    }

    *password_len = NGX_WEBRTC_PWD_LEN;

    return true;
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
