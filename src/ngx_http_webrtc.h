
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The HTTP module's private header: location configuration and the helpers
 * its handlers share (CORS, tokens, ice-server Link headers, short text
 * replies).
 */


#ifndef _NGX_HTTP_WEBRTC_H_INCLUDED_
#define _NGX_HTTP_WEBRTC_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_webrtc.h"


#define NGX_HTTP_WEBRTC_MAX_SDP     65536


typedef struct {
    ngx_uint_t                  kind;        /* NGX_WEBRTC_KIND_* */
    ngx_uint_t                  placement;   /* NGX_WEBRTC_PLACE_* */
    ngx_uint_t                  spill;       /* viewers before spilling */
    ngx_http_complex_value_t   *room;
    ngx_http_complex_value_t   *token;
    ngx_array_t                *ice_servers;  /* of ngx_str_t, Link values */
    ngx_array_t                *pins;        /* of ngx_webrtc_sdp_source_t */
    ngx_uint_t                  room_max_sessions;
    ngx_flag_t                  takeover;
    ngx_str_t                   allow_origin;

    /* group calls */
    ngx_array_t                *call_rooms;  /* of
                                                ngx_http_webrtc_call_room_t */
    size_t                      ws_max_message;
    size_t                      ws_max_queue;
    ngx_str_t                   admin_token;
    ngx_flag_t                  call_whip;   /* WHIP publishers join the
                                                call of their room */
    ngx_uint_t                  max_per_client;
} ngx_http_webrtc_loc_conf_t;


extern ngx_module_t  ngx_http_webrtc_module;


ngx_int_t ngx_http_webrtc_endpoint_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_webrtc_status_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_webrtc_call_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_webrtc_admin_handler(ngx_http_request_t *r);
void ngx_http_webrtc_call_whip(ngx_http_request_t *r, ngx_str_t *room,
    ngx_webrtc_session_rec_t *rec);
void ngx_http_webrtc_call_deliver(ngx_webrtc_mail_t *m);

ngx_int_t ngx_http_webrtc_add_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value);
ngx_int_t ngx_http_webrtc_add_cors(ngx_http_request_t *r);
ngx_int_t ngx_http_webrtc_add_ice_servers(ngx_http_request_t *r);
ngx_int_t ngx_http_webrtc_check_token(ngx_http_request_t *r);
ngx_int_t ngx_http_webrtc_bearer(ngx_http_request_t *r, ngx_str_t *token);
ngx_uint_t ngx_http_webrtc_token_eq(ngx_str_t *given, ngx_str_t *token);
void ngx_http_webrtc_client(ngx_http_request_t *r,
    ngx_webrtc_session_args_t *args);
ngx_int_t ngx_http_webrtc_reply(ngx_http_request_t *r, ngx_uint_t status,
    char *type, ngx_str_t *body);
ngx_int_t ngx_http_webrtc_problem(ngx_http_request_t *r, ngx_uint_t status,
    const char *reason);


#endif /* _NGX_HTTP_WEBRTC_H_INCLUDED_ */
