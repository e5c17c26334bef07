
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Group calls in shared memory: the call rooms and their participants
 * (peers), and the mailboxes that carry room events to the workers whose
 * WebSocket connections hold the peers.  A message is posted once per
 * worker that has peers in the room, into that worker's inbox, and the
 * worker is woken through its wake-up socket: no polling.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_INBOX_MAX    (1024 * 1024)   /* bytes queued per worker */


static ngx_webrtc_call_t *ngx_webrtc_call_find(ngx_webrtc_shm_ctx_t *ctx,
    ngx_str_t *room);
static void ngx_webrtc_call_remove_peer(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_peer_t *peer);
static ngx_int_t ngx_webrtc_call_post_locked(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_call_t *call, ngx_uint_t worker, u_char *to, u_char *except,
    ngx_uint_t flags, u_char *data, size_t len);
static void ngx_webrtc_call_fill_mail(ngx_webrtc_mail_t *m,
    ngx_str_t *room, u_char *to, u_char *except, ngx_uint_t flags,
    u_char *data, size_t len);


static void  (*ngx_webrtc_call_mail_handler)(ngx_webrtc_mail_t *mail);


static ngx_webrtc_call_t *
ngx_webrtc_call_find(ngx_webrtc_shm_ctx_t *ctx, ngx_str_t *room)
{
    return (ngx_webrtc_call_t *) ngx_str_rbtree_lookup(&ctx->sh->calls, room,
                                      ngx_crc32_short(room->data, room->len));
}


/*
 * Enters a peer into a call room, making the room if needed.  Returns
 * NGX_OK with *peer, NGX_WEBRTC_FULL when the room has max peers,
 * NGX_ERROR when memory is short.
 */
ngx_int_t
ngx_webrtc_call_join(ngx_str_t *room, ngx_uint_t mode, ngx_uint_t max,
    ngx_str_t *name, ngx_webrtc_peer_t **peer, ngx_log_t *log)
{
    ngx_webrtc_peer_t     *p;
    ngx_webrtc_call_t     *call;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;

    if (room->len > NGX_WEBRTC_ROOM_LEN - 1 - NGX_WEBRTC_PEER_ID_LEN
        || name->len > NGX_WEBRTC_NAME_LEN)
    {
        return NGX_ERROR;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    call = ngx_webrtc_call_find(ctx, room);

    if (call == NULL) {
        call = ngx_slab_calloc_locked(ctx->shpool, sizeof(ngx_webrtc_call_t));
        if (call == NULL) {
            goto nomem;
        }

        ngx_memcpy(call->name, room->data, room->len);
        call->node.str.data = call->name;
        call->node.str.len = room->len;
        call->node.node.key = ngx_crc32_short(call->name, room->len);
        call->mode = mode;
        ngx_queue_init(&call->peers);
        ngx_rbtree_insert(&ctx->sh->calls, &call->node.node);

    } else if (max && call->npeers >= max) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_WEBRTC_FULL;
    }

    p = ngx_slab_calloc_locked(ctx->shpool, sizeof(ngx_webrtc_peer_t));
    if (p == NULL) {
        if (call->npeers == 0) {
            ngx_rbtree_delete(&ctx->sh->calls, &call->node.node);
            ngx_slab_free_locked(ctx->shpool, call);
        }

        goto nomem;
    }

    ngx_webrtc_random_hex(p->id, NGX_WEBRTC_PEER_ID_LEN);
    p->stream_len = (u_char) (ngx_sprintf(p->stream, "%V~%*s", room,
                                          (size_t) NGX_WEBRTC_PEER_ID_LEN,
                                          p->id)
                              - p->stream);
    ngx_memcpy(p->name, name->data, name->len);
    p->name_len = (u_char) name->len;
    p->audio = 1;
    p->video = 1;
    p->call = call;
    p->worker = ngx_webrtc_worker.proc;
    p->pid = ngx_pid;

    ngx_queue_insert_tail(&call->peers, &p->queue);
    call->npeers++;
    call->workers[ngx_webrtc_worker.proc]++;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    *peer = p;

    return NGX_OK;

nomem:

    ngx_shmtx_unlock(&ctx->shpool->mutex);
    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "webrtc: shared memory zone is full");
    return NGX_ERROR;
}


void
ngx_webrtc_call_leave(ngx_webrtc_peer_t *peer)
{
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);
    ngx_webrtc_call_remove_peer(ctx, peer);
    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


