
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The WebSocket transport of the signaling: the RFC 6455 upgrade of an
 * HTTP/1.1 request, then the connection read with the frame reader of
 * ngx_webrtc_ws.c and written from a bounded queue of frames.  Whole text
 * messages go up to the room protocol (ngx_http_webrtc_call.c); a slow
 * reader whose queue outgrows its limit is closed with 1008, a message over
 * the limit with 1009.  Pings every 30 s keep the connection alive through
 * NATs and find dead peers.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/evp.h>

#include "ngx_http_webrtc_ws.h"


#define NGX_HTTP_WEBRTC_WS_READ     4096
#define NGX_HTTP_WEBRTC_WS_PING     30000   /* ms between our pings */
#define NGX_HTTP_WEBRTC_WS_IDLE     75000   /* ms of silence: dead */
#define NGX_HTTP_WEBRTC_WS_LINGER   2000    /* ms for a close to go out */


typedef struct {
    ngx_queue_t                 queue;
    size_t                      len;
    size_t                      sent;
    u_char                      data[1];
} ngx_http_webrtc_ws_frame_t;


static ngx_int_t ngx_http_webrtc_ws_accept(ngx_str_t *key,
    ngx_str_t *accept);
static ngx_int_t ngx_http_webrtc_ws_check_origin(ngx_http_request_t *r);
static ngx_table_elt_t *ngx_http_webrtc_ws_header(ngx_http_request_t *r,
    const char *name);
static void ngx_http_webrtc_ws_read_handler(ngx_http_request_t *r);
static void ngx_http_webrtc_ws_write_handler(ngx_http_request_t *r);
static void ngx_http_webrtc_ws_input(ngx_http_webrtc_ws_t *ws, u_char *pos,
    u_char *last);
static ngx_int_t ngx_http_webrtc_ws_queue(ngx_http_webrtc_ws_t *ws,
    ngx_uint_t opcode, u_char *data, size_t len);
static void ngx_http_webrtc_ws_flush(ngx_http_webrtc_ws_t *ws);
static void ngx_http_webrtc_ws_drop_unsent(ngx_http_webrtc_ws_t *ws);
static void ngx_http_webrtc_ws_timer(ngx_event_t *ev);
static void ngx_http_webrtc_ws_set_done(ngx_http_webrtc_ws_t *ws);
static void ngx_http_webrtc_ws_finish(ngx_http_webrtc_ws_t *ws);
static void ngx_http_webrtc_ws_cleanup(void *data);


/*
 * The location handler's part: checks the upgrade request, answers 101 and
 * takes the connection over.  Returns what the handler returns.
 */
