
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Shared memory: session records and rooms that every worker sees, the
 * owner choice for a new session, reaping of sessions nobody holds, and the
 * whole-server status.  Every access is under the slab pool's mutex, which
 * nginx's ngx_shmtx releases for a worker that dies holding it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <openssl/rand.h>

#include "ngx_webrtc_media.h"


static ngx_webrtc_room_t *ngx_webrtc_shm_find_room(ngx_webrtc_shm_ctx_t *ctx,
    ngx_str_t *name);
static ngx_webrtc_session_rec_t *ngx_webrtc_shm_find_id(
    ngx_webrtc_shm_ctx_t *ctx, ngx_str_t *id);
static ngx_uint_t ngx_webrtc_shm_least_loaded(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_conf_t *wcf, ngx_webrtc_room_t *room);
static ngx_uint_t ngx_webrtc_shm_owner(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_conf_t *wcf, ngx_webrtc_room_t *room,
    ngx_webrtc_session_args_t *args);
static ngx_int_t ngx_webrtc_shm_alloc_rings(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_room_t *room);
static void ngx_webrtc_shm_set_sources(ngx_webrtc_room_t *room,
    ngx_webrtc_session_rec_t *rec);
static void ngx_webrtc_shm_pin_sources(ngx_webrtc_room_t *room,
    ngx_webrtc_sdp_source_t *pins, ngx_uint_t n);
static void ngx_webrtc_shm_free_room(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_room_t *room);
static ngx_int_t ngx_webrtc_shm_fill_tracks(ngx_webrtc_session_rec_t *rec,
    ngx_webrtc_sdp_offer_t *offer);
static ngx_webrtc_shm_ctx_t *ngx_webrtc_shm_ctx(void);
static void ngx_webrtc_shm_add_viewer(ngx_webrtc_room_t *room,
    ngx_uint_t proc);
static void ngx_webrtc_shm_del_viewer(ngx_webrtc_room_t *room,
    ngx_uint_t proc);
static ngx_uint_t ngx_webrtc_shm_client_sessions(ngx_webrtc_shm_ctx_t *ctx,
    ngx_str_t *client);
static void ngx_webrtc_shm_release_subs(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_session_rec_t *rec, ngx_webrtc_track_t *tracks,
    ngx_uint_t n);


const char  *ngx_webrtc_state_names[] = {
    "new", "ice", "dtls", "connected", "closed"
};


ngx_int_t
ngx_webrtc_shm_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_webrtc_shm_ctx_t  *octx = data;

    ngx_webrtc_conf_t     *wcf;
    ngx_webrtc_shm_ctx_t  *ctx;

    wcf = zone->data;

    /* the context lives in the configuration of the cycle being made */

    ctx = &wcf->shm;
    ctx->shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (octx) {
        /*
         * reload: the old workers keep their sessions on their ports while
         * the new ones bind free ones (see ngx_webrtc_udp_bind())
         */
        ctx->sh = octx->sh;
        ctx->sh->nworkers = wcf->nworkers;
        wcf->generation = ++ctx->sh->generation;
        zone->data = ctx;
        return NGX_OK;
    }

    if (zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        zone->data = ctx;
        return NGX_OK;
    }

    ctx->sh = ngx_slab_calloc(ctx->shpool, sizeof(ngx_webrtc_shm_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ngx_rbtree_init(&ctx->sh->ids, &ctx->sh->ids_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_rbtree_init(&ctx->sh->ufrags, &ctx->sh->ufrags_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_rbtree_init(&ctx->sh->rooms, &ctx->sh->rooms_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&ctx->sh->sessions);
    ngx_rbtree_init(&ctx->sh->calls, &ctx->sh->calls_sentinel,
                    ngx_str_rbtree_insert_value);

    ctx->sh->nworkers = wcf->nworkers;
    wcf->generation = ++ctx->sh->generation;

    ctx->shpool->log_nomem = 0;
    ctx->shpool->log_ctx = (u_char *) " in webrtc zone";

    zone->data = ctx;

    return NGX_OK;
}


static ngx_webrtc_shm_ctx_t *
ngx_webrtc_shm_ctx(void)
{
    ngx_webrtc_conf_t  *wcf;

    wcf = ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle);
    if (wcf == NULL) {
        return NULL;
    }

    return wcf->zone->data;
}


void
ngx_webrtc_random_hex(u_char *dst, size_t n)
{
    u_char  raw[64];

    /* n hex digits from n / 2 random bytes of the CSPRNG */

    n = ngx_min(n, 2 * sizeof(raw));

    if (RAND_bytes(raw, (int) ((n + 1) / 2)) != 1) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "webrtc: RAND_bytes() failed");
        ngx_memzero(raw, sizeof(raw));
    }

    while (n > 1) {
        dst = ngx_hex_dump(dst, raw, 1);
        ngx_memmove(raw, raw + 1, sizeof(raw) - 1);
        n -= 2;
    }

    if (n) {
        *dst = "0123456789abcdef"[raw[0] & 0x0f];
    }
}


