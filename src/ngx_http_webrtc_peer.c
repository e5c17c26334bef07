
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The media of a participant of an sfu room: one PeerConnection, kept as a
 * list of sections (m-lines) that each either carry what the participant
 * publishes (PUB), another participant's track (SUB), or nothing for now
 * (FREE, inactive, reused by a later track of its kind).  The client
 * offers first; after that either side offers: the client to publish or
 * unpublish, the server whenever the set of tracks to send it changes.
 * Its session is owned by this worker, the one holding its WebSocket.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_webrtc_call.h"


#define NGX_HTTP_WEBRTC_SDP_SIZE    65536
#define NGX_HTTP_WEBRTC_ANSWER_TIME 10000   /* ms: an offer unanswered
                                               longer is given up */


static ngx_int_t ngx_http_webrtc_peer_parse(ngx_http_webrtc_call_peer_t *lp,
    ngx_str_t *sdp, ngx_webrtc_sdp_offer_t *parsed, u_char **text);
static ngx_int_t ngx_http_webrtc_peer_create_session(
    ngx_http_webrtc_call_peer_t *lp);
static ngx_int_t ngx_http_webrtc_peer_apply(ngx_http_webrtc_call_peer_t *lp);
static void ngx_http_webrtc_peer_published(ngx_http_webrtc_call_peer_t *lp);
static ngx_int_t ngx_http_webrtc_peer_describe(
    ngx_http_webrtc_call_peer_t *lp, ngx_uint_t offer, ngx_pool_t *pool,
    ngx_str_t *out);
static void ngx_http_webrtc_peer_set_codec(ngx_http_webrtc_mline_t *ml,
    ngx_webrtc_sdp_media_t *m);
static ngx_int_t ngx_http_webrtc_peer_subscribe(
    ngx_http_webrtc_call_peer_t *lp, ngx_webrtc_peer_t *from,
    ngx_webrtc_call_track_t *t, ngx_webrtc_sdp_source_t *src);
static ngx_webrtc_sdp_media_t *ngx_http_webrtc_peer_template(
    ngx_http_webrtc_call_peer_t *lp, ngx_uint_t index, ngx_uint_t type);
static void ngx_http_webrtc_peer_new_mid(ngx_http_webrtc_call_peer_t *lp,
    ngx_http_webrtc_mline_t *ml, ngx_uint_t index);
static ngx_uint_t ngx_http_webrtc_peer_label(ngx_webrtc_json_t *tracks,
    ngx_str_t *mid, ngx_uint_t type);
static ngx_log_t *ngx_http_webrtc_peer_log(ngx_http_webrtc_call_peer_t *lp);


