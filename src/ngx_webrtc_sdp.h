
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * SDP offers in, SDP answers out (RFC 8866, RFC 8829 as browsers use it).
 *
 * Layer 1: no I/O, no allocation, no nginx function calls (only nginx types
 * and macros), so the unit tests and fuzzers link this file alone.  Every
 * ngx_str_t in a parsed offer points into the caller's offer buffer, which
 * must outlive the parsed structure.
 */


#ifndef _NGX_WEBRTC_SDP_H_INCLUDED_
#define _NGX_WEBRTC_SDP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_WEBRTC_SDP_MAX_MEDIA        32
#define NGX_WEBRTC_SDP_MAX_CODECS       64
#define NGX_WEBRTC_SDP_MAX_EXTMAPS      16
#define NGX_WEBRTC_SDP_MAX_SSRCS        8
#define NGX_WEBRTC_SDP_MAX_RIDS         4
#define NGX_WEBRTC_SDP_MAX_CANDIDATES   16
#define NGX_WEBRTC_SDP_MAX_LINES        4096


/* media types */
#define NGX_WEBRTC_MEDIA_AUDIO          1
#define NGX_WEBRTC_MEDIA_VIDEO          2
#define NGX_WEBRTC_MEDIA_APPLICATION    3
#define NGX_WEBRTC_MEDIA_OTHER          4


/* codecs we know by name; everything else is NGX_WEBRTC_CODEC_OTHER */
#define NGX_WEBRTC_CODEC_OTHER          0
#define NGX_WEBRTC_CODEC_OPUS           1
#define NGX_WEBRTC_CODEC_VP8            2
#define NGX_WEBRTC_CODEC_VP9            3
#define NGX_WEBRTC_CODEC_H264           4
#define NGX_WEBRTC_CODEC_AV1            5
#define NGX_WEBRTC_CODEC_RTX            6


/* directions, as bits: SEND | RECV = sendrecv */
#define NGX_WEBRTC_DIR_INACTIVE         0
#define NGX_WEBRTC_DIR_SEND             1
#define NGX_WEBRTC_DIR_RECV             2
#define NGX_WEBRTC_DIR_SENDRECV         3


/* a=setup */
#define NGX_WEBRTC_SETUP_NONE           0
#define NGX_WEBRTC_SETUP_ACTPASS        1
#define NGX_WEBRTC_SETUP_ACTIVE         2
#define NGX_WEBRTC_SETUP_PASSIVE        3


/* header extensions we know by URI, most urn:ietf:params:rtp-hdrext: */
#define NGX_WEBRTC_EXT_OTHER            0
#define NGX_WEBRTC_EXT_MID              1   /* sdes:mid */
#define NGX_WEBRTC_EXT_RID              2   /* sdes:rtp-stream-id */
#define NGX_WEBRTC_EXT_RRID             3   /* sdes:repaired-rtp-stream-id */
#define NGX_WEBRTC_EXT_TWCC             4   /* draft-holmer transport-wide-cc */
#define NGX_WEBRTC_EXT_ABS_SEND_TIME    5
#define NGX_WEBRTC_EXT_AUDIO_LEVEL      6   /* ssrc-audio-level */
#define NGX_WEBRTC_EXT_MAX              7


typedef struct {
    u_char                      pt;
    u_char                      codec;       /* NGX_WEBRTC_CODEC_* */
    u_char                      channels;    /* 0 when not given */
    u_char                      apt;         /* rtx: associated pt */
    uint32_t                    clock_rate;
    ngx_str_t                   name;        /* as written: "H264" */
    ngx_str_t                   fmtp;        /* parameters after "a=fmtp:pt " */

    /* H.264 from fmtp; profile_level_id is 0 when absent */
    uint32_t                    profile_level_id;
    u_char                      packetization_mode;

    /* VP9 profile-id, AV1 profile; 0 when absent */
    u_char                      profile;

    unsigned                    fb_nack:1;
    unsigned                    fb_pli:1;    /* "nack pli" */
    unsigned                    fb_fir:1;    /* "ccm fir" */
    unsigned                    fb_remb:1;
    unsigned                    fb_twcc:1;   /* "transport-cc" */
} ngx_webrtc_sdp_codec_t;


