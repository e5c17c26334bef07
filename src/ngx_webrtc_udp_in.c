
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The worker's input: datagrams read with recvmmsg(), control traffic
 * (STUN, DTLS, RTCP) handled as soon as it is read, RTP queued and
 * dispatched in order.
 *
 * Forwarding one packet to thousands of viewers keeps the worker from its
 * socket for milliseconds, and a keyframe is dozens of such packets.  The
 * viewers meanwhile keep sending: consent checks and receiver reports, some
 * 3,000 datagrams a second for 2,500 viewers.  Read in arrival order, they
 * wait behind the media and fill the socket, and when it overflows the
 * publisher's packets are lost with them.  So between two batches of RTP
 * fanned out (ngx_webrtc_room.c) the worker reads its socket again once it
 * has queued NGX_WEBRTC_UDP_POLL datagrams to send since it last did, until
 * it is empty: control is handled at once, RTP goes to the back of the
 * queue.  The queue holds what such stalls gather; when it has no room
 * for another batch the worker stops reading, and the socket's own buffer
 * takes the rest, as it did before.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_UDP_BATCH    32
#define NGX_WEBRTC_UDP_QUEUE    256          /* a power of 2 */
#define NGX_WEBRTC_UDP_POLL     256
#define NGX_WEBRTC_UDP_BUDGET   32768        /* sent + read per call */


typedef struct {
    ngx_sockaddr_t          sa;
    socklen_t               salen;
    size_t                  len;
    u_char                  data[NGX_WEBRTC_MTU];
} ngx_webrtc_udp_in_t;


static ngx_int_t ngx_webrtc_udp_read(ngx_connection_t *c);
static void ngx_webrtc_udp_dispatch(ngx_webrtc_udp_in_t *in, ngx_uint_t type,
    ngx_log_t *log);


/*
 * A batch is read into ngx_webrtc_udp_batch; its RTP is copied to the
 * queue, whose slots head .. tail - 1 (mod QUEUE) wait to be dispatched.
 * Both go back to 0 whenever the queue empties, so that only as many slots
 * as a stall fills are ever touched.
 */
static ngx_webrtc_udp_in_t  ngx_webrtc_udp_batch[NGX_WEBRTC_UDP_BATCH];
static ngx_webrtc_udp_in_t  ngx_webrtc_udp_queue[NGX_WEBRTC_UDP_QUEUE];
static ngx_uint_t           ngx_webrtc_udp_head;
static ngx_uint_t           ngx_webrtc_udp_tail;
static ngx_uint_t           ngx_webrtc_udp_read_at;  /* sends at last read */
static ngx_uint_t           ngx_webrtc_udp_nread;    /* datagrams, ever */


void
ngx_webrtc_udp_read_handler(ngx_event_t *rev)
{
    ngx_int_t             rc;
    ngx_uint_t            start;
    ngx_connection_t     *c;
    ngx_webrtc_udp_in_t  *in;

    c = rev->data;
    start = ngx_webrtc_worker.sends + ngx_webrtc_udp_nread;

    /*
     * nginx's epoll is edge-triggered: go on until the socket is empty and
     * the queue too.  rc is what the last read said of the socket.
     */

    rc = NGX_OK;

    for ( ;; ) {

        /*
         * A worker that media keeps busy (a keyframe for 2500 viewers is
         * 80,000 datagrams) or that a flood keeps reading still lets its
         * timers and HTTP connections run: after a budget of datagrams
         * sent and read it goes on at the event loop's next turn.
         */

        if (ngx_webrtc_worker.sends + ngx_webrtc_udp_nread - start
            >= NGX_WEBRTC_UDP_BUDGET)
        {
            ngx_webrtc_room_fan_out();
            ngx_post_event(rev, &ngx_posted_next_events);
            return;
        }

        if (ngx_webrtc_udp_head == ngx_webrtc_udp_tail) {

            /* the packets dispatched point into the queue: send them now */

            ngx_webrtc_room_fan_out();

            if (rc == NGX_DONE) {
                break;
            }

            ngx_webrtc_udp_head = 0;
            ngx_webrtc_udp_tail = 0;

            rc = ngx_webrtc_udp_read(c);
            continue;
        }

        in = &ngx_webrtc_udp_queue[ngx_webrtc_udp_head++
                                   & (NGX_WEBRTC_UDP_QUEUE - 1)];

        ngx_webrtc_udp_dispatch(in, NGX_WEBRTC_DEMUX_RTP, c->log);

        if (ngx_webrtc_worker.sends - ngx_webrtc_udp_read_at
            < NGX_WEBRTC_UDP_POLL)
        {
            continue;
        }

        ngx_webrtc_room_fan_out();

        while (ngx_webrtc_udp_tail - ngx_webrtc_udp_head
               <= NGX_WEBRTC_UDP_QUEUE - NGX_WEBRTC_UDP_BATCH)
        {
            rc = ngx_webrtc_udp_read(c);

            if (rc == NGX_DONE) {
                break;
            }
        }
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                      "webrtc: cannot re-arm the UDP read event");
    }
}