ngx_int_t
ngx_http_webrtc_ws_upgrade(ngx_http_request_t *r, size_t max_message,
    size_t max_queue, ngx_http_webrtc_ws_t **out)
{
    ngx_str_t               accept;
    ngx_table_elt_t        *h, *conn, *key, *version;
    ngx_pool_cleanup_t     *cln;
    ngx_http_webrtc_ws_t   *ws;

    if (r->method != NGX_HTTP_GET) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->http_version != NGX_HTTP_VERSION_11) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc ws: not HTTP/1.1");
        return NGX_HTTP_BAD_REQUEST;
    }

    /* nginx 1.22 keeps no pointer to Connection: look for it */

    h = ngx_http_webrtc_ws_header(r, "Upgrade");
    conn = ngx_http_webrtc_ws_header(r, "Connection");
    key = ngx_http_webrtc_ws_header(r, "Sec-WebSocket-Key");
    version = ngx_http_webrtc_ws_header(r, "Sec-WebSocket-Version");

    if (h == NULL
        || ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                            (u_char *) "websocket", 9 - 1) == NULL
        || conn == NULL
        || ngx_strlcasestrn(conn->value.data,
                            conn->value.data + conn->value.len,
                            (u_char *) "upgrade", 7 - 1) == NULL
        || key == NULL || key->value.len != 24)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc ws: not a WebSocket upgrade request");
        return NGX_HTTP_BAD_REQUEST;
    }

    if (version == NULL || version->value.len != 2
        || ngx_strncmp(version->value.data, "13", 2) != 0)
    {
        ngx_str_set(&accept, "13");

        if (ngx_http_webrtc_add_header(r, "Sec-WebSocket-Version", &accept)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return 426;     /* Upgrade Required */
    }

    if (ngx_http_webrtc_ws_check_origin(r) != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "webrtc ws: origin not allowed");
        return NGX_HTTP_FORBIDDEN;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ws = ngx_pcalloc(r->pool, sizeof(ngx_http_webrtc_ws_t));
    if (ws == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ws->reader.buf = ngx_palloc(r->pool, max_message);
    if (ws->reader.buf == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ws->reader.size = max_message;
    ngx_webrtc_ws_reader_init(&ws->reader);

    ws->request = r;
    ws->connection = r->connection;
    ws->max_queue = max_queue;
    ngx_queue_init(&ws->out);

    ws->timer.handler = ngx_http_webrtc_ws_timer;
    ws->timer.data = ws;
    ws->timer.log = r->connection->log;
    ws->timer.cancelable = 1;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_webrtc_ws_cleanup;
    cln->data = ws;

    accept.data = ngx_pnalloc(r->pool, ngx_base64_encoded_length(20));
    if (accept.data == NULL
        || ngx_http_webrtc_ws_accept(&key->value, &accept) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&r->headers_out.status_line, "101 Switching Protocols");
    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;

    ngx_str_set(&h->value, "websocket");

    if (ngx_http_webrtc_add_header(r, "Upgrade", &h->value) != NGX_OK
        || ngx_http_webrtc_add_header(r, "Sec-WebSocket-Accept", &accept)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_send_header(r) == NGX_ERROR
        || ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR)
    {
        return NGX_ERROR;
    }

    ngx_http_set_ctx(r, ws, ngx_http_webrtc_module);

    r->main->count++;
    r->read_event_handler = ngx_http_webrtc_ws_read_handler;
    r->write_event_handler = ngx_http_webrtc_ws_write_handler;

    ws->last_heard = ngx_current_msec;
    ngx_add_timer(&ws->timer, NGX_HTTP_WEBRTC_WS_PING);

    *out = ws;

    return NGX_DONE;
}


/* after the 101: what the client sent with the request, and reading on */
void
ngx_http_webrtc_ws_start(ngx_http_webrtc_ws_t *ws)
{
    ngx_buf_t           *b;
    ngx_http_request_t  *r;

    r = ws->request;
    b = r->header_in;

    if (b && b->pos < b->last) {
        ngx_http_webrtc_ws_input(ws, b->pos, b->last);
        b->pos = b->last;
    }

    if (!ws->closed && r->connection->read->ready) {
        ngx_http_webrtc_ws_read_handler(r);
    }
}


/* Sec-WebSocket-Accept: base64(SHA-1(key + GUID)) */
static ngx_int_t
ngx_http_webrtc_ws_accept(ngx_str_t *key, ngx_str_t *accept)
{
    ngx_str_t     digest;
    unsigned int  n;
    u_char        buf[64], md[EVP_MAX_MD_SIZE];

    ngx_memcpy(buf, key->data, 24);
    ngx_memcpy(buf + 24, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);

    if (EVP_Digest(buf, 60, md, &n, EVP_sha1(), NULL) != 1) {
        return NGX_ERROR;
    }

    digest.data = md;
    digest.len = n;

    ngx_encode_base64(accept, &digest);

    return NGX_OK;
}


/*
 * With webrtc_allow_origin set to an origin, a browser's upgrade must come
 * from it (a request without Origin is not from a browser page: allowed).
 */
static ngx_int_t
ngx_http_webrtc_ws_check_origin(ngx_http_request_t *r)
{
    ngx_table_elt_t             *origin;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (wlcf->allow_origin.len == 0
        || ngx_strcmp(wlcf->allow_origin.data, "*") == 0
        || ngx_strcmp(wlcf->allow_origin.data, "off") == 0)
    {
        return NGX_OK;
    }

    origin = ngx_http_webrtc_ws_header(r, "Origin");

    if (origin == NULL) {
        return NGX_OK;
    }

    if (origin->value.len == wlcf->allow_origin.len
        && ngx_strncasecmp(origin->value.data, wlcf->allow_origin.data,
                           origin->value.len) == 0)
    {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


static ngx_table_elt_t *
ngx_http_webrtc_ws_header(ngx_http_request_t *r, const char *name)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


static void
ngx_http_webrtc_ws_read_handler(ngx_http_request_t *r)
{
    ssize_t                n;
    ngx_connection_t      *c;
    ngx_http_webrtc_ws_t  *ws;
    u_char                 buf[NGX_HTTP_WEBRTC_WS_READ];

    c = r->connection;
    ws = ngx_http_get_module_ctx(r, ngx_http_webrtc_module);

    if (ws == NULL || ws->finished) {
        return;
    }

    while (!ws->done) {

        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                           "webrtc ws: the client closed the connection");
            ngx_http_webrtc_ws_set_done(ws);
            break;
        }

        ws->last_heard = ngx_current_msec;

        if (!ws->closing) {
            ngx_http_webrtc_ws_input(ws, buf, buf + n);
        }
    }

    if (!ws->done && ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_http_webrtc_ws_set_done(ws);
    }

    if (ws->done) {
        ngx_http_webrtc_ws_finish(ws);
    }
}


static void
ngx_http_webrtc_ws_input(ngx_http_webrtc_ws_t *ws, u_char *pos,
    u_char *last)
{
    ngx_int_t                 rc;
    ngx_uint_t                code;
    const char               *err;
    ngx_webrtc_ws_message_t   msg;

    while (!ws->closing && !ws->done) {

        rc = ngx_webrtc_ws_read(&ws->reader, &pos, last, &msg, &code, &err);

        if (rc == NGX_AGAIN) {
            return;
        }

        if (rc == NGX_ERROR) {
            ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                          "webrtc ws: %s, closing with %ui", err, code);
            ngx_http_webrtc_ws_close(ws, code, err);
            return;
        }

        switch (msg.opcode) {

        case NGX_WEBRTC_WS_TEXT:
            if (ws->message_handler) {
                ws->message_handler(ws, msg.data, msg.len);
            }

            break;

        case NGX_WEBRTC_WS_BINARY:
            ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                          "webrtc ws: a binary message, closing with 1003");
            ngx_http_webrtc_ws_close(ws, NGX_WEBRTC_WS_UNSUPPORTED,
                                     "binary messages are not accepted");
            return;

        case NGX_WEBRTC_WS_PING:
            (void) ngx_http_webrtc_ws_queue(ws, NGX_WEBRTC_WS_PONG,
                                            msg.data, msg.len);
            ngx_http_webrtc_ws_flush(ws);
            break;

        case NGX_WEBRTC_WS_CLOSE:
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ws->connection->log, 0,
                           "webrtc ws: close %ui from the client",
                           msg.close_code);
            ngx_http_webrtc_ws_close(ws,
                                     msg.close_code == 1005
                                     ? NGX_WEBRTC_WS_NORMAL : msg.close_code,
                                     "");
            return;

        default: /* PONG */
            break;
        }
    }
}


