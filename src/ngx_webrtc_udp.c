
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The worker's UDP socket: bound in init_process to the base port plus the
 * worker number (read by ngx_webrtc_udp_in.c), what the worker sends,
 * batched for sendmmsg(), and the table of latched peer addresses that
 * routes DTLS and SRTP to their session.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_SEND_BATCH   64


typedef struct {
    ngx_sockaddr_t          sa;
    socklen_t               salen;
    size_t                  len;
    u_char                  data[NGX_WEBRTC_RTP_BUF];
} ngx_webrtc_udp_out_t;


static ngx_int_t ngx_webrtc_udp_bind(ngx_log_t *log);
static void ngx_webrtc_udp_flush_handler(ngx_event_t *ev);
static void ngx_webrtc_udp_buffers(int fd, ngx_log_t *log);
static void ngx_webrtc_udp_dont_fragment(int fd, int family, ngx_log_t *log);
static void ngx_webrtc_udp_retry_handler(ngx_event_t *ev);
static uint32_t ngx_webrtc_udp_hash(struct sockaddr *sa, socklen_t len);
static ngx_webrtc_session_t *ngx_webrtc_udp_lookup(ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel, uint32_t hash, struct sockaddr *sa,
    socklen_t len);


static ngx_event_t  ngx_webrtc_udp_retry;

/* what goes out in this turn of the event loop, sent with sendmmsg() */
static ngx_webrtc_udp_out_t  ngx_webrtc_udp_out[NGX_WEBRTC_SEND_BATCH];
static ngx_uint_t            ngx_webrtc_udp_nout;


/*
 * After a reload the old worker with our number may still hold the port
 * for a moment: the bind is retried every 200 ms for 30 s.
 */
ngx_int_t
ngx_webrtc_udp_open(ngx_cycle_t *cycle, ngx_webrtc_conf_t *wcf)
{
    ngx_int_t  rc;

    rc = ngx_webrtc_udp_bind(cycle->log);

    if (rc != NGX_AGAIN) {
        return rc;
    }

    ngx_memzero(&ngx_webrtc_udp_retry, sizeof(ngx_event_t));
    ngx_webrtc_udp_retry.handler = ngx_webrtc_udp_retry_handler;
    ngx_webrtc_udp_retry.log = cycle->log;
    ngx_webrtc_udp_retry.data = (void *) 150;
    ngx_webrtc_udp_retry.cancelable = 1;
    ngx_add_timer(&ngx_webrtc_udp_retry, 200);

    return NGX_OK;
}


static void
ngx_webrtc_udp_retry_handler(ngx_event_t *ev)
{
    uintptr_t  left;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    if (ngx_webrtc_udp_bind(ev->log) != NGX_AGAIN) {
        return;
    }

    left = (uintptr_t) ev->data;

    if (left-- == 0) {
        ngx_log_error(NGX_LOG_ALERT, ev->log, 0,
                      "webrtc: the worker's UDP port stayed busy, "
                      "no media on this worker");
        return;
    }

    ev->data = (void *) left;
    ngx_add_timer(ev, 200);
}


/*
 * A keyframe fanned out to many viewers leaves in one burst, and what
 * arrives meanwhile waits: the default socket buffers (about 200 kB)
 * overflow, and viewers' consent checks are lost with the media.  Ask for
 * NGX_WEBRTC_UDP_BUFFER each way: a megabyte holds the ~600 ms of a
 * keyframe for 2500 viewers, and no more (a larger queue is only delay
 * when the worker is overloaded).  The kernel caps it at
 * net.core.rmem_max and wmem_max, which the log line shows.
 */
static void
ngx_webrtc_udp_buffers(int fd, ngx_log_t *log)
{
    int        size, got[2];
    socklen_t  len;

    size = NGX_WEBRTC_UDP_BUFFER;

    (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(int));
    (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(int));

    len = sizeof(int);
    got[0] = got[1] = 0;

    (void) getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got[0], &len);
    len = sizeof(int);
    (void) getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got[1], &len);

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "webrtc: UDP socket buffers %d bytes in, %d out "
                  "(asked for %d each; raise net.core.rmem_max and "
                  "wmem_max for more)", got[0], got[1], size);
}


