
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The SFU fan-out.  A worker knows the rooms its sessions are in; a
 * publisher's decrypted packet is written once into its track's ring in
 * shared memory and handed to the viewers in the same worker directly.
 * Workers that have viewers of the room but not its publisher are woken
 * through their wake-up socket once per receive batch, read the ring from
 * where they left off, and encrypt for their own viewers.
 *
 * Either way the packets go to the viewers in batches, each viewer taking
 * the whole batch in turn (ngx_webrtc_viewer_fan_out()).  A batch closes
 * when it has NGX_WEBRTC_FAN_BATCH packets, when another packet would
 * make it more than NGX_WEBRTC_FAN_SENDS datagrams (so that the worker
 * still reads its socket every few tens of milliseconds: 6 packets for
 * 2500 viewers), and, for the publisher's own worker,
 * when the input queue runs dry or the socket is to be read again: the
 * packets of a batch point into the input queue, and a control datagram
 * read meanwhile could change the room's viewers.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <sys/un.h>

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_FAN_BATCH        16       /* packets */
#define NGX_WEBRTC_FAN_SENDS        16384    /* datagrams */


static ngx_webrtc_lroom_t *ngx_webrtc_room_find(ngx_str_t *name);
static void ngx_webrtc_room_wake_handler(ngx_event_t *rev);
static void ngx_webrtc_room_read_rings(ngx_webrtc_lroom_t *room);
static ngx_uint_t ngx_webrtc_room_batch(ngx_webrtc_lroom_t *room);
static socklen_t ngx_webrtc_room_wake_addr(struct sockaddr_un *sun,
    ngx_pid_t pid);


/* the publishers' packets read since the last fan-out, and their rooms */
static ngx_webrtc_fan_t     ngx_webrtc_room_pending[NGX_WEBRTC_FAN_BATCH];
static ngx_webrtc_lroom_t  *ngx_webrtc_room_pending_room[NGX_WEBRTC_FAN_BATCH];
static ngx_uint_t           ngx_webrtc_room_npending;
static ngx_uint_t           ngx_webrtc_room_pending_sends;


/*
 * Our wake-up socket: an abstract unix datagram socket named after our
 * pid, so that any worker, of this configuration or another, can wake us
 * with a byte.
 */
ngx_int_t
ngx_webrtc_room_init_worker(ngx_cycle_t *cycle)
{
    socklen_t            len;
    ngx_socket_t         s;
    ngx_connection_t    *c;
    struct sockaddr_un   sun;

    ngx_rbtree_init(&ngx_webrtc_worker.rooms,
                    &ngx_webrtc_worker.rooms_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&ngx_webrtc_worker.room_list);

    s = socket(AF_UNIX, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);
    if (s == (ngx_socket_t) -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                      "webrtc: socket(AF_UNIX) failed");
        return NGX_ERROR;
    }

    len = ngx_webrtc_room_wake_addr(&sun, ngx_pid);

    if (bind(s, (struct sockaddr *) &sun, len) == -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                      "webrtc: bind() of the wake-up socket failed");
        (void) close(s);
        return NGX_ERROR;
    }

    c = ngx_get_connection(s, cycle->log);
    if (c == NULL) {
        (void) close(s);
        return NGX_ERROR;
    }

    c->read->handler = ngx_webrtc_room_wake_handler;
    c->read->log = cycle->log;
    c->log = cycle->log;

    if (ngx_add_event(c->read, NGX_READ_EVENT, 0) != NGX_OK) {
        ngx_close_connection(c);
        return NGX_ERROR;
    }

    ngx_webrtc_worker.wake = c;

    return NGX_OK;
}


void
ngx_webrtc_room_exit_worker(void)
{
    if (ngx_webrtc_worker.wake) {
        ngx_close_connection(ngx_webrtc_worker.wake);
        ngx_webrtc_worker.wake = NULL;
    }
}


static socklen_t
ngx_webrtc_room_wake_addr(struct sockaddr_un *sun, ngx_pid_t pid)
{
    u_char  *p;

    ngx_memzero(sun, sizeof(struct sockaddr_un));
    sun->sun_family = AF_UNIX;

    /* abstract: a leading zero byte, no file */

    p = ngx_sprintf((u_char *) sun->sun_path + 1, "ngx_webrtc/%P", pid);

    return offsetof(struct sockaddr_un, sun_path)
           + (p - (u_char *) sun->sun_path);
}


