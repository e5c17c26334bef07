
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The STUN side of ICE-lite (RFC 8445 2.5, RFC 5389) on libnice's STUN API:
 * the checks of a connectivity check and the reply to it, with the session
 * lookup left to the caller (ngx_webrtc_ice.c).
 *
 * Layer 1: no I/O, no allocation, no nginx function calls, so that the fuzz
 * target t/fuzz/fuzz_stun.c links it alone.
 */


#ifndef _NGX_WEBRTC_STUN_H_INCLUDED_
#define _NGX_WEBRTC_STUN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <stun/stunagent.h>
#include <stun/usages/ice.h>


/* the buffer a reply is built in: larger than any reply to a USERNAME of
   our ufrag and a remote ufrag of NGX_WEBRTC_REMOTE_UFRAG_LEN */
#define NGX_WEBRTC_STUN_REPLY_SIZE  512


/*
 * The password of the session a USERNAME "<ours>:<theirs>" names: NGX_OK
 * with pwd set (it must stay put until the reply is built), anything else
 * for none.
 */
typedef ngx_int_t (*ngx_webrtc_stun_lookup_pt)(void *data, ngx_str_t *ours,
    ngx_str_t *theirs, ngx_str_t *pwd);


/* an agent with short-term credentials and FINGERPRINT (RFC 8445 7.2.2) */
void ngx_webrtc_stun_init(StunAgent *agent);

/*
 * Splits a USERNAME at its first colon into our ufrag and theirs: NGX_OK,
 * or NGX_DECLINED when there is no colon.
 */
ngx_int_t ngx_webrtc_stun_username(u_char *p, size_t len, ngx_str_t *ours,
    ngx_str_t *theirs);

/*
 * Validates a datagram with libnice: a STUN message of exactly len bytes
 * with the magic cookie and a right FINGERPRINT; a request with USERNAME
 * and a MESSAGE-INTEGRITY that verifies with the password lookup() gives
 * for it; no unknown comprehension-required attribute.  Returns libnice's
 * status, STUN_VALIDATION_SUCCESS when valid; req then points into buf.
 */
StunValidationStatus ngx_webrtc_stun_validate(StunAgent *agent,
    StunMessage *req, u_char *buf, size_t len,
    ngx_webrtc_stun_lookup_pt lookup, void *data);

/* a binding request: the only message ICE-lite answers */
ngx_uint_t ngx_webrtc_stun_is_binding_request(StunMessage *req);

/*
 * Builds into buf of *len bytes the reply to a validated binding request,
 * as the controlled agent: a success response with XOR-MAPPED-ADDRESS of
 * sa, the request's USERNAME, MESSAGE-INTEGRITY with the request's password
 * and FINGERPRINT; or, on a role conflict we lose, a 487 error response.
 * Sets *len to the reply's length (0: none) and returns libnice's status:
 * STUN_USAGE_ICE_RETURN_SUCCESS or _ROLE_CONFLICT for a valid check;
 * _MEMORY_ERROR, with no reply, when the reply does not fit.
 */
StunUsageIceReturn ngx_webrtc_stun_reply(StunAgent *agent, StunMessage *req,
    u_char *buf, size_t *len, struct sockaddr *sa, socklen_t salen,
    uint64_t tie_breaker);


#endif /* _NGX_WEBRTC_STUN_H_INCLUDED_ */