ngx_int_t
ngx_http_webrtc_ws_send(ngx_http_webrtc_ws_t *ws, u_char *data, size_t len)
{
    if (ws->closing || ws->done) {
        return NGX_ERROR;
    }

    if (ws->queued + len > ws->max_queue) {
        ngx_log_error(NGX_LOG_WARN, ws->connection->log, 0,
                      "webrtc ws: the client reads too slowly "
                      "(%uz bytes queued), closing with 1008", ws->queued);

        /* what it has not begun to read is dropped: the close is next */
        ngx_http_webrtc_ws_drop_unsent(ws);

        ngx_http_webrtc_ws_close(ws, NGX_WEBRTC_WS_POLICY,
                                 "reading too slowly");
        return NGX_ERROR;
    }

    if (ngx_http_webrtc_ws_queue(ws, NGX_WEBRTC_WS_TEXT, data, len)
        != NGX_OK)
    {
        ngx_http_webrtc_ws_set_done(ws);
        return NGX_ERROR;
    }

    ngx_http_webrtc_ws_flush(ws);

    return NGX_OK;
}


/*
 * Queues our close frame; the connection is closed once it is written,
 * or after a short linger when the client does not read.
 */
void
ngx_http_webrtc_ws_close(ngx_http_webrtc_ws_t *ws, ngx_uint_t code,
    const char *reason)
{
    size_t  len;
    u_char  frame[128];

    if (ws->closing || ws->done) {
        return;
    }

    ws->closing = 1;

    len = ngx_webrtc_ws_close_frame(frame, code, reason);

    if (ngx_http_webrtc_ws_queue(ws, NGX_WEBRTC_WS_CLOSE, frame, len)
        != NGX_OK)
    {
        ngx_http_webrtc_ws_set_done(ws);
        return;
    }

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    ngx_add_timer(&ws->timer, NGX_HTTP_WEBRTC_WS_LINGER);

    ngx_http_webrtc_ws_flush(ws);

    if (ngx_queue_empty(&ws->out)) {
        ngx_http_webrtc_ws_set_done(ws);
    }
}