typedef struct {
    u_char                      id;          /* 1..255 */
    u_char                      ext;         /* NGX_WEBRTC_EXT_* */
    ngx_str_t                   uri;
} ngx_webrtc_sdp_extmap_t;


typedef struct {
    ngx_str_t                   foundation;
    ngx_uint_t                  component;
    ngx_str_t                   transport;   /* "udp", "tcp" */
    uint32_t                    priority;
    ngx_str_t                   addr;        /* may be an mDNS .local name */
    in_port_t                   port;
    ngx_str_t                   type;        /* "host", "srflx", ... */
} ngx_webrtc_sdp_candidate_t;


typedef struct {
    ngx_uint_t                  type;        /* NGX_WEBRTC_MEDIA_* */
    ngx_str_t                   media;       /* "audio", "video", ... */
    ngx_str_t                   proto;       /* "UDP/TLS/RTP/SAVPF" */
    in_port_t                   port;
    ngx_str_t                   mid;
    ngx_str_t                   msid;        /* the whole a=msid value */
    ngx_uint_t                  direction;   /* NGX_WEBRTC_DIR_*, default
                                                sendrecv */
    ngx_str_t                   ice_ufrag;   /* media-level, else session */
    ngx_str_t                   ice_pwd;
    ngx_uint_t                  setup;

    unsigned                    rtcp_mux:1;
    unsigned                    rtcp_rsize:1;
    unsigned                    simulcast:1; /* a=simulcast:send ... */

    ngx_uint_t                  ncodecs;
    ngx_webrtc_sdp_codec_t      codecs[NGX_WEBRTC_SDP_MAX_CODECS];

    ngx_uint_t                  nextmaps;
    ngx_webrtc_sdp_extmap_t     extmaps[NGX_WEBRTC_SDP_MAX_EXTMAPS];

    /* a=ssrc ids in order of first appearance, and the FID group */
    ngx_uint_t                  nssrcs;
    uint32_t                    ssrcs[NGX_WEBRTC_SDP_MAX_SSRCS];
    ngx_str_t                   cname;
    uint32_t                    fid_primary;  /* 0 when no FID group */
    uint32_t                    fid_rtx;

    /* a=rid:<id> send, in order; a=simulcast lists the same ids */
    ngx_uint_t                  nrids;
    ngx_str_t                   rids[NGX_WEBRTC_SDP_MAX_RIDS];

    ngx_uint_t                  ncandidates;
    ngx_webrtc_sdp_candidate_t  candidates[NGX_WEBRTC_SDP_MAX_CANDIDATES];

    /* filled by ngx_webrtc_sdp_negotiate_recv() and _send(): indices into
       codecs[], -1 none */
    unsigned                    accepted:1;
    ngx_int_t                   codec;
    ngx_int_t                   rtx;
    u_char                      ext_id[NGX_WEBRTC_EXT_MAX]; /* 0 = none */

    /* filled by ngx_webrtc_sdp_negotiate_send(): the index into sources[]
       this section carries, -1 none */
    ngx_int_t                   source;
} ngx_webrtc_sdp_media_t;


typedef struct {
    ngx_str_t                   ice_ufrag;   /* of the first media section */
    ngx_str_t                   ice_pwd;
    ngx_uint_t                  setup;       /* of the first media section */
    unsigned                    has_fingerprint:1;
    unsigned                    bundle:1;    /* a=group:BUNDLE present */
    unsigned                    ice_lite:1;
    unsigned                    extmap_allow_mixed:1;
    u_char                      fingerprint[32];   /* sha-256, binary */

    ngx_str_t                   bundle_mids; /* value after "BUNDLE " */

    ngx_uint_t                  nmedia;
    ngx_webrtc_sdp_media_t      media[NGX_WEBRTC_SDP_MAX_MEDIA];
} ngx_webrtc_sdp_offer_t;


/* what a publisher sends on one track, to match a viewer's offer against */
typedef struct {
    ngx_uint_t                  type;        /* NGX_WEBRTC_MEDIA_* */
    u_char                      codec;       /* NGX_WEBRTC_CODEC_* */
    u_char                      channels;
    uint32_t                    clock_rate;
    uint32_t                    profile_level_id;    /* H.264, 0: none */
    u_char                      packetization_mode;  /* H.264 */
    u_char                      profile;     /* VP9 profile-id, AV1 profile */
} ngx_webrtc_sdp_source_t;