ngx_int_t
ngx_webrtc_room_sources(ngx_str_t *name, ngx_webrtc_sdp_source_t *sources,
    ngx_uint_t *n)
{
    ngx_uint_t             i;
    ngx_webrtc_room_t     *room;
    ngx_webrtc_source_t   *src;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_shm_ctx();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    room = ngx_webrtc_shm_find_room(ctx, name);

    if (room == NULL || room->publisher == NULL || room->nsources == 0) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_WEBRTC_NO_PUBLISHER;
    }

    for (i = 0; i < room->nsources; i++) {
        src = &room->sources[i];

        ngx_memzero(&sources[i], sizeof(ngx_webrtc_sdp_source_t));
        sources[i].type = src->type;
        sources[i].codec = src->codec;
        sources[i].channels = src->channels;
        sources[i].clock_rate = src->clock_rate;
        sources[i].profile_level_id = src->profile_level_id;
        sources[i].packetization_mode = src->packetization_mode;
        sources[i].profile = src->profile;
    }

    *n = room->nsources;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_session_create(ngx_webrtc_session_args_t *args,
    ngx_webrtc_session_rec_t *out, ngx_log_t *log)
{
    ngx_int_t                  rc;
    ngx_uint_t                 owner, ntracks;
    ngx_webrtc_conf_t         *wcf;
    ngx_webrtc_room_t         *room;
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_session_rec_t  *rec;

    wcf = ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle);
    if (wcf == NULL) {
        return NGX_ERROR;
    }

    ctx = wcf->zone->data;

    if (args->room.len == 0 || args->room.len > NGX_WEBRTC_ROOM_LEN) {
        return NGX_ERROR;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    if (args->max_per_client
        && ngx_webrtc_shm_client_sessions(ctx, &args->client)
           >= args->max_per_client)
    {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "webrtc: this client has its %ui sessions",
                      args->max_per_client);
        return NGX_WEBRTC_TOO_MANY;
    }

    if (wcf->max_sessions && ctx->sh->nsessions >= wcf->max_sessions) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "webrtc: webrtc_max_sessions (%ui) reached",
                      wcf->max_sessions);
        return NGX_WEBRTC_FULL;
    }

    room = ngx_webrtc_shm_find_room(ctx, &args->room);

    if (room) {
        if (args->room_max_sessions
            && room->sessions >= args->room_max_sessions)
        {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "webrtc: room \"%V\" is full", &args->room);
            return NGX_WEBRTC_FULL;
        }

        if (args->kind != NGX_WEBRTC_KIND_WHEP && room->publisher) {

            if (!args->takeover) {
                ngx_shmtx_unlock(&ctx->shpool->mutex);
                return NGX_WEBRTC_BUSY;
            }

            /* the old publisher's owner closes it on its next tick */
            room->publisher->closing = 1;
            room->publisher = NULL;
        }

        if (args->kind == NGX_WEBRTC_KIND_WHEP && room->publisher == NULL
            && args->npins == 0)
        {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            return NGX_WEBRTC_NO_PUBLISHER;
        }

    } else {
        if (args->kind == NGX_WEBRTC_KIND_WHEP && args->npins == 0) {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            return NGX_WEBRTC_NO_PUBLISHER;
        }

        room = ngx_slab_calloc_locked(ctx->shpool, sizeof(ngx_webrtc_room_t));
        if (room == NULL) {
            goto nomem;
        }

        ngx_memcpy(room->name, args->room.data, args->room.len);
        room->node.str.data = room->name;
        room->node.str.len = args->room.len;
        room->node.node.key = ngx_crc32_short(room->name, args->room.len);
        room->worker = ngx_webrtc_shm_least_loaded(ctx, wcf, NULL);
        ngx_rbtree_insert(&ctx->sh->rooms, &room->node.node);
    }

    if (room->nsources == 0 && args->npins) {
        ngx_webrtc_shm_pin_sources(room, args->pins, args->npins);
    }

    owner = ngx_webrtc_shm_owner(ctx, wcf, room, args);

    if (ctx->sh->workers[owner].port == 0) {
        /* every worker's ports are held by older ones: later */
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "webrtc: no worker has a UDP port free");
        goto full;
    }

    if (args->kind == NGX_WEBRTC_KIND_WHEP
        && ngx_webrtc_shm_alloc_rings(ctx, room) != NGX_OK)
    {
        goto nomem;
    }

    ntracks = (args->kind == NGX_WEBRTC_KIND_PEER)
              ? NGX_WEBRTC_PEER_MAX_TRACKS : NGX_WEBRTC_MAX_TRACKS;

    rec = ngx_slab_calloc_locked(ctx->shpool,
                                 sizeof(ngx_webrtc_session_rec_t)
                                 + ntracks * sizeof(ngx_webrtc_track_t));
    if (rec == NULL) {
        goto nomem;
    }

    rec->tracks = (ngx_webrtc_track_t *) (rec + 1);
    rec->max_tracks = ntracks;

    ngx_webrtc_random_hex(rec->id, NGX_WEBRTC_ID_LEN);
    ngx_webrtc_random_hex(rec->ufrag, NGX_WEBRTC_UFRAG_LEN);
    ngx_webrtc_random_hex(rec->pwd, NGX_WEBRTC_PWD_LEN);

    rec->remote_ufrag_len = (u_char) ngx_min(args->offer->ice_ufrag.len,
                                             NGX_WEBRTC_REMOTE_UFRAG_LEN);
    ngx_memcpy(rec->remote_ufrag, args->offer->ice_ufrag.data,
               rec->remote_ufrag_len);
    ngx_memcpy(rec->room, args->room.data, args->room.len);
    rec->room_len = (u_char) args->room.len;
    ngx_memcpy(rec->remote_fp, args->offer->fingerprint, 32);
    rec->client_len = (u_char) ngx_min(args->client.len, sizeof(rec->client));
    if (rec->client_len) {
        ngx_memcpy(rec->client, args->client.data, rec->client_len);
    }

    rec->shared_room = room;
    rec->kind = args->kind;
    rec->state = NGX_WEBRTC_STATE_NEW;
    rec->worker = owner;
    rec->port = ctx->sh->workers[owner].port;
    rec->created = ngx_time();

    rc = ngx_webrtc_shm_fill_tracks(rec, args->offer);
    if (rc != NGX_OK) {
        ngx_slab_free_locked(ctx->shpool, rec);
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_ERROR;
    }

    rec->id_node.str.data = rec->id;
    rec->id_node.str.len = NGX_WEBRTC_ID_LEN;
    rec->id_node.node.key = ngx_crc32_short(rec->id, NGX_WEBRTC_ID_LEN);
    ngx_rbtree_insert(&ctx->sh->ids, &rec->id_node.node);

    rec->ufrag_node.str.data = rec->ufrag;
    rec->ufrag_node.str.len = NGX_WEBRTC_UFRAG_LEN;
    rec->ufrag_node.node.key = ngx_crc32_short(rec->ufrag,
                                               NGX_WEBRTC_UFRAG_LEN);
    ngx_rbtree_insert(&ctx->sh->ufrags, &rec->ufrag_node.node);

    ngx_queue_insert_tail(&ctx->sh->sessions, &rec->queue);

    room->sessions++;

    if (args->kind == NGX_WEBRTC_KIND_WHEP) {
        ngx_webrtc_shm_add_viewer(room, owner);

    } else {
        room->publisher = rec;
        ngx_webrtc_shm_set_sources(room, rec);
    }

    ctx->sh->nsessions++;
    ctx->sh->workers[owner].sessions++;

    *out = *rec;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;

