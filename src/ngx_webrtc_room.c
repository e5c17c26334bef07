
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The SFU fan-out.  A worker knows the rooms its sessions are in; a
 * publisher's decrypted packet is written once into its track's ring in
 * shared memory and handed to the viewers in the same worker directly.
 * Workers that have viewers of the room but not its publisher are woken
 * through their eventfd once per receive batch, read the ring from where
 * they left off, and encrypt for their own viewers.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <sys/eventfd.h>

#include "ngx_webrtc_media.h"


static ngx_webrtc_lroom_t *ngx_webrtc_room_find(ngx_str_t *name);
static void ngx_webrtc_room_wake_handler(ngx_event_t *rev);
static void ngx_webrtc_room_read_rings(ngx_webrtc_lroom_t *room);
static void ngx_webrtc_room_fan_out(ngx_webrtc_lroom_t *room,
    ngx_uint_t source, ngx_webrtc_rtp_header_t *h, u_char *pkt,
    ngx_uint_t keyframe);
static void ngx_webrtc_room_close_wake_fds(void *data);


ngx_int_t
ngx_webrtc_room_create_wake_fds(ngx_cycle_t *cycle, ngx_webrtc_conf_t *wcf)
{
    ngx_uint_t           i;
    ngx_pool_cleanup_t  *cln;

    for (i = 0; i < NGX_WEBRTC_MAX_WORKERS; i++) {
        wcf->wake[i] = NGX_INVALID_FILE;
    }

    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_webrtc_room_close_wake_fds;
    cln->data = wcf;

    for (i = 0; i < wcf->nworkers; i++) {
        wcf->wake[i] = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);

        if (wcf->wake[i] == -1) {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
                          "webrtc: eventfd() failed");
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_webrtc_room_close_wake_fds(void *data)
{
    ngx_webrtc_conf_t  *wcf = data;

    ngx_uint_t  i;

    for (i = 0; i < NGX_WEBRTC_MAX_WORKERS; i++) {
        if (wcf->wake[i] != NGX_INVALID_FILE) {
            (void) close(wcf->wake[i]);
            wcf->wake[i] = NGX_INVALID_FILE;
        }
    }
}


ngx_int_t
ngx_webrtc_room_init_worker(ngx_cycle_t *cycle)
{
    ngx_connection_t   *c;
    ngx_webrtc_conf_t  *wcf;

    wcf = ngx_webrtc_worker.conf;

    ngx_rbtree_init(&ngx_webrtc_worker.rooms,
                    &ngx_webrtc_worker.rooms_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&ngx_webrtc_worker.room_list);

    c = ngx_get_connection(wcf->wake[ngx_worker], cycle->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    /* the fd belongs to the cycle: it is closed with it, not with c */

    c->shared = 1;
    c->read->handler = ngx_webrtc_room_wake_handler;
    c->read->log = cycle->log;
    c->log = cycle->log;

    if (ngx_add_event(c->read, NGX_READ_EVENT, 0) != NGX_OK) {
        ngx_free_connection(c);
        return NGX_ERROR;
    }

    ngx_webrtc_worker.wake = c;

    return NGX_OK;
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
        ngx_queue_init(&room->viewers);

        ngx_rbtree_insert(&ngx_webrtc_worker.rooms, &room->node.node);
        ngx_queue_insert_tail(&ngx_webrtc_worker.room_list, &room->queue);
    }

    room->refs++;

    return room;
}


static void
ngx_webrtc_room_put(ngx_webrtc_lroom_t *room)
{
    if (--room->refs) {
        return;
    }

    ngx_rbtree_delete(&ngx_webrtc_worker.rooms, &room->node.node);
    ngx_queue_remove(&room->queue);
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
    ngx_uint_t            i;
    ngx_webrtc_lroom_t   *room;
    ngx_webrtc_source_t  *src;

    room = ngx_webrtc_room_get(shared);
    if (room == NULL) {
        return NGX_ERROR;
    }

    sub->room = room;
    ngx_queue_insert_tail(&room->viewers, &sub->queue);

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
    if (sub->room == NULL) {
        return;
    }

    ngx_queue_remove(&sub->queue);
    ngx_webrtc_room_put(sub->room);
    sub->room = NULL;
}


/*
 * A decrypted packet of the room's publisher: into the ring for the other
 * workers and for NACKs, and straight to this worker's viewers.
 */
void
ngx_webrtc_room_publish(ngx_webrtc_session_t *s, ngx_uint_t source,
    ngx_webrtc_rtp_header_t *h, u_char *pkt, size_t len)
{
    ngx_uint_t            i, keyframe;
    ngx_webrtc_lroom_t   *room;
    ngx_webrtc_source_t  *src;

    room = s->room;

    if (room == NULL || source >= room->shared->nsources) {
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

        for (i = 0; i < ngx_webrtc_worker.conf->nworkers; i++) {
            if (i != ngx_worker && room->shared->viewers[i]) {
                room->wake = 1;
                ngx_webrtc_post_flush();
                break;
            }
        }
    }

    ngx_webrtc_room_fan_out(room, source, h, pkt, keyframe);
}


static void
ngx_webrtc_room_fan_out(ngx_webrtc_lroom_t *room, ngx_uint_t source,
    ngx_webrtc_rtp_header_t *h, u_char *pkt, ngx_uint_t keyframe)
{
    ngx_queue_t       *q;
    ngx_webrtc_sub_t  *sub;

    for (q = ngx_queue_head(&room->viewers);
         q != ngx_queue_sentinel(&room->viewers);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_webrtc_sub_t, queue);
        ngx_webrtc_viewer_forward(sub, source, h, pkt, keyframe);
    }
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
    uint64_t             one;
    ngx_uint_t           i;
    ngx_queue_t         *q;
    ngx_webrtc_conf_t   *wcf;
    ngx_webrtc_lroom_t  *room;
    u_char               woken[NGX_WEBRTC_MAX_WORKERS];

    wcf = ngx_webrtc_worker.conf;
    ngx_memzero(woken, sizeof(woken));
    one = 1;

    for (q = ngx_queue_head(&ngx_webrtc_worker.room_list);
         q != ngx_queue_sentinel(&ngx_webrtc_worker.room_list);
         q = ngx_queue_next(q))
    {
        room = ngx_queue_data(q, ngx_webrtc_lroom_t, queue);

        if (!room->wake) {
            continue;
        }

        room->wake = 0;

        for (i = 0; i < wcf->nworkers; i++) {
            if (i == ngx_worker || woken[i] || room->shared->viewers[i] == 0)
            {
                continue;
            }

            woken[i] = 1;

            if (write(wcf->wake[i], &one, sizeof(uint64_t)) == -1
                && ngx_errno != NGX_EAGAIN)
            {
                ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, ngx_errno,
                              "webrtc: cannot wake worker %ui", i);
            }
        }
    }
}


