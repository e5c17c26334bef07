
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * One peer connection in the worker that owns it: created on its first
 * valid ICE check, through DTLS to SRTP, receiving the publisher's RTP and
 * sending it the feedback a sender needs (receiver reports, NACK for gaps,
 * transport-wide congestion control feedback), until it is closed: by the
 * peer (DTLS close_notify), by DELETE, by consent expiry or by a timeout.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_RR_INTERVAL      1000    /* ms */
#define NGX_WEBRTC_NACK_INTERVAL    100     /* ms between NACKs of a seq */
#define NGX_WEBRTC_KEYFRAME_INTERVAL  500   /* ms between PLI/FIR of a stream */
#define NGX_WEBRTC_RTCP_BUF         (NGX_WEBRTC_MTU + SRTP_MAX_TRAILER_LEN)


static void ngx_webrtc_session_tick(ngx_event_t *ev);
static ngx_msec_t ngx_webrtc_session_tick_interval(ngx_webrtc_session_t *s);
static void ngx_webrtc_session_feedback(ngx_webrtc_session_t *s);
static void ngx_webrtc_session_handle_rtp(ngx_webrtc_session_t *s,
    u_char *buf, size_t len);
static void ngx_webrtc_session_handle_rtcp(ngx_webrtc_session_t *s,
    u_char *buf, size_t len);
static ngx_webrtc_stream_t *ngx_webrtc_session_stream(ngx_webrtc_session_t *s,
    ngx_webrtc_rtp_header_t *h);
static ngx_webrtc_stream_t *ngx_webrtc_session_primary(
    ngx_webrtc_session_t *s, ngx_webrtc_track_t *track);
static size_t ngx_webrtc_session_write_empty_rr(ngx_webrtc_session_t *s,
    u_char *p);



ngx_webrtc_session_t *
ngx_webrtc_session_open(ngx_webrtc_session_rec_t *rec, ngx_log_t *log)
{
    ngx_uint_t             i;
    ngx_pool_t            *pool;
    ngx_webrtc_session_t  *s;

    pool = ngx_create_pool(4096, log);
    if (pool == NULL) {
        goto failed;
    }

    s = ngx_pcalloc(pool, sizeof(ngx_webrtc_session_t));
    if (s == NULL) {
        ngx_destroy_pool(pool);
        goto failed;
    }

    s->pool = pool;
    s->log = log;
    s->rec = rec;
    s->pwd.data = rec->pwd;
    s->pwd.len = NGX_WEBRTC_PWD_LEN;
    s->started = ngx_current_msec;
    s->last_consent = ngx_current_msec;
    s->last_rr = ngx_current_msec;

    if (RAND_bytes((u_char *) &s->local_ssrc, sizeof(uint32_t)) != 1) {
        ngx_destroy_pool(pool);
        goto failed;
    }

    for (i = 0; i < rec->ntracks; i++) {
        if (rec->tracks[i].ext_id[NGX_WEBRTC_EXT_TWCC]) {
            s->twcc = ngx_palloc(pool, sizeof(ngx_webrtc_twcc_t));
            if (s->twcc == NULL) {
                ngx_destroy_pool(pool);
                goto failed;
            }

            ngx_webrtc_twcc_init(s->twcc);
            break;
        }
    }

    if (rec->kind != NGX_WEBRTC_KIND_WHEP) {
        /* receive state is kilobytes a stream: publishers only */
        s->streams = ngx_pcalloc(pool, NGX_WEBRTC_MAX_STREAMS
                                       * sizeof(ngx_webrtc_stream_t));
        if (s->streams == NULL) {
            ngx_destroy_pool(pool);
            goto failed;
        }
    }

    s->dtls = ngx_webrtc_dtls_create(s);
    if (s->dtls == NULL) {
        ngx_destroy_pool(pool);
        goto failed;
    }

    s->ufrag_node.str.data = rec->ufrag;
    s->ufrag_node.str.len = NGX_WEBRTC_UFRAG_LEN;
    s->ufrag_node.node.key = ngx_crc32_short(rec->ufrag,
                                             NGX_WEBRTC_UFRAG_LEN);
    ngx_rbtree_insert(&ngx_webrtc_worker.ufrags, &s->ufrag_node.node);

    if ((rec->kind != NGX_WEBRTC_KIND_WHEP
         && ngx_webrtc_room_join(s) != NGX_OK)
        || (rec->kind != NGX_WEBRTC_KIND_WHIP
            && ngx_webrtc_viewer_init(s) != NGX_OK))
    {
        ngx_webrtc_room_leave(s);
        ngx_webrtc_dtls_free(s->dtls);
        ngx_rbtree_delete(&ngx_webrtc_worker.ufrags, &s->ufrag_node.node);
        ngx_destroy_pool(pool);
        goto failed;
    }

    if (rec->kind != NGX_WEBRTC_KIND_WHEP) {
        for (i = 0; i < rec->shared_room->nsources; i++) {
            s->keyframes_seen[i] =
                          rec->shared_room->sources[i].keyframe_requests;
        }
    }

    s->tick.handler = ngx_webrtc_session_tick;
    s->tick.data = s;
    s->tick.log = log;
    /* not cancelable: an old worker stays after a reload for its sessions */
    s->tick.cancelable = 0;
    ngx_add_timer(&s->tick, ngx_webrtc_session_tick_interval(s));

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "webrtc session %*s: first ICE check, %s in room \"%*s\"",
                  (size_t) NGX_WEBRTC_ID_LEN, rec->id,
                  rec->kind == NGX_WEBRTC_KIND_WHIP ? "publisher"
                  : rec->kind == NGX_WEBRTC_KIND_WHEP ? "viewer" : "peer",
                  (size_t) rec->room_len, rec->room);

    return s;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "webrtc session %*s: cannot create local state",
                  (size_t) NGX_WEBRTC_ID_LEN, rec->id);

    ngx_shmtx_lock(&ngx_webrtc_worker.shm->shpool->mutex);
    ngx_webrtc_shm_free_session(ngx_webrtc_worker.shm, rec);
    ngx_shmtx_unlock(&ngx_webrtc_worker.shm->shpool->mutex);

    return NULL;
}


