
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * A viewer's side of the SFU: each forwarded packet rewritten to what the
 * viewer negotiated (SSRC, payload type, sequence numbers and timestamps
 * continuous across publisher restarts, header extension ids), starting
 * video at a keyframe; sender reports mapped from the publisher's for lip
 * sync; and the viewer's RTCP: NACKs answered from the ring (RTX where
 * negotiated), PLI/FIR passed to the publisher, receiver reports kept as
 * loss and RTT.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <srtp2/srtp.h>

#include "ngx_webrtc_media.h"


#define NGX_WEBRTC_SR_INTERVAL      1000    /* ms */
#define NGX_WEBRTC_VIEWER_KEYFRAME  300     /* ms between its requests */


static void ngx_webrtc_viewer_prefetch(ngx_webrtc_sub_t **viewers,
    ngx_uint_t i, ngx_uint_t n, ngx_uint_t source);
static void ngx_webrtc_viewer_forward(ngx_webrtc_sub_t *sub,
    ngx_uint_t source, ngx_webrtc_rtp_header_t *h, u_char *pkt,
    ngx_uint_t keyframe);
static void ngx_webrtc_viewer_send(ngx_webrtc_session_t *s,
    ngx_webrtc_out_t *out, ngx_webrtc_source_t *src,
    ngx_webrtc_rtp_header_t *h, u_char *pkt, uint16_t seq, ngx_uint_t rtx);
static void ngx_webrtc_viewer_nack(ngx_webrtc_session_t *s,
    ngx_webrtc_rtcp_packet_t *pkt);
static void ngx_webrtc_viewer_report(ngx_webrtc_session_t *s,
    ngx_webrtc_rtcp_packet_t *pkt);
static ngx_webrtc_out_t *ngx_webrtc_viewer_out(ngx_webrtc_session_t *s,
    uint32_t ssrc);
static uint64_t ngx_webrtc_viewer_ntp_now(ngx_webrtc_source_t *src,
    ngx_msec_t now, uint32_t *rtp_ts);


/*
 * (Re)builds what the session receives from its SUB tracks: one sub per
 * room, joined before the old ones are left so that a room in use stays.
 * An out whose track still carries the same source keeps its numbering.
 */
ngx_int_t
ngx_webrtc_viewer_init(ngx_webrtc_session_t *s)
{
    ngx_uint_t           i, k, n, nold;
    ngx_webrtc_sub_t    *subs, *old, *sub;
    ngx_webrtc_out_t    *out;
    ngx_webrtc_track_t  *t;

    if (s->outs == NULL) {
        s->outs = ngx_pcalloc(s->pool, s->rec->max_tracks
                                       * sizeof(ngx_webrtc_out_t));
        if (s->outs == NULL) {
            return NGX_ERROR;
        }
    }

    subs = ngx_pcalloc(s->pool, s->rec->max_tracks * sizeof(ngx_webrtc_sub_t));
    if (subs == NULL) {
        return NGX_ERROR;
    }

    n = 0;

    for (i = 0; i < s->rec->max_tracks; i++) {
        t = &s->rec->tracks[i];
        out = &s->outs[i];

        if (i >= s->rec->ntracks
            || t->role != NGX_WEBRTC_ROLE_SUB
            || t->from == NULL
            || t->source >= NGX_WEBRTC_MAX_TRACKS)
        {
            ngx_memzero(out, sizeof(ngx_webrtc_out_t));
            continue;
        }

        if (out->track != t || out->from != t->from
            || out->source != t->source)
        {
            ngx_memzero(out, sizeof(ngx_webrtc_out_t));
            out->track = t;
            out->from = t->from;
            out->source = t->source;
        }

        for (k = 0; k < n; k++) {
            if (subs[k].room->shared == t->from) {
                break;
            }
        }

        sub = &subs[k];

        if (k == n) {
            sub->session = s;
            ngx_memset(sub->out, 0xff, NGX_WEBRTC_MAX_TRACKS);

            if (ngx_webrtc_room_subscribe(sub, t->from) != NGX_OK) {
                ngx_memzero(out, sizeof(ngx_webrtc_out_t));
                continue;
            }

            n++;
        }

        sub->out[t->source] = (u_char) i;
        out->sub = sub;
    }

    old = s->subs;
    nold = s->nsubs;

    s->subs = subs;
    s->nsubs = n;

    for (k = 0; k < nold; k++) {
        ngx_webrtc_room_unsubscribe(&old[k]);
    }

    return NGX_OK;
}