nomem:

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "webrtc: shared memory zone is full");

full:

    if (room && room->sessions == 0) {
        ngx_webrtc_shm_free_room(ctx, room);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_WEBRTC_FULL;
}


/*
 * The sessions one client address holds: a walk of all of them, which
 * costs a microsecond per thousand and saves an index to keep.
 */
static ngx_uint_t
ngx_webrtc_shm_client_sessions(ngx_webrtc_shm_ctx_t *ctx, ngx_str_t *client)
{
    ngx_uint_t                 n;
    ngx_queue_t               *q;
    ngx_webrtc_session_rec_t  *rec;

    n = 0;

    for (q = ngx_queue_head(&ctx->sh->sessions);
         q != ngx_queue_sentinel(&ctx->sh->sessions);
         q = ngx_queue_next(q))
    {
        rec = ngx_queue_data(q, ngx_webrtc_session_rec_t, queue);

        if (rec->client_len == client->len && !rec->closing
            && ngx_memcmp(rec->client, client->data, client->len) == 0)
        {
            n++;
        }
    }

    return n;
}


/* viewers per worker process, and how many processes have any */
static void
ngx_webrtc_shm_add_viewer(ngx_webrtc_room_t *room, ngx_uint_t proc)
{
    if (room->viewers[proc]++ == 0) {
        room->viewing_procs++;
    }
}


static void
ngx_webrtc_shm_del_viewer(ngx_webrtc_room_t *room, ngx_uint_t proc)
{
    if (room->viewers[proc] && --room->viewers[proc] == 0) {
        room->viewing_procs--;
    }
}


/*
 * The live worker of our configuration with the fewest sessions, or of a
 * room's viewers: after a reload, new sessions go to new workers.
 */
static ngx_uint_t
ngx_webrtc_shm_least_loaded(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_conf_t *wcf, ngx_webrtc_room_t *room)
{
    ngx_uint_t                 i, best;
    ngx_webrtc_worker_slot_t  *w;

    w = ctx->sh->workers;
    best = NGX_WEBRTC_MAX_PROCS;

    for (i = 0; i < NGX_WEBRTC_MAX_PROCS; i++) {
        if (w[i].pid == 0 || w[i].port == 0) {
            continue;
        }

        /* ours first: a worker of an older configuration only when no
           worker of ours has a port yet */

        if (best != NGX_WEBRTC_MAX_PROCS
            && w[best].generation == ngx_webrtc_worker.generation
            && w[i].generation != ngx_webrtc_worker.generation)
        {
            continue;
        }

        if (best != NGX_WEBRTC_MAX_PROCS
            && w[best].generation != ngx_webrtc_worker.generation
            && w[i].generation == ngx_webrtc_worker.generation)
        {
            best = i;
            continue;
        }

        if (best == NGX_WEBRTC_MAX_PROCS) {
            best = i;
            continue;
        }

        if (room && room->viewers[i] != room->viewers[best]) {
            if (room->viewers[i] < room->viewers[best]) {
                best = i;
            }

            continue;
        }

        if (w[i].sessions < w[best].sessions) {
            best = i;
        }
    }

    return best == NGX_WEBRTC_MAX_PROCS ? ngx_webrtc_worker.proc : best;
}