static void
ngx_http_webrtc_ws_drop_unsent(ngx_http_webrtc_ws_t *ws)
{
    ngx_queue_t                 *q, *next;
    ngx_http_webrtc_ws_frame_t  *f;

    for (q = ngx_queue_head(&ws->out);
         q != ngx_queue_sentinel(&ws->out);
         q = next)
    {
        next = ngx_queue_next(q);
        f = ngx_queue_data(q, ngx_http_webrtc_ws_frame_t, queue);

        if (f->sent == 0) {
            ngx_queue_remove(q);
            ws->queued -= f->len;
            ngx_free(f);
        }
    }
}


/* opcode NGX_WEBRTC_WS_CLOSE: data is a whole frame already */
static ngx_int_t
ngx_http_webrtc_ws_queue(ngx_http_webrtc_ws_t *ws, ngx_uint_t opcode,
    u_char *data, size_t len)
{
    size_t                       hlen;
    ngx_http_webrtc_ws_frame_t  *f;

    f = ngx_alloc(sizeof(ngx_http_webrtc_ws_frame_t)
                  + NGX_WEBRTC_WS_MAX_HEADER + len, ws->connection->log);
    if (f == NULL) {
        return NGX_ERROR;
    }

    hlen = (opcode == NGX_WEBRTC_WS_CLOSE)
           ? 0 : ngx_webrtc_ws_frame_header(f->data, opcode, len);

    /* our ping has no payload and no pointer: memcpy() must not see it */
    if (len) {
        ngx_memcpy(f->data + hlen, data, len);
    }

    f->len = hlen + len;
    f->sent = 0;

    ngx_queue_insert_tail(&ws->out, &f->queue);
    ws->queued += f->len;

    return NGX_OK;
}


static void
ngx_http_webrtc_ws_flush(ngx_http_webrtc_ws_t *ws)
{
    ssize_t                      n;
    ngx_queue_t                 *q;
    ngx_connection_t            *c;
    ngx_http_webrtc_ws_frame_t  *f;

    c = ws->connection;

    if (ws->finished) {
        return;
    }

    /* the 101 response first, if the socket did not take it at once */

    if (ws->request->out || c->buffered) {
        if (ngx_http_output_filter(ws->request, NULL) == NGX_ERROR) {
            ngx_http_webrtc_ws_set_done(ws);
            return;
        }

        if (ws->request->out || c->buffered) {
            goto again;
        }
    }

    while (!ngx_queue_empty(&ws->out)) {
        q = ngx_queue_head(&ws->out);
        f = ngx_queue_data(q, ngx_http_webrtc_ws_frame_t, queue);

        n = c->send(c, f->data + f->sent, f->len - f->sent);

        if (n == NGX_AGAIN) {
            goto again;
        }

        if (n == NGX_ERROR) {
            ngx_http_webrtc_ws_set_done(ws);
            return;
        }

        f->sent += n;

        if (f->sent < f->len) {
            goto again;
        }

        ngx_queue_remove(q);
        ws->queued -= f->len;
        ngx_free(f);
    }

    if (ws->closing) {
        ngx_http_webrtc_ws_set_done(ws);
    }

    return;

again:

    if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
        ngx_http_webrtc_ws_set_done(ws);
    }
}