void
ngx_webrtc_session_set_state(ngx_webrtc_session_t *s, ngx_uint_t state)
{
    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, s->log, 0,
                   "webrtc session %*s: state %s",
                   (size_t) NGX_WEBRTC_ID_LEN, s->rec->id,
                   ngx_webrtc_state_names[state]);

    s->rec->state = state;
}


void
ngx_webrtc_session_close(ngx_webrtc_session_t *s, const char *reason)
{
    ngx_webrtc_shm_ctx_t  *ctx;

    if (s->closed) {
        return;
    }

    s->closed = 1;

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "webrtc session %*s: closed: %s",
                  (size_t) NGX_WEBRTC_ID_LEN, s->rec->id, reason);

    if (s->tick.timer_set) {
        ngx_del_timer(&s->tick);
    }

    ngx_webrtc_room_leave(s);
    ngx_webrtc_dtls_free(s->dtls);
    ngx_webrtc_udp_unlatch(s);
    ngx_rbtree_delete(&ngx_webrtc_worker.ufrags, &s->ufrag_node.node);

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);
    ngx_webrtc_shm_free_session(ctx, s->rec);
    ngx_shmtx_unlock(&ctx->shpool->mutex);

    s->rec = NULL;

    ngx_destroy_pool(s->pool);
}


ngx_int_t
ngx_webrtc_session_connected(ngx_webrtc_session_t *s, ngx_uint_t gcm,
    u_char *keys, size_t keys_len)
{
    s->srtp = ngx_webrtc_srtp_create(s, gcm, keys, keys_len);
    if (s->srtp == NULL) {
        ngx_webrtc_session_close(s, "cannot create SRTP contexts");
        return NGX_ERROR;
    }

    s->rec->srtp_gcm = gcm;
    ngx_webrtc_session_set_state(s, NGX_WEBRTC_STATE_CONNECTED);

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "webrtc session %*s: connected, %s",
                  (size_t) NGX_WEBRTC_ID_LEN, s->rec->id,
                  gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");

    return NGX_OK;
}


/* rtcp: the datagram's demux (RFC 5761) said SRTCP, not SRTP */

void
ngx_webrtc_session_handle_srtp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len, ngx_uint_t rtcp)
{
    if (s->srtp == NULL || len < NGX_WEBRTC_RTP_HEADER_LEN) {
        return;
    }

    if (rtcp) {
        ngx_webrtc_session_handle_rtcp(s, buf, len);

    } else {
        ngx_webrtc_session_handle_rtp(s, buf, len);
    }
}