static void
ngx_webrtc_call_remove_peer(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_peer_t *peer)
{
    ngx_webrtc_call_t  *call;

    call = peer->call;

    ngx_queue_remove(&peer->queue);
    call->npeers--;

    if (peer->worker < NGX_WEBRTC_MAX_PROCS
        && call->workers[peer->worker])
    {
        call->workers[peer->worker]--;
    }

    ngx_slab_free_locked(ctx->shpool, peer);

    if (call->npeers == 0) {
        ngx_rbtree_delete(&ctx->sh->calls, &call->node.node);
        ngx_slab_free_locked(ctx->shpool, call);
    }
}


/*
 * A copy of a room's peers, oldest first, into the pool: NGX_DECLINED
 * when the room does not exist.
 */
ngx_int_t
ngx_webrtc_call_peers(ngx_str_t *room, ngx_pool_t *pool,
    ngx_webrtc_peer_t **peers, ngx_uint_t *n)
{
    ngx_uint_t             i;
    ngx_queue_t           *q;
    ngx_webrtc_peer_t     *p;
    ngx_webrtc_call_t     *call;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    call = ngx_webrtc_call_find(ctx, room);

    if (call == NULL) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        *n = 0;
        return NGX_DECLINED;
    }

    p = ngx_palloc(pool, (call->npeers + 1) * sizeof(ngx_webrtc_peer_t));
    if (p == NULL) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_ERROR;
    }

    i = 0;

    for (q = ngx_queue_head(&call->peers);
         q != ngx_queue_sentinel(&call->peers);
         q = ngx_queue_next(q))
    {
        p[i++] = *ngx_queue_data(q, ngx_webrtc_peer_t, queue);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    *peers = p;
    *n = i;

    return NGX_OK;
}


