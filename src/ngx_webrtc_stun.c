
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * ICE-lite's STUN checks and replies on libnice's STUN API, apart from the
 * sessions they are about: ngx_webrtc_ice.c looks the sessions up and acts
 * on a valid check.  Everything here reads bytes a peer sent; libnice
 * checks the message's layout before anything here reads an attribute.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_webrtc_stun.h"


/* RFC 5389: the header; MESSAGE-INTEGRITY and FINGERPRINT; a 487 error
   response: header, ERROR-CODE "Role conflict", and those two */
#define NGX_WEBRTC_STUN_HEADER_LEN   20
#define NGX_WEBRTC_STUN_TRAILER_LEN  (24 + 8)
#define NGX_WEBRTC_STUN_ERROR_LEN                                             \
    (NGX_WEBRTC_STUN_HEADER_LEN + 4 + 4 + 16 + NGX_WEBRTC_STUN_TRAILER_LEN)


typedef struct {
    ngx_webrtc_stun_lookup_pt   lookup;
    void                       *data;
} ngx_webrtc_stun_ctx_t;


static bool ngx_webrtc_stun_validater(StunAgent *agent, StunMessage *message,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data);


/* what a connectivity check may carry: anything else comprehension-required
   is refused (RFC 5389 7.3.1) */

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


void
ngx_webrtc_stun_init(StunAgent *agent)
{
    stun_agent_init(agent, ngx_webrtc_stun_known, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                    | STUN_AGENT_USAGE_USE_FINGERPRINT);
}


ngx_int_t
ngx_webrtc_stun_username(u_char *p, size_t len, ngx_str_t *ours,
    ngx_str_t *theirs)
{
    u_char  *colon;

    /* USERNAME is "<our ufrag>:<their ufrag>" (RFC 8445 7.2.2) */

    if (p == NULL) {
        return NGX_DECLINED;
    }

    colon = ngx_strlchr(p, p + len, ':');
    if (colon == NULL) {
        return NGX_DECLINED;
    }

    ours->data = p;
    ours->len = colon - p;
    theirs->data = colon + 1;
    theirs->len = p + len - theirs->data;

    return NGX_OK;
}


StunValidationStatus
ngx_webrtc_stun_validate(StunAgent *agent, StunMessage *req, u_char *buf,
    size_t len, ngx_webrtc_stun_lookup_pt lookup, void *data)
{
    ngx_webrtc_stun_ctx_t  ctx;

    ctx.lookup = lookup;
    ctx.data = data;

    return stun_agent_validate(agent, req, buf, len,
                               ngx_webrtc_stun_validater, &ctx);
}


static bool
ngx_webrtc_stun_validater(StunAgent *agent, StunMessage *message,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data)
{
    ngx_webrtc_stun_ctx_t *ctx = user_data;

    uint16_t   mi_len;
    ngx_str_t  ours, theirs, pwd;

    /*
     * libnice compares 20 bytes from the start of MESSAGE-INTEGRITY's
     * value whatever its length says: it takes one of 17 bytes, and reads
     * up to 12 bytes past the datagram after a shorter one.  RFC 5389
     * 15.4: it is 20 bytes.
     */

    if (stun_message_find(message, STUN_ATTRIBUTE_MESSAGE_INTEGRITY, &mi_len)
        == NULL
        || mi_len != 20)
    {
        return false;
    }

    if (ngx_webrtc_stun_username(username, username_len, &ours, &theirs)
        != NGX_OK)
    {
        return false;
    }

    if (ctx->lookup(ctx->data, &ours, &theirs, &pwd) != NGX_OK
        || pwd.len == 0)
    {
        return false;
    }

    *password = pwd.data;
    *password_len = pwd.len;

    return true;
}


ngx_uint_t
ngx_webrtc_stun_is_binding_request(StunMessage *req)
{
    return stun_message_get_class(req) == STUN_REQUEST
           && stun_message_get_method(req) == STUN_BINDING;
}


StunUsageIceReturn
ngx_webrtc_stun_reply(StunAgent *agent, StunMessage *req, u_char *buf,
    size_t *len, struct sockaddr *sa, socklen_t salen, uint64_t tie_breaker)
{
    bool                     control;
    size_t                   need;
    uint16_t                 ulen;
    uint64_t                 q;
    StunMessage              resp;
    struct sockaddr_storage  ss;

    /*
     * libnice asserts, and so aborts the worker, when the response has
     * room for its attributes but not for MESSAGE-INTEGRITY and
     * FINGERPRINT: refuse a buffer short of the reply first.  It is a 487
     * when the peer claims the controlled role too with a larger
     * tie-breaker (RFC 8445 7.3.1.1), else a success response with
     * XOR-MAPPED-ADDRESS and USERNAME.
     */

    if (stun_message_find64(req, STUN_ATTRIBUTE_ICE_CONTROLLED, &q)
        == STUN_MESSAGE_RETURN_SUCCESS
        && tie_breaker < q)
    {
        need = NGX_WEBRTC_STUN_ERROR_LEN;

    } else {
        ulen = 0;
        (void) stun_message_find(req, STUN_ATTRIBUTE_USERNAME, &ulen);

        need = NGX_WEBRTC_STUN_HEADER_LEN
               + 4 + (sa->sa_family == AF_INET6 ? 20 : 8)
               + 4 + ngx_align((size_t) ulen, 4)
               + NGX_WEBRTC_STUN_TRAILER_LEN;
    }

    if (*len < need) {
        *len = 0;
        return STUN_USAGE_ICE_RETURN_MEMORY_ERROR;
    }

    ngx_memzero(&ss, sizeof(ss));
    ngx_memcpy(&ss, sa, ngx_min((size_t) salen, sizeof(ss)));

    /* a lite agent is always the controlled one (RFC 8445 6.1.1) */

    control = false;

    return stun_usage_ice_conncheck_create_reply(agent, req, &resp, buf, len,
                                          &ss, salen, &control, tie_breaker,
                                          STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}
