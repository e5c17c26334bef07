
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * GET /webrtc/status: the whole server's rooms and sessions as JSON, read
 * from shared memory, whichever worker answers.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc.h"


ngx_int_t
ngx_http_webrtc_status_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;
    ngx_str_t  json, v;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_webrtc_status_json(r->pool, &json);

    if (rc == NGX_DECLINED) {
        ngx_str_set(&json, "{\"workers\":0,\"rooms\":[],\"sessions\":[]}\n");

    } else if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&v, "no-store");

    if (ngx_http_webrtc_add_header(r, "Cache-Control", &v) != NGX_OK
        || ngx_http_webrtc_add_cors(r) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_webrtc_reply(r, NGX_HTTP_OK, "application/json", &json);
}