typedef struct {
    ngx_str_t                   addr;        /* printable IPv4 or IPv6 */
    in_port_t                   port;
} ngx_webrtc_sdp_local_candidate_t;


typedef struct {
    ngx_str_t                   ice_ufrag;
    ngx_str_t                   ice_pwd;
    ngx_str_t                   fingerprint; /* "AB:CD:..." sha-256 */
    uint64_t                    session_id;  /* o= line */
    ngx_uint_t                  direction;   /* NGX_WEBRTC_DIR_RECV for
                                                WHIP, _SEND for WHEP */
    ngx_uint_t                  ncandidates;
    ngx_webrtc_sdp_local_candidate_t  *candidates;

    /* sendonly answers: our SSRC and cname per media index */
    uint32_t                    ssrcs[NGX_WEBRTC_SDP_MAX_MEDIA];
    uint32_t                    rtx_ssrcs[NGX_WEBRTC_SDP_MAX_MEDIA];
    ngx_str_t                   cname;
    ngx_str_t                   msid_stream;
} ngx_webrtc_sdp_answer_conf_t;


/*
 * One media section of a peer's connection (group calls), as we describe
 * it in our offers and answers: every string must outlive the call to
 * ngx_webrtc_sdp_write_desc().
 */
typedef struct {
    ngx_str_t                   media;       /* "audio", "video" */
    ngx_str_t                   mid;
    ngx_uint_t                  direction;   /* ours: SEND, RECV, or
                                                INACTIVE */
    ngx_webrtc_sdp_codec_t      codec;
    ngx_webrtc_sdp_codec_t      rtx;         /* when has_rtx */
    u_char                      ext_id[NGX_WEBRTC_EXT_MAX];
    uint32_t                    ssrc;        /* SEND: ours */
    uint32_t                    rtx_ssrc;
    ngx_str_t                   msid_stream; /* SEND */
    ngx_str_t                   msid_track;
    unsigned                    has_rtx:1;
    unsigned                    rtcp_rsize:1;
} ngx_webrtc_sdp_section_t;


typedef struct {
    unsigned                    offer:1;     /* a=setup:actpass, else
                                                passive */
    unsigned                    extmap_allow_mixed:1;
    uint64_t                    session_id;
    uint64_t                    version;     /* o= line, +1 per offer */
    ngx_str_t                   ice_ufrag;
    ngx_str_t                   ice_pwd;
    ngx_str_t                   fingerprint;
    ngx_str_t                   cname;
    ngx_uint_t                  ncandidates;
    ngx_webrtc_sdp_local_candidate_t  *candidates;
    ngx_uint_t                  nsections;
    ngx_webrtc_sdp_section_t   *sections;
} ngx_webrtc_sdp_desc_t;


/*
 * Parses an offer (only offer->media[0 .. nmedia - 1] are set: the rest
 * is not even zeroed).  Returns NGX_OK, or NGX_ERROR with *err set to a short
 * static English reason ("no ice-ufrag", "bad m= line", ...) suitable for an
 * HTTP problem body.  Requires: v=0 first, ice-ufrag and ice-pwd, a sha-256
 * fingerprint (session or media level), at least one m= line.  Lines may end
 * in CRLF or LF.  Unknown attributes are ignored.  More media, extmaps,
 * ssrcs or rids than the limits above: NGX_ERROR.  Codecs and candidates
 * past their limits are dropped (Chromium offers 34 video payload types; a
 * host with many interfaces offers many candidates, which an ICE-lite
 * server does not use anyway).
 */
ngx_int_t ngx_webrtc_sdp_parse_offer(ngx_webrtc_sdp_offer_t *offer,
    u_char *p, size_t len, const char **err);

/*
 * Chooses per media section what we accept when we receive (WHIP).  For
 * each audio/video section with an RTP proto whose direction includes SEND:
 * the first offered codec we support (audio: Opus; video: VP8, VP9, H.264
 * with packetization-mode=1, whatever its profile-level-id, AV1), its RTX
 * (apt = chosen pt) if offered, and the ids of the known header extensions.
 * Sets media->accepted, ->codec, ->rtx, ->ext_id[].  Other sections are
 * left unaccepted (answered with port 0).  Returns NGX_OK when at least
 * one section was accepted, else NGX_ERROR with *err set.
 */
