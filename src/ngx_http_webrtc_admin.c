
/*
 * Copyright (C) ngx_webrtc authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc_call.h"


ngx_int_t
ngx_http_webrtc_admin_handler(ngx_http_request_t *r)
{
    return NGX_HTTP_NOT_IMPLEMENTED;
}