/*
 * Reads a batch, handles its control datagrams at once, drops what is
 * neither (RFC 7983) and copies its RTP to the queue, which has room for a
 * batch.  NGX_DONE: the socket is
 * empty (or failing), NGX_OK: it may not be.
 */
static ngx_int_t
ngx_webrtc_udp_read(ngx_connection_t *c)
{
    int                   i, n;
    ngx_uint_t            type;
    struct iovec          iov[NGX_WEBRTC_UDP_BATCH];
    struct mmsghdr        msgs[NGX_WEBRTC_UDP_BATCH];
    ngx_webrtc_udp_in_t  *in, *q;

    for (i = 0; i < NGX_WEBRTC_UDP_BATCH; i++) {
        iov[i].iov_base = ngx_webrtc_udp_batch[i].data;
        iov[i].iov_len = NGX_WEBRTC_MTU;

        ngx_memzero(&msgs[i].msg_hdr, sizeof(struct msghdr));
        msgs[i].msg_hdr.msg_name = &ngx_webrtc_udp_batch[i].sa;
        msgs[i].msg_hdr.msg_namelen = sizeof(ngx_sockaddr_t);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    ngx_webrtc_udp_read_at = ngx_webrtc_worker.sends;

    n = recvmmsg(c->fd, msgs, NGX_WEBRTC_UDP_BATCH, 0, NULL);

    if (n == -1) {
        if (ngx_socket_errno != NGX_EAGAIN && ngx_socket_errno != NGX_EINTR) {
            ngx_log_error(NGX_LOG_ERR, c->log, ngx_socket_errno,
                          "webrtc: recvmmsg() failed");
        }

        return NGX_DONE;
    }

    ngx_webrtc_udp_nread += n;

    for (i = 0; i < n; i++) {
        if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) || msgs[i].msg_len < 4) {
            continue;
        }

        in = &ngx_webrtc_udp_batch[i];
        in->salen = msgs[i].msg_hdr.msg_namelen;
        in->len = msgs[i].msg_len;

        type = ngx_webrtc_demux(in->data, in->len);

        if (type == NGX_WEBRTC_DEMUX_OTHER) {
            continue;
        }

        if (type != NGX_WEBRTC_DEMUX_RTP) {
            ngx_webrtc_udp_dispatch(in, type, c->log);
            continue;
        }

        q = &ngx_webrtc_udp_queue[ngx_webrtc_udp_tail++
                                  & (NGX_WEBRTC_UDP_QUEUE - 1)];

        ngx_memcpy(&q->sa, &in->sa, in->salen);
        q->salen = in->salen;
        q->len = in->len;
        ngx_memcpy(q->data, in->data, in->len);
    }

    return (n < NGX_WEBRTC_UDP_BATCH) ? NGX_DONE : NGX_OK;
}


/* type: what the first byte said (RFC 7983), STUN, DTLS, RTP or RTCP */

static void
ngx_webrtc_udp_dispatch(ngx_webrtc_udp_in_t *in, ngx_uint_t type,
    ngx_log_t *log)
{
    ngx_webrtc_session_t  *s;

    if (type == NGX_WEBRTC_DEMUX_STUN) {
        ngx_webrtc_ice_handle(in->data, in->len, &in->sa.sockaddr, in->salen,
                              log);
        return;
    }

    /* only a peer that passed ICE may talk DTLS or SRTP to us */

    s = ngx_webrtc_udp_find_addr(&in->sa.sockaddr, in->salen);
    if (s == NULL) {
        return;
    }

    if (type == NGX_WEBRTC_DEMUX_DTLS) {
        ngx_webrtc_dtls_handle(s, in->data, in->len);
        return;
    }

    ngx_webrtc_session_handle_srtp(s, in->data, in->len,
                                   type == NGX_WEBRTC_DEMUX_RTCP);
}