/*
 * A room's sessions go to the worker where it started (affinity: the
 * publisher's packets are then forwarded without leaving the process)
 * unless that worker is gone; spread placement puts a viewer on the worker
 * with the fewest viewers of the room, and spill does once the room's
 * worker has args->spill of them.
 */
static ngx_uint_t
ngx_webrtc_shm_owner(ngx_webrtc_shm_ctx_t *ctx, ngx_webrtc_conf_t *wcf,
    ngx_webrtc_room_t *room, ngx_webrtc_session_args_t *args)
{
    if (room->worker >= NGX_WEBRTC_MAX_PROCS
        || ctx->sh->workers[room->worker].pid == 0
        || ctx->sh->workers[room->worker].port == 0
        || ctx->sh->workers[room->worker].generation
           != ngx_webrtc_worker.generation)
    {
        room->worker = ngx_webrtc_shm_least_loaded(ctx, wcf, NULL);
    }

    if (args->placement == NGX_WEBRTC_PLACE_LOCAL
        && ctx->sh->workers[ngx_webrtc_worker.proc].port)
    {
        return ngx_webrtc_worker.proc;
    }

    if (args->kind == NGX_WEBRTC_KIND_WHEP
        && (args->placement == NGX_WEBRTC_PLACE_SPREAD
            || (args->placement == NGX_WEBRTC_PLACE_SPILL
                && room->viewers[room->worker] >= args->spill)))
    {
        return ngx_webrtc_shm_least_loaded(ctx, wcf, room);
    }

    return room->worker;
}


static ngx_int_t
ngx_webrtc_shm_alloc_rings(ngx_webrtc_shm_ctx_t *ctx, ngx_webrtc_room_t *room)
{
    ngx_uint_t            i, nslots;
    ngx_webrtc_source_t  *src;

    for (i = 0; i < room->nsources; i++) {
        src = &room->sources[i];

        if (src->ring) {
            continue;
        }

        nslots = (src->type == NGX_WEBRTC_MEDIA_VIDEO)
                 ? NGX_WEBRTC_RING_VIDEO : NGX_WEBRTC_RING_AUDIO;

        src->ring = ngx_slab_alloc_locked(ctx->shpool,
                                          ngx_webrtc_ring_size(nslots));
        if (src->ring == NULL) {
            return NGX_ERROR;
        }

        ngx_webrtc_ring_init(src->ring, nslots);
    }

    return NGX_OK;
}


/*
 * The publisher's tracks become the room's sources.  Rings and keyframe
 * counters survive a publisher that comes back, so viewers go on.
 */
static void
ngx_webrtc_shm_set_sources(ngx_webrtc_room_t *room,
    ngx_webrtc_session_rec_t *rec)
{
    ngx_uint_t            i, k, taken;
    ngx_webrtc_track_t   *t;
    ngx_webrtc_source_t  *src;

    /*
     * Each track takes the room's first source of its kind not taken yet
     * (the one it had, for a publisher that comes back, or a pinned one),
     * or a new one.
     */

    taken = 0;

    for (i = 0; i < rec->ntracks; i++) {
        t = &rec->tracks[i];

        if (t->role != NGX_WEBRTC_ROLE_PUB) {
            continue;
        }

        for (k = 0; k < room->nsources; k++) {
            if (!(taken & (1 << k)) && room->sources[k].type == t->type) {
                break;
            }
        }

        if (k == room->nsources) {
            if (k == NGX_WEBRTC_MAX_TRACKS) {
                t->source = NGX_WEBRTC_MAX_TRACKS;
                continue;
            }

            room->nsources++;
        }

        taken |= 1 << k;
        t->source = (u_char) k;
        src = &room->sources[k];

        src->type = t->type;
        src->codec = t->codec;
        src->channels = t->channels;
        src->clock_rate = t->clock_rate;
        src->profile_level_id = t->profile_level_id;
        src->packetization_mode = t->packetization_mode;
        src->profile = t->profile;
        src->sr_time = 0;
        ngx_memcpy(src->ext_id, t->ext_id, NGX_WEBRTC_EXT_MAX);
    }
}


/* a room whose codecs nginx.conf pins has sources before a publisher */
static void
ngx_webrtc_shm_pin_sources(ngx_webrtc_room_t *room,
    ngx_webrtc_sdp_source_t *pins, ngx_uint_t n)
{
    ngx_uint_t            i;
    ngx_webrtc_source_t  *src;

    for (i = 0; i < n && i < NGX_WEBRTC_MAX_TRACKS; i++) {
        src = &room->sources[i];

        src->type = (u_char) pins[i].type;
        src->codec = pins[i].codec;
        src->channels = pins[i].channels;
        src->clock_rate = pins[i].clock_rate;
        src->profile_level_id = pins[i].profile_level_id;
        src->packetization_mode = pins[i].packetization_mode;
        src->profile = pins[i].profile;
    }

    room->nsources = i;
}