void
ngx_webrtc_viewer_leave(ngx_webrtc_session_t *s)
{
    ngx_uint_t  k;

    for (k = 0; k < s->nsubs; k++) {
        ngx_webrtc_room_unsubscribe(&s->subs[k]);
    }

    s->nsubs = 0;
}


/*
 * The viewer could not decrypt what was sent to it so far (its DTLS
 * handshake ended late): its video starts again at the next keyframe,
 * asked for now, with its numbering continued.
 */

void
ngx_webrtc_viewer_restart(ngx_webrtc_session_t *s)
{
    ngx_uint_t  i;

    if (s->outs == NULL) {
        return;
    }

    for (i = 0; i < s->rec->ntracks; i++) {
        s->outs[i].running = 0;
        s->outs[i].keyframe_asked = 0;
    }
}


/*
 * A batch of a room's packets to each of this worker's viewers of the
 * room, viewer by viewer: a viewer's state (its session, its SRTP and
 * cipher contexts) is read from memory once for the batch and is still in
 * the CPU's cache for the batch's other packets.  With thousands of
 * viewers that state is not in the cache: what the next viewers'
 * forwarding will read is asked for a few viewers ahead, so that the
 * memory loads overlap instead of each waiting in turn.
 */
void
ngx_webrtc_viewer_fan_out(ngx_webrtc_lroom_t *room, ngx_webrtc_fan_t *pkts,
    ngx_uint_t n)
{
    ngx_uint_t         i, k;
    ngx_webrtc_sub_t  *sub;

    if (n == 0) {
        return;
    }

    for (i = 0; i < room->nviewers; i++) {
        ngx_webrtc_viewer_prefetch(room->viewers, i, room->nviewers,
                                   pkts[0].source);

        sub = room->viewers[i];

        for (k = 0; k < n; k++) {
            ngx_webrtc_viewer_forward(sub, pkts[k].source, &pkts[k].h,
                                      pkts[k].pkt, pkts[k].keyframe);
        }
    }
}


/*
 * In stages, each reading only what an earlier stage asked for: the sub
 * 6 viewers ahead, its session 4 ahead, the session's SRTP wrapper,
 * record and out 2 ahead, libsrtp2's context and the track 1 ahead.
 */
static void
ngx_webrtc_viewer_prefetch(ngx_webrtc_sub_t **viewers, ngx_uint_t i,
    ngx_uint_t n, ngx_uint_t source)
{
    ngx_webrtc_sub_t      *sub;
    ngx_webrtc_session_t  *s;

    /* a sub exists only with its session's outs; NULL prefetches nothing */

    if (i + 6 < n) {
        ngx_webrtc_prefetch(viewers[i + 6]);
    }

    if (i + 4 < n) {
        s = viewers[i + 4]->session;
        ngx_webrtc_prefetch(s);
        ngx_webrtc_prefetch((u_char *) s + 64);
    }

    if (i + 2 < n) {
        sub = viewers[i + 2];
        s = sub->session;

        ngx_webrtc_prefetch(s->rec);
        ngx_webrtc_prefetch(s->srtp);

        if (sub->out[source] != 0xff) {
            ngx_webrtc_prefetch(&s->outs[sub->out[source]]);
        }
    }

    if (i + 1 < n) {
        sub = viewers[i + 1];
        s = sub->session;

        if (s->srtp) {
            ngx_webrtc_srtp_prefetch(s->srtp);
        }

        if (sub->out[source] != 0xff) {
            ngx_webrtc_prefetch(s->outs[sub->out[source]].track);
        }
    }
}