static void
ngx_http_webrtc_ws_write_handler(ngx_http_request_t *r)
{
    ngx_http_webrtc_ws_t  *ws;

    ws = ngx_http_get_module_ctx(r, ngx_http_webrtc_module);

    if (ws == NULL || ws->finished) {
        return;
    }

    ngx_http_webrtc_ws_flush(ws);

    if (ws->done) {
        ngx_http_webrtc_ws_finish(ws);
    }
}


static void
ngx_http_webrtc_ws_timer(ngx_event_t *ev)
{
    ngx_http_webrtc_ws_t  *ws = ev->data;

    if (ws->done) {
        /* set outside our handlers: see ngx_http_webrtc_ws_set_done() */

    } else if (ws->closing) {
        /* the client did not take our close frame in time */
        ngx_http_webrtc_ws_set_done(ws);

    } else if (ngx_current_msec - ws->last_heard
               >= NGX_HTTP_WEBRTC_WS_IDLE)
    {
        ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                      "webrtc ws: nothing from the client in %M ms",
                      (ngx_msec_t) NGX_HTTP_WEBRTC_WS_IDLE);
        ngx_http_webrtc_ws_close(ws, NGX_WEBRTC_WS_GOING_AWAY, "timeout");

    } else {
        if (ngx_http_webrtc_ws_queue(ws, NGX_WEBRTC_WS_PING, NULL, 0)
            != NGX_OK)
        {
            ngx_http_webrtc_ws_set_done(ws);

        } else {
            ngx_http_webrtc_ws_flush(ws);
            ngx_add_timer(ev, NGX_HTTP_WEBRTC_WS_PING);
        }
    }

    if (ws->done) {
        ngx_http_webrtc_ws_finish(ws);
    }
}


/*
 * The connection is to be closed: by the handler that runs now, or, when
 * the room protocol closed it from elsewhere (a mailbox message), by the
 * timer on the next turn of the event loop.
 */
static void
ngx_http_webrtc_ws_set_done(ngx_http_webrtc_ws_t *ws)
{
    if (ws->done) {
        return;
    }

    ws->done = 1;

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    ngx_add_timer(&ws->timer, 1);
}


/* from an event handler only: the request and ws are gone after this */
static void
ngx_http_webrtc_ws_finish(ngx_http_webrtc_ws_t *ws)
{
    if (ws->finished) {
        return;
    }

    ws->finished = 1;

    if (!ws->closed) {
        ws->closed = 1;

        if (ws->close_handler) {
            ws->close_handler(ws);
        }
    }

    ngx_http_finalize_request(ws->request, NGX_DONE);
}


static void
ngx_http_webrtc_ws_cleanup(void *data)
{
    ngx_http_webrtc_ws_t  *ws = data;

    ngx_queue_t                 *q;
    ngx_http_webrtc_ws_frame_t  *f;

    if (!ws->closed) {
        ws->closed = 1;

        if (ws->close_handler) {
            ws->close_handler(ws);
        }
    }

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    while (!ngx_queue_empty(&ws->out)) {
        q = ngx_queue_head(&ws->out);
        f = ngx_queue_data(q, ngx_http_webrtc_ws_frame_t, queue);
        ngx_queue_remove(q);
        ngx_free(f);
    }

    ws->finished = 1;
}