/* wakes the worker in a process slot; a full queue means it is awake */
void
ngx_webrtc_wake(ngx_uint_t proc)
{
    ngx_pid_t            pid;
    socklen_t            len;
    struct sockaddr_un   sun;

    pid = ngx_webrtc_worker.shm->sh->workers[proc].pid;

    if (pid == 0 || ngx_webrtc_worker.wake == NULL) {
        return;
    }

    len = ngx_webrtc_room_wake_addr(&sun, pid);

    if (sendto(ngx_webrtc_worker.wake->fd, "", 1, 0,
               (struct sockaddr *) &sun, len)
        == -1
        && ngx_socket_errno != NGX_EAGAIN)
    {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, ngx_socket_errno,
                      "webrtc: cannot wake process %P", pid);
    }
}


static ngx_webrtc_lroom_t *
ngx_webrtc_room_find(ngx_str_t *name)
{
    return (ngx_webrtc_lroom_t *) ngx_str_rbtree_lookup(
                                      &ngx_webrtc_worker.rooms, name,
                                      ngx_crc32_short(name->data, name->len));
}


/* this worker's view of a shared room, made when first needed */
static ngx_webrtc_lroom_t *
ngx_webrtc_room_get(ngx_webrtc_room_t *shared)
{
    ngx_str_t            name;
    ngx_webrtc_lroom_t  *room;

    name.data = shared->name;
    name.len = shared->node.str.len;

    room = ngx_webrtc_room_find(&name);

    if (room == NULL) {
        room = ngx_calloc(sizeof(ngx_webrtc_lroom_t), ngx_cycle->log);
        if (room == NULL) {
            return NULL;
        }

        ngx_memcpy(room->name, name.data, name.len);
        room->node.str.data = room->name;
        room->node.str.len = name.len;
        room->node.node.key = ngx_crc32_short(name.data, name.len);
        room->shared = shared;

        ngx_rbtree_insert(&ngx_webrtc_worker.rooms, &room->node.node);
        ngx_queue_insert_tail(&ngx_webrtc_worker.room_list, &room->queue);
    }

    room->refs++;

    return room;
}


static void
ngx_webrtc_room_put(ngx_webrtc_lroom_t *room)
{
    ngx_uint_t  i;

    if (--room->refs) {
        return;
    }

    for (i = 0; i < ngx_webrtc_room_npending; i++) {
        if (ngx_webrtc_room_pending_room[i] == room) {
            ngx_webrtc_room_pending_room[i] = NULL;
        }
    }

    ngx_rbtree_delete(&ngx_webrtc_worker.rooms, &room->node.node);
    ngx_queue_remove(&room->queue);

    if (room->viewers) {
        ngx_free(room->viewers);
    }

    ngx_free(room);
}


/* a publisher (or peer) this worker just adopted enters its room */
ngx_int_t
ngx_webrtc_room_join(ngx_webrtc_session_t *s)
{
    ngx_webrtc_lroom_t  *room;

    room = ngx_webrtc_room_get(s->rec->shared_room);
    if (room == NULL) {
        return NGX_ERROR;
    }

    room->publisher = s;
    s->room = room;

    return NGX_OK;
}


void
ngx_webrtc_room_leave(ngx_webrtc_session_t *s)
{
    ngx_webrtc_lroom_t  *room;

    ngx_webrtc_viewer_leave(s);

    room = s->room;
    if (room == NULL) {
        return;
    }

    s->room = NULL;

    if (room->publisher == s) {
        room->publisher = NULL;
    }

    ngx_webrtc_room_put(room);
}


/* a viewer starts with what is published from now on */
ngx_int_t
ngx_webrtc_room_subscribe(ngx_webrtc_sub_t *sub, ngx_webrtc_room_t *shared)
{
    ngx_uint_t            i, size;
    ngx_webrtc_sub_t    **viewers;
    ngx_webrtc_lroom_t   *room;
    ngx_webrtc_source_t  *src;

    room = ngx_webrtc_room_get(shared);
    if (room == NULL) {
        return NGX_ERROR;
    }

    if (room->nviewers == room->viewers_size) {
        size = room->viewers_size ? 2 * room->viewers_size : 16;

        viewers = ngx_alloc(size * sizeof(ngx_webrtc_sub_t *),
                            ngx_cycle->log);
        if (viewers == NULL) {
            ngx_webrtc_room_put(room);
            return NGX_ERROR;
        }

        if (room->viewers) {
            ngx_memcpy(viewers, room->viewers,
                       room->nviewers * sizeof(ngx_webrtc_sub_t *));
            ngx_free(room->viewers);
        }

        room->viewers = viewers;
        room->viewers_size = size;
    }

    sub->room = room;
    sub->index = room->nviewers;
    room->viewers[room->nviewers++] = sub;

    for (i = 0; i < room->shared->nsources; i++) {
        src = &room->shared->sources[i];

        if (src->ring && room->ring_pos[i] == 0) {
            room->ring_pos[i] = src->ring->head;
        }
    }

    return NGX_OK;
}