/* the client's offer: answer it, then publish what it sends */
ngx_int_t
ngx_http_webrtc_peer_offer(ngx_http_webrtc_call_peer_t *lp, ngx_str_t *sdp,
    ngx_webrtc_json_t *tracks)
{
    u_char                   *text;
    ngx_int_t                 rc;
    ngx_str_t                 answer, mid;
    ngx_uint_t                i, k, dir;
    const char               *err;
    ngx_pool_t               *pool;
    ngx_webrtc_json_t        *out;
    ngx_webrtc_sdp_media_t   *m;
    ngx_webrtc_sdp_offer_t   *offer;
    ngx_http_webrtc_mline_t  *ml, mlines[NGX_HTTP_WEBRTC_MAX_MLINES];

    offer = ngx_alloc(sizeof(ngx_webrtc_sdp_offer_t),
                      ngx_http_webrtc_peer_log(lp));
    if (offer == NULL) {
        return ngx_http_webrtc_call_error(lp, "busy", "out of memory");
    }

    if (ngx_http_webrtc_peer_parse(lp, sdp, offer, &text) != NGX_OK) {
        ngx_free(offer);
        return NGX_ERROR;
    }

    err = NULL;

    if (offer->nmedia < lp->nmlines) {
        err = "the offer lost sections";
    }

    for (i = 0; err == NULL && i < lp->nmlines; i++) {
        m = &offer->media[i];

        if (m->mid.len != lp->mlines[i].mid_len
            || ngx_memcmp(m->mid.data, lp->mlines[i].mid, m->mid.len) != 0)
        {
            err = "the offer reordered or renamed sections";
        }
    }

    if (err == NULL && lp->session.len
        && (offer->ice_ufrag.len != lp->remote_ufrag_len
            || ngx_memcmp(offer->ice_ufrag.data, lp->remote_ufrag,
                          lp->remote_ufrag_len) != 0))
    {
        err = "ICE restarts are not supported";
    }

    if (err) {
        ngx_log_error(NGX_LOG_INFO, ngx_http_webrtc_peer_log(lp), 0,
                      "webrtc call peer %*s: %s",
                      (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id, err);
        ngx_free(offer);
        ngx_free(text);
        return ngx_http_webrtc_call_error(lp, "bad-sdp", err);
    }

    /* an offer of ours still out is dropped: a new one follows */

    if (lp->offer_out) {
        lp->offer_out = 0;
        lp->sync = 1;
    }

    (void) ngx_webrtc_sdp_negotiate_recv(offer, &err);

    ngx_memcpy(mlines, lp->mlines,
               lp->nmlines * sizeof(ngx_http_webrtc_mline_t));

    for (i = 0; i < offer->nmedia; i++) {
        m = &offer->media[i];
        ml = &mlines[i];
        dir = m->direction;

        if (i >= lp->nmlines) {
            ngx_memzero(ml, sizeof(ngx_http_webrtc_mline_t));
            ml->mid_len = (u_char) m->mid.len;
            ngx_memcpy(ml->mid, m->mid.data, m->mid.len);
            ml->type = (u_char) m->type;
        }

        if (ml->role == NGX_HTTP_WEBRTC_MLINE_SUB
            && (dir & NGX_WEBRTC_DIR_RECV))
        {
            /* ours, still wanted: the client keeps receiving it */
            continue;
        }

        if ((dir & NGX_WEBRTC_DIR_SEND) && m->accepted) {

            if (!lp->can_publish) {
                err = "this participant may not publish";
                goto refused;
            }

            mid = m->mid;

            if (ml->role != NGX_HTTP_WEBRTC_MLINE_PUB) {
                ml->track_id = lp->peer->next_track++;
            }

            ml->role = NGX_HTTP_WEBRTC_MLINE_PUB;
            ml->label = (u_char) ngx_http_webrtc_peer_label(tracks, &mid,
                                                            m->type);
            ml->ssrc = m->fid_primary ? m->fid_primary
                       : m->nssrcs ? m->ssrcs[0] : 0;
            ml->rtx_ssrc = m->fid_rtx;
            ngx_http_webrtc_peer_set_codec(ml, m);
            continue;
        }

        /* nothing to carry: inactive, but kept for a later track */

        if ((m->type != NGX_WEBRTC_MEDIA_AUDIO
             && m->type != NGX_WEBRTC_MEDIA_VIDEO)
            || m->ncodecs == 0)
        {
            err = "only audio and video sections are supported";
            goto refused;
        }

        ml->role = NGX_HTTP_WEBRTC_MLINE_FREE;

        if (i >= lp->nmlines || ml->codec.name.len == 0) {
            m->codec = 0;
            m->rtx = -1;
            ngx_memzero(m->ext_id, sizeof(m->ext_id));
            ngx_http_webrtc_peer_set_codec(ml, m);
        }
    }

    /* the new description is ours now */

    ngx_memcpy(lp->mlines, mlines,
               offer->nmedia * sizeof(ngx_http_webrtc_mline_t));
    lp->nmlines = offer->nmedia;
    lp->extmap_allow_mixed = offer->extmap_allow_mixed;

    if (lp->remote) {
        ngx_free(lp->remote);
        ngx_free(lp->remote_text);
    }

    lp->remote = offer;
    lp->remote_text = text;

    if (lp->session.len == 0) {
        rc = ngx_http_webrtc_peer_create_session(lp);

        if (rc != NGX_OK) {
            lp->nmlines = 0;
            return ngx_http_webrtc_call_error(lp, "busy",
                                        rc == NGX_WEBRTC_TOO_MANY
                                        ? "too many sessions from this "
                                          "address"
                                        : "cannot make a session");
        }
    }

    if (ngx_http_webrtc_peer_apply(lp) != NGX_OK) {
        return ngx_http_webrtc_call_error(lp, "busy", "session is gone");
    }

    pool = ngx_create_pool(4096, ngx_http_webrtc_peer_log(lp));
    if (pool == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_webrtc_peer_describe(lp, 0, pool, &answer) != NGX_OK) {
        ngx_destroy_pool(pool);
        return ngx_http_webrtc_call_error(lp, "busy", "answer too large");
    }

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "answer");
    (void) ngx_webrtc_json_set_str(out, "sdp", answer.data, answer.len);

    ngx_destroy_pool(pool);

    if (ngx_http_webrtc_call_send(lp, out) != NGX_OK) {
        return NGX_ERROR;
    }

    for (k = 0, i = 0; i < lp->nmlines; i++) {
        k += (lp->mlines[i].role == NGX_HTTP_WEBRTC_MLINE_PUB);
    }

    ngx_log_error(NGX_LOG_INFO, ngx_http_webrtc_peer_log(lp), 0,
                  "webrtc call peer %*s: answered, %ui sections, "
                  "%ui published", (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id,
                  lp->nmlines, k);

    ngx_http_webrtc_peer_published(lp);

    lp->sync = 1;
    ngx_http_webrtc_peer_sync(lp);

    return NGX_OK;

refused:

    ngx_log_error(NGX_LOG_INFO, ngx_http_webrtc_peer_log(lp), 0,
                  "webrtc call peer %*s: offer refused: %s",
                  (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id, err);

    ngx_free(offer);
    ngx_free(text);

    return ngx_http_webrtc_call_error(lp,
                                      lp->can_publish ? "bad-sdp"
                                                      : "not-allowed", err);
}


/* the client's answer to our offer number seq */
ngx_int_t
ngx_http_webrtc_peer_answer(ngx_http_webrtc_call_peer_t *lp, ngx_str_t *sdp,
    int64_t seq)
{
    u_char                   *text;
    ngx_uint_t                i;
    const char               *err;
    ngx_webrtc_sdp_media_t   *m;
    ngx_webrtc_sdp_offer_t   *answer;
    ngx_http_webrtc_mline_t  *ml;

    if (!lp->offer_out || seq != (int64_t) lp->seq) {
        return ngx_http_webrtc_call_error(lp, "bad-state",
                                          "no offer of that seq is out");
    }

    answer = ngx_alloc(sizeof(ngx_webrtc_sdp_offer_t),
                       ngx_http_webrtc_peer_log(lp));
    if (answer == NULL) {
        return ngx_http_webrtc_call_error(lp, "busy", "out of memory");
    }

    if (ngx_http_webrtc_peer_parse(lp, sdp, answer, &text) != NGX_OK) {
        ngx_free(answer);
        return NGX_ERROR;
    }

    err = NULL;

    if (answer->nmedia != lp->nmlines) {
        err = "the answer's sections are not the offer's";
    }

    for (i = 0; err == NULL && i < lp->nmlines; i++) {
        m = &answer->media[i];
        ml = &lp->mlines[i];

        if (m->mid.len != ml->mid_len
            || ngx_memcmp(m->mid.data, ml->mid, m->mid.len) != 0)
        {
            err = "the answer's sections are not the offer's";
            break;
        }

        if (ml->role == NGX_HTTP_WEBRTC_MLINE_SUB
            && (m->port == 0 || !(m->direction & NGX_WEBRTC_DIR_RECV)))
        {
            /* the client does not want it */
            ml->role = NGX_HTTP_WEBRTC_MLINE_FREE;
        }
    }

    ngx_free(answer);
    ngx_free(text);

    if (err) {
        ngx_log_error(NGX_LOG_INFO, ngx_http_webrtc_peer_log(lp), 0,
                      "webrtc call peer %*s: %s",
                      (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id, err);
        return ngx_http_webrtc_call_error(lp, "bad-sdp", err);
    }

    lp->offer_out = 0;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ngx_http_webrtc_peer_log(lp), 0,
                   "webrtc call peer %*s: answer applied",
                   (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id);

    if (ngx_http_webrtc_peer_apply(lp) != NGX_OK) {
        return ngx_http_webrtc_call_error(lp, "busy", "session is gone");
    }

    if (lp->sync) {
        ngx_http_webrtc_peer_sync(lp);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_webrtc_peer_parse(ngx_http_webrtc_call_peer_t *lp, ngx_str_t *sdp,
    ngx_webrtc_sdp_offer_t *parsed, u_char **text)
{
    u_char      *p;
    ngx_uint_t   i;
    const char  *err;

    if (sdp->len > NGX_HTTP_WEBRTC_SDP_SIZE) {
        (void) ngx_http_webrtc_call_error(lp, "bad-sdp", "SDP too large");
        return NGX_ERROR;
    }

    /* the parsed strings point into the text: it lives as long */

    p = ngx_alloc(sdp->len + 1, ngx_http_webrtc_peer_log(lp));
    if (p == NULL) {
        (void) ngx_http_webrtc_call_error(lp, "busy", "out of memory");
        return NGX_ERROR;
    }

    ngx_memcpy(p, sdp->data, sdp->len);

    if (ngx_webrtc_sdp_parse_offer(parsed, p, sdp->len, &err) != NGX_OK) {
        ngx_free(p);
        ngx_log_error(NGX_LOG_INFO, ngx_http_webrtc_peer_log(lp), 0,
                      "webrtc call peer %*s: bad SDP: %s",
                      (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id, err);
        (void) ngx_http_webrtc_call_error(lp, "bad-sdp", err);
        return NGX_ERROR;
    }

    if (parsed->nmedia > NGX_HTTP_WEBRTC_MAX_MLINES || !parsed->bundle) {
        ngx_free(p);
        (void) ngx_http_webrtc_call_error(lp, "bad-sdp",
                                          "one bundle of at most 32 "
                                          "sections is needed");
        return NGX_ERROR;
    }

    for (i = 0; i < parsed->nmedia; i++) {
        if (parsed->media[i].mid.len == 0
            || parsed->media[i].mid.len > NGX_WEBRTC_MID_LEN)
        {
            ngx_free(p);
            (void) ngx_http_webrtc_call_error(lp, "bad-sdp",
                                              "every section needs a mid "
                                              "of 1 to 16 bytes");
            return NGX_ERROR;
        }
    }

    *text = p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_webrtc_peer_create_session(ngx_http_webrtc_call_peer_t *lp)
{
    ngx_int_t                   rc;
    ngx_webrtc_session_rec_t    rec;
    ngx_webrtc_session_args_t   args;

    ngx_memzero(&args, sizeof(ngx_webrtc_session_args_t));

    args.kind = NGX_WEBRTC_KIND_PEER;
    args.room.data = lp->peer->stream;
    args.room.len = lp->peer->stream_len;
    args.placement = NGX_WEBRTC_PLACE_LOCAL;
    args.offer = lp->remote;
    ngx_http_webrtc_client(lp->ws->request, &args);

    rc = ngx_webrtc_session_create(&args, &rec, ngx_http_webrtc_peer_log(lp));
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_memcpy(lp->session_id, rec.id, NGX_WEBRTC_ID_LEN);
    lp->session.data = lp->session_id;
    lp->session.len = NGX_WEBRTC_ID_LEN;
    ngx_memcpy(lp->ufrag, rec.ufrag, NGX_WEBRTC_UFRAG_LEN);
    ngx_memcpy(lp->pwd, rec.pwd, NGX_WEBRTC_PWD_LEN);
    lp->port = rec.port;

    lp->remote_ufrag_len = rec.remote_ufrag_len;
    ngx_memcpy(lp->remote_ufrag, rec.remote_ufrag, rec.remote_ufrag_len);

    lp->sdp_session_id = (uint64_t) ngx_time() * 1000 + ngx_worker;

    return NGX_OK;
}


/* the sections as tracks of the session */
static ngx_int_t
ngx_http_webrtc_peer_apply(ngx_http_webrtc_call_peer_t *lp)
{
    ngx_uint_t                i;
    ngx_webrtc_track_t       *t;
    ngx_http_webrtc_mline_t  *ml;
    ngx_webrtc_peer_track_t   tracks[NGX_HTTP_WEBRTC_MAX_MLINES];

    ngx_memzero(tracks, lp->nmlines * sizeof(ngx_webrtc_peer_track_t));

    for (i = 0; i < lp->nmlines; i++) {
        ml = &lp->mlines[i];
        t = &tracks[i].track;

        t->mid_len = ml->mid_len;
        ngx_memcpy(t->mid, ml->mid, ml->mid_len);
        t->type = ml->type;
        t->codec = ml->codec.codec;
        t->pt = ml->codec.pt;
        t->rtx_pt = ml->has_rtx ? ml->rtx.pt : 0;
        t->clock_rate = ml->codec.clock_rate;
        t->channels = ml->codec.channels;
        t->profile_level_id = ml->codec.profile_level_id;
        t->packetization_mode = ml->codec.packetization_mode;
        t->profile = ml->codec.profile;
        t->fb_nack = ml->codec.fb_nack;
        t->fb_pli = ml->codec.fb_pli;
        t->fb_fir = ml->codec.fb_fir;
        ngx_memcpy(t->ext_id, ml->ext_id, NGX_WEBRTC_EXT_MAX);
        t->ssrc = ml->ssrc;
        t->rtx_ssrc = ml->rtx_ssrc;

        switch (ml->role) {

        case NGX_HTTP_WEBRTC_MLINE_PUB:
            t->role = NGX_WEBRTC_ROLE_PUB;
            break;

        case NGX_HTTP_WEBRTC_MLINE_SUB:
            t->role = NGX_WEBRTC_ROLE_SUB;
            t->source = ml->source;
            tracks[i].from.data = ml->stream;
            tracks[i].from.len = ml->stream_len;
            break;

        default:
            t->role = NGX_WEBRTC_ROLE_NONE;
        }
    }

    return ngx_webrtc_peer_set_tracks(&lp->session, tracks, lp->nmlines,
                                      ngx_http_webrtc_peer_log(lp));
}


/*
 * What the peer publishes goes into its record for the others, with the
 * index of the source its room gave each track; the room hears of tracks
 * that came and went.
 */
static void
ngx_http_webrtc_peer_published(ngx_http_webrtc_call_peer_t *lp)
{
    u_char                    *p;
    ngx_uint_t                 i, k, n, nold, nadded, nremoved;
    ngx_webrtc_json_t         *added, *removed, *out;
    ngx_webrtc_peer_t         *peer;
    ngx_webrtc_call_track_t   *t, tracks[NGX_WEBRTC_PEER_TRACKS];
    ngx_webrtc_call_track_t    old[NGX_WEBRTC_PEER_TRACKS];
    ngx_http_webrtc_mline_t   *ml;
    ngx_str_t                  stream;
    ngx_webrtc_session_rec_t   rec;
    u_char                     id[NGX_WEBRTC_PEER_ID_LEN + 1
                                  + NGX_INT32_LEN];
    u_char                     name[NGX_WEBRTC_ROOM_LEN];

    if (ngx_webrtc_session_get(&lp->session, &rec) != NGX_OK) {
        return;
    }

    n = 0;

    for (i = 0; i < lp->nmlines && i < rec.ntracks; i++) {
        ml = &lp->mlines[i];

        if (ml->role != NGX_HTTP_WEBRTC_MLINE_PUB
            || rec.tracks[i].source >= NGX_WEBRTC_MAX_TRACKS
            || n == NGX_WEBRTC_PEER_TRACKS)
        {
            continue;
        }

        t = &tracks[n++];
        ngx_memzero(t, sizeof(ngx_webrtc_call_track_t));
        t->id = ml->track_id;
        t->type = ml->type;
        t->label = ml->label;
        t->source = rec.tracks[i].source;
    }

    peer = lp->peer;

    ngx_webrtc_call_lock();

    nold = peer->ntracks;
    ngx_memcpy(old, peer->tracks, nold * sizeof(ngx_webrtc_call_track_t));

    for (i = 0; i < n; i++) {
        for (k = 0; k < nold; k++) {
            if (old[k].id == tracks[i].id) {
                tracks[i].muted = old[k].muted;
                break;
            }
        }
    }

    ngx_memcpy(peer->tracks, tracks, n * sizeof(ngx_webrtc_call_track_t));
    peer->ntracks = n;

    stream.len = peer->stream_len;
    ngx_memcpy(name, peer->stream, stream.len);
    stream.data = name;

    ngx_webrtc_call_unlock();

    /*
     * A moderator's mute belongs to the track: a source index the room
     * gives again (a track gone, another of its kind come) starts unmuted,
     * and a muted track keeps its mute on the index it has now.
     */

    for (i = 0; i < n; i++) {
        (void) ngx_webrtc_source_mute(&stream, tracks[i].source,
                                      tracks[i].muted);
    }

    added = ngx_webrtc_json_array();
    removed = ngx_webrtc_json_array();
    nadded = 0;
    nremoved = 0;

    for (i = 0; i < n; i++) {
        for (k = 0; k < nold && old[k].id != tracks[i].id; k++) {
            /* void */
        }

        if (k == nold) {
            nadded++;
            (void) ngx_webrtc_json_append(added,
                          ngx_http_webrtc_call_track_json(lp->id, &tracks[i]));
        }
    }

    for (k = 0; k < nold; k++) {
        for (i = 0; i < n && tracks[i].id != old[k].id; i++) {
            /* void */
        }

        if (i == n) {
            nremoved++;
            p = ngx_sprintf(id, "%*s-%uD", (size_t) NGX_WEBRTC_PEER_ID_LEN,
                            lp->id, old[k].id);
            (void) ngx_webrtc_json_append(removed,
                                          ngx_webrtc_json_string(id, p - id));
        }
    }

    if (nadded) {
        out = ngx_webrtc_json_object();
        (void) ngx_webrtc_json_set_cstr(out, "type", "published");
        (void) ngx_webrtc_json_set_str(out, "participant", lp->id,
                                       NGX_WEBRTC_PEER_ID_LEN);
        (void) ngx_webrtc_json_set(out, "tracks", added);

        (void) ngx_http_webrtc_call_post(lp, out, NULL, lp->id,
                                         NGX_WEBRTC_MAIL_TEXT
                                         |NGX_WEBRTC_MAIL_SYNC);

    } else {
        ngx_webrtc_json_free(added);
    }

    if (nremoved) {
        out = ngx_webrtc_json_object();
        (void) ngx_webrtc_json_set_cstr(out, "type", "unpublished");
        (void) ngx_webrtc_json_set_str(out, "participant", lp->id,
                                       NGX_WEBRTC_PEER_ID_LEN);
        (void) ngx_webrtc_json_set(out, "tracks", removed);

        (void) ngx_http_webrtc_call_post(lp, out, NULL, lp->id,
                                         NGX_WEBRTC_MAIL_TEXT
                                         |NGX_WEBRTC_MAIL_SYNC);

    } else {
        ngx_webrtc_json_free(removed);
    }
}


/* our description of the connection: offer (actpass) or answer */
static ngx_int_t
ngx_http_webrtc_peer_describe(ngx_http_webrtc_call_peer_t *lp,
    ngx_uint_t offer, ngx_pool_t *pool, ngx_str_t *out)
{
    u_char                            *p;
    ngx_str_t                         *announce;
    ngx_uint_t                         i;
    ngx_webrtc_conf_t                 *wcf;
    ngx_webrtc_sdp_desc_t              d;
    ngx_http_webrtc_mline_t           *ml;
    ngx_webrtc_sdp_section_t          *sec;
    ngx_webrtc_sdp_local_candidate_t   cands[NGX_WEBRTC_MAX_ANNOUNCE];

    wcf = ngx_webrtc_get_conf((ngx_cycle_t *) ngx_cycle);

    ngx_memzero(&d, sizeof(ngx_webrtc_sdp_desc_t));

    d.sections = ngx_pcalloc(pool, lp->nmlines
                                   * sizeof(ngx_webrtc_sdp_section_t));
    if (d.sections == NULL) {
        return NGX_ERROR;
    }

    announce = wcf->announce->elts;

    for (i = 0; i < wcf->announce->nelts; i++) {
        cands[i].addr = announce[i];
        cands[i].port = lp->port;
    }

    d.offer = offer;
    d.extmap_allow_mixed = lp->extmap_allow_mixed;
    d.session_id = lp->sdp_session_id;
    d.version = ++lp->sdp_version;
    d.ice_ufrag.data = lp->ufrag;
    d.ice_ufrag.len = NGX_WEBRTC_UFRAG_LEN;
    d.ice_pwd.data = lp->pwd;
    d.ice_pwd.len = NGX_WEBRTC_PWD_LEN;
    d.fingerprint.data = wcf->fingerprint;
    d.fingerprint.len = wcf->fingerprint_len;
    ngx_str_set(&d.cname, "ngx-webrtc");
    d.ncandidates = wcf->announce->nelts;
    d.candidates = cands;
    d.nsections = lp->nmlines;

    for (i = 0; i < lp->nmlines; i++) {
        ml = &lp->mlines[i];
        sec = &d.sections[i];

        if (ml->type == NGX_WEBRTC_MEDIA_AUDIO) {
            ngx_str_set(&sec->media, "audio");

        } else {
            ngx_str_set(&sec->media, "video");
        }

        sec->mid.data = ml->mid;
        sec->mid.len = ml->mid_len;
        sec->codec = ml->codec;
        sec->rtx = ml->rtx;
        sec->has_rtx = ml->has_rtx;
        sec->rtcp_rsize = ml->rtcp_rsize;
        ngx_memcpy(sec->ext_id, ml->ext_id, NGX_WEBRTC_EXT_MAX);

        switch (ml->role) {

        case NGX_HTTP_WEBRTC_MLINE_PUB:
            sec->direction = NGX_WEBRTC_DIR_RECV;
            break;

        case NGX_HTTP_WEBRTC_MLINE_SUB:
            sec->direction = NGX_WEBRTC_DIR_SEND;
            sec->ssrc = ml->ssrc;
            sec->rtx_ssrc = ml->rtx_ssrc;

            /* the browser makes one stream per participant of these */

            sec->msid_stream.data = ml->from;
            sec->msid_stream.len = NGX_WEBRTC_PEER_ID_LEN;

            p = ngx_pnalloc(pool, NGX_WEBRTC_PEER_ID_LEN + 1 + NGX_INT32_LEN);
            if (p == NULL) {
                return NGX_ERROR;
            }

            sec->msid_track.data = p;
            p = ngx_sprintf(p, "%*s-%uD", (size_t) NGX_WEBRTC_PEER_ID_LEN,
                            ml->from, ml->track_id);
            sec->msid_track.len = p - sec->msid_track.data;
            break;

        default:
            sec->direction = NGX_WEBRTC_DIR_INACTIVE;
        }
    }

    out->data = ngx_pnalloc(pool, NGX_HTTP_WEBRTC_SDP_SIZE);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    out->len = ngx_webrtc_sdp_write_desc(out->data, NGX_HTTP_WEBRTC_SDP_SIZE,
                                         &d);

    return out->len ? NGX_OK : NGX_ERROR;
}


/* the negotiated codec of m, copied so that it outlives the offer */
static void
ngx_http_webrtc_peer_set_codec(ngx_http_webrtc_mline_t *ml,
    ngx_webrtc_sdp_media_t *m)
{
    ngx_webrtc_sdp_codec_t  *c;

    c = &m->codecs[m->codec];

    ml->codec = *c;
    ml->codec.name.data = ml->name;
    ml->codec.name.len = ngx_min(c->name.len, sizeof(ml->name));
    ml->codec.fmtp.data = ml->fmtp;
    ml->codec.fmtp.len = ngx_min(c->fmtp.len, sizeof(ml->fmtp));

    if (ml->codec.name.len) {
        ngx_memcpy(ml->name, c->name.data, ml->codec.name.len);
    }

    if (ml->codec.fmtp.len) {
        ngx_memcpy(ml->fmtp, c->fmtp.data, ml->codec.fmtp.len);
    }

    ml->has_rtx = (m->rtx >= 0 && m->rtx < (ngx_int_t) m->ncodecs);

    if (ml->has_rtx) {
        ml->rtx = m->codecs[m->rtx];
        ngx_str_set(&ml->rtx.name, "rtx");
        ngx_str_null(&ml->rtx.fmtp);
    }

    ml->rtcp_rsize = m->rtcp_rsize;
    ngx_memcpy(ml->ext_id, m->ext_id, NGX_WEBRTC_EXT_MAX);
}


/*
 * What the participant receives follows what the others publish: tracks
 * gone leave their sections inactive, new ones take an inactive section
 * of their kind or a new one, and the changed description goes out as
 * our offer.  One offer at a time: a change while one is out waits.
 */
void
ngx_http_webrtc_peer_sync(ngx_http_webrtc_call_peer_t *lp)
{
    u_char                   *p;
    ngx_str_t                 sdp, name;
    ngx_uint_t                i, k, j, npeers, nsrc, changed;
    ngx_pool_t               *pool;
    ngx_webrtc_json_t        *out, *map;
    ngx_webrtc_peer_t        *peers, *q;
    ngx_webrtc_call_track_t  *t;
    ngx_http_webrtc_mline_t  *ml;
    ngx_webrtc_sdp_source_t   sources[NGX_WEBRTC_MAX_TRACKS];

    if (lp->offer_out
        && ngx_current_msec - lp->offer_sent > NGX_HTTP_WEBRTC_ANSWER_TIME)
    {
        ngx_log_error(NGX_LOG_INFO, ngx_http_webrtc_peer_log(lp), 0,
                      "webrtc call peer %*s: offer %uD not answered in "
                      "%M ms, offering again",
                      (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id, lp->seq,
                      (ngx_msec_t) NGX_HTTP_WEBRTC_ANSWER_TIME);
        lp->offer_out = 0;
        lp->resend = 1;
    }

    if (lp->session.len == 0 || lp->offer_out || lp->ws->closing) {
        lp->sync = 1;
        return;
    }

    lp->sync = 0;

    pool = ngx_create_pool(4096, ngx_http_webrtc_peer_log(lp));
    if (pool == NULL) {
        return;
    }

    if (ngx_webrtc_call_peers(&lp->room, pool, &peers, &npeers) != NGX_OK) {
        ngx_destroy_pool(pool);
        return;
    }

    changed = lp->resend;
    lp->resend = 0;

    /* tracks gone */

    for (i = 0; i < lp->nmlines; i++) {
        ml = &lp->mlines[i];

        if (ml->role != NGX_HTTP_WEBRTC_MLINE_SUB) {
            continue;
        }

        for (k = 0; k < npeers; k++) {
            if (ngx_memcmp(peers[k].id, ml->from, NGX_WEBRTC_PEER_ID_LEN)
                != 0)
            {
                continue;
            }

            for (j = 0; j < peers[k].ntracks; j++) {
                if (peers[k].tracks[j].id == ml->track_id
                    && peers[k].tracks[j].source == ml->source)
                {
                    break;
                }
            }

            if (j < peers[k].ntracks) {
                break;
            }
        }

        if (k == npeers) {
            ml->role = NGX_HTTP_WEBRTC_MLINE_FREE;
            changed = 1;
        }
    }

    /* tracks new to this participant */

    for (k = 0; k < npeers; k++) {
        q = &peers[k];

        if (ngx_memcmp(q->id, lp->id, NGX_WEBRTC_PEER_ID_LEN) == 0
            || q->ntracks == 0)
        {
            continue;
        }

        name.data = q->stream;
        name.len = q->stream_len;

        if (ngx_webrtc_room_sources(&name, sources, &nsrc) != NGX_OK) {
            continue;
        }

        for (j = 0; j < q->ntracks; j++) {
            t = &q->tracks[j];

            for (i = 0; i < lp->nmlines; i++) {
                ml = &lp->mlines[i];

                if (ml->role == NGX_HTTP_WEBRTC_MLINE_SUB
                    && ml->track_id == t->id
                    && ngx_memcmp(ml->from, q->id, NGX_WEBRTC_PEER_ID_LEN)
                       == 0)
                {
                    break;
                }
            }

            if (i < lp->nmlines || t->source >= nsrc) {
                continue;
            }

            if (ngx_http_webrtc_peer_subscribe(lp, q, t, &sources[t->source])
                == NGX_OK)
            {
                changed = 1;
            }
        }
    }

    if (!changed) {
        ngx_destroy_pool(pool);
        return;
    }

    if (ngx_http_webrtc_peer_describe(lp, 1, pool, &sdp) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, ngx_http_webrtc_peer_log(lp), 0,
                      "webrtc call peer %*s: cannot write an offer",
                      (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id);
        ngx_destroy_pool(pool);
        return;
    }

    map = ngx_webrtc_json_object();

    for (i = 0; i < lp->nmlines; i++) {
        ml = &lp->mlines[i];

        if (ml->role == NGX_HTTP_WEBRTC_MLINE_SUB) {
            ngx_webrtc_call_track_t  ct;

            ngx_memzero(&ct, sizeof(ngx_webrtc_call_track_t));
            ct.id = ml->track_id;
            ct.type = ml->type;
            ct.label = ml->label;
            ct.muted = ml->muted;

            p = ngx_pnalloc(pool, ml->mid_len + 1);
            if (p) {
                ngx_memcpy(p, ml->mid, ml->mid_len);
                p[ml->mid_len] = '\0';
                (void) ngx_webrtc_json_set(map, (char *) p,
                               ngx_http_webrtc_call_track_json(ml->from, &ct));
            }
        }
    }

    lp->seq++;
    lp->offer_out = 1;
    lp->offer_sent = ngx_current_msec;

    out = ngx_webrtc_json_object();
    (void) ngx_webrtc_json_set_cstr(out, "type", "offer");
    (void) ngx_webrtc_json_set_int(out, "seq", lp->seq);
    (void) ngx_webrtc_json_set_str(out, "sdp", sdp.data, sdp.len);
    (void) ngx_webrtc_json_set(out, "tracks", map);

    ngx_destroy_pool(pool);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ngx_http_webrtc_peer_log(lp), 0,
                   "webrtc call peer %*s: offer sent",
                   (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id);

    (void) ngx_http_webrtc_call_send(lp, out);
}


/* a section to send one of q's tracks: an inactive one, or a new one */
static ngx_int_t
ngx_http_webrtc_peer_subscribe(ngx_http_webrtc_call_peer_t *lp,
    ngx_webrtc_peer_t *q, ngx_webrtc_call_track_t *t,
    ngx_webrtc_sdp_source_t *src)
{
    ngx_uint_t                i;
    const char               *err;
    ngx_webrtc_sdp_media_t   *m;
    ngx_http_webrtc_mline_t  *ml;

    /*
     * An inactive section that never carried a track (a watch-only
     * client's recvonly one), else a new one, else, at the limit, one that
     * did: some clients (aiortc) do not receive again on a section once it
     * went inactive.
     */

    for (i = 0; i < lp->nmlines; i++) {
        ml = &lp->mlines[i];

        if (ml->role == NGX_HTTP_WEBRTC_MLINE_FREE && ml->type == t->type
            && !ml->used)
        {
            break;
        }
    }

    if (i == NGX_HTTP_WEBRTC_MAX_MLINES) {
        for (i = 0; i < lp->nmlines; i++) {
            ml = &lp->mlines[i];

            if (ml->role == NGX_HTTP_WEBRTC_MLINE_FREE
                && ml->type == t->type)
            {
                break;
            }
        }

        if (i == lp->nmlines) {
            ngx_log_error(NGX_LOG_WARN, ngx_http_webrtc_peer_log(lp), 0,
                          "webrtc call peer %*s: no section left for a "
                          "track", (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id);
            return NGX_DECLINED;
        }
    }

    /* the codec the participant offered for this kind, that carries it */

    m = ngx_http_webrtc_peer_template(lp, i, t->type);

    if (m == NULL
        || ngx_webrtc_sdp_negotiate_media_send(m, src, &err) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, ngx_http_webrtc_peer_log(lp), 0,
                      "webrtc call peer %*s: cannot receive a track of "
                      "%*s: %s", (size_t) NGX_WEBRTC_PEER_ID_LEN, lp->id,
                      (size_t) NGX_WEBRTC_PEER_ID_LEN, q->id,
                      m ? err : "no section of its kind was offered");
        return NGX_DECLINED;
    }

    ml = &lp->mlines[i];

    if (i == lp->nmlines) {
        ngx_memzero(ml, sizeof(ngx_http_webrtc_mline_t));
        ml->type = t->type;
        ngx_http_webrtc_peer_new_mid(lp, ml, i);
        lp->nmlines++;
    }

    ngx_http_webrtc_peer_set_codec(ml, m);

    ml->role = NGX_HTTP_WEBRTC_MLINE_SUB;
    ml->used = 1;
    ml->label = t->label;
    ml->muted = t->muted;
    ml->track_id = t->id;
    ml->source = t->source;
    ngx_memcpy(ml->from, q->id, NGX_WEBRTC_PEER_ID_LEN);
    ngx_memcpy(ml->stream, q->stream, q->stream_len);
    ml->stream_len = q->stream_len;
    ml->ssrc = ngx_webrtc_random_ssrc();
    ml->rtx_ssrc = ml->has_rtx ? ngx_webrtc_random_ssrc() : 0;

    return NGX_OK;
}


/*
 * The participant's own offer for section index, or for any section of
 * that kind: its payload types and extension ids are the bundle's.
 */
static ngx_webrtc_sdp_media_t *
ngx_http_webrtc_peer_template(ngx_http_webrtc_call_peer_t *lp,
    ngx_uint_t index, ngx_uint_t type)
{
    ngx_uint_t               i;
    ngx_webrtc_sdp_offer_t  *o;

    o = lp->remote;

    if (o == NULL) {
        return NULL;
    }

    if (index < o->nmedia && o->media[index].type == type) {
        return &o->media[index];
    }

    for (i = 0; i < o->nmedia; i++) {
        if (o->media[i].type == type) {
            return &o->media[i];
        }
    }

    return NULL;
}


/* the first number not used as a mid */
static void
ngx_http_webrtc_peer_new_mid(ngx_http_webrtc_call_peer_t *lp,
    ngx_http_webrtc_mline_t *ml, ngx_uint_t index)
{
    u_char      *p;
    ngx_uint_t   n, i;

    for (n = index; /* void */; n++) {
        p = ngx_sprintf(ml->mid, "%ui", n);
        ml->mid_len = (u_char) (p - ml->mid);

        for (i = 0; i < lp->nmlines; i++) {
            if (lp->mlines[i].mid_len == ml->mid_len
                && ngx_memcmp(lp->mlines[i].mid, ml->mid, ml->mid_len) == 0)
            {
                break;
            }
        }

        if (i == lp->nmlines) {
            return;
        }
    }
}


static ngx_uint_t
ngx_http_webrtc_peer_label(ngx_webrtc_json_t *tracks, ngx_str_t *mid,
    ngx_uint_t type)
{
    void               *iter;
    ngx_str_t           key, v;
    ngx_webrtc_json_t  *value;

    iter = NULL;

    while (tracks
           && ngx_webrtc_json_next(tracks, &iter, &key, &value) == NGX_OK)
    {
        if (key.len != mid->len || ngx_memcmp(key.data, mid->data, key.len)
            || ngx_webrtc_json_value_str(value, &v) != NGX_OK)
        {
            continue;
        }

        if (v.len == 6 && ngx_strncmp(v.data, "screen", 6) == 0) {
            return NGX_WEBRTC_LABEL_SCREEN;
        }

        if (v.len == 6 && ngx_strncmp(v.data, "camera", 6) == 0) {
            return NGX_WEBRTC_LABEL_CAMERA;
        }

        if (v.len == 10 && ngx_strncmp(v.data, "microphone", 10) == 0) {
            return NGX_WEBRTC_LABEL_MICROPHONE;
        }
    }

    return type == NGX_WEBRTC_MEDIA_AUDIO ? NGX_WEBRTC_LABEL_MICROPHONE
                                          : NGX_WEBRTC_LABEL_CAMERA;
}


/* the participant is gone or removed: its media stops */
void
ngx_http_webrtc_peer_close(ngx_http_webrtc_call_peer_t *lp)
{
    ngx_log_t  *log;

    log = ngx_http_webrtc_peer_log(lp);

    if (lp->session.len) {
        (void) ngx_webrtc_session_close_by_id(&lp->session, log);
        lp->session.len = 0;
    }

    if (lp->remote) {
        ngx_free(lp->remote);
        ngx_free(lp->remote_text);
        lp->remote = NULL;
        lp->remote_text = NULL;
    }

    lp->nmlines = 0;
    lp->offer_out = 0;
}


static ngx_log_t *
ngx_http_webrtc_peer_log(ngx_http_webrtc_call_peer_t *lp)
{
    return lp->ws->connection->log;
}