static void
ngx_webrtc_shm_free_room(ngx_webrtc_shm_ctx_t *ctx, ngx_webrtc_room_t *room)
{
    ngx_uint_t  i;

    for (i = 0; i < room->nsources; i++) {
        if (room->sources[i].ring) {
            ngx_slab_free_locked(ctx->shpool, room->sources[i].ring);
        }
    }

    ngx_rbtree_delete(&ctx->sh->rooms, &room->node.node);
    ngx_slab_free_locked(ctx->shpool, room);
}


/*
 * A peer's tracks after a negotiation.  Each SUB track holds its room (the
 * other peer's) as a session of it, so that the room and its rings live as
 * long as somebody receives them; a room that is gone by now leaves the
 * track inactive.  Then the local session, if it exists yet, follows.
 */
ngx_int_t
ngx_webrtc_peer_set_tracks(ngx_str_t *id, ngx_webrtc_peer_track_t *tracks,
    ngx_uint_t n, ngx_log_t *log)
{
    ngx_uint_t                 i;
    ngx_webrtc_room_t         *from;
    ngx_webrtc_track_t        *t, *nt, old[NGX_WEBRTC_PEER_MAX_TRACKS];
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_session_rec_t  *rec;
    u_char                     ufrag[NGX_WEBRTC_UFRAG_LEN];

    ctx = ngx_webrtc_shm_ctx();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    rec = ngx_webrtc_shm_find_id(ctx, id);

    if (rec == NULL || rec->closing || n > rec->max_tracks) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_memcpy(old, rec->tracks, rec->ntracks * sizeof(ngx_webrtc_track_t));

    for (i = 0; i < n; i++) {
        nt = &tracks[i].track;
        nt->from = NULL;

        if (nt->role != NGX_WEBRTC_ROLE_SUB) {
            continue;
        }

        from = ngx_webrtc_shm_find_room(ctx, &tracks[i].from);

        if (from == NULL || ngx_webrtc_shm_alloc_rings(ctx, from) != NGX_OK) {
            nt->role = NGX_WEBRTC_ROLE_NONE;
            continue;
        }

        nt->from = from;
        from->sessions++;
        ngx_webrtc_shm_add_viewer(from, rec->worker);
    }

    ngx_webrtc_shm_release_subs(ctx, rec, old, rec->ntracks);

    for (i = 0; i < n; i++) {
        t = &rec->tracks[i];
        nt = &tracks[i].track;

        if (i < rec->ntracks && t->role == nt->role && t->from == nt->from
            && t->source == nt->source)
        {
            /* the same section: its counters go on */
            nt->packets = t->packets;
            nt->bytes = t->bytes;
            nt->lost = t->lost;
            nt->nacks = t->nacks;
            nt->plis = t->plis;
            nt->rtt = t->rtt;
            nt->loss = t->loss;

            if (nt->role == NGX_WEBRTC_ROLE_PUB && nt->ssrc == 0) {
                nt->ssrc = t->ssrc;
            }
        }

        *t = *nt;
    }

    rec->ntracks = n;

    ngx_webrtc_shm_set_sources(rec->shared_room, rec);

    ngx_memcpy(ufrag, rec->ufrag, NGX_WEBRTC_UFRAG_LEN);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_webrtc_session_refresh(ufrag);

    return NGX_OK;
}


static void
ngx_webrtc_shm_release_subs(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_session_rec_t *rec, ngx_webrtc_track_t *tracks, ngx_uint_t n)
{
    ngx_uint_t          i;
    ngx_webrtc_room_t  *from;

    for (i = 0; i < n; i++) {
        if (tracks[i].role != NGX_WEBRTC_ROLE_SUB || tracks[i].from == NULL) {
            continue;
        }

        from = tracks[i].from;

        ngx_webrtc_shm_del_viewer(from, rec->worker);

        if (--from->sessions == 0) {
            ngx_webrtc_shm_free_room(ctx, from);
        }
    }
}