/*
 * Linux sets DF on a UDP socket's datagrams by default but keeps the right
 * to fragment them itself, so it draws an IP ID for each one from a shared
 * hashed table: a cache miss per packet, 2% of a worker forwarding to 2500
 * viewers.  With IP_PMTUDISC_PROBE it never fragments, and a datagram that
 * cannot be fragmented gets ID 0 (RFC 6864).  Senders' packetizers size
 * RTP for the internet (about 1200 bytes) and DTLS flights are cut at
 * NGX_WEBRTC_DTLS_MTU; a datagram larger than the interface's MTU fails
 * with EMSGSIZE and is skipped like any lost packet.  PROBE, not DO: a
 * path MTU learnt from ICMP does not fail sends.
 */
static void
ngx_webrtc_udp_dont_fragment(int fd, int family, ngx_log_t *log)
{
#if (defined IP_MTU_DISCOVER && defined IP_PMTUDISC_PROBE)
    int  probe;

    if (family != AF_INET) {
        return;
    }

    probe = IP_PMTUDISC_PROBE;

    if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(int))
        == -1)
    {
        ngx_log_error(NGX_LOG_WARN, log, ngx_socket_errno,
                      "webrtc: setsockopt(IP_MTU_DISCOVER, "
                      "IP_PMTUDISC_PROBE) failed");
    }
#endif
}


/*
 * Worker N binds the first free port of base + b * workers + N, b = 0..3.
 * After a reload the old workers keep theirs, and their sessions, until
 * those end; no SO_REUSEADDR: two UDP sockets on one port would split a
 * session's packets between two processes.  The port goes into the
 * worker's slot in shared memory, for the answers.
 */
static ngx_int_t
ngx_webrtc_udp_bind(ngx_log_t *log)
{
    int                   fd;
    socklen_t             socklen;
    in_port_t             port;
    ngx_err_t             err;
    ngx_uint_t            bank;
    ngx_event_t          *rev;
    ngx_sockaddr_t        sa;
    ngx_connection_t     *c;
    ngx_webrtc_conf_t    *wcf;
    ngx_webrtc_shm_ctx_t *ctx;

    wcf = ngx_webrtc_worker.conf;
    socklen = wcf->listen.socklen;
    ngx_memcpy(&sa, wcf->listen.sockaddr, socklen);

    fd = -1;
    port = 0;

    for (bank = 0; bank < wcf->banks; bank++) {

        port = (in_port_t) (ngx_inet_get_port(wcf->listen.sockaddr)
                            + bank * wcf->nworkers + ngx_worker);
        ngx_inet_set_port(&sa.sockaddr, port);

        fd = socket(sa.sockaddr.sa_family, SOCK_DGRAM, 0);
        if (fd == -1) {
            ngx_log_error(NGX_LOG_ALERT, log, ngx_socket_errno,
                          "webrtc: socket() failed");
            return NGX_ERROR;
        }

        if (bind(fd, &sa.sockaddr, socklen) == 0) {
            break;
        }

        err = ngx_socket_errno;
        ngx_close_socket(fd);
        fd = -1;

        if (err != NGX_EADDRINUSE) {
            ngx_log_error(NGX_LOG_EMERG, log, err,
                          "webrtc: bind() to UDP port %d failed", (int) port);
            return NGX_ERROR;
        }
    }

    if (fd == -1) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "webrtc: all %ui UDP ports of worker %ui are busy, "
                      "retrying", wcf->banks, ngx_worker);
        return NGX_AGAIN;
    }

    if (ngx_nonblocking(fd) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_socket_errno,
                      "webrtc: " ngx_nonblocking_n " failed");
        ngx_close_socket(fd);
        return NGX_ERROR;
    }

    ngx_webrtc_udp_buffers(fd, log);
    ngx_webrtc_udp_dont_fragment(fd, sa.sockaddr.sa_family, log);

    c = ngx_get_connection(fd, log);
    if (c == NULL) {
        ngx_close_socket(fd);
        return NGX_ERROR;
    }

    c->type = SOCK_DGRAM;
    c->shared = 1;
    c->recv = ngx_udp_recv;
    c->send = ngx_udp_send;
    c->log = log;

    rev = c->read;
    rev->log = log;
    rev->handler = ngx_webrtc_udp_read_handler;

    c->write->log = log;
    c->write->ready = 1;

    if (ngx_add_event(rev, NGX_READ_EVENT, 0) != NGX_OK) {
        ngx_close_connection(c);
        return NGX_ERROR;
    }

    ngx_webrtc_worker.udp = c;

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);
    if (ctx->sh->workers[ngx_webrtc_worker.proc].pid == ngx_pid) {
        ctx->sh->workers[ngx_webrtc_worker.proc].port = port;
    }
    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "webrtc: worker %ui serves media on UDP port %d",
                  ngx_worker, (int) port);

    return NGX_OK;
}