static void
ngx_webrtc_viewer_forward(ngx_webrtc_sub_t *sub, ngx_uint_t source,
    ngx_webrtc_rtp_header_t *h, u_char *pkt, ngx_uint_t keyframe)
{
    uint16_t               seq;
    uint32_t               gap;
    ngx_msec_t             now;
    ngx_webrtc_out_t      *out;
    ngx_webrtc_source_t   *src;
    ngx_webrtc_session_t  *s;

    s = sub->session;

    if (source >= NGX_WEBRTC_MAX_TRACKS || sub->out[source] == 0xff) {
        return;
    }

    out = &s->outs[sub->out[source]];

    if (s->srtp == NULL
        || s->rec->state != NGX_WEBRTC_STATE_CONNECTED
        || h->payload_len == 0)
    {
        return;
    }

    src = &sub->room->shared->sources[source];
    now = ngx_current_msec;

    if (!out->running || h->ssrc != out->in_ssrc) {

        /* a new viewer, or a new publisher: video starts at a keyframe */

        if (!keyframe) {
            if (now - out->keyframe_asked >= NGX_WEBRTC_VIEWER_KEYFRAME) {
                out->keyframe_asked = now;
                ngx_webrtc_room_ask_keyframe(sub->room, source);
            }

            out->running = 0;
            return;
        }

        if (out->started) {
            /* continue the viewer's numbering where it stopped */
            gap = (uint32_t) ((uint64_t) (now - out->last_time)
                              * src->clock_rate / 1000);
            out->seq_delta = (uint16_t) (out->last_seq + 1 - h->seq);
            out->ts_delta = out->last_ts + (gap ? gap : 1) - h->ts;

        } else {
            /*
             * The first number is random but under 2^15, as browsers
             * choose theirs: the sequence wraps (and SRTP's rollover
             * counter with it) only after 32,768 packets, so a viewer
             * whose first packets were lost still counts the same
             * rollovers as we do (RFC 3711, 3.3.1).
             */

            out->seq_delta = (uint16_t) ((ngx_webrtc_random_ssrc() & 0x7fff)
                                         - h->seq);
            out->ts_delta = ngx_webrtc_random_ssrc() - h->ts;
            out->last_seq = (uint16_t) (h->seq + out->seq_delta - 1);
            out->started = 1;
        }

        out->in_ssrc = h->ssrc;
        out->running = 1;
    }

    seq = (uint16_t) (h->seq + out->seq_delta);

    if ((int16_t) (seq - out->last_seq) > 0) {
        out->last_seq = seq;
        out->last_ts = h->ts + out->ts_delta;
        out->last_time = now;
    }

    ngx_webrtc_viewer_send(s, out, src, h, pkt, seq, 0);
}


/*
 * Rewrites one packet for the viewer, encrypts it with the viewer's key and
 * queues it; rtx: as an RTX packet (RFC 4588) of sequence number seq.
 */
static void
ngx_webrtc_viewer_send(ngx_webrtc_session_t *s, ngx_webrtc_out_t *out,
    ngx_webrtc_source_t *src, ngx_webrtc_rtp_header_t *h, u_char *pkt,
    uint16_t seq, ngx_uint_t rtx)
{
    u_char                  *payload, *value;
    size_t                   len, payload_len, vlen;
    ngx_uint_t               next;
    ngx_webrtc_track_t      *t;
    ngx_webrtc_rtp_ext_t     ext[3];
    ngx_webrtc_rtp_header_t  oh;
    u_char                  *buf;
    u_char                   rtx_payload[NGX_WEBRTC_MTU];

    t = out->track;
    next = 0;

    /* the viewer's mid, and what the publisher's packet says */

    if (t->ext_id[NGX_WEBRTC_EXT_MID] && t->mid_len) {
        ext[next].id = t->ext_id[NGX_WEBRTC_EXT_MID];
        ext[next].len = t->mid_len;
        ext[next].data = t->mid;
        next++;
    }

    if (t->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME]
        && src->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME])
    {
        value = ngx_webrtc_rtp_find_ext(h,
                                    src->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME],
                                    &vlen);
        if (value && vlen == 3) {
            ext[next].id = t->ext_id[NGX_WEBRTC_EXT_ABS_SEND_TIME];
            ext[next].len = 3;
            ext[next].data = value;
            next++;
        }
    }

    if (t->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL]
        && src->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL])
    {
        value = ngx_webrtc_rtp_find_ext(h,
                                    src->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL],
                                    &vlen);
        if (value && vlen >= 1) {
            ext[next].id = t->ext_id[NGX_WEBRTC_EXT_AUDIO_LEVEL];
            ext[next].len = 1;
            ext[next].data = value;
            next++;
        }
    }

    oh.pt = t->pt;
    oh.marker = h->marker;
    oh.seq = seq;
    oh.ts = h->ts + out->ts_delta;
    oh.ssrc = t->ssrc;

    payload = pkt + h->header_len;
    payload_len = h->payload_len;

    if (rtx) {
        /* RFC 4588: the original sequence number leads the payload */

        if (payload_len + 2 > sizeof(rtx_payload)) {
            return;
        }

        oh.pt = t->rtx_pt;
        oh.seq = out->rtx_seq++;
        oh.ssrc = t->rtx_ssrc;

        rtx_payload[0] = (u_char) (seq >> 8);
        rtx_payload[1] = (u_char) seq;
        ngx_memcpy(rtx_payload + 2, payload, payload_len);

        payload = rtx_payload;
        payload_len += 2;
    }

    /* built where it is sent from, encrypted in place */

    buf = ngx_webrtc_udp_next_buf();

    len = ngx_webrtc_rtp_write(buf, NGX_WEBRTC_MTU, &oh, ext, next, payload,
                               payload_len);
    if (len == 0) {
        return;
    }

    if (!rtx) {
        t->packets++;
        t->bytes += len;
        out->packets++;
        out->octets += (uint32_t) payload_len;
    }

    ngx_webrtc_session_send_rtp(s, buf, len);
}