/* a moderator's mute: the source's packets stop at the publisher's worker */
ngx_int_t
ngx_webrtc_source_mute(ngx_str_t *name, ngx_uint_t source, ngx_uint_t muted)
{
    ngx_int_t              rc;
    ngx_webrtc_room_t     *room;
    ngx_webrtc_shm_ctx_t  *ctx;

    ctx = ngx_webrtc_shm_ctx();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_DECLINED;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    room = ngx_webrtc_shm_find_room(ctx, name);

    if (room && source < room->nsources) {
        room->sources[source].muted = muted ? 1 : 0;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return rc;
}


static ngx_int_t
ngx_webrtc_shm_fill_tracks(ngx_webrtc_session_rec_t *rec,
    ngx_webrtc_sdp_offer_t *offer)
{
    ngx_uint_t               i;
    ngx_webrtc_track_t      *t;
    ngx_webrtc_sdp_codec_t  *c;
    ngx_webrtc_sdp_media_t  *m;

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];

        if (!m->accepted) {
            continue;
        }

        if (rec->ntracks == rec->max_tracks) {
            return NGX_ERROR;
        }

        t = &rec->tracks[rec->ntracks++];
        c = &m->codecs[m->codec];

        t->mid_len = (u_char) ngx_min(m->mid.len, NGX_WEBRTC_MID_LEN);
        ngx_memcpy(t->mid, m->mid.data, t->mid_len);
        t->type = (u_char) m->type;
        t->codec = c->codec;
        t->pt = c->pt;
        t->rtx_pt = m->rtx >= 0 ? m->codecs[m->rtx].pt : 0;
        t->clock_rate = c->clock_rate;
        t->channels = c->channels;
        t->profile_level_id = c->profile_level_id;
        t->packetization_mode = c->packetization_mode;
        t->profile = c->profile;
        t->fb_nack = c->fb_nack;
        t->fb_pli = c->fb_pli;
        t->fb_fir = c->fb_fir;
        ngx_memcpy(t->ext_id, m->ext_id, NGX_WEBRTC_EXT_MAX);

        if (rec->kind == NGX_WEBRTC_KIND_WHEP) {
            /* what we send: our own SSRCs */
            t->role = NGX_WEBRTC_ROLE_SUB;
            t->from = rec->shared_room;
            t->source = (u_char) m->source;
            t->ssrc = ngx_webrtc_random_ssrc();
            t->rtx_ssrc = (m->rtx >= 0) ? ngx_webrtc_random_ssrc() : 0;
            continue;
        }

        t->role = NGX_WEBRTC_ROLE_PUB;

        if (m->fid_primary) {
            t->ssrc = m->fid_primary;

        } else if (m->nssrcs) {
            t->ssrc = m->ssrcs[0];
        }
    }

    return NGX_OK;
}


uint32_t
ngx_webrtc_random_ssrc(void)
{
    uint32_t  ssrc;

    do {
        if (RAND_bytes((u_char *) &ssrc, sizeof(uint32_t)) != 1) {
            ssrc = (uint32_t) ngx_random();
        }
    } while (ssrc == 0);

    return ssrc;
}


static ngx_webrtc_room_t *
ngx_webrtc_shm_find_room(ngx_webrtc_shm_ctx_t *ctx, ngx_str_t *name)
{
    return (ngx_webrtc_room_t *) ngx_str_rbtree_lookup(&ctx->sh->rooms, name,
                                     ngx_crc32_short(name->data, name->len));
}


static ngx_webrtc_session_rec_t *
ngx_webrtc_shm_find_id(ngx_webrtc_shm_ctx_t *ctx, ngx_str_t *id)
{
    ngx_str_node_t  *n;

    n = ngx_str_rbtree_lookup(&ctx->sh->ids, id,
                              ngx_crc32_short(id->data, id->len));
    if (n == NULL) {
        return NULL;
    }

    return (ngx_webrtc_session_rec_t *)
               ((u_char *) n - offsetof(ngx_webrtc_session_rec_t, id_node));
}


/* under the lock */
ngx_webrtc_session_rec_t *
ngx_webrtc_shm_find_ufrag(ngx_webrtc_shm_ctx_t *ctx, ngx_str_t *ufrag)
{
    ngx_str_node_t  *n;

    n = ngx_str_rbtree_lookup(&ctx->sh->ufrags, ufrag,
                              ngx_crc32_short(ufrag->data, ufrag->len));
    if (n == NULL) {
        return NULL;
    }

    return (ngx_webrtc_session_rec_t *)
               ((u_char *) n - offsetof(ngx_webrtc_session_rec_t,
                                        ufrag_node));
}


