
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * A WebSocket connection of the signaling, as the room protocol sees it:
 * whole text messages in through a handler, text out through a bounded
 * queue, and a close with a code.
 */


#ifndef _NGX_HTTP_WEBRTC_WS_H_INCLUDED_
#define _NGX_HTTP_WEBRTC_WS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc.h"
#include "ngx_webrtc_ws.h"


typedef struct ngx_http_webrtc_ws_s  ngx_http_webrtc_ws_t;

typedef void (*ngx_http_webrtc_ws_message_pt)(ngx_http_webrtc_ws_t *ws,
    u_char *data, size_t len);
typedef void (*ngx_http_webrtc_ws_close_pt)(ngx_http_webrtc_ws_t *ws);


struct ngx_http_webrtc_ws_s {
    ngx_http_request_t         *request;
    ngx_connection_t           *connection;
    ngx_webrtc_ws_reader_t      reader;

    ngx_queue_t                 out;         /* frames to write */
    size_t                      queued;      /* their bytes */
    size_t                      max_queue;

    ngx_event_t                 timer;       /* ping, idle, linger */
    ngx_msec_t                  last_heard;

    ngx_http_webrtc_ws_message_pt  message_handler;
    ngx_http_webrtc_ws_close_pt    close_handler;
    void                       *data;        /* the room protocol's */

    unsigned                    closing:1;   /* our close frame queued */
    unsigned                    done:1;      /* finish when back in the
                                                event loop */
    unsigned                    closed:1;    /* close_handler called */
    unsigned                    finished:1;
};


ngx_int_t ngx_http_webrtc_ws_upgrade(ngx_http_request_t *r,
    size_t max_message, size_t max_queue, ngx_http_webrtc_ws_t **out);
void ngx_http_webrtc_ws_start(ngx_http_webrtc_ws_t *ws);

/* NGX_ERROR: the queue is full, and the connection is being closed */
ngx_int_t ngx_http_webrtc_ws_send(ngx_http_webrtc_ws_t *ws, u_char *data,
    size_t len);
void ngx_http_webrtc_ws_close(ngx_http_webrtc_ws_t *ws, ngx_uint_t code,
    const char *reason);


#endif /* _NGX_HTTP_WEBRTC_WS_H_INCLUDED_ */