void
ngx_webrtc_udp_close(void)
{
    if (ngx_webrtc_udp_retry.timer_set) {
        ngx_del_timer(&ngx_webrtc_udp_retry);
    }

    if (ngx_webrtc_worker.flush.posted) {
        ngx_delete_posted_event(&ngx_webrtc_worker.flush);
    }

    ngx_webrtc_udp_flush();

    if (ngx_webrtc_worker.udp) {
        ngx_close_connection(ngx_webrtc_worker.udp);
        ngx_webrtc_worker.udp = NULL;
    }
}


void
ngx_webrtc_udp_send_to(struct sockaddr *sa, socklen_t salen, u_char *buf,
    size_t len)
{
    ngx_webrtc_udp_out_t  *out;

    if (ngx_webrtc_worker.udp == NULL || len > NGX_WEBRTC_RTP_BUF
        || salen > sizeof(ngx_sockaddr_t))
    {
        return;
    }

    if (ngx_webrtc_udp_nout == NGX_WEBRTC_SEND_BATCH) {
        ngx_webrtc_udp_flush();
    }

    out = &ngx_webrtc_udp_out[ngx_webrtc_udp_nout++];
    ngx_webrtc_worker.sends++;

    ngx_memcpy(&out->sa, sa, salen);
    out->salen = salen;
    out->len = len;

    if (buf != out->data) {
        ngx_memcpy(out->data, buf, len);
    }

    ngx_webrtc_post_flush();
}


/*
 * Where the next datagram queued will be: a packet built there (at most
 * NGX_WEBRTC_RTP_BUF bytes) and then sent with ngx_webrtc_udp_send() is
 * not copied again.
 */
u_char *
ngx_webrtc_udp_next_buf(void)
{
    if (ngx_webrtc_udp_nout == NGX_WEBRTC_SEND_BATCH) {
        ngx_webrtc_udp_flush();
    }

    return ngx_webrtc_udp_out[ngx_webrtc_udp_nout].data;
}