void
ngx_webrtc_room_unsubscribe(ngx_webrtc_sub_t *sub)
{
    ngx_webrtc_sub_t    *last;
    ngx_webrtc_lroom_t  *room;

    room = sub->room;

    if (room == NULL) {
        return;
    }

    /* the last viewer takes the leaving one's place */

    last = room->viewers[--room->nviewers];
    room->viewers[sub->index] = last;
    last->index = sub->index;

    ngx_webrtc_room_put(room);
    sub->room = NULL;
}


/*
 * A decrypted packet of the room's publisher: into the ring for the other
 * workers and for NACKs, and into the batch for this worker's viewers.
 * pkt must stay as it is until ngx_webrtc_room_fan_out().
 */
void
ngx_webrtc_room_publish(ngx_webrtc_session_t *s, ngx_uint_t source,
    ngx_webrtc_rtp_header_t *h, u_char *pkt, size_t len)
{
    ngx_uint_t            keyframe;
    ngx_webrtc_fan_t     *fan;
    ngx_webrtc_lroom_t   *room;
    ngx_webrtc_source_t  *src;

    room = s->room;

    if (room == NULL || source >= room->shared->nsources
        || source >= NGX_WEBRTC_MAX_TRACKS)
    {
        return;
    }

    src = &room->shared->sources[source];

    if (src->muted) {
        return;
    }

    keyframe = (src->type == NGX_WEBRTC_MEDIA_VIDEO)
               ? ngx_webrtc_rtp_is_keyframe(src->codec, pkt + h->header_len,
                                            h->payload_len)
               : 1;

    if (src->ring) {
        ngx_webrtc_ring_write(src->ring, pkt, len, h->seq, h->ssrc,
                              keyframe);

        /* our own viewers are served below, not from the ring */
        room->ring_pos[source] = src->ring->head;

        if (room->shared->viewing_procs
            > (room->shared->viewers[ngx_webrtc_worker.proc] ? 1 : 0))
        {
            room->wake = 1;
            ngx_webrtc_post_flush();
        }
    }

    if (room->nviewers == 0) {
        return;
    }

    ngx_webrtc_room_pending_room[ngx_webrtc_room_npending] = room;
    fan = &ngx_webrtc_room_pending[ngx_webrtc_room_npending++];

    fan->h = *h;
    fan->pkt = pkt;
    fan->source = (u_char) source;
    fan->keyframe = (u_char) keyframe;

    ngx_webrtc_room_pending_sends += room->nviewers;

    /* as ngx_webrtc_room_batch() counts: no room for another packet */

    if (ngx_webrtc_room_npending == NGX_WEBRTC_FAN_BATCH
        || ngx_webrtc_room_pending_sends + room->nviewers
           > NGX_WEBRTC_FAN_SENDS)
    {
        ngx_webrtc_room_fan_out();
    }
}


/* the pending packets to the viewers, room by room, in order */
void
ngx_webrtc_room_fan_out(void)
{
    ngx_uint_t           i, k, n;
    ngx_webrtc_fan_t     batch[NGX_WEBRTC_FAN_BATCH];
    ngx_webrtc_lroom_t  *room;

    for (i = 0; i < ngx_webrtc_room_npending; i++) {
        room = ngx_webrtc_room_pending_room[i];

        if (room == NULL) {
            continue;
        }

        n = 0;

        for (k = i; k < ngx_webrtc_room_npending; k++) {
            if (ngx_webrtc_room_pending_room[k] == room) {
                ngx_webrtc_room_pending_room[k] = NULL;
                batch[n++] = ngx_webrtc_room_pending[k];
            }
        }

        ngx_webrtc_viewer_fan_out(room, batch, n);
    }

    ngx_webrtc_room_npending = 0;
    ngx_webrtc_room_pending_sends = 0;
}


/* how many packets a batch for the room's viewers may hold: at least 1 */
static ngx_uint_t
ngx_webrtc_room_batch(ngx_webrtc_lroom_t *room)
{
    ngx_uint_t  n;

    n = NGX_WEBRTC_FAN_SENDS / ngx_max(room->nviewers, 1);

    return ngx_max(ngx_min(n, NGX_WEBRTC_FAN_BATCH), 1);
}