static void
ngx_webrtc_session_handle_rtp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len)
{
    u_char                   *ext;
    size_t                    ext_len;
    uint16_t                  osn;
    ngx_int_t                 rc;
    ngx_webrtc_track_t       *t;
    ngx_webrtc_stream_t      *st, *primary;
    ngx_webrtc_rtp_header_t   h;

    if (s->rec->kind == NGX_WEBRTC_KIND_WHEP) {
        return;
    }

    rc = ngx_webrtc_srtp_unprotect(s->srtp, buf, &len, 0);
    if (rc != NGX_OK) {
        ngx_log_debug2(NGX_LOG_DEBUG_EVENT, s->log, 0,
                       "webrtc srtp session %*s: RTP dropped",
                       (size_t) NGX_WEBRTC_ID_LEN, s->rec->id);
        return;
    }

    if (ngx_webrtc_rtp_parse(&h, buf, len) != NGX_OK) {
        return;
    }

    st = ngx_webrtc_session_stream(s, &h);
    if (st == NULL) {
        return;
    }

    t = st->track;

    if (s->twcc && t->ext_id[NGX_WEBRTC_EXT_TWCC]) {
        ext = ngx_webrtc_rtp_find_ext(&h, t->ext_id[NGX_WEBRTC_EXT_TWCC],
                                      &ext_len);
        if (ext && ext_len >= 2) {
            ngx_webrtc_twcc_record(s->twcc, (uint16_t) (ext[0] << 8 | ext[1]),
                                   ngx_webrtc_now_us());
        }
    }

    t->packets++;
    t->bytes += len;

    primary = ngx_webrtc_session_primary(s, t);

    if (!st->rtx) {
        (void) ngx_webrtc_rtp_recv_update(&st->recv, h.seq, h.ts,
                                          ngx_current_msec);
        t->lost = st->recv.lost_total;

        /* of simulcast layers, the first one learned is forwarded */

        if (st == primary) {
            ngx_webrtc_room_publish(s, t->source, &h, buf, len);
        }

        return;
    }

    /*
     * RTX (RFC 4588): the original sequence number leads the payload;
     * the repaired packet is forwarded like the original.
     */

    if (h.payload_len < 2 || primary == NULL) {
        return;
    }

    osn = (uint16_t) (buf[h.header_len] << 8 | buf[h.header_len + 1]);

    if (ngx_webrtc_rtp_recv_update(&primary->recv, osn, h.ts,
                                   ngx_current_msec)
        == 0)
    {
        return;
    }

    t->lost = primary->recv.lost_total;

    /* the original: our header fields, the payload without the OSN */

    ngx_memmove(buf + h.header_len, buf + h.header_len + 2,
                h.payload_len - 2);
    len -= 2;

    buf[1] = (u_char) ((buf[1] & 0x80) | t->pt);
    buf[2] = (u_char) (osn >> 8);
    buf[3] = (u_char) osn;
    buf[8] = (u_char) (primary->ssrc >> 24);
    buf[9] = (u_char) (primary->ssrc >> 16);
    buf[10] = (u_char) (primary->ssrc >> 8);
    buf[11] = (u_char) primary->ssrc;

    if (ngx_webrtc_rtp_parse(&h, buf, len) != NGX_OK) {
        return;
    }

    ngx_webrtc_room_publish(s, t->source, &h, buf, len);
}


/*
 * The stream of a packet's SSRC, learned the first time: by the SSRC the
 * offer announced, else by the MID header extension (a peer may send two
 * video tracks of one payload type), else by payload type.
 */
