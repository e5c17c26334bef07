
/*
 * Copyright (C) ngx_webrtc authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc_call.h"


ngx_int_t
ngx_http_webrtc_peer_offer(ngx_http_webrtc_call_peer_t *lp, ngx_str_t *sdp,
    ngx_webrtc_json_t *tracks)
{
    return ngx_http_webrtc_call_error(lp, "bad-sdp", "not yet");
}


ngx_int_t
ngx_http_webrtc_peer_answer(ngx_http_webrtc_call_peer_t *lp, ngx_str_t *sdp,
    int64_t seq)
{
    return ngx_http_webrtc_call_error(lp, "bad-sdp", "not yet");
}


void
ngx_http_webrtc_peer_sync(ngx_http_webrtc_call_peer_t *lp)
{
}


void
ngx_http_webrtc_peer_close(ngx_http_webrtc_call_peer_t *lp)
{
}