/* a copy of a live session's record: NGX_OK, or NGX_DECLINED */
ngx_int_t
ngx_webrtc_session_get(ngx_str_t *id, ngx_webrtc_session_rec_t *out)
{
    ngx_int_t                  rc;
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_session_rec_t  *rec;

    ctx = ngx_webrtc_shm_ctx();
    if (ctx == NULL) {
        return NGX_DECLINED;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    rec = ngx_webrtc_shm_find_id(ctx, id);

    if (rec && !rec->closing) {
        *out = *rec;
        rc = NGX_OK;

    } else {
        rc = NGX_DECLINED;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return rc;
}


ngx_int_t
ngx_webrtc_session_close_by_id(ngx_str_t *id, ngx_log_t *log)
{
    ngx_webrtc_room_t         *room;
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_session_rec_t  *rec;

    ctx = ngx_webrtc_shm_ctx();
    if (ctx == NULL) {
        return NGX_DECLINED;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    rec = ngx_webrtc_shm_find_id(ctx, id);

    if (rec == NULL || rec->closing) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "webrtc session %*s: deleted by the client",
                  (size_t) NGX_WEBRTC_ID_LEN, rec->id);

    if (!rec->local) {
        ngx_webrtc_shm_free_session(ctx, rec);
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_OK;
    }

    /*
     * The owner holds DTLS and SRTP state in its own memory: it frees the
     * record on its next tick.  The room is free for a new publisher now.
     */

    rec->closing = 1;

    room = rec->shared_room;

    if (room->publisher == rec) {
        room->publisher = NULL;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


/* under the lock */
void
ngx_webrtc_shm_free_session(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_session_rec_t *rec)
{
    ngx_webrtc_room_t  *room;

    room = rec->shared_room;

    if (room->publisher == rec) {
        room->publisher = NULL;
    }

    if (rec->kind == NGX_WEBRTC_KIND_WHEP) {
        ngx_webrtc_shm_del_viewer(room, rec->worker);
    }

    if (rec->kind == NGX_WEBRTC_KIND_PEER) {
        ngx_webrtc_shm_release_subs(ctx, rec, rec->tracks, rec->ntracks);
    }

    if (--room->sessions == 0) {
        ngx_webrtc_shm_free_room(ctx, room);
    }

    ngx_rbtree_delete(&ctx->sh->ids, &rec->id_node.node);
    ngx_rbtree_delete(&ctx->sh->ufrags, &rec->ufrag_node.node);
    ngx_queue_remove(&rec->queue);

    ctx->sh->nsessions--;

    if (ctx->sh->workers[rec->worker].sessions) {
        ctx->sh->workers[rec->worker].sessions--;
    }

    ngx_slab_free_locked(ctx->shpool, rec);
}


/*
 * Whether a process lives: ours does; another is asked of the kernel once
 * per cache (a sweep), not once per session of it.
 */
ngx_uint_t
ngx_webrtc_pid_alive(ngx_webrtc_pids_t *pids, ngx_pid_t pid)
{
    ngx_uint_t  i, alive;

    if (pid == ngx_pid || pid == 0) {
        return 1;
    }

    for (i = 0; i < pids->n; i++) {
        if (pids->pid[i] == pid) {
            return pids->alive[i];
        }
    }

    alive = (kill(pid, 0) == 0 || ngx_errno != NGX_ESRCH);

    if (pids->n < NGX_WEBRTC_MAX_PROCS) {
        pids->pid[pids->n] = pid;
        pids->alive[pids->n++] = (u_char) alive;
    }

    return alive;
}


/*
 * Once a second in every worker: frees the records that no live process
 * holds: sessions whose owner died, and sessions that never completed ICE
 * within the consent timeout.
 */
void
ngx_webrtc_shm_reap(ngx_webrtc_shm_ctx_t *ctx, ngx_webrtc_conf_t *wcf,
    ngx_log_t *log)
{
    time_t                     now, limit;
    ngx_queue_t               *q, *next;
    ngx_webrtc_pids_t          pids;
    ngx_webrtc_session_rec_t  *rec;

    now = ngx_time();
    limit = (time_t) (wcf->consent_timeout / 1000);
    pids.n = 0;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (q = ngx_queue_head(&ctx->sh->sessions);
         q != ngx_queue_sentinel(&ctx->sh->sessions);
         q = next)
    {
        next = ngx_queue_next(q);
        rec = ngx_queue_data(q, ngx_webrtc_session_rec_t, queue);

        if (rec->local) {
            if (ngx_webrtc_pid_alive(&pids, rec->pid)) {
                continue;
            }

            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "webrtc session %*s: owner process %P is gone",
                          (size_t) NGX_WEBRTC_ID_LEN, rec->id, rec->pid);

        } else if (!rec->closing && now - rec->created <= limit) {
            continue;

        } else {
            ngx_log_error(NGX_LOG_INFO, log, 0,
                          "webrtc session %*s: no ICE check in %T s",
                          (size_t) NGX_WEBRTC_ID_LEN, rec->id, limit);
        }

        ngx_webrtc_shm_free_session(ctx, rec);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


#define NGX_WEBRTC_STATUS_TRACK_LEN  256
#define NGX_WEBRTC_STATUS_SESSION_LEN  (256 + 6 * NGX_WEBRTC_ROOM_LEN)


ngx_int_t
ngx_webrtc_status_json(ngx_pool_t *pool, ngx_str_t *out)
{
    u_char                    *p, *last;
    size_t                     size;
    ngx_uint_t                 i, first, nrooms, ntracks;
    ngx_queue_t               *q;
    ngx_rbtree_node_t         *node, *root, *sentinel;
    ngx_webrtc_conf_t         *wcf;
    ngx_webrtc_room_t         *room;
    ngx_webrtc_track_t        *t;
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_session_rec_t  *rec;

    wcf = ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle);
    if (wcf == NULL) {
        return NGX_DECLINED;
    }

    ctx = wcf->zone->data;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    nrooms = 0;
    root = ctx->sh->rooms.root;
    sentinel = ctx->sh->rooms.sentinel;

    if (root != sentinel) {
        for (node = ngx_rbtree_min(root, sentinel);
             node;
             node = ngx_rbtree_next(&ctx->sh->rooms, node))
        {
            nrooms++;
        }
    }

    ntracks = 0;

    for (q = ngx_queue_head(&ctx->sh->sessions);
         q != ngx_queue_sentinel(&ctx->sh->sessions);
         q = ngx_queue_next(q))
    {
        rec = ngx_queue_data(q, ngx_webrtc_session_rec_t, queue);
        ntracks += rec->ntracks;
    }

    size = 256 + nrooms * (128 + 6 * NGX_WEBRTC_ROOM_LEN + 64)
           + ctx->sh->nsessions * NGX_WEBRTC_STATUS_SESSION_LEN
           + ntracks * (NGX_WEBRTC_STATUS_TRACK_LEN + 6 * NGX_WEBRTC_ROOM_LEN)
           + ngx_webrtc_call_status_size(ctx->sh);

    p = ngx_pnalloc(pool, size);
    if (p == NULL) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_ERROR;
    }

    out->data = p;
    last = p + size;

    p = ngx_slprintf(p, last, "{\"workers\":%ui,\"sessions_total\":%ui,"
                     "\"rooms\":[", ctx->sh->nworkers, ctx->sh->nsessions);

    first = 1;

    if (root != sentinel) {
        for (node = ngx_rbtree_min(root, sentinel);
             node;
             node = ngx_rbtree_next(&ctx->sh->rooms, node))
        {
            room = (ngx_webrtc_room_t *) node;

            p = ngx_slprintf(p, last, "%s{\"name\":\"", first ? "" : ",");
            p = (u_char *) ngx_escape_json(p, room->name,
                                           room->node.str.len);
            p = ngx_slprintf(p, last, "\",\"sessions\":%ui,\"publisher\":",
                             room->sessions);

            if (room->publisher) {
                p = ngx_slprintf(p, last, "\"%*s\"}",
                                 (size_t) NGX_WEBRTC_ID_LEN,
                                 room->publisher->id);
            } else {
                p = ngx_slprintf(p, last, "null}");
            }

            first = 0;
        }
    }

    p = ngx_slprintf(p, last, "],\"sessions\":[");

    first = 1;

    for (q = ngx_queue_head(&ctx->sh->sessions);
         q != ngx_queue_sentinel(&ctx->sh->sessions);
         q = ngx_queue_next(q))
    {
        rec = ngx_queue_data(q, ngx_webrtc_session_rec_t, queue);

        if (rec->closing) {
            continue;
        }

        p = ngx_slprintf(p, last, "%s{\"id\":\"%*s\",\"room\":\"",
                         first ? "" : ",", (size_t) NGX_WEBRTC_ID_LEN,
                         rec->id);
        p = (u_char *) ngx_escape_json(p, rec->room, rec->room_len);
        p = ngx_slprintf(p, last,
                         "\",\"kind\":\"%s\",\"state\":\"%s\","
                         "\"worker\":%ui,\"port\":%ui,\"pid\":%P,"
                         "\"srtp\":\"%s\","
                         "\"age\":%T,\"tracks\":[",
                         rec->kind == NGX_WEBRTC_KIND_WHIP ? "whip"
                         : rec->kind == NGX_WEBRTC_KIND_WHEP ? "whep" : "peer",
                         ngx_webrtc_state_names[rec->state], rec->worker,
                         (ngx_uint_t) rec->port, rec->pid,
                         rec->state < NGX_WEBRTC_STATE_CONNECTED ? ""
                         : rec->srtp_gcm ? "AEAD_AES_128_GCM"
                         : "AES_CM_128_HMAC_SHA1_80",
                         ngx_time() - rec->created);

        for (i = 0; i < rec->ntracks; i++) {
            t = &rec->tracks[i];

            p = ngx_slprintf(p, last, "%s{\"mid\":\"", i ? "," : "");
            p = (u_char *) ngx_escape_json(p, t->mid, t->mid_len);
            p = ngx_slprintf(p, last, "\",\"role\":\"%s\",",
                             t->role == NGX_WEBRTC_ROLE_PUB ? "recv"
                             : t->role == NGX_WEBRTC_ROLE_SUB ? "send"
                             : "inactive");

            if (t->role == NGX_WEBRTC_ROLE_SUB && t->from) {
                p = ngx_slprintf(p, last, "\"from\":\"");
                p = (u_char *) ngx_escape_json(p, t->from->name,
                                               t->from->node.str.len);
                p = ngx_slprintf(p, last, "\",");
            }

            p = ngx_slprintf(p, last,
                             "\"kind\":\"%s\",\"codec\":\"%s\","
                             "\"pt\":%ui,\"ssrc\":%uD,\"packets\":%uL,"
                             "\"bytes\":%uL,\"lost\":%uL,\"nacks\":%uL,"
                             "\"plis\":%uL,\"rtt\":%uD,\"loss\":%uD}",
                             t->type == NGX_WEBRTC_MEDIA_AUDIO
                             ? "audio" : "video",
                             ngx_webrtc_sdp_codec_name(t->codec),
                             (ngx_uint_t) t->pt, t->ssrc, t->packets,
                             t->bytes, t->lost, t->nacks, t->plis, t->rtt,
                             t->loss);
        }

        p = ngx_slprintf(p, last, "]}");
        first = 0;
    }

    p = ngx_slprintf(p, last, "],\"calls\":");
    p = ngx_webrtc_call_status(ctx->sh, p, last);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    p = ngx_slprintf(p, last, "}\n");

    out->len = p - out->data;

    return NGX_OK;
}