static ngx_webrtc_stream_t *
ngx_webrtc_session_stream(ngx_webrtc_session_t *s,
    ngx_webrtc_rtp_header_t *h)
{
    u_char                   *mid;
    size_t                    mid_len;
    ngx_uint_t                i, k;
    ngx_webrtc_track_t       *t;
    ngx_webrtc_stream_t      *st;
    ngx_webrtc_session_rec_t *rec;

    for (i = 0; i < s->nstreams; i++) {
        if (s->streams[i].ssrc == h->ssrc) {
            return &s->streams[i];
        }
    }

    if (s->nstreams == NGX_WEBRTC_MAX_STREAMS) {
        return NULL;
    }

    rec = s->rec;
    t = NULL;

    for (k = 0; k < 3 && t == NULL; k++) {
        for (i = 0; i < rec->ntracks; i++) {
            t = &rec->tracks[i];

            if (t->role == NGX_WEBRTC_ROLE_PUB
                && (h->pt == t->pt || (t->rtx_pt && h->pt == t->rtx_pt)))
            {
                if (k == 0 && t->ssrc == h->ssrc) {
                    break;
                }

                if (k == 1 && t->ext_id[NGX_WEBRTC_EXT_MID]) {
                    mid = ngx_webrtc_rtp_find_ext(h,
                                                  t->ext_id[NGX_WEBRTC_EXT_MID],
                                                  &mid_len);
                    if (mid && mid_len == t->mid_len
                        && ngx_memcmp(mid, t->mid, mid_len) == 0)
                    {
                        break;
                    }
                }

                if (k == 2) {
                    break;
                }
            }

            t = NULL;
        }
    }

    if (t) {
        st = &s->streams[s->nstreams++];
        st->ssrc = h->ssrc;
        st->track = t;
        st->rtx = (h->pt != t->pt);

        ngx_webrtc_rtp_recv_init(&st->recv, t->clock_rate);

        if (!st->rtx && (t->ssrc == 0 || ngx_webrtc_session_primary(s, t)
                                         == st))
        {
            t->ssrc = h->ssrc;
        }

        ngx_log_debug4(NGX_LOG_DEBUG_EVENT, s->log, 0,
                       "webrtc session %*s: new SSRC %uD, pt %d",
                       (size_t) NGX_WEBRTC_ID_LEN, rec->id, h->ssrc,
                       (int) h->pt);

        /* a keyframe early, so that the first viewers start at once */

        if (!st->rtx && t->type == NGX_WEBRTC_MEDIA_VIDEO) {
            ngx_webrtc_session_request_keyframe(s, st);
        }

        return st;
    }

    return NULL;
}


/*
 * After a renegotiation of a peer: its streams of tracks it no longer
 * sends are forgotten, and what it views follows its SUB tracks.
 */
void
ngx_webrtc_session_refresh(u_char *ufrag)
{
    ngx_str_t              key;
    ngx_uint_t             i, n;
    ngx_webrtc_session_t  *s;
    ngx_str_node_t        *node;

    key.data = ufrag;
    key.len = NGX_WEBRTC_UFRAG_LEN;

    node = ngx_str_rbtree_lookup(&ngx_webrtc_worker.ufrags, &key,
                                 ngx_crc32_short(ufrag,
                                                 NGX_WEBRTC_UFRAG_LEN));
    if (node == NULL) {
        return;
    }

    s = (ngx_webrtc_session_t *) ((u_char *) node
                          - offsetof(ngx_webrtc_session_t, ufrag_node));

    if (s->closed) {
        return;
    }

    for (i = 0, n = 0; i < s->nstreams; i++) {
        if (s->streams[i].track->role == NGX_WEBRTC_ROLE_PUB) {
            s->streams[n++] = s->streams[i];
        }
    }

    s->nstreams = n;

    if (ngx_webrtc_viewer_init(s) != NGX_OK) {
        ngx_webrtc_session_close(s, "out of memory");
    }
}


static ngx_webrtc_stream_t *
ngx_webrtc_session_primary(ngx_webrtc_session_t *s, ngx_webrtc_track_t *t)
{
    ngx_uint_t  i;

    for (i = 0; i < s->nstreams; i++) {
        if (s->streams[i].track == t && !s->streams[i].rtx) {
            return &s->streams[i];
        }
    }

    return NULL;
}


static void
ngx_webrtc_session_handle_rtcp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len)
{
    size_t                     pos;
    uint32_t                   rtp_ts, packets, octets;
    uint64_t                   ntp;
    ngx_uint_t                 i;
    ngx_webrtc_rtcp_packet_t   pkt;

    if (ngx_webrtc_srtp_unprotect(s->srtp, buf, &len, 1) != NGX_OK) {
        return;
    }

    if (s->rec->kind != NGX_WEBRTC_KIND_WHIP) {
        ngx_webrtc_viewer_handle_rtcp(s, buf, len);

        if (s->rec->kind == NGX_WEBRTC_KIND_WHEP) {
            return;
        }
    }

    pos = 0;

    while (ngx_webrtc_rtcp_next(buf, len, &pos, &pkt) == NGX_OK) {

        if (pkt.type != NGX_WEBRTC_RTCP_SR
            || ngx_webrtc_rtcp_parse_sr(&pkt, &ntp, &rtp_ts, &packets,
                                        &octets)
               != NGX_OK)
        {
            continue;
        }

        for (i = 0; i < s->nstreams; i++) {
            if (s->streams[i].ssrc == pkt.ssrc) {
                s->streams[i].recv.sr_ntp_mid = (uint32_t) (ntp >> 16);
                s->streams[i].recv.sr_received = ngx_current_msec;

                if (!s->streams[i].rtx) {
                    ngx_webrtc_room_sender_report(s,
                                                  s->streams[i].track->source,
                                                  ntp, rtp_ts);
                }

                break;
            }
        }
    }
}