ngx_int_t ngx_webrtc_sdp_negotiate_recv(ngx_webrtc_sdp_offer_t *offer,
    const char **err);

/*
 * Chooses per media section what we send (WHEP).  For each audio/video
 * section with an RTP proto whose direction includes RECV (recvonly or
 * sendrecv), in order: the first source of the same type not given to an
 * earlier section, and the viewer's payload type that can carry it: the
 * same codec and clock rate; VP9 and AV1: the same profile; H.264: the same
 * packetization-mode, and the publisher's profile-level-id, else its
 * profile (profile_idc and constraint flags) at any level, else for a
 * baseline publisher any baseline.  Then its RTX if offered, and the viewer's
 * ids of the MID, abs-send-time and (audio) audio-level extensions: not
 * transport-cc, as we do no sender-side congestion control, nor an id
 * another accepted section gives to another of them (aiortc reads one id
 * map per bundle, and offers that).  Sets
 * media->accepted, ->codec, ->rtx, ->ext_id[], ->source.  A section with
 * no source left is rejected (source -1).  Returns NGX_OK when at least
 * one section was accepted; NGX_ERROR with *err set to a static reason
 * when the viewer cannot decode a source given to a section ("the viewer
 * offers no VP8", ...), or when nothing was accepted ("no media to send").
 */
ngx_int_t ngx_webrtc_sdp_negotiate_send(ngx_webrtc_sdp_offer_t *offer,
    ngx_webrtc_sdp_source_t *sources, ngx_uint_t nsources, const char **err);

/*
 * negotiate_send for one section and one source: the section's codec that
 * can carry the source, its RTX, the MID, abs-send-time and audio-level
 * ids.  NGX_ERROR with *err when the section cannot carry it.
 */
ngx_int_t ngx_webrtc_sdp_negotiate_media_send(ngx_webrtc_sdp_media_t *m,
    ngx_webrtc_sdp_source_t *src, const char **err);

/*
 * Writes a peer's whole description, bundled, ICE-lite, one host
 * candidate per d->candidates.  Returns its length, 0 when size is too
 * small.
 */
size_t ngx_webrtc_sdp_write_desc(u_char *buf, size_t size,
    ngx_webrtc_sdp_desc_t *d);

/*
 * Writes the answer into buf.  Returns the number of bytes written, or 0
 * when size is too small.  The answer: a=ice-lite, BUNDLE of accepted mids,
 * per accepted section: the chosen codec (+ its rtx) with rtcp-fb we support
 * (nack, nack pli, ccm fir, transport-cc, goog-remb only where offered), the
 * known extmaps with the offered ids, a=rtcp-mux, a=setup:passive, ice
 * credentials, fingerprint, one host candidate per conf candidate, the
 * direction (recvonly or sendonly), and for received simulcast: a=rid:X
 * recv per offered rid and a=simulcast:recv X;Y;Z.
 *
 * With conf->direction NGX_WEBRTC_DIR_SEND (after negotiate_send): a
 * sendonly answer with rtcp-fb nack, nack pli and ccm fir only, a=msid:
 * <msid_stream> <msid_stream>-<mid>, and, when conf->ssrcs[i] is set (i:
 * the index of the section in the offer), a=ssrc cname and msid lines for
 * it and, when an rtx was chosen and conf->rtx_ssrcs[i] is set, for the rtx
 * SSRC too with a=ssrc-group:FID.  No rid or simulcast.
 */
size_t ngx_webrtc_sdp_write_answer(u_char *buf, size_t size,
    ngx_webrtc_sdp_offer_t *offer, ngx_webrtc_sdp_answer_conf_t *conf);

/*
 * Parses an application/trickle-ice-sdpfrag body (RFC 8840): ice-ufrag,
 * ice-pwd, candidates (into offer->media[0] fields and offer's ice fields).
 */
ngx_int_t ngx_webrtc_sdp_parse_frag(ngx_webrtc_sdp_offer_t *frag,
    u_char *p, size_t len, const char **err);

const char *ngx_webrtc_sdp_codec_name(ngx_uint_t codec);


#endif /* _NGX_WEBRTC_SDP_H_INCLUDED_ */