static void
ngx_webrtc_room_wake_handler(ngx_event_t *rev)
{
    uint64_t             n;
    ngx_queue_t         *q;
    ngx_connection_t    *c;
    ngx_webrtc_lroom_t  *room;

    c = rev->data;

    while (read(c->fd, &n, sizeof(uint64_t)) == sizeof(uint64_t)) {
        /* void */
    }

    ngx_webrtc_call_read_mail();

    for (q = ngx_queue_head(&ngx_webrtc_worker.room_list);
         q != ngx_queue_sentinel(&ngx_webrtc_worker.room_list);
         q = ngx_queue_next(q))
    {
        room = ngx_queue_data(q, ngx_webrtc_lroom_t, queue);

        if (room->publisher == NULL && !ngx_queue_empty(&room->viewers)) {
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
    ngx_int_t                 rc;
    ngx_uint_t                i;
    ngx_webrtc_source_t      *src;
    ngx_webrtc_rtp_header_t   h;
    ngx_webrtc_ring_slot_t    slot;

    for (i = 0; i < room->shared->nsources; i++) {
        src = &room->shared->sources[i];

        if (src->ring == NULL) {
            continue;
        }

        for ( ;; ) {
            rc = ngx_webrtc_ring_read(src->ring, &room->ring_pos[i], &slot);

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

            if (ngx_webrtc_rtp_parse(&h, slot.data, slot.len) != NGX_OK) {
                continue;
            }

            ngx_webrtc_room_fan_out(room, i, &h, slot.data, slot.keyframe);
        }
    }
}