static void
ngx_webrtc_session_tick(ngx_event_t *ev)
{
    ngx_webrtc_session_t *s = ev->data;

    ngx_msec_t          now;
    ngx_webrtc_conf_t  *wcf;

    wcf = ngx_webrtc_worker.conf;
    now = ngx_current_msec;

    if (s->rec->closing) {
        ngx_webrtc_session_close(s, "deleted");
        return;
    }

    if (now - s->last_consent > wcf->consent_timeout) {
        ngx_webrtc_session_close(s, "consent expired: no ICE check");
        return;
    }

    if (s->rec->state < NGX_WEBRTC_STATE_CONNECTED
        && now - s->started > wcf->dtls_timeout)
    {
        ngx_webrtc_session_close(s, "DTLS handshake timed out");
        return;
    }

    if (s->rec->state == NGX_WEBRTC_STATE_CONNECTED) {
        if (s->rec->kind != NGX_WEBRTC_KIND_WHIP) {
            ngx_webrtc_viewer_tick(s);
        }

        if (s->rec->kind != NGX_WEBRTC_KIND_WHEP) {
            ngx_webrtc_session_check_keyframes(s);
            ngx_webrtc_session_feedback(s);
        }
    }

    ngx_add_timer(&s->tick, ngx_webrtc_session_tick_interval(s));
}


/*
 * A WHEP viewer's tick finds work (its SR) once a second; with thousands of
 * viewers in a worker the timers alone were 5% of a core at 50 ms.
 */
static ngx_msec_t
ngx_webrtc_session_tick_interval(ngx_webrtc_session_t *s)
{
    return (s->rec->kind == NGX_WEBRTC_KIND_WHEP) ? NGX_WEBRTC_VIEWER_TICK
                                                  : NGX_WEBRTC_TICK;
}


/*
 * One round of feedback to the publisher: an RR (empty but for the sender
 * SSRC between the full ones, once a second) leads a compound packet with
 * transport-wide feedback and NACKs.
 */
static void
ngx_webrtc_session_feedback(ngx_webrtc_session_t *s)
{
    u_char                *p, *last;
    size_t                 n;
    ngx_uint_t             i, nseqs, full;
    ngx_msec_t             now;
    ngx_webrtc_stream_t   *st;
    uint16_t               seqs[64];
    u_char                 buf[NGX_WEBRTC_RTCP_BUF];

    now = ngx_current_msec;
    p = buf;
    last = buf + NGX_WEBRTC_MTU - 100;

    full = (now - s->last_rr >= NGX_WEBRTC_RR_INTERVAL);

    if (full) {
        s->last_rr = now;

        for (i = 0; i < s->nstreams && p < last; i++) {
            st = &s->streams[i];

            if (st->rtx || !st->recv.started) {
                continue;
            }

            p += ngx_webrtc_rtcp_write_rr(p, last - p, s->local_ssrc,
                                          st->ssrc, &st->recv, now);
        }
    }

    if (p == buf) {
        p += ngx_webrtc_session_write_empty_rr(s, p);
    }

    n = p - buf;

    if (s->twcc && s->nstreams) {
        p += ngx_webrtc_twcc_write(s->twcc, p, last - p, s->local_ssrc,
                                   s->streams[0].ssrc);
    }

    for (i = 0; i < s->nstreams && p < last; i++) {
        st = &s->streams[i];

        if (st->rtx || !st->track->fb_nack) {
            continue;
        }

        nseqs = ngx_webrtc_rtp_recv_nacks(&st->recv, now,
                                          NGX_WEBRTC_NACK_INTERVAL, seqs,
                                          64);
        if (nseqs == 0) {
            continue;
        }

        st->track->nacks += nseqs;

        p += ngx_webrtc_rtcp_write_nack(p, last - p, s->local_ssrc, st->ssrc,
                                        seqs, nseqs);
    }

    if (!full && (size_t) (p - buf) == n) {
        /* nothing but the empty RR: nothing to say */
        return;
    }

    ngx_webrtc_session_send_rtcp(s, buf, p - buf);
}