/* a copy of one peer: NGX_DECLINED when it is not in the room */
ngx_int_t
ngx_webrtc_call_find_peer(ngx_str_t *room, ngx_str_t *id,
    ngx_webrtc_peer_t *copy)
{
    ngx_int_t              rc;
    ngx_queue_t           *q;
    ngx_webrtc_peer_t     *p;
    ngx_webrtc_call_t     *call;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;
    rc = NGX_DECLINED;

    if (id->len != NGX_WEBRTC_PEER_ID_LEN) {
        return rc;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    call = ngx_webrtc_call_find(ctx, room);

    if (call) {
        for (q = ngx_queue_head(&call->peers);
             q != ngx_queue_sentinel(&call->peers);
             q = ngx_queue_next(q))
        {
            p = ngx_queue_data(q, ngx_webrtc_peer_t, queue);

            if (ngx_memcmp(p->id, id->data, NGX_WEBRTC_PEER_ID_LEN) == 0) {
                *copy = *p;
                rc = NGX_OK;
                break;
            }
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return rc;
}


/*
 * A moderator's mute of a peer's track: marked in the peer's record, and
 * its source stops at the publisher's worker (NGX_DECLINED: no such
 * track).
 */
ngx_int_t
ngx_webrtc_call_mute(ngx_str_t *room, ngx_str_t *peer_id, uint32_t track,
    ngx_uint_t muted)
{
    ngx_int_t               rc;
    ngx_str_t               stream;
    ngx_uint_t              i, source;
    ngx_queue_t            *q;
    ngx_webrtc_peer_t      *peer;
    ngx_webrtc_call_t      *call;
    ngx_webrtc_shm_ctx_t   *ctx;
    u_char                  name[NGX_WEBRTC_ROOM_LEN];

    ctx = ngx_webrtc_worker.shm;
    rc = NGX_DECLINED;
    source = NGX_WEBRTC_MAX_TRACKS;

    if (peer_id->len != NGX_WEBRTC_PEER_ID_LEN
        || room->len > NGX_WEBRTC_ROOM_LEN - 1 - NGX_WEBRTC_PEER_ID_LEN)
    {
        return NGX_DECLINED;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    call = ngx_webrtc_call_find(ctx, room);

    for (q = call ? ngx_queue_head(&call->peers) : NULL;
         q && q != ngx_queue_sentinel(&call->peers);
         q = ngx_queue_next(q))
    {
        peer = ngx_queue_data(q, ngx_webrtc_peer_t, queue);

        if (ngx_memcmp(peer->id, peer_id->data, NGX_WEBRTC_PEER_ID_LEN)
            != 0)
        {
            continue;
        }

        for (i = 0; i < peer->ntracks; i++) {
            if (peer->tracks[i].id == track) {
                peer->tracks[i].muted = muted ? 1 : 0;
                source = peer->tracks[i].source;
                ngx_memcpy(name, peer->stream, peer->stream_len);
                stream.data = name;
                stream.len = peer->stream_len;
                rc = NGX_OK;
            }
        }

        break;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_webrtc_source_mute(&stream, source, muted);
}


/*
 * A WHIP publisher of a room that is a call enters it as a participant
 * (webrtc_call_whip): its room is its stream; it holds no WebSocket, so
 * no worker gets its mail, and the sweep sees when its session ends.
 */
ngx_int_t
ngx_webrtc_call_join_whip(ngx_str_t *room, ngx_webrtc_session_rec_t *rec,
    ngx_webrtc_peer_t *copy, ngx_log_t *log)
{
    ngx_int_t                 rc;
    ngx_str_t                 name;
    ngx_uint_t                i;
    ngx_webrtc_peer_t        *peer;
    ngx_webrtc_track_t       *t;
    ngx_webrtc_call_track_t  *ct;

    ngx_str_set(&name, "WHIP");

    rc = ngx_webrtc_call_join(room, NGX_WEBRTC_CALL_SFU, 0, &name, &peer,
                              log);
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_shmtx_lock(&ngx_webrtc_worker.shm->shpool->mutex);

    peer->whip = 1;
    peer->pid = 0;
    peer->call->workers[peer->worker]--;
    peer->worker = NGX_WEBRTC_MAX_PROCS;
    ngx_memcpy(peer->stream, room->data, room->len);
    peer->stream_len = (u_char) room->len;
    ngx_memcpy(peer->session, rec->id, NGX_WEBRTC_ID_LEN);

    for (i = 0; i < rec->ntracks && peer->ntracks < NGX_WEBRTC_PEER_TRACKS;
         i++)
    {
        t = &rec->tracks[i];

        if (t->source >= NGX_WEBRTC_MAX_TRACKS) {
            continue;
        }

        ct = &peer->tracks[peer->ntracks++];
        ct->id = peer->next_track++;
        ct->type = t->type;
        ct->label = (t->type == NGX_WEBRTC_MEDIA_AUDIO)
                    ? NGX_WEBRTC_LABEL_MICROPHONE : NGX_WEBRTC_LABEL_CAMERA;
        ct->source = t->source;
    }

    *copy = *peer;

    ngx_shmtx_unlock(&ngx_webrtc_worker.shm->shpool->mutex);

    return NGX_OK;
}


/* copies of every call room, with npeers, for the admin API */
ngx_int_t
ngx_webrtc_call_list(ngx_pool_t *pool, ngx_webrtc_call_t **calls,
    ngx_uint_t *n)
{
    ngx_uint_t             i, count;
    ngx_rbtree_node_t     *node, *root, *sentinel;
    ngx_webrtc_call_t     *c;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    root = ctx->sh->calls.root;
    sentinel = ctx->sh->calls.sentinel;
    count = 0;

    if (root != sentinel) {
        for (node = ngx_rbtree_min(root, sentinel);
             node;
             node = ngx_rbtree_next(&ctx->sh->calls, node))
        {
            count++;
        }
    }

    c = ngx_palloc(pool, (count + 1) * sizeof(ngx_webrtc_call_t));
    if (c == NULL) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_ERROR;
    }

    i = 0;

    if (root != sentinel) {
        for (node = ngx_rbtree_min(root, sentinel);
             node;
             node = ngx_rbtree_next(&ctx->sh->calls, node))
        {
            c[i] = *(ngx_webrtc_call_t *) node;
            c[i].node.str.data = c[i].name;
            i++;
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    *calls = c;
    *n = i;

    return NGX_OK;
}


/*
 * Posts a message to the workers holding the room's peers (or only the
 * worker of peer "to") and wakes them.  to and except are peer ids or
 * NULL.  A worker whose inbox is full loses the message, with a log line:
 * a stuck worker must not eat the zone.
 */
ngx_int_t
ngx_webrtc_call_post(ngx_str_t *room, u_char *to, u_char *except,
    ngx_uint_t flags, u_char *data, size_t len, ngx_log_t *log)
{
    ngx_int_t              rc;
    ngx_uint_t             i, here;
    ngx_queue_t           *q;
    ngx_webrtc_peer_t     *p;
    ngx_webrtc_call_t     *call;
    ngx_webrtc_mail_t     *local;
    ngx_webrtc_shm_ctx_t  *ctx;
    u_char                 woken[NGX_WEBRTC_MAX_PROCS];

    ctx = ngx_webrtc_worker.shm;
    rc = NGX_DECLINED;
    here = 0;

    ngx_memzero(woken, sizeof(woken));

    ngx_shmtx_lock(&ctx->shpool->mutex);

    call = ngx_webrtc_call_find(ctx, room);

    if (call == NULL) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_DECLINED;
    }

    for (i = 0; i < NGX_WEBRTC_MAX_PROCS; i++) {

        if (call->workers[i] == 0) {
            continue;
        }

        if (to) {
            for (q = ngx_queue_head(&call->peers);
                 q != ngx_queue_sentinel(&call->peers);
                 q = ngx_queue_next(q))
            {
                p = ngx_queue_data(q, ngx_webrtc_peer_t, queue);

                if (p->worker == i
                    && ngx_memcmp(p->id, to, NGX_WEBRTC_PEER_ID_LEN) == 0)
                {
                    break;
                }
            }

            if (q == ngx_queue_sentinel(&call->peers)) {
                continue;
            }
        }

        if (i == ngx_webrtc_worker.proc) {
            /* our own peers: delivered below, without the inbox */
            here = 1;
            continue;
        }

        rc = ngx_webrtc_call_post_locked(ctx, call, i, to, except, flags,
                                         data, len);
        if (rc == NGX_OK) {
            woken[i] = 1;

        } else {
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "webrtc call \"%V\": the inbox of worker %ui is "
                          "full, a message is lost", room, i);
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    for (i = 0; i < NGX_WEBRTC_MAX_PROCS; i++) {
        if (woken[i]) {
            ngx_webrtc_wake(i);
            rc = NGX_OK;
        }
    }

    if (here) {
        local = ngx_alloc(sizeof(ngx_webrtc_mail_t) + len, log);
        if (local == NULL) {
            return NGX_ERROR;
        }

        ngx_webrtc_call_fill_mail(local, room, to, except, flags, data, len);

        if (ngx_webrtc_call_mail_handler) {
            ngx_webrtc_call_mail_handler(local);
        }

        ngx_free(local);
        rc = NGX_OK;
    }

    return rc;
}


static void
ngx_webrtc_call_fill_mail(ngx_webrtc_mail_t *m, ngx_str_t *room, u_char *to,
    u_char *except, ngx_uint_t flags, u_char *data, size_t len)
{
    ngx_memcpy(m->room, room->data, room->len);
    m->room_len = room->len;
    ngx_memzero(m->to, NGX_WEBRTC_PEER_ID_LEN);
    ngx_memzero(m->except, NGX_WEBRTC_PEER_ID_LEN);

    if (to) {
        ngx_memcpy(m->to, to, NGX_WEBRTC_PEER_ID_LEN);
    }

    if (except) {
        ngx_memcpy(m->except, except, NGX_WEBRTC_PEER_ID_LEN);
    }

    m->flags = flags;
    m->len = len;
    ngx_memcpy(m->data, data, len);
}


static ngx_int_t
ngx_webrtc_call_post_locked(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_call_t *call, ngx_uint_t worker, u_char *to, u_char *except,
    ngx_uint_t flags, u_char *data, size_t len)
{
    size_t              size;
    ngx_str_t           name;
    ngx_webrtc_mail_t  *m;

    size = sizeof(ngx_webrtc_mail_t) + len;

    if (ctx->sh->inbox_size[worker] + size > NGX_WEBRTC_INBOX_MAX) {
        return NGX_ERROR;
    }

    if (ctx->sh->inbox[worker].next == NULL) {
        ngx_queue_init(&ctx->sh->inbox[worker]);
    }

    m = ngx_slab_alloc_locked(ctx->shpool, size);
    if (m == NULL) {
        return NGX_ERROR;
    }

    name.data = call->name;
    name.len = call->node.str.len;

    ngx_webrtc_call_fill_mail(m, &name, to, except, flags, data, len);

    ngx_queue_insert_tail(&ctx->sh->inbox[worker], &m->queue);
    ctx->sh->inbox_size[worker] += size;

    return NGX_OK;
}


/* the next message of this worker's inbox, NULL when it is empty */
ngx_webrtc_mail_t *
ngx_webrtc_call_next_mail(void)
{
    ngx_queue_t           *q, *inbox;
    ngx_webrtc_mail_t     *m;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;
    inbox = &ctx->sh->inbox[ngx_webrtc_worker.proc];
    m = NULL;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    if (inbox->next && !ngx_queue_empty(inbox)) {
        q = ngx_queue_head(inbox);
        ngx_queue_remove(q);
        m = ngx_queue_data(q, ngx_webrtc_mail_t, queue);
        ctx->sh->inbox_size[ngx_webrtc_worker.proc] -=
                                             sizeof(ngx_webrtc_mail_t) + m->len;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return m;
}


void
ngx_webrtc_call_free_mail(ngx_webrtc_mail_t *mail)
{
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);
    ngx_slab_free_locked(ctx->shpool, mail);
    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


/* under the lock: what a dead process left in its inbox */
void
ngx_webrtc_call_drop_mail(ngx_uint_t proc)
{
    ngx_queue_t           *q, *inbox;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_worker.shm;
    inbox = &ctx->sh->inbox[proc];

    while (inbox->next && !ngx_queue_empty(inbox)) {
        q = ngx_queue_head(inbox);
        ngx_queue_remove(q);
        ngx_slab_free_locked(ctx->shpool, q);
    }

    ctx->sh->inbox_size[proc] = 0;
}


void
ngx_webrtc_call_lock(void)
{
    ngx_shmtx_lock(&ngx_webrtc_worker.shm->shpool->mutex);
}


void
ngx_webrtc_call_unlock(void)
{
    ngx_shmtx_unlock(&ngx_webrtc_worker.shm->shpool->mutex);
}


void
ngx_webrtc_call_set_mail_handler(void (*handler)(ngx_webrtc_mail_t *mail))
{
    ngx_webrtc_call_mail_handler = handler;
}


/* from the wake-up handler: this worker's inbox, message by message */
void
ngx_webrtc_call_read_mail(void)
{
    ngx_webrtc_mail_t  *m;

    while ((m = ngx_webrtc_call_next_mail()) != NULL) {
        if (ngx_webrtc_call_mail_handler) {
            ngx_webrtc_call_mail_handler(m);
        }

        ngx_webrtc_call_free_mail(m);
    }
}


/*
 * From the sweep: peers whose worker died are removed, and their rooms are
 * told they left.
 */
void
ngx_webrtc_call_reap(ngx_log_t *log)
{
    size_t                 len;
    ngx_str_t              room, sid;
    ngx_queue_t           *q, *next;
    ngx_webrtc_pids_t      pids;
    ngx_rbtree_node_t     *node, *nnode, *root, *sentinel;
    ngx_webrtc_peer_t     *p;
    ngx_webrtc_call_t     *call;
    ngx_webrtc_shm_ctx_t  *ctx;
    u_char                 text[128];
    u_char                 name[NGX_WEBRTC_ROOM_LEN];

    ctx = ngx_webrtc_worker.shm;
    pids.n = 0;

    for ( ;; ) {
        ngx_shmtx_lock(&ctx->shpool->mutex);

        root = ctx->sh->calls.root;
        sentinel = ctx->sh->calls.sentinel;
        p = NULL;
        call = NULL;

        if (root != sentinel) {
            for (node = ngx_rbtree_min(root, sentinel); node; node = nnode) {
                nnode = ngx_rbtree_next(&ctx->sh->calls, node);
                call = (ngx_webrtc_call_t *) node;

                for (q = ngx_queue_head(&call->peers);
                     q != ngx_queue_sentinel(&call->peers);
                     q = next)
                {
                    next = ngx_queue_next(q);
                    p = ngx_queue_data(q, ngx_webrtc_peer_t, queue);

                    if (p->whip) {
                        sid.data = p->session;
                        sid.len = NGX_WEBRTC_ID_LEN;

                        if (ngx_str_rbtree_lookup(&ctx->sh->ids, &sid,
                                       ngx_crc32_short(sid.data, sid.len)))
                        {
                            p = NULL;
                            continue;
                        }

                        break;
                    }

                    if (ngx_webrtc_pid_alive(&pids, p->pid)) {
                        p = NULL;
                        continue;
                    }

                    break;
                }

                if (p) {
                    break;
                }
            }
        }

        if (p == NULL) {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            return;
        }

        room.len = call->node.str.len;
        ngx_memcpy(name, call->name, room.len);
        room.data = name;

        len = ngx_sprintf(text, "{\"type\":\"participant-left\","
                                "\"id\":\"%*s\",\"reason\":\"%s\"}",
                          (size_t) NGX_WEBRTC_PEER_ID_LEN, p->id,
                          p->whip ? "closed" : "timeout")
              - text;

        if (p->whip) {
            ngx_log_error(NGX_LOG_INFO, log, 0,
                          "webrtc call \"%V\": the WHIP publisher left",
                          &room);

        } else {
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "webrtc call \"%V\": peer %*s: its worker %P is "
                          "gone", &room, (size_t) NGX_WEBRTC_PEER_ID_LEN,
                          p->id, p->pid);
        }

        ngx_webrtc_call_remove_peer(ctx, p);

        ngx_shmtx_unlock(&ctx->shpool->mutex);

        (void) ngx_webrtc_call_post(&room, NULL, NULL,
                                    NGX_WEBRTC_MAIL_TEXT|NGX_WEBRTC_MAIL_SYNC,
                                    text, len, log);
    }
}


#define NGX_WEBRTC_STATUS_PEER_LEN                                            \
    (128 + 6 * NGX_WEBRTC_NAME_LEN + NGX_WEBRTC_PEER_TRACKS * 96)


/* for the status page, under the lock: room enough for the calls */
size_t
ngx_webrtc_call_status_size(ngx_webrtc_shm_t *sh)
{
    size_t              size;
    ngx_rbtree_node_t  *node;
    ngx_webrtc_call_t  *call;

    size = 16;

    if (sh->calls.root == sh->calls.sentinel) {
        return size;
    }

    for (node = ngx_rbtree_min(sh->calls.root, sh->calls.sentinel);
         node;
         node = ngx_rbtree_next(&sh->calls, node))
    {
        call = (ngx_webrtc_call_t *) node;
        size += 128 + 6 * NGX_WEBRTC_ROOM_LEN
                + call->npeers * NGX_WEBRTC_STATUS_PEER_LEN;
    }

    return size;
}


/* the calls as a JSON array: rooms, participants, their tracks */
u_char *
ngx_webrtc_call_status(ngx_webrtc_shm_t *sh, u_char *p, u_char *last)
{
    ngx_uint_t          i;
    ngx_queue_t        *q;
    ngx_rbtree_node_t  *node;
    ngx_webrtc_peer_t  *peer;
    ngx_webrtc_call_t  *call;

    p = ngx_slprintf(p, last, "[");

    if (sh->calls.root == sh->calls.sentinel) {
        return ngx_slprintf(p, last, "]");
    }

    for (node = ngx_rbtree_min(sh->calls.root, sh->calls.sentinel);
         node;
         node = ngx_rbtree_next(&sh->calls, node))
    {
        call = (ngx_webrtc_call_t *) node;

        p = ngx_slprintf(p, last, "%s{\"name\":\"",
                         node == ngx_rbtree_min(sh->calls.root,
                                                sh->calls.sentinel)
                         ? "" : ",");
        p = (u_char *) ngx_escape_json(p, call->name, call->node.str.len);
        p = ngx_slprintf(p, last, "\",\"mode\":\"%s\",\"participants\":[",
                         call->mode == NGX_WEBRTC_CALL_P2P ? "p2p" : "sfu");

        for (q = ngx_queue_head(&call->peers);
             q != ngx_queue_sentinel(&call->peers);
             q = ngx_queue_next(q))
        {
            peer = ngx_queue_data(q, ngx_webrtc_peer_t, queue);

            p = ngx_slprintf(p, last, "%s{\"id\":\"%*s\",\"name\":\"",
                             q == ngx_queue_head(&call->peers) ? "" : ",",
                             (size_t) NGX_WEBRTC_PEER_ID_LEN, peer->id);
            p = (u_char *) ngx_escape_json(p, peer->name, peer->name_len);
            p = ngx_slprintf(p, last, "\",\"worker\":%ui,\"whip\":%s,"
                             "\"audio\":%s,\"video\":%s,\"tracks\":[",
                             peer->worker, peer->whip ? "true" : "false",
                             peer->audio ? "true" : "false",
                             peer->video ? "true" : "false");

            for (i = 0; i < peer->ntracks; i++) {
                p = ngx_slprintf(p, last, "%s{\"id\":\"%*s-%uD\","
                                 "\"kind\":\"%s\",\"muted\":%s}",
                                 i ? "," : "",
                                 (size_t) NGX_WEBRTC_PEER_ID_LEN, peer->id,
                                 peer->tracks[i].id,
                                 peer->tracks[i].type
                                 == NGX_WEBRTC_MEDIA_AUDIO
                                 ? "audio" : "video",
                                 peer->tracks[i].muted ? "true" : "false");
            }

            p = ngx_slprintf(p, last, "]}");
        }

        p = ngx_slprintf(p, last, "]}");
    }

    return ngx_slprintf(p, last, "]");
}