/* RTCP from a viewer, decrypted */
void
ngx_webrtc_viewer_handle_rtcp(ngx_webrtc_session_t *s, u_char *buf,
    size_t len)
{
    size_t                     pos;
    uint32_t                   ssrc;
    ngx_webrtc_out_t          *out;
    ngx_webrtc_rtcp_packet_t   pkt;

    pos = 0;

    while (ngx_webrtc_rtcp_next(buf, len, &pos, &pkt) == NGX_OK) {

        switch (pkt.type) {

        case NGX_WEBRTC_RTCP_SR:
        case NGX_WEBRTC_RTCP_RR:
            ngx_webrtc_viewer_report(s, &pkt);
            break;

        case NGX_WEBRTC_RTCP_RTPFB:
            if (pkt.count == 1) {
                ngx_webrtc_viewer_nack(s, &pkt);
            }

            break;

        case NGX_WEBRTC_RTCP_PSFB:
            if (pkt.count != 1 && pkt.count != 4) {
                break;
            }

            ssrc = ngx_webrtc_rtcp_keyframe_ssrc(&pkt);
            out = ngx_webrtc_viewer_out(s, ssrc);

            if (out) {
                out->track->plis++;
                ngx_webrtc_room_ask_keyframe(out->sub->room, out->source);
            }

            break;

        default:
            break;
        }
    }
}


static void
ngx_webrtc_viewer_nack(ngx_webrtc_session_t *s, ngx_webrtc_rtcp_packet_t *pkt)
{
    uint16_t                  seqs[64], in_seq;
    uint32_t                  media_ssrc;
    ngx_uint_t                i, n;
    ngx_webrtc_out_t         *out;
    ngx_webrtc_source_t      *src;
    ngx_webrtc_ring_slot_t    slot;
    ngx_webrtc_rtp_header_t   h;

    n = ngx_webrtc_rtcp_parse_nack(pkt, &media_ssrc, seqs, 64);

    out = ngx_webrtc_viewer_out(s, media_ssrc);
    if (out == NULL || !out->running) {
        return;
    }

    src = &out->sub->room->shared->sources[out->source];
    if (src->ring == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        in_seq = (uint16_t) (seqs[i] - out->seq_delta);

        if (ngx_webrtc_ring_find(src->ring, out->in_ssrc, in_seq, &slot)
            != NGX_OK
            || ngx_webrtc_rtp_parse(&h, slot.data, slot.len) != NGX_OK)
        {
            continue;
        }

        out->track->nacks++;

        ngx_webrtc_viewer_send(s, out, src, &h, slot.data, seqs[i],
                               out->track->rtx_pt && out->track->rtx_ssrc);
    }
}