/*
 * The viewers' keyframe requests, counted in shared memory by whichever
 * worker they are on, become one PLI or FIR per track at most every 500 ms.
 */
void
ngx_webrtc_session_check_keyframes(ngx_webrtc_session_t *s)
{
    ngx_uint_t            i, k;
    ngx_atomic_uint_t     n;
    ngx_webrtc_room_t    *room;
    ngx_webrtc_stream_t  *st;

    room = s->rec->shared_room;

    for (i = 0; i < s->rec->ntracks; i++) {
        k = s->rec->tracks[i].source;

        if (s->rec->tracks[i].role != NGX_WEBRTC_ROLE_PUB
            || k >= room->nsources)
        {
            continue;
        }

        n = room->sources[k].keyframe_requests;

        if (n == s->keyframes_seen[k]) {
            continue;
        }

        st = ngx_webrtc_session_primary(s, &s->rec->tracks[i]);

        if (st == NULL
            || ngx_webrtc_session_request_keyframe(s, st) == NGX_OK)
        {
            s->keyframes_seen[k] = n;
        }
    }
}


/* PLI, or FIR where only that was negotiated; at most one per 500 ms */
ngx_int_t
ngx_webrtc_session_request_keyframe(ngx_webrtc_session_t *s,
    ngx_webrtc_stream_t *st)
{
    u_char              *p;
    ngx_msec_t           now;
    ngx_webrtc_track_t  *t;
    u_char               buf[NGX_WEBRTC_RTCP_BUF];

    t = st->track;
    now = ngx_current_msec;

    if (s->srtp == NULL || (!t->fb_pli && !t->fb_fir)) {
        return NGX_DECLINED;
    }

    if (st->keyframe_asked
        && now - st->keyframe_asked < NGX_WEBRTC_KEYFRAME_INTERVAL)
    {
        return NGX_AGAIN;
    }

    st->keyframe_asked = now;

    p = buf;
    p += ngx_webrtc_session_write_empty_rr(s, p);

    if (t->fb_pli) {
        p += ngx_webrtc_rtcp_write_pli(p, buf + NGX_WEBRTC_MTU - p,
                                       s->local_ssrc, st->ssrc);

    } else {
        p += ngx_webrtc_rtcp_write_fir(p, buf + NGX_WEBRTC_MTU - p,
                                       s->local_ssrc, st->ssrc,
                                       s->fir_seq++);
    }

    t->plis++;

    ngx_webrtc_session_send_rtcp(s, buf, p - buf);

    return NGX_OK;
}


/* an RR without report blocks: RFC 3550 wants an RR or SR first */
static size_t
ngx_webrtc_session_write_empty_rr(ngx_webrtc_session_t *s, u_char *p)
{
    p[0] = 0x80;
    p[1] = NGX_WEBRTC_RTCP_RR;
    p[2] = 0;
    p[3] = 1;
    p[4] = (u_char) (s->local_ssrc >> 24);
    p[5] = (u_char) (s->local_ssrc >> 16);
    p[6] = (u_char) (s->local_ssrc >> 8);
    p[7] = (u_char) s->local_ssrc;

    return 8;
}


void
ngx_webrtc_session_send_rtp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len)
{
    if (ngx_webrtc_srtp_protect(s->srtp, buf, &len, 0) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "webrtc srtp session %*s: srtp_protect() failed",
                      (size_t) NGX_WEBRTC_ID_LEN, s->rec->id);
        return;
    }

    ngx_webrtc_udp_send(s, buf, len);
}


void
ngx_webrtc_session_send_rtcp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len)
{
    if (ngx_webrtc_srtp_protect(s->srtp, buf, &len, 1) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "webrtc srtp session %*s: srtp_protect_rtcp() failed",
                      (size_t) NGX_WEBRTC_ID_LEN, s->rec->id);
        return;
    }

    ngx_webrtc_udp_send(s, buf, len);
}


int64_t
ngx_webrtc_now_us(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