void
ngx_webrtc_udp_flush(void)
{
    int                n;
    ngx_uint_t         i, sent;
    ngx_connection_t  *c;
    struct iovec       iov[NGX_WEBRTC_SEND_BATCH];
    struct mmsghdr     msgs[NGX_WEBRTC_SEND_BATCH];

    c = ngx_webrtc_worker.udp;

    if (c == NULL || ngx_webrtc_udp_nout == 0) {
        ngx_webrtc_udp_nout = 0;
        return;
    }

    for (i = 0; i < ngx_webrtc_udp_nout; i++) {
        iov[i].iov_base = ngx_webrtc_udp_out[i].data;
        iov[i].iov_len = ngx_webrtc_udp_out[i].len;

        ngx_memzero(&msgs[i].msg_hdr, sizeof(struct msghdr));
        msgs[i].msg_hdr.msg_name = &ngx_webrtc_udp_out[i].sa;
        msgs[i].msg_hdr.msg_namelen = ngx_webrtc_udp_out[i].salen;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    sent = 0;

    while (sent < ngx_webrtc_udp_nout) {
        n = sendmmsg(c->fd, &msgs[sent], ngx_webrtc_udp_nout - sent, 0);

        if (n == -1) {
            if (ngx_socket_errno == NGX_EINTR) {
                continue;
            }

            /*
             * A full socket buffer or an unreachable peer: this packet is
             * lost like any on the network; go on with the next one.
             */

            ngx_log_debug1(NGX_LOG_DEBUG_EVENT, c->log, ngx_socket_errno,
                           "webrtc: sendmmsg() failed, %ui packets left",
                           ngx_webrtc_udp_nout - sent);
            sent++;
            continue;
        }

        sent += n;
    }

    ngx_webrtc_udp_nout = 0;
}


static void
ngx_webrtc_udp_flush_handler(ngx_event_t *ev)
{
    ngx_webrtc_room_wake();
    ngx_webrtc_udp_flush();
}


void
ngx_webrtc_post_flush(void)
{
    ngx_event_t  *ev;

    ev = &ngx_webrtc_worker.flush;

    if (ev->handler == NULL) {
        ev->handler = ngx_webrtc_udp_flush_handler;
        ev->log = ngx_cycle->log;
    }

    if (!ev->posted) {
        ngx_post_event(ev, &ngx_posted_events);
    }
}


void
ngx_webrtc_udp_send(ngx_webrtc_session_t *s, u_char *buf, size_t len)
{
    if (!s->latched) {
        return;
    }

    ngx_webrtc_udp_send_to((struct sockaddr *) &s->peer, s->peer_len, buf,
                           len);
}


static uint32_t
ngx_webrtc_udp_hash(struct sockaddr *sa, socklen_t len)
{
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    switch (sa->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;
        return ngx_murmur_hash2(sin6->sin6_addr.s6_addr, 16)
               ^ sin6->sin6_port;
#endif

    default:
        sin = (struct sockaddr_in *) sa;
        return ngx_murmur_hash2((u_char *) &sin->sin_addr, 4)
               ^ sin->sin_port;
    }
}


ngx_webrtc_session_t *
ngx_webrtc_udp_find_addr(struct sockaddr *sa, socklen_t len)
{
    return ngx_webrtc_udp_lookup(ngx_webrtc_worker.addrs.root,
                                 ngx_webrtc_worker.addrs.sentinel,
                                 ngx_webrtc_udp_hash(sa, len), sa, len);
}


static ngx_webrtc_session_t *
ngx_webrtc_udp_lookup(ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel,
    uint32_t hash, struct sockaddr *sa, socklen_t len)
{
    ngx_webrtc_session_t  *s;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        s = (ngx_webrtc_session_t *)
                ((u_char *) node - offsetof(ngx_webrtc_session_t, addr_node));

        if (ngx_cmp_sockaddr((struct sockaddr *) &s->peer, s->peer_len,
                             sa, len, 1)
            == NGX_OK)
        {
            return s;
        }

        /*
         * Two addresses with one hash: after rotations the other may be
         * on either side.
         */

        s = ngx_webrtc_udp_lookup(node->left, sentinel, hash, sa, len);
        if (s) {
            return s;
        }

        node = node->right;
    }

    return NULL;
}


void
ngx_webrtc_udp_latch(ngx_webrtc_session_t *s, struct sockaddr *sa,
    socklen_t len)
{
    if (s->latched) {
        if (ngx_cmp_sockaddr((struct sockaddr *) &s->peer, s->peer_len,
                             sa, len, 1)
            == NGX_OK)
        {
            return;
        }

        ngx_rbtree_delete(&ngx_webrtc_worker.addrs, &s->addr_node);
    }

    ngx_memcpy(&s->peer, sa, ngx_min((size_t) len, sizeof(s->peer)));
    s->peer_len = len;
    s->latched = 1;

    s->addr_node.key = ngx_webrtc_udp_hash(sa, len);
    ngx_rbtree_insert(&ngx_webrtc_worker.addrs, &s->addr_node);

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, s->log, 0,
                   "webrtc ice session %*s: latched",
                   (size_t) NGX_WEBRTC_ID_LEN, s->rec->id);
}


void
ngx_webrtc_udp_unlatch(ngx_webrtc_session_t *s)
{
    if (s->latched) {
        ngx_rbtree_delete(&ngx_webrtc_worker.addrs, &s->addr_node);
        s->latched = 0;
    }
}