/* the publisher's SR, kept where every worker's viewers can map it */
void
ngx_webrtc_room_sender_report(ngx_webrtc_session_t *s, ngx_uint_t source,
    uint64_t ntp, uint32_t rtp_ts)
{
    ngx_webrtc_source_t  *src;

    if (s->room == NULL || source >= s->room->shared->nsources) {
        return;
    }

    src = &s->room->shared->sources[source];

    src->sr_ntp = ntp;
    src->sr_rtp = rtp_ts;
    ngx_memory_barrier();
    src->sr_time = ngx_current_msec;
}


/*
 * A viewer wants a keyframe: the publisher's worker, this one or another,
 * sees the counter move on its next tick; here it is asked at once.
 */
void
ngx_webrtc_room_ask_keyframe(ngx_webrtc_lroom_t *room, ngx_uint_t source)
{
    ngx_webrtc_source_t  *src;

    if (source >= room->shared->nsources) {
        return;
    }

    src = &room->shared->sources[source];

    (void) ngx_atomic_fetch_add(&src->keyframe_requests, 1);

    if (room->publisher) {
        ngx_webrtc_session_check_keyframes(room->publisher);
    }
}


/* after a receive batch: wake the workers with viewers of rooms we fed */
void
ngx_webrtc_room_wake(void)
{
    ngx_uint_t           i;
    ngx_queue_t         *q;
    ngx_webrtc_lroom_t  *room;
    u_char               woken[NGX_WEBRTC_MAX_PROCS];

    ngx_memzero(woken, sizeof(woken));

    for (q = ngx_queue_head(&ngx_webrtc_worker.room_list);
         q != ngx_queue_sentinel(&ngx_webrtc_worker.room_list);
         q = ngx_queue_next(q))
    {
        room = ngx_queue_data(q, ngx_webrtc_lroom_t, queue);

        if (!room->wake) {
            continue;
        }

        room->wake = 0;

        for (i = 0; i < NGX_WEBRTC_MAX_PROCS; i++) {
            if (i == ngx_webrtc_worker.proc || woken[i]
                || room->shared->viewers[i] == 0)
            {
                continue;
            }

            woken[i] = 1;
            ngx_webrtc_wake(i);
        }
    }
}


static void
ngx_webrtc_room_wake_handler(ngx_event_t *rev)
{
    u_char               buf[64];
    ngx_queue_t         *q;
    ngx_connection_t    *c;
    ngx_webrtc_lroom_t  *room;

    c = rev->data;

    while (recv(c->fd, buf, sizeof(buf), 0) >= 0) {
        /* void */
    }

    ngx_webrtc_call_read_mail();

    for (q = ngx_queue_head(&ngx_webrtc_worker.room_list);
         q != ngx_queue_sentinel(&ngx_webrtc_worker.room_list);
         q = ngx_queue_next(q))
    {
        room = ngx_queue_data(q, ngx_webrtc_lroom_t, queue);

        if (room->publisher == NULL && room->nviewers) {
            ngx_webrtc_room_read_rings(room);
        }
    }

    ngx_webrtc_udp_flush();

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                      "webrtc: cannot re-arm the wake-up event");
    }
}


/* the packets another worker published since we last looked */
static void
ngx_webrtc_room_read_rings(ngx_webrtc_lroom_t *room)
{
    ngx_int_t                      rc;
    ngx_uint_t                     i, n, max;
    ngx_webrtc_fan_t               batch[NGX_WEBRTC_FAN_BATCH];
    ngx_webrtc_source_t           *src;
    static ngx_webrtc_ring_slot_t  slots[NGX_WEBRTC_FAN_BATCH];

    n = 0;
    max = ngx_webrtc_room_batch(room);

    for (i = 0; i < room->shared->nsources && i < NGX_WEBRTC_MAX_TRACKS; i++) {
        src = &room->shared->sources[i];

        if (src->ring == NULL) {
            continue;
        }

        for ( ;; ) {
            rc = ngx_webrtc_ring_read(src->ring, &room->ring_pos[i],
                                      &slots[n]);

            if (rc == NGX_DECLINED) {
                break;
            }

            if (rc == NGX_ABORT) {
                ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                              "webrtc room \"%*s\": this worker fell behind "
                              "the publisher's ring",
                              (size_t) room->node.str.len, room->name);
                continue;
            }

            if (ngx_webrtc_rtp_parse(&batch[n].h, slots[n].data,
                                     slots[n].len)
                != NGX_OK)
            {
                continue;
            }

            batch[n].pkt = slots[n].data;
            batch[n].source = (u_char) i;
            batch[n].keyframe = slots[n].keyframe;

            if (++n == max) {
                ngx_webrtc_viewer_fan_out(room, batch, n);
                n = 0;
            }
        }
    }

    ngx_webrtc_viewer_fan_out(room, batch, n);
}