static void
ngx_webrtc_viewer_report(ngx_webrtc_session_t *s,
    ngx_webrtc_rtcp_packet_t *pkt)
{
    ngx_uint_t                 i;
    ngx_msec_t                 delay;
    ngx_webrtc_out_t          *out;
    ngx_webrtc_rtcp_report_t   rb;

    for (i = 0; ngx_webrtc_rtcp_parse_report(pkt, i, &rb) == NGX_OK; i++) {

        out = ngx_webrtc_viewer_out(s, rb.ssrc);

        /* the block on our RTX SSRC says nothing of the media's loss */

        if (out == NULL || rb.ssrc != out->track->ssrc) {
            continue;
        }

        out->track->loss = rb.fraction;
        out->track->lost = rb.lost > 0 ? (uint64_t) rb.lost : 0;

        /* RFC 3550 6.4.1: RTT from our SR's time and the viewer's delay */

        if (rb.lsr && rb.lsr == out->sr_ntp_mid) {
            delay = (ngx_msec_t) ((uint64_t) rb.dlsr * 1000 / 65536);

            if (ngx_current_msec - out->sr_sent >= delay) {
                out->track->rtt = (uint32_t) (ngx_current_msec
                                              - out->sr_sent - delay);
            }
        }
    }
}


static ngx_webrtc_out_t *
ngx_webrtc_viewer_out(ngx_webrtc_session_t *s, uint32_t ssrc)
{
    ngx_uint_t  i;

    if (s->outs == NULL) {
        return NULL;
    }

    for (i = 0; i < s->rec->ntracks; i++) {
        if (s->outs[i].track && s->outs[i].sub
            && (s->outs[i].track->ssrc == ssrc
                || (s->outs[i].track->rtx_ssrc
                    && s->outs[i].track->rtx_ssrc == ssrc)))
        {
            return &s->outs[i];
        }
    }

    return NULL;
}


/* once a second: an SR per track, mapped from the publisher's clock */
void
ngx_webrtc_viewer_tick(ngx_webrtc_session_t *s)
{
    u_char               *p;
    uint32_t              rtp_ts;
    uint64_t              ntp;
    ngx_uint_t            i;
    ngx_msec_t            now;
    ngx_webrtc_out_t     *out;
    ngx_webrtc_source_t  *src;
    u_char                buf[NGX_WEBRTC_RTP_BUF];

    now = ngx_current_msec;

    if (now - s->last_sr < NGX_WEBRTC_SR_INTERVAL || s->outs == NULL) {
        return;
    }

    s->last_sr = now;
    p = buf;

    for (i = 0; i < s->rec->ntracks && p < buf + NGX_WEBRTC_MTU - 64; i++) {
        out = &s->outs[i];

        if (out->track == NULL || out->sub == NULL || !out->started
            || out->source >= out->sub->room->shared->nsources)
        {
            continue;
        }

        src = &out->sub->room->shared->sources[out->source];

        ntp = ngx_webrtc_viewer_ntp_now(src, now, &rtp_ts);
        if (ntp == 0) {
            continue;
        }

        p += ngx_webrtc_rtcp_write_sr(p, buf + NGX_WEBRTC_MTU - p,
                                      out->track->ssrc, ntp,
                                      rtp_ts + out->ts_delta, out->packets,
                                      out->octets);

        out->sr_ntp_mid = (uint32_t) (ntp >> 16);
        out->sr_sent = now;
    }

    if (p != buf) {
        ngx_webrtc_session_send_rtcp(s, buf, p - buf);
    }
}


/*
 * The NTP time and the publisher's RTP timestamp of now, extrapolated from
 * its last SR; 0 when it sent none yet.
 */
static uint64_t
ngx_webrtc_viewer_ntp_now(ngx_webrtc_source_t *src, ngx_msec_t now,
    uint32_t *rtp_ts)
{
    uint64_t    ntp;
    ngx_msec_t  sr_time, elapsed;

    sr_time = src->sr_time;
    ngx_memory_barrier();

    if (sr_time == 0) {
        return 0;
    }

    elapsed = now - sr_time;
    ntp = src->sr_ntp;

    *rtp_ts = src->sr_rtp
              + (uint32_t) ((uint64_t) elapsed * src->clock_rate / 1000);

    /* NTP: 32.32 fixed point seconds */

    return ntp + ((uint64_t) elapsed << 32) / 1000;
}
