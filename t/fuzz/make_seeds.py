#!/usr/bin/python3
#
# Writes the seed corpora of the fuzz targets:
# t/fuzz/corpus/{sdp,rtp,rtcp,ws,stun,demux,frag,json,keyframe}.
#
#   /usr/bin/python3 t/fuzz/make_seeds.py [CORPUS_DIR]
#
# Standard library only.  The output is deterministic: running it again on
# an unchanged script rewrites the same bytes, so the committed files are
# the script's.  It writes the files it knows and leaves any other file in
# the corpus directories (a captured packet, a minimized finding) alone.
#
# sdp:  the real offers of t/data/sdp/, trickle-ice-sdpfrag bodies (RFC 8840)
#       and small offers for the edge cases of the parser and negotiation.
# rtp:  packets shaped like what Chromium, Firefox and OBS send: one-byte and
#       two-byte header extensions (mid, rid, transport-wide seq,
#       abs-send-time, audio level), CSRCs, padding, and payload starts of
#       VP8, VP9, H.264 (single NAL, STAP-A, FU-A), AV1 and Opus; plus
#       record streams for the target's receive-state reading of its input.
# rtcp: SR+SDES, RR, NACK, PLI, FIR, REMB, transport-cc feedback as
#       libwebrtc writes it, BYE, APP, XR, compounds and padding; plus a
#       record stream for the target's transport-cc reading of its input.
# ws:   what a browser sends on the signaling WebSocket (masked text
#       messages of JSON, pings, a close), fragments with control frames
#       between them, every length form, and each violation the reader
#       refuses; the first byte of each is how the target cuts the rest
#       into reads.
# stun: ICE connectivity checks shaped as Chromium, Firefox, libnice and
#       aioice (aiortc) send them, signed with the target's session
#       credentials, and the ones it must not answer; the first byte of
#       each says what the target fixes up (see fuzz_stun.c).
# demux: one datagram of each kind that shares the media port (RFC 7983).
# frag: trickle-ice-sdpfrag bodies (RFC 8840), the sdp ones and more.
# json: the signaling messages of docs/signaling.md, both ways, and the
#       shapes the wrapper refuses (too deep, duplicates, not an object).
# keyframe: the payloads of the rtp seeds, and more keyframe starts.

import hashlib
import hmac
import json
import os
import struct
import sys
import zlib


HERE = os.path.dirname(os.path.abspath(__file__))
SDP_DATA = os.path.join(HERE, "..", "data", "sdp")

FP = ("00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:"
      "10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F")

# header extension ids as Chromium 156 numbers them in its offers
EXT_AUDIO_LEVEL = 1
EXT_ABS_SEND_TIME = 2
EXT_TWCC = 3
EXT_MID = 4
EXT_RID = 10
EXT_RRID = 11


def filler(n, seed):
    """n bytes that look like compressed media, the same each run"""
    out = bytearray()
    x = seed * 2654435761 & 0xffffffff or 1
    while len(out) < n:
        x ^= x << 13 & 0xffffffff
        x ^= x >> 17
        x ^= x << 5 & 0xffffffff
        out.append(x & 0xff)
    return bytes(out)


# --- SDP ---------------------------------------------------------------

def sdp(*lines, eol="\r\n", final=True):
    text = eol.join(lines)
    return (text + eol if final else text).encode()


HEAD = ["v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
SESSION = ["a=group:BUNDLE 0 1", "a=extmap-allow-mixed",
           "a=msid-semantic: WMS stream"]
ICE = ["a=ice-ufrag:Fz0b", "a=ice-pwd:p4Ss6Kc7QZ2mEol3bVd0Jx1r",
       "a=ice-options:trickle", "a=fingerprint:sha-256 " + FP,
       "a=setup:actpass"]


def audio(mid="0", direction="sendonly", port=9):
    return ["m=audio %d UDP/TLS/RTP/SAVPF 111 63 0" % port,
            "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0"] + ICE + [
            "a=mid:" + mid,
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=extmap:3 http://www.ietf.org/id/"
            "draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=" + direction, "a=msid:stream audio0", "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc",
            "a=fmtp:111 minptime=10;useinbandfec=1",
            "a=rtpmap:63 red/48000/2", "a=fmtp:63 111/111",
            "a=rtpmap:0 PCMU/8000",
            "a=ssrc:1001 cname:fuzzcname", "a=ssrc:1001 msid:stream audio0"]


def video(mid="1", direction="sendonly", codecs=None, extra=()):
    codecs = codecs or [
        (96, "VP8/90000", None), (97, "rtx/90000", "apt=96"),
        (98, "VP9/90000", "profile-id=0"), (99, "rtx/90000", "apt=98"),
        (102, "H264/90000", "level-asymmetry-allowed=1;packetization-mode=1;"
                            "profile-level-id=42e01f"),
        (103, "rtx/90000", "apt=102"),
        (45, "AV1/90000", "level-idx=5;profile=0;tier=0"),
        (46, "rtx/90000", "apt=45")]
    lines = ["m=video 9 UDP/TLS/RTP/SAVPF " +
             " ".join(str(pt) for pt, _, _ in codecs),
             "c=IN IP4 0.0.0.0"] + ICE + [
             "a=mid:" + mid,
             "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/"
             "abs-send-time",
             "a=extmap:3 http://www.ietf.org/id/"
             "draft-holmer-rmcat-transport-wide-cc-extensions-01",
             "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
             "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
             "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:"
             "repaired-rtp-stream-id",
             "a=" + direction, "a=msid:stream video0", "a=rtcp-mux",
             "a=rtcp-rsize"]
    for pt, name, fmtp in codecs:
        lines.append("a=rtpmap:%d %s" % (pt, name))
        if not name.startswith("rtx"):
            lines += ["a=rtcp-fb:%d goog-remb" % pt,
                      "a=rtcp-fb:%d transport-cc" % pt,
                      "a=rtcp-fb:%d ccm fir" % pt,
                      "a=rtcp-fb:%d nack" % pt,
                      "a=rtcp-fb:%d nack pli" % pt]
        if fmtp:
            lines.append("a=fmtp:%d %s" % (pt, fmtp))
    lines += ["a=ssrc-group:FID 2001 2002",
              "a=ssrc:2001 cname:fuzzcname", "a=ssrc:2001 msid:stream v0",
              "a=ssrc:2002 cname:fuzzcname", "a=ssrc:2002 msid:stream v0"]
    return lines + list(extra)


CANDIDATES = [
    "a=candidate:1467250027 1 udp 2122260223 192.0.2.10 46243 typ host "
    "generation 0 network-id 1",
    "a=candidate:2440891536 1 udp 1686052607 198.51.100.7 46243 typ srflx "
    "raddr 192.0.2.10 rport 46243 generation 0 network-id 1",
    "a=candidate:435653019 1 tcp 1518280447 192.0.2.10 9 typ host "
    "tcptype active generation 0 network-id 1",
    "a=candidate:0 1 UDP 2122252543 4b2f0a87-5a0c-4bd4-a2c1-0bd7b3d1d2c4"
    ".local 52114 typ host",
    "a=candidate:1 2 UDP 2122252542 2001:db8::7 52115 typ host",
]


def sdp_seeds():
    seeds = {}

    for name in sorted(os.listdir(SDP_DATA)):
        if name.endswith(".sdp"):
            with open(os.path.join(SDP_DATA, name), "rb") as f:
                seeds[name] = f.read()

    # trickle-ice-sdpfrag bodies (RFC 8840), as WHIP clients PATCH them

    seeds["frag-chromium-trickle.sdpfrag"] = sdp(
        "a=ice-ufrag:Fz0b", "a=ice-pwd:p4Ss6Kc7QZ2mEol3bVd0Jx1r",
        "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0", CANDIDATES[0],
        CANDIDATES[1], CANDIDATES[2])
    seeds["frag-firefox-mdns.sdpfrag"] = sdp(
        "a=ice-ufrag:8fa4e3c1", "a=ice-pwd:1f5e2d0c9b8a7f6e5d4c3b2a19081726",
        "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0", CANDIDATES[3],
        CANDIDATES[4], "a=end-of-candidates")
    seeds["frag-candidates-first.sdpfrag"] = sdp(
        CANDIDATES[0], CANDIDATES[3], "a=ice-ufrag:Fz0b",
        "a=ice-pwd:p4Ss6Kc7QZ2mEol3bVd0Jx1r", "m=audio 9 RTP/AVP 0",
        "a=mid:0", CANDIDATES[1])
    seeds["frag-ice-restart.sdpfrag"] = sdp(
        "a=ice-options:trickle ice2", "a=ice-ufrag:R3st",
        "a=ice-pwd:newpassword0123456789abcd", "m=audio 9 RTP/AVP 0",
        "a=mid:0", "a=ice-ufrag:R3sM", "a=ice-pwd:mediapassword0123456789a")
    seeds["frag-end-of-candidates.sdpfrag"] = sdp(
        "a=ice-ufrag:Fz0b", "a=ice-pwd:p4Ss6Kc7QZ2mEol3bVd0Jx1r",
        "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0", "a=end-of-candidates",
        eol="\n")
    seeds["frag-two-sections.sdpfrag"] = sdp(
        "a=ice-ufrag:Fz0b", "a=ice-pwd:p4Ss6Kc7QZ2mEol3bVd0Jx1r",
        "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0", CANDIDATES[0],
        "m=video 9 UDP/TLS/RTP/SAVPF 0", "a=mid:1", CANDIDATES[4])

    # small offers: what the negotiation chooses, and what it refuses

    seeds["offer-minimal-audio-lf.sdp"] = sdp(
        "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0",
        "a=fingerprint:sha-256 " + FP, "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=ice-ufrag:ab", "a=ice-pwd:0123456789abcdefghijkl",
        "a=rtpmap:111 opus/48000/2", eol="\n", final=False)
    seeds["offer-chromium-shaped-all-codecs.sdp"] = sdp(
        *(HEAD + SESSION + audio() + video() + CANDIDATES[:2]))
    seeds["offer-h264-only-fmtp-first.sdp"] = sdp(
        *(HEAD + ["a=group:BUNDLE 0"] + video(mid="0", codecs=[
            (127, "H264/90000", "packetization-mode=0"),
            (125, "H264/90000", "profile-level-id=640c1f;packetization-mode=1"),
            (107, "rtx/90000", "apt=125"), (108, "rtx/90000", "apt=127")])))
    seeds["offer-av1-vp9-wildcard-fb.sdp"] = sdp(
        *(HEAD + ["a=group:BUNDLE v"] + ["m=video 9 UDP/TLS/RTP/SAVPF 41 98 99",
          "a=mid:v", "a=sendrecv", "a=rtcp-mux"] + ICE + [
          "a=fmtp:99 apt=98", "a=rtcp-fb:* nack", "a=rtcp-fb:* nack pli",
          "a=rtpmap:41 AV1X/90000", "a=rtpmap:98 VP9/90000",
          "a=rtpmap:99 RTX/90000",
          "a=extmap:7/sendonly urn:ietf:params:rtp-hdrext:sdes:mid",
          "a=extmap:200 http://www.ietf.org/id/"
          "draft-holmer-rmcat-transport-wide-cc-extensions-01"]))
    seeds["offer-simulcast-rids.sdp"] = sdp(
        *(HEAD + ["a=group:BUNDLE 0"] + video(mid="0", extra=[
            "a=rid:q send", "a=rid:h send", "a=rid:f send max-width=1280",
            "a=rid:x recv", "a=simulcast:send q;h;f"])))
    seeds["offer-datachannel-only.sdp"] = sdp(
        *(HEAD + ["a=group:BUNDLE 0",
          "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
          "c=IN IP4 0.0.0.0", "a=mid:0", "a=sctp-port:5000",
          "a=max-message-size:262144"] + ICE))
    seeds["offer-bundle-only-port0.sdp"] = sdp(
        *(HEAD + ["a=group:BUNDLE 0 1 2", "a=fingerprint:sha-256 " + FP,
                  "a=ice-ufrag:ab", "a=ice-pwd:0123456789abcdefghijkl",
                  "a=sendonly"] +
          ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0",
           "a=rtpmap:111 opus/48000/2",
           "m=video 0 UDP/TLS/RTP/SAVPF 96", "a=mid:1", "a=bundle-only",
           "a=rtpmap:96 VP8/90000",
           "m=video 0 UDP/TLS/RTP/SAVPF 96", "a=mid:2",
           "a=rtpmap:96 VP8/90000"]))
    seeds["offer-recvonly-whep.sdp"] = sdp(
        *(HEAD + SESSION + audio(direction="recvonly") +
          video(direction="recvonly")))
    seeds["offer-whep-three-videos.sdp"] = sdp(
        *(HEAD + ["a=group:BUNDLE a v1 v2 v3"] +
          audio(mid="a", direction="recvonly") +
          video(mid="v1", direction="recvonly", codecs=[
              (96, "VP8/90000", None),
              (102, "H264/90000", "packetization-mode=1;"
                                  "profile-level-id=42e01f"),
              (103, "rtx/90000", "apt=102"),
              (104, "H264/90000", "packetization-mode=1;"
                                  "profile-level-id=640c34"),
              (106, "H264/90000", "packetization-mode=1;"
                                  "profile-level-id=4d001f")]) +
          video(mid="v2", direction="sendrecv", codecs=[
              (35, "AV1/90000", "profile=1"), (45, "AV1/90000", None),
              (46, "rtx/90000", "apt=45")]) +
          video(mid="v3", direction="recvonly", codecs=[
              (98, "VP9/90000", "profile-id=0"),
              (100, "VP9/90000", "profile-id=2"),
              (101, "rtx/90000", "apt=100")])))
    seeds["offer-inactive-and-unknown.sdp"] = sdp(
        *(HEAD + ["a=fingerprint:sha-256 " + FP, "a=ice-lite",
                  "a=setup:active", "a=ice-ufrag:ab",
                  "a=ice-pwd:0123456789abcdefghijkl",
                  "m=audio 9/2 RTP/AVP 111 8", "a=inactive",
                  "a=rtpmap:111 opus/48000/2",
                  "m=text 9 RTP/AVP 98", "a=rtpmap:98 t140/1000",
                  "m=video 9 RTP/SAVPF 96", "a=mid:v", "a=sendonly",
                  "a=rtpmap:96 VP8/90000", "a=ssrc-group:SIM 1 2 3",
                  "a=ssrc-group:FID 1 4", "a=ssrc:1 cname:x"]))
    seeds["offer-whitespace.sdp"] = (
        b"v=0 \r\n\r\no=- 1 1 IN IP4 0.0.0.0\t\r\ns=-\nt=0 0\r\n"
        b"a=fingerprint:sha-256 " + FP.encode() + b" \t\r\n"
        b"m=video 9 UDP/TLS/RTP/SAVPF 96 96 97\r\n"
        b"a=ice-ufrag: ab \r\na=ice-pwd:\t0123456789abcdefghijkl\r\n"
        b"a=rtpmap:96  VP8/90000 \r\na=rtpmap:97 rtx/90000\r\n"
        b"a=fmtp:97 apt = 96 ; foo=bar\r\n\r\n\r\n")
    seeds["offer-nine-sections.sdp"] = sdp(
        *(HEAD + ["a=fingerprint:sha-256 " + FP, "a=ice-ufrag:ab",
                  "a=ice-pwd:0123456789abcdefghijkl"] +
          sum((["m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:%d" % i,
                "a=rtpmap:111 opus/48000/2"] for i in range(9)), [])))
    seeds["offer-bad-fingerprint.sdp"] = sdp(
        *(HEAD + ["a=fingerprint:sha-256 " + FP[:-1] + "G",
                  "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=ice-ufrag:ab",
                  "a=ice-pwd:0123456789abcdefghijkl"]))

    return seeds


# --- RTP ---------------------------------------------------------------

def one_byte_ext(elements, pad=0):
    """RFC 8285 4.2: 0xBEDE, elements of id (4 bits) and length - 1"""
    data = b"".join(bytes([i << 4 | (len(v) - 1)]) + v for i, v in elements)
    data += b"\0" * pad
    data += b"\0" * (-len(data) % 4)
    return 0xbede, data


def two_byte_ext(elements, pad=0):
    """RFC 8285 4.3: 0x100 + appbits, elements of id, length, data"""
    data = b"".join(bytes([i, len(v)]) + v for i, v in elements)
    data += b"\0" * pad
    data += b"\0" * (-len(data) % 4)
    return 0x1000, data


def rtp(pt, seq, ts, ssrc, payload, marker=0, csrcs=(), ext=None,
        padding=0):
    b0 = 0x80 | len(csrcs)
    if ext:
        b0 |= 0x10
    if padding:
        b0 |= 0x20
    out = struct.pack("!BBHII", b0, marker << 7 | pt, seq, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext:
        profile, data = ext
        out += struct.pack("!HH", profile, len(data) // 4) + data
    out += payload
    if padding:
        out += b"\0" * (padding - 1) + bytes([padding])
    return out


def abs_send_time(seconds):
    return struct.pack("!I", int(seconds * (1 << 18)) & 0xffffff)[1:]


def video_ext(twcc, mid=b"1", rid=None):
    elements = [(EXT_ABS_SEND_TIME, abs_send_time(12.5)),
                (EXT_TWCC, struct.pack("!H", twcc)), (EXT_MID, mid)]
    if rid:
        elements.append((EXT_RID, rid))
    return one_byte_ext(elements)


def vp8_descriptor(start, picture_id=0x1234, tl0=None):
    """RFC 7741 4.2: X R N S R PID, then I L T K, PictureID (15 bits)"""
    x = 0x80 | (0x10 if start else 0)
    ext = 0x80 | (0x40 if tl0 is not None else 0)
    out = bytes([x, ext, 0x80 | picture_id >> 8 & 0x7f, picture_id & 0xff])
    if tl0 is not None:
        out += bytes([tl0])
    return out


def vp8_key_header(width=640, height=480):
    """RFC 7741 4.3 / RFC 6386 9.1: frame tag P=0, start code, size"""
    size0 = 0x1234
    tag = size0 << 5 | 1 << 4 | 0  # show_frame, version 0, key frame
    return (struct.pack("<I", tag)[:3] + b"\x9d\x01\x2a" +
            struct.pack("<HH", width, height))


def vp8_inter_header():
    size0 = 0x0321
    return struct.pack("<I", size0 << 5 | 1 << 4 | 1)[:3]


SPS = bytes.fromhex("6742c01fda0280bfe5c044000003000400000300f03c60ca80")
PPS = bytes.fromhex("68ce3c80")
IDR = bytes([0x65]) + filler(300, 1)
SEI = bytes.fromhex("06050e") + filler(14, 9) + b"\x80"


def stap_a(*nals):
    return bytes([0x78]) + b"".join(struct.pack("!H", len(n)) + n
                                    for n in nals)


def fu_a(nal_header, start, end, data):
    indicator = nal_header & 0xe0 | 28
    header = (0x80 if start else 0) | (0x40 if end else 0) | nal_header & 0x1f
    return bytes([indicator, header]) + data


def vp9_descriptor(inter, start=True, end=False, ss=False):
    """RFC 9628 4.2: I P L F B E V Z, PictureID, scalability structure"""
    b = 0x80 | (0x40 if inter else 0) | (0x08 if start else 0)
    b |= (0x04 if end else 0) | (0x02 if ss else 0)
    out = bytes([b, 0x80 | 0x0b, 0xcd])
    if ss:
        # N_S = 0, Y, G; one layer 640x480; one picture group: T0, U0, R0
        out += bytes([0x18]) + struct.pack("!HH", 640, 480) + b"\x01\x00"
    return out


def av1_aggregation(z=0, y=0, w=1, n=0):
    """AV1 RTP 4.4: Z Y W W N - - -"""
    return bytes([z << 7 | y << 6 | w << 4 | n << 3])


def rtp_seeds():
    s = {}
    audio_ext = one_byte_ext([(EXT_AUDIO_LEVEL, b"\xa8"),
                              (EXT_ABS_SEND_TIME, abs_send_time(3.25)),
                              (EXT_TWCC, b"\x01\x2c"), (EXT_MID, b"0")])

    s["opus-chromium-ext.rtp"] = rtp(111, 17000, 960 * 50, 0x1a2b3c4d,
                                     b"\x78" + filler(80, 2), marker=1,
                                     ext=audio_ext)
    s["opus-obs-no-ext.rtp"] = rtp(111, 1, 960, 1111, b"\xfc" + filler(40, 3))

    # VP8
    s["vp8-keyframe.rtp"] = rtp(96, 3000, 90000, 0x55667788,
                                vp8_descriptor(True) + vp8_key_header() +
                                filler(200, 4), ext=video_ext(301))
    s["vp8-keyframe-tl0.rtp"] = rtp(96, 3001, 90000, 0x55667788,
                                    vp8_descriptor(True, 0x7fff, 3) +
                                    vp8_key_header(1280, 720) +
                                    filler(64, 5), ext=video_ext(302))
    s["vp8-keyframe-short-descriptor.rtp"] = rtp(
        96, 9, 0, 2222, b"\x10" + vp8_key_header() + filler(32, 6))
    s["vp8-interframe.rtp"] = rtp(96, 3010, 93000, 0x55667788,
                                  vp8_descriptor(True, 0x1235) +
                                  vp8_inter_header() + filler(120, 7),
                                  marker=1, ext=video_ext(311))
    s["vp8-continuation.rtp"] = rtp(96, 3002, 90000, 0x55667788,
                                    vp8_descriptor(False) + filler(1100, 8),
                                    ext=video_ext(303))

    # H.264
    s["h264-idr-single-nal.rtp"] = rtp(102, 500, 180000, 0x0bad0bad, IDR,
                                       marker=1, ext=video_ext(400))
    s["h264-sps-single-nal.rtp"] = rtp(102, 499, 180000, 0x0bad0bad, SPS)
    s["h264-non-idr.rtp"] = rtp(102, 520, 183000, 0x0bad0bad,
                                bytes([0x41]) + filler(90, 10), marker=1)
    s["h264-stap-a-sps-pps-idr.rtp"] = rtp(102, 501, 180000, 0x0bad0bad,
                                           stap_a(SPS, PPS, IDR[:120]),
                                           ext=video_ext(401))
    s["h264-stap-a-sei-non-idr.rtp"] = rtp(102, 530, 186000, 0x0bad0bad,
                                           stap_a(SEI, b"\x41" +
                                                  filler(40, 11)))
    s["h264-fu-a-start-idr.rtp"] = rtp(102, 502, 180000, 0x0bad0bad,
                                       fu_a(0x65, True, False,
                                            filler(1000, 12)),
                                       ext=video_ext(402))
    s["h264-fu-a-middle.rtp"] = rtp(102, 503, 180000, 0x0bad0bad,
                                    fu_a(0x65, False, False,
                                         filler(1000, 13)))
    s["h264-fu-a-end.rtp"] = rtp(102, 504, 180000, 0x0bad0bad,
                                 fu_a(0x65, False, True, filler(300, 14)),
                                 marker=1)

    # VP9, AV1
    s["vp9-keyframe-start-ss.rtp"] = rtp(98, 7000, 270000, 0x99990001,
                                         vp9_descriptor(False, ss=True) +
                                         b"\x82\x49\x83\x42\x00" +
                                         filler(150, 15),
                                         ext=video_ext(500))
    s["vp9-interframe.rtp"] = rtp(98, 7005, 273000, 0x99990001,
                                  vp9_descriptor(True, end=True) +
                                  filler(90, 16), marker=1)
    s["av1-keyframe-start.rtp"] = rtp(45, 8000, 360000, 0xa1a1a1a1,
                                      av1_aggregation(w=2, n=1) +
                                      bytes([11]) +  # OBU element length
                                      b"\x08\x00\x00\x00\x42\xab\xbf\xc3"
                                      b"\x70\x0b\xe0" +
                                      b"\x30" + filler(180, 17),
                                      ext=video_ext(600))
    s["av1-interframe.rtp"] = rtp(45, 8010, 363000, 0xa1a1a1a1,
                                  av1_aggregation(z=1, w=1) +
                                  filler(100, 18), marker=1)

    # header shapes
    s["rtx-padding-only-probe.rtp"] = rtp(97, 40000, 90000, 0x55667789, b"",
                                          ext=video_ext(700), padding=224)
    s["rtx-retransmission.rtp"] = rtp(97, 40001, 90000, 0x55667789,
                                      struct.pack("!H", 3000) +
                                      vp8_descriptor(True) +
                                      vp8_key_header() + filler(50, 19),
                                      ext=video_ext(701))
    s["csrcs-and-padding.rtp"] = rtp(111, 12, 1920, 7, b"\x78" +
                                     filler(30, 20),
                                     csrcs=(0x11111111, 0x22222222),
                                     padding=4)
    s["two-byte-ext.rtp"] = rtp(96, 100, 9000, 0xfeedface,
                                vp8_descriptor(True) + vp8_key_header() +
                                filler(40, 21),
                                ext=two_byte_ext([
                                    (EXT_MID, b"1"), (EXT_TWCC, b"\x00\x07"),
                                    (15, b""), (EXT_ABS_SEND_TIME,
                                                abs_send_time(1.0)),
                                    (200, filler(20, 22))], pad=3))
    s["one-byte-ext-padding-id15.rtp"] = rtp(
        96, 101, 9000, 0xfeedface, b"\x90\x80\x80\x01" + filler(20, 23),
        ext=(0xbede, bytes([EXT_MID << 4, ord("1"), 0, 0,
                            EXT_TWCC << 4 | 1, 0, 8, 0,
                            0xf0, EXT_RID << 4, ord("h"), 0])))
    s["simulcast-rid.rtp"] = rtp(96, 200, 18000, 0x51000001,
                                 vp8_descriptor(True) + vp8_key_header(320,
                                                                       180) +
                                 filler(60, 24),
                                 ext=video_ext(800, rid=b"q"))
    s["rrid-rtx.rtp"] = rtp(97, 201, 18000, 0x51000002,
                            b"\x00\xc8" + filler(60, 25),
                            ext=one_byte_ext([(EXT_MID, b"1"),
                                              (EXT_RID, b"q"),
                                              (EXT_RRID, b"q")]))
    s["header-only.rtp"] = rtp(0, 0, 0, 0, b"")

    # record streams for the receive state (4-byte records after 2 bytes:
    # op, a, b, dt; op & 3: 0/1 seq + (int8) a, 2 absolute a b, 3 nacks)

    def recv(first, records, rate48k=False):
        head = struct.pack("!H", first)
        head = bytes([head[0] & 0xfe | (1 if rate48k else 0), head[1]])
        return head + b"".join(bytes(r) for r in records)

    nack = lambda rtt, mx: (3, rtt, mx, 5)
    s["recv-gaps-nacks.bin"] = recv(1000, [
        (0, 1, 0, 20), (0, 1, 3, 20), (0, 5, 0, 20), nack(25, 10),
        (0, 2, 0, 20), nack(25, 10), (0, 0xfd, 0, 5), (0, 1, 0, 20),
        (0, 40, 0, 5), nack(0, 79), nack(0, 79), (0, 0xe0, 0, 1),
        (4, 0, 0, 100), nack(100, 3), nack(100, 3), nack(100, 3),
        nack(0, 79), (0, 1, 0, 20)])
    s["recv-wrap.bin"] = recv(65530, [
        (0, 1, 0, 20)] * 3 + [(0, 7, 2, 20), nack(10, 64), (0, 0xfc, 0, 1),
        (0, 3, 0, 20), nack(10, 64)], rate48k=True)
    s["recv-window.bin"] = recv(20000, [
        (2, 0x4e, 0x20, 10), (2, 0x50, 0x20, 10), nack(0, 79),
        (4, 0, 0, 10), (2, 0x52, 0x21, 10), (2, 0x4e, 0x30, 10),
        (2, 0x10, 0x00, 10), (2, 0x10, 0x00, 10), nack(0, 1)])

    return s


# --- RTCP --------------------------------------------------------------

def rtcp(pt, count, body, padding=0):
    """
    RFC 3550 6.4.1: the length in words minus one; without padding the
    body is zero-filled to 32 bits, with it the P bit is set and padding
    bytes (the last counting them all) bring it to 32 bits
    """
    if padding:
        assert (len(body) + padding) % 4 == 0
        body += b"\0" * (padding - 1) + bytes([padding])
    else:
        body += b"\0" * (-len(body) % 4)
    b0 = 0x80 | count | (0x20 if padding else 0)
    return struct.pack("!BBH", b0, pt, len(body) // 4) + body


def report_block(ssrc, fraction, lost, ext_max, jitter, lsr, dlsr):
    return struct.pack("!IIIIII", ssrc, fraction << 24 | lost & 0xffffff,
                       ext_max, jitter, lsr, dlsr)


def sdes(ssrc, cname, *more):
    items = bytes([1, len(cname)]) + cname
    for t, v in more:
        items += bytes([t, len(v)]) + v
    chunk = struct.pack("!I", ssrc) + items + b"\0"
    chunk += b"\0" * (-len(chunk) % 4)
    return rtcp(202, 1, chunk)


def sr(ssrc, ntp, ts, packets, octets, blocks=()):
    body = struct.pack("!IQIII", ssrc, ntp, ts, packets, octets)
    return rtcp(200, len(blocks), body + b"".join(blocks))


def rr(ssrc, blocks=()):
    return rtcp(201, len(blocks), struct.pack("!I", ssrc) + b"".join(blocks))


def nack(sender, media, pairs):
    return rtcp(205, 1, struct.pack("!II", sender, media) +
                b"".join(struct.pack("!HH", p, b) for p, b in pairs))


def pli(sender, media):
    return rtcp(206, 1, struct.pack("!II", sender, media))


def fir(sender, media, seq):
    return rtcp(206, 4, struct.pack("!IIIB3x", sender, 0, media, seq))


def remb(sender, bitrate, ssrcs):
    exp = 0
    while bitrate >> exp > 0x3ffff:
        exp += 1
    return rtcp(206, 15, struct.pack("!II4sB", sender, 0, b"REMB",
                                     len(ssrcs)) +
                struct.pack("!I", exp << 18 | bitrate >> exp)[1:] +
                b"".join(struct.pack("!I", s) for s in ssrcs))


def twcc(sender, media, base, fb_count, ref_us, arrivals, chunks):
    """
    transport-cc feedback: arrivals is a list of times in us, None for a
    lost packet; chunks says how libwebrtc would group the statuses:
    ("run", n), ("vec2", n) or ("vec1", n), consuming the statuses in order
    """
    ref = ref_us // 64000
    last = ref * 256
    statuses, deltas = [], b""
    for a in arrivals:
        if a is None:
            statuses.append(0)
            continue
        ticks = a // 250
        d = ticks - last
        last = ticks
        if 0 <= d <= 255:
            statuses.append(1)
            deltas += bytes([d])
        else:
            statuses.append(2)
            deltas += struct.pack("!h", d)
    out, i = b"", 0
    for kind, n in chunks:
        st = statuses[i:i + n]
        i += n
        if kind == "run":
            out += struct.pack("!H", st[0] << 13 | n)
        elif kind == "vec2":
            v = 0xc000
            for k, x in enumerate(st):
                v |= x << 2 * (6 - k)
            out += struct.pack("!H", v)
        else:
            v = 0x8000
            for k, x in enumerate(st):
                v |= x << 13 - k
            out += struct.pack("!H", v)
    assert i == len(statuses)
    body = struct.pack("!IIHHI", sender, media, base, len(arrivals),
                       (ref & 0xffffff) << 8 | fb_count) + out + deltas
    return rtcp(205, 15, body, padding=-len(body) % 4)


def rtcp_seeds():
    s = {}
    me, peer = 0x5e9de501, 0x3ed1a001

    s["sr-sdes.rtcp"] = (sr(peer, 0xe9b3c2d1_80000000, 1234567, 500, 420000) +
                         sdes(peer, b"fuzzcname0123456"))
    s["sr-block-sdes-chromium.rtcp"] = (
        sr(peer, 0xe9b3c2d1_4189374b, 90000 * 7, 700, 812345,
           [report_block(me, 3, 12, 0x1_0010, 45, 0xc2d18000, 6554)]) +
        sdes(peer, b"Lx0aGkOtSrqCZ2yd"))
    s["rr-sdes.rtcp"] = (rr(me, [report_block(peer, 25, 3, 70123, 120,
                                              0xb3c2d180, 32768)]) +
                         sdes(me, b"server"))
    s["rr-empty.rtcp"] = rr(me)
    s["nack-pairs.rtcp"] = nack(me, peer, [(1000, 0x0005), (1020, 0xffff),
                                           (65530, 0x8001)])
    s["rr-nack-compound.rtcp"] = (rr(me, [report_block(peer, 0, 0, 3001, 8,
                                                       0, 0)]) +
                                  nack(me, peer, [(2999, 0)]))
    s["pli.rtcp"] = pli(me, peer)
    s["fir.rtcp"] = fir(me, peer, 7)
    s["remb.rtcp"] = remb(me, 2500000, [peer])
    s["rr-remb-chromium-receiver.rtcp"] = (rr(me) +
                                           remb(me, 312500000, [peer, 77]))

    t0 = 1234 * 64000 + 5000
    s["twcc-run-length.rtcp"] = twcc(me, peer, 100, 0, t0,
                                     [t0 + 5000 * k for k in range(20)],
                                     [("run", 20)])
    s["twcc-vec2-lost-large.rtcp"] = twcc(
        me, peer, 65530, 1, t0,
        [t0, None, t0 + 100000, t0 + 90000, None, t0 + 120000, t0 + 121000,
         t0 + 122000, None],
        [("vec2", 7), ("vec2", 2)])
    s["twcc-vec1-and-run.rtcp"] = twcc(
        me, peer, 4000, 200, t0,
        [t0 + 1000 * k if k % 3 else None for k in range(14)] + [None] * 30,
        [("vec1", 14), ("run", 30)])
    s["rr-twcc-compound.rtcp"] = rr(me) + twcc(me, peer, 7, 9, t0,
                                               [t0, t0 + 250, t0 + 500],
                                               [("vec2", 3)])
    s["bye-reason.rtcp"] = rtcp(203, 1, struct.pack("!I", peer) +
                                bytes([6]) + b"leave!")
    s["app.rtcp"] = rtcp(204, 3, struct.pack("!I4s", peer, b"ngxw") +
                         b"payload!")
    s["xr-rrtr.rtcp"] = rtcp(207, 0, struct.pack("!IBBHQ", me, 4, 0, 2,
                                                 0xe9b3c2d1_80000000))
    s["compound-padded.rtcp"] = (sr(peer, 1, 2, 3, 4) + sdes(peer, b"c") +
                                 rtcp(203, 1, struct.pack("!I", peer),
                                      padding=4))
    s["sdes-items.rtcp"] = sdes(peer, b"cname", (2, b"name"), (6, b"tool"),
                                (8, b"\x05prefix"))

    # a record stream for the transport-cc recorder and writer: 4-byte
    # records op a b c; op >= 0xc0 writes into a buffer of (a << 8 | b)
    # bytes; otherwise an arrival, seq + (int8) a or a << 8 | b when
    # op & 0x40, after c * 250 us, or c * 65.536 ms when op & 0x20

    rec = [(0x40, 0x10, 0x00, 8)]
    rec += [(0x00, 1, 0, 20)] * 30
    rec += [(0xc0, 0x05, 0xdc, 0)]
    rec += [(0x00, 2, 0, 20), (0x00, 0xff, 0, 4), (0x00, 3, 0, 0),
            (0x20, 1, 0, 200), (0x10, 1, 0, 0), (0x00, 1, 0, 40),
            (0xc0, 0x00, 0x18, 0), (0xc0, 0x00, 0x30, 0),
            (0x40, 0x18, 0x00, 3), (0x00, 1, 0, 4), (0xc0, 0x05, 0xdc, 0)]
    s["twcc-records.bin"] = bytes([7, 0, 0, 0]) + b"".join(
        bytes(r) for r in rec)

    return s


# --- WebSocket -----------------------------------------------------------

WS_CONT, WS_TEXT, WS_BINARY = 0x0, 0x1, 0x2
WS_CLOSE, WS_PING, WS_PONG = 0x8, 0x9, 0xa

# how fuzz_ws.c cuts the input into reads, by its first byte (it also
# reads each input whole)
SPLIT_BYTES = 0


def split_random(n):
    """reads of 1 to n + 1 bytes, 1 <= n <= 127"""
    assert 1 <= n <= 127
    return n


def split_fixed(n):
    """reads of n bytes, 1 <= n <= 128"""
    assert 1 <= n <= 128
    return 127 + n


def ws_frame(op, payload=b"", fin=True, rsv=0, form=None, key=None,
             masked=True, length=None):
    """a client frame; form forces the 16 or 64-bit length; length lies"""
    n = len(payload) if length is None else length
    out = bytes([(0x80 if fin else 0) | rsv << 4 | op])
    m = 0x80 if masked else 0
    if form == 64 or (form is None and n > 0xffff):
        out += bytes([m | 127]) + struct.pack("!Q", n)
    elif form == 16 or (form is None and n > 125):
        out += bytes([m | 126]) + struct.pack("!H", n)
    else:
        out += bytes([m | n])
    if not masked:
        return out + payload
    key = key or filler(4, len(payload) + op)
    return out + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_close(code, reason=b""):
    return ws_frame(WS_CLOSE, struct.pack("!H", code) + reason)


def ws_seeds():
    s = {}

    def text(t, **kw):
        return ws_frame(WS_TEXT, t.encode(), **kw)

    # RFC 6455 5.7's masked "Hello", and its fragmented form
    s["rfc-hello.ws"] = bytes([split_random(3)]) + bytes.fromhex(
        "818537fa213d7f9f4d5158")
    s["rfc-hello-fragments.ws"] = bytes([SPLIT_BYTES]) + (
        ws_frame(WS_TEXT, b"Hel", fin=False, key=b"\x37\xfa\x21\x3d") +
        ws_frame(WS_CONT, b"lo", key=b"\x37\xfa\x21\x3d"))

    # a signaling session as a browser talks it (docs/signaling.md)
    offer = ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
             "s=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
             "a=candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host\r\n" *
             6)
    s["session.ws"] = bytes([split_fixed(100)]) + b"".join([
        text('{"type":"join","room":"standup","name":"Alice",'
             '"token":"demo"}'),
        text('{"type":"offer","sdp":%s,"tracks":{"0":"microphone",'
             '"1":"camera"}}' % json.dumps(offer)),
        text('{"type":"candidate","candidate":"candidate:1 1 udp '
             '2122260223 192.0.2.7 50000 typ host","mid":"0"}'),
        ws_frame(WS_PONG, b"\x00\x00\x01\x8c"),
        text('{"type":"state","audio":false,"video":true}'),
        text('{"type":"chat","text":"h\u00e9llo \u2603 \U0001f600"}'),
        text('{"type":"leave"}'),
        ws_close(1000)])

    # fragments with control frames between them, and empty ones
    s["fragments-ping.ws"] = bytes([split_random(7)]) + b"".join([
        text('{"type":"chat",', fin=False),
        ws_frame(WS_PING, b"are you there?"),
        ws_frame(WS_CONT, b"", fin=False),
        ws_frame(WS_PONG, b""),
        ws_frame(WS_CONT, b'"text":"split"}'),
        ws_frame(WS_BINARY, filler(40, 1), fin=False),
        ws_frame(WS_CONT, filler(40, 2), fin=False),
        ws_frame(WS_CLOSE, b""),
        ws_frame(WS_CONT, filler(40, 3))])

    # a code point split across fragments and reads
    s["utf8-split.ws"] = bytes([SPLIT_BYTES]) + b"".join([
        ws_frame(WS_TEXT, "\u03ba\u1f79".encode()[:3], fin=False),
        ws_frame(WS_PING, b"\xff"),
        ws_frame(WS_CONT, "\u03ba\u1f79".encode()[3:] + b"\xf4", fin=False),
        ws_frame(WS_CONT, b"\x8f\xbf\xbf")])

    # every length form, the longer ones used for short payloads too
    s["lengths.ws"] = bytes([split_random(100)]) + b"".join([
        ws_frame(WS_BINARY, b""),
        ws_frame(WS_BINARY, filler(125, 4)),
        ws_frame(WS_BINARY, filler(126, 5)),
        ws_frame(WS_BINARY, filler(3000, 6)),
        ws_frame(WS_TEXT, b"sixteen", form=16),
        ws_frame(WS_TEXT, b"sixty-four", form=64),
        ws_frame(WS_PING, filler(125, 7))])
    s["length-64-full.ws"] = bytes([split_fixed(128)]) + ws_frame(
        WS_BINARY, filler(4096, 8), form=64)

    # the size limit (4096): at it over two fragments, then one over
    s["limit.ws"] = bytes([split_fixed(1)]) + b"".join([
        ws_frame(WS_BINARY, filler(4000, 9), fin=False),
        ws_frame(WS_CONT, filler(96, 10)),
        ws_frame(WS_TEXT, b"x" * 4000, fin=False),
        ws_frame(WS_CONT, b"x" * 97)])
    s["too-big-header.ws"] = bytes([split_random(2)]) + ws_frame(
        WS_BINARY, length=1 << 40)

    # close frames: code and reason, none, one byte, bad code, bad reason
    s["close-reason.ws"] = bytes([split_random(5)]) + ws_close(
        4001, "r\u00e9union termin\u00e9e".encode())
    s["close-empty.ws"] = bytes([SPLIT_BYTES]) + ws_frame(WS_CLOSE)
    s["close-one-byte.ws"] = bytes([split_random(1)]) + ws_frame(
        WS_CLOSE, b"\x03")
    s["close-bad-code.ws"] = bytes([split_random(9)]) + ws_close(1005)
    s["close-bad-reason.ws"] = bytes([split_random(9)]) + ws_close(
        1000, b"\xc0\xaf")

    # violations: text not UTF-8, unmasked, reserved bits and opcodes,
    # a long ping, an orphan continuation, a message inside a message,
    # a length with its top bit set
    s["bad-utf8.ws"] = bytes([split_random(4)]) + text("ok") + ws_frame(
        WS_TEXT, b"surrogate \xed\xa0\x80")
    s["bad-utf8-end.ws"] = bytes([split_random(4)]) + ws_frame(
        WS_TEXT, b"cut \xe2\x82")
    s["unmasked.ws"] = bytes([split_random(1)]) + ws_frame(
        WS_TEXT, b"server?", masked=False)
    s["rsv.ws"] = bytes([split_random(3)]) + ws_frame(WS_TEXT, b"deflated?",
                                                      rsv=4)
    s["opcode.ws"] = bytes([split_random(3)]) + ws_frame(0x3, b"?")
    s["ping-long.ws"] = bytes([split_random(3)]) + ws_frame(
        WS_PING, filler(126, 11))
    s["ping-fragmented.ws"] = bytes([split_random(3)]) + ws_frame(
        WS_PING, b"a", fin=False)
    s["orphan-cont.ws"] = bytes([split_random(3)]) + ws_frame(WS_CONT, b"a")
    s["nested.ws"] = bytes([split_random(3)]) + ws_frame(
        WS_TEXT, b"a", fin=False) + ws_frame(WS_BINARY, b"b")
    s["length-top-bit.ws"] = bytes([split_random(3)]) + ws_frame(
        WS_BINARY, length=1 << 63)

    return s


# --- STUN ----------------------------------------------------------------

STUN_COOKIE = 0x2112a442

# the sessions fuzz_stun.c knows: our ufrag, theirs, our password
STUN_SESSION = (b"Abcd1234", b"Fz0b", b"p4Ss6Kc7QZ2mEol3bVd0Jx1rAbCdEfGh")
STUN_SESSION_LONG = (b"ZZzz9999", b"0123456789abcdef" * 4,
                     b"qwertyuiopasdfghjklzxcvbnm012345")

A_USERNAME, A_MI, A_ERROR, A_PRIORITY, A_USE_CAND = 6, 8, 9, 0x24, 0x25
A_FP, A_CONTROLLED, A_CONTROLLING = 0x8028, 0x8029, 0x802a
A_GOOG_NETWORK_INFO = 0xc057

# fuzz_stun.c's first byte
STUN_SIGN, STUN_SEAL, STUN_IPV6 = 1, 2, 4


def stun_tie(i):
    """our tie-breaker: 0, 1, 2^63, 2^64 - 1"""
    return i << 3


def stun_attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def stun(mtype, attrs, tid, key=None, fingerprint=True, bad_mi=False):
    """
    RFC 5389: the header, attributes, then MESSAGE-INTEGRITY (HMAC-SHA1
    with the length up to it) and FINGERPRINT (CRC-32 ^ 0x5354554e)
    """
    body = b"".join(stun_attr(t, v) for t, v in attrs)
    head = lambda n: struct.pack("!HHI", mtype, n, STUN_COOKIE) + tid
    if key is not None:
        mac = hmac.new(key, head(len(body) + 24) + body,
                       hashlib.sha1).digest()
        if bad_mi:
            mac = bytes([mac[0] ^ 1]) + mac[1:]
        body += stun_attr(A_MI, mac)
    if fingerprint:
        crc = zlib.crc32(head(len(body) + 8) + body) ^ 0x5354554e
        body += stun_attr(A_FP, struct.pack("!I", crc))
    return head(len(body)) + body


def stun_user(session):
    return session[0] + b":" + session[1]


def stun_seeds():
    s = {}
    ses = STUN_SESSION
    key = ses[2]
    user = stun_user(ses)

    def tid(n):
        return filler(12, 100 + n)

    # Chromium: GOOG-NETWORK-INFO, ICE-CONTROLLING, (USE-CANDIDATE),
    # PRIORITY; the same request refreshes consent (RFC 7675)
    chromium = [(A_USERNAME, user),
                (A_GOOG_NETWORK_INFO, struct.pack("!HH", 1, 10)),
                (A_CONTROLLING, struct.pack("!Q", 0x1b2c3d4e5f607182)),
                (A_PRIORITY, struct.pack("!I", 1853824767))]
    s["chromium-check.stun"] = bytes([0]) + stun(0x0001, chromium, tid(1),
                                                 key)
    s["chromium-nominate.stun"] = bytes([0]) + stun(
        0x0001, chromium[:3] + [(A_USE_CAND, b"")] + chromium[3:], tid(2),
        key)

    # Firefox (nICEr): PRIORITY, USE-CANDIDATE, ICE-CONTROLLING
    s["firefox-nominate.stun"] = bytes([STUN_IPV6]) + stun(
        0x0001, [(A_USERNAME, user),
                 (A_PRIORITY, struct.pack("!I", 1853817087)),
                 (A_USE_CAND, b""),
                 (A_CONTROLLING, struct.pack("!Q", 0x0a0b0c0d0e0f1011))],
        tid(3), key)

    # libnice (GStreamer webrtcbin): PRIORITY, USE-CANDIDATE, the role,
    # then USERNAME, as stun_usage_ice_conncheck_create() appends them
    s["libnice-check.stun"] = bytes([0]) + stun(
        0x0001, [(A_PRIORITY, struct.pack("!I", 1862270975)),
                 (A_USE_CAND, b""),
                 (A_CONTROLLING, struct.pack("!Q", 0x7766554433221100)),
                 (A_USERNAME, user)], tid(4), key)

    # aioice (aiortc, the e2e tests' client)
    s["aioice-check.stun"] = bytes([0]) + stun(
        0x0001, [(A_USERNAME, user),
                 (A_PRIORITY, struct.pack("!I", 1853817087)),
                 (A_CONTROLLING, struct.pack("!Q", 0x5e5e5e5e5e5e5e5e)),
                 (A_USE_CAND, b"")], tid(5), key)

    # the longest USERNAME a session has, from IPv6: the longest reply
    s["long-remote-ufrag-ipv6.stun"] = bytes([STUN_IPV6]) + stun(
        0x0001, [(A_USERNAME, stun_user(STUN_SESSION_LONG)),
                 (A_PRIORITY, struct.pack("!I", 1)),
                 (A_CONTROLLING, struct.pack("!Q", 1))], tid(6),
        STUN_SESSION_LONG[2])

    # role conflicts (RFC 8445 7.3.1.1): a peer controlled too; it wins
    # (487) when its tie-breaker is larger, else we switch
    controlled = [(A_USERNAME, user), (A_PRIORITY, struct.pack("!I", 7)),
                  (A_CONTROLLED, struct.pack("!Q", 0x8000000000000000))]
    s["role-conflict-487.stun"] = bytes([stun_tie(1)]) + stun(
        0x0001, controlled, tid(7), key)
    s["role-conflict-switch.stun"] = bytes([stun_tie(3)]) + stun(
        0x0001, controlled, tid(8), key)

    # signed or sealed by the target
    s["sign-and-seal.stun"] = bytes([STUN_SIGN | STUN_SEAL]) + stun(
        0x0001, chromium, tid(9), key, bad_mi=True)

    # what gets no reply: a wrong key, unknown ufrags, no colon, no
    # FINGERPRINT, a bad one, no cookie, an unknown required attribute,
    # an indication, a response, another method, MESSAGE-INTEGRITY first
    s["bad-mi.stun"] = bytes([0]) + stun(0x0001, chromium, tid(10), key,
                                         bad_mi=True)
    s["unknown-ufrag.stun"] = bytes([STUN_SIGN | STUN_SEAL]) + stun(
        0x0001, [(A_USERNAME, b"Abcd1235:Fz0b")], tid(11), key)
    s["wrong-remote-ufrag.stun"] = bytes([STUN_SIGN | STUN_SEAL]) + stun(
        0x0001, [(A_USERNAME, b"Abcd1234:Fz0c")], tid(12), key)
    s["username-no-colon.stun"] = bytes([STUN_SIGN | STUN_SEAL]) + stun(
        0x0001, [(A_USERNAME, b"Abcd1234Fz0b")], tid(13), key)
    s["no-fingerprint.stun"] = bytes([STUN_SIGN]) + stun(
        0x0001, chromium, tid(14), key, fingerprint=False)
    good = stun(0x0001, chromium, tid(15), key)
    s["bad-fingerprint.stun"] = bytes([0]) + good[:-1] + bytes([good[-1] ^
                                                               1])
    s["no-cookie-rfc3489.stun"] = bytes([0]) + struct.pack(
        "!HH", 0x0001, 0) + filler(16, 16)
    s["unknown-required-attr.stun"] = bytes([0]) + stun(
        0x0001, chromium + [(0x0003, b"\0\0\0\x06")], tid(17), key)
    s["binding-indication.stun"] = bytes([0]) + stun(
        0x0011, [(A_USERNAME, user)], tid(18), key)
    s["binding-response.stun"] = bytes([0]) + stun(
        0x0101, [(0x0020, struct.pack("!HH", 1, 50000 ^ 0x2112) +
                  struct.pack("!I", 0xc0000207 ^ STUN_COOKIE))],
        tid(19), key)
    s["allocate-request.stun"] = bytes([0]) + stun(
        0x0003, [(A_USERNAME, user)], tid(20), key)
    s["attribute-after-mi.stun"] = bytes([STUN_SIGN | STUN_SEAL]) + stun(
        0x0001, [(A_USERNAME, user), (A_MI, bytes(20)),
                 (A_PRIORITY, b"\0\0\0\1"), (A_FP, bytes(4))], tid(21),
        fingerprint=False)
    s["header-only.stun"] = bytes([0]) + struct.pack(
        "!HHI", 0x0001, 0, STUN_COOKIE) + tid(22)

    return s


# --- datagrams sharing the media port --------------------------------------

def demux_seeds(rtp_s, rtcp_s, stun_s):
    s = {}
    s["stun-chromium-check.bin"] = stun_s["chromium-check.stun"][1:]
    s["rtp-vp8-keyframe.bin"] = rtp_s["vp8-keyframe.rtp"]
    s["rtp-marker-pt-72.bin"] = rtp(72, 1, 2, 3, b"\x00", marker=1)
    s["rtcp-sr-sdes.bin"] = rtcp_s["sr-sdes.rtcp"]
    s["rtcp-rr-remb.bin"] = rtcp_s["rr-remb-chromium-receiver.rtcp"]
    # DTLS 1.2 ClientHello record header and a handshake start
    s["dtls-client-hello.bin"] = (bytes([22, 0xfe, 0xff, 0, 0]) +
                                  struct.pack("!IHH", 0, 0, 100) +
                                  bytes([1, 0, 0, 88]) + filler(88, 30))
    s["dtls-application-data.bin"] = (bytes([23, 0xfe, 0xfd, 0, 1]) +
                                      filler(6, 31) + b"\x00\x10" +
                                      filler(16, 32))
    s["zrtp.bin"] = bytes([0x10, 0, 0, 1]) + filler(20, 33)
    s["turn-channel.bin"] = struct.pack("!HH", 0x4000, 4) + b"data"
    s["one-byte.bin"] = b"\x80"
    return s


# --- trickle-ice-sdpfrag ----------------------------------------------------

def frag_seeds(sdp_s):
    s = {}
    for name, data in sdp_s.items():
        if name.endswith(".sdpfrag"):
            s[name] = data

    s["chromium-candidate-extensions.sdpfrag"] = sdp(
        "a=ice-ufrag:Fz0b", "a=ice-pwd:p4Ss6Kc7QZ2mEol3bVd0Jx1r",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0",
        "a=candidate:3471623853 1 udp 2122194687 192.0.2.1 61764 typ host "
        "generation 0 ufrag Fz0b network-id 1 network-cost 10",
        "a=candidate:842163049 1 udp 1677729535 198.51.100.2 61764 typ srflx "
        "raddr 192.0.2.1 rport 61764 generation 0 ufrag Fz0b network-id 1 "
        "network-cost 10",
        "a=candidate:1153297436 1 udp 41885439 203.0.113.9 3478 typ relay "
        "raddr 198.51.100.2 rport 61764 generation 0 ufrag Fz0b "
        "network-id 1 network-cost 10",
        "a=candidate:2999745851 1 tcp 1518214911 192.0.2.1 9 typ host "
        "tcptype active generation 0 ufrag Fz0b network-id 1")
    s["firefox-end-of-candidates-lf.sdpfrag"] = sdp(
        "a=ice-ufrag:8fa4e3c1", "a=ice-pwd:1f5e2d0c9b8a7f6e5d4c3b2a19081726",
        "a=group:BUNDLE 0 1", "m=audio 9 UDP/TLS/RTP/SAVPF 109", "a=mid:0",
        "a=candidate:0 1 UDP 2122252543 192.0.2.44 58513 typ host",
        "a=candidate:2 1 TCP 2105524479 192.0.2.44 9 typ host tcptype active",
        "a=candidate:1 1 UDP 1686052863 198.51.100.44 58513 typ srflx raddr "
        "192.0.2.44 rport 58513", "a=end-of-candidates", eol="\n")
    s["obs-ipv6-no-final-eol.sdpfrag"] = sdp(
        "a=ice-ufrag:obs1", "a=ice-pwd:0bs0bs0bs0bs0bs0bs0bs0bs",
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1",
        "a=candidate:1 1 UDP 2015363327 2001:db8::5 40401 typ host",
        "a=candidate:2 1 UDP 2015363583 fe80::1%eth0 40402 typ host",
        final=False)
    s["many-candidates.sdpfrag"] = sdp(
        "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0", *[
            "a=candidate:%d 1 udp %d 192.0.2.%d %d typ host" %
            (k, 2122260223 - k, k, 40000 + k) for k in range(20)])
    s["candidate-limits.sdpfrag"] = sdp(
        "a=candidate:" + "f" * 32 + " 256 udp 4294967295 192.0.2.1 65535 "
        "typ host",
        "a=candidate:x 1 udp 1 " + "h" * 250 + ".local 0 typ host",
        "a=candidate:\t7\t1\tudp\t1\t192.0.2.1\t9\ttyp\thost\t")
    s["candidate-bad-port.sdpfrag"] = sdp(
        "a=candidate:1 1 udp 1 192.0.2.1 65536 typ host")
    s["candidate-bad-component.sdpfrag"] = sdp(
        "a=candidate:1 0 udp 1 192.0.2.1 5000 typ host")
    s["candidate-no-typ.sdpfrag"] = sdp(
        "a=candidate:1 1 udp 1 192.0.2.1 5000 type host")
    s["candidate-priority-overflow.sdpfrag"] = sdp(
        "a=candidate:1 1 udp 4294967296 192.0.2.1 5000 typ host")
    s["restart-media-level.sdpfrag"] = sdp(
        "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0", "a=ice-ufrag:N3w1",
        "a=ice-pwd:n3wn3wn3wn3wn3wn3wn3wn3w", "m=video 9 UDP/TLS/RTP/SAVPF 0",
        "a=mid:1", "a=ice-ufrag:N3w2", "a=ice-pwd:n3wn3wn3wn3wn3wn3wn3wn3x")
    return s


# --- JSON ------------------------------------------------------------------

def json_seeds():
    s = {}
    dumps = lambda o: json.dumps(o, separators=(",", ":"),
                                 ensure_ascii=False).encode()
    offer = ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
             "s=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n")
    track = lambda pid, n, kind, src: {
        "id": "%s-%d" % (pid, n), "participant": pid, "kind": kind,
        "source": src, "muted": False}
    bob = {"id": "0b5e22d4", "name": "Bob", "audio": True, "video": True,
           "tracks": [track("0b5e22d4", 0, "audio", "microphone"),
                      track("0b5e22d4", 1, "video", "camera")]}

    # the example session of docs/signaling.md, "..." written out
    example = [
        {"type": "join", "room": "demo", "name": "Alice", "token": "demo"},
        {"type": "joined", "id": "7f3a9c01", "room": "demo", "mode": "sfu",
         "canPublish": True, "participants": [bob],
         "iceServers": [{"urls": ["stun:stun.l.google.com:19302"]}]},
        {"type": "offer", "sdp": offer,
         "tracks": {"0": "microphone", "1": "camera"}},
        {"type": "answer", "sdp": offer},
        {"type": "offer", "seq": 1, "sdp": offer,
         "tracks": {"2": bob["tracks"][0], "3": bob["tracks"][1]}},
        {"type": "answer", "seq": 1, "sdp": offer},
        {"type": "chat", "from": "0b5e22d4", "name": "Bob", "text": "hi",
         "ts": 1764052800000},
        {"type": "participant-left", "id": "0b5e22d4", "reason": "left"},
        {"type": "offer", "seq": 2, "sdp": offer, "tracks": {}}]
    for i, m in enumerate(example):
        s["example-%d-%s.json" % (i, m["type"])] = dumps(m)

    # the other messages of the tables
    more = {
        "candidate.json": {"type": "candidate", "candidate":
                           "candidate:1 1 udp 2122260223 192.0.2.7 50000 "
                           "typ host", "mid": "0", "to": "0b5e22d4"},
        "candidate-end.json": {"type": "candidate", "candidate": None},
        "state.json": {"type": "state", "audio": False, "video": True},
        "chat-unicode.json": {"type": "chat",
                              "text": "h\u00e9llo \u2603 \U0001f600"},
        "leave.json": {"type": "leave"},
        "published.json": {"type": "published", "participant": "0b5e22d4",
                            "tracks": bob["tracks"]},
        "unpublished.json": {"type": "unpublished",
                             "participant": "0b5e22d4",
                             "tracks": ["0b5e22d4-1"]},
        "muted.json": {"type": "muted", "participant": "0b5e22d4",
                       "track": "0b5e22d4-1", "muted": True},
        "error.json": {"type": "error", "code": "bad-json",
                       "reason": "not a JSON object"},
        "admin-mute.json": {"track": "0b5e22d4-1", "muted": True},
        "admin-remove.json": {"participant": "0b5e22d4"},
    }
    for name, m in more.items():
        s[name] = dumps(m)

    # what the wrapper refuses or must read with care
    nest = lambda n: "{\"a\":" * n + "1" + "}" * n
    s["depth-16.json"] = nest(16).encode()
    s["depth-17.json"] = nest(17).encode()
    s["depth-arrays-17.json"] = ('{"a":' + "[" * 16 + "1" + "]" * 16 +
                                 "}").encode()
    s["duplicate-key.json"] = b'{"type":"join","type":"leave"}'
    s["not-object.json"] = b'["type","join"]'
    s["numbers.json"] = (b'{"i":9223372036854775807,"n":-9223372036854775808,'
                         b'"r":1.5e300,"z":-0,"f":-0.0,"e":1E-7}')
    s["too-big-int.json"] = b'{"seq":9223372036854775808}'
    s["escapes.json"] = (b'{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d'
                         b'\\ude00","k\\u00e9y":null}')
    s["nul-escape.json"] = b'{"text":"a\\u0000b"}'
    s["lone-surrogate.json"] = b'{"text":"\\ud800"}'
    s["whitespace.json"] = b' \t\r\n{ "type" : "leave" } \n'
    s["trailing-garbage.json"] = b'{"type":"leave"}x'
    s["bad-utf8.json"] = b'{"text":"\xc0\xaf"}'
    s["empty.json"] = b""
    return s


# --- keyframes ---------------------------------------------------------------

def rtp_payload(pkt):
    """the payload of an RTP packet built by rtp(), without padding"""
    cc = pkt[0] & 0x0f
    off = 12 + 4 * cc
    if pkt[0] & 0x10:
        off += 4 + 4 * struct.unpack("!H", pkt[off + 2:off + 4])[0]
    end = len(pkt) - (pkt[-1] if pkt[0] & 0x20 else 0)
    return pkt[off:end]


def keyframe_seeds(rtp_s):
    s = {}
    for name, pkt in rtp_s.items():
        if name.endswith(".rtp") and not name.startswith(("opus", "rtx",
                                                          "header")):
            s[name[:-4] + ".payload"] = rtp_payload(pkt)

    # VP8 descriptors: 7-bit picture id, TL0PICIDX and TID/KEYIDX, a
    # partition other than 0, only the descriptor
    s["vp8-7bit-pid-tid-keyidx.payload"] = (bytes([0x90, 0xf0, 0x12, 0x05,
                                                   0x20]) +
                                            vp8_key_header() + filler(20, 40))
    s["vp8-partition-1.payload"] = bytes([0x11]) + vp8_key_header()
    s["vp8-descriptor-only.payload"] = bytes([0x90, 0x80, 0x80, 0x01])
    # H.264: a STAP-A whose first unit overruns, then one with SPS after
    # a lone byte; FU-A start of an SPS; IDR with the F bit
    s["h264-stap-a-overrun.payload"] = stap_a(SPS)[:10]
    s["h264-stap-a-trailing-byte.payload"] = stap_a(PPS, SPS) + b"\x00"
    s["h264-fu-a-start-sps.payload"] = fu_a(0x67, True, False, SPS[1:])
    s["h264-idr-f-bit.payload"] = bytes([0xe5, 0x88])
    # VP9 start of an inter frame; AV1 N bit alone
    s["vp9-start-inter.payload"] = vp9_descriptor(True)
    s["av1-n-only.payload"] = av1_aggregation(n=1)
    return s


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    total = 0
    max_len = {"rtp": 1500, "rtcp": 1500, "ws": 16384, "stun": 1500,
               "demux": 1500, "json": 16384, "keyframe": 1500}

    sdp_s, rtp_s, rtcp_s, stun_s = (sdp_seeds(), rtp_seeds(), rtcp_seeds(),
                                    stun_seeds())

    for target, seeds in (("sdp", sdp_s), ("rtp", rtp_s), ("rtcp", rtcp_s),
                          ("ws", ws_seeds()), ("stun", stun_s),
                          ("demux", demux_seeds(rtp_s, rtcp_s, stun_s)),
                          ("frag", frag_seeds(sdp_s)),
                          ("json", json_seeds()),
                          ("keyframe", keyframe_seeds(rtp_s))):
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)

        for name, data in sorted(seeds.items()):
            if target in max_len:
                assert len(data) <= max_len[target], name
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            total += len(data)

        print("%s: %d seeds" % (target, len(seeds)))

    print("%d bytes" % total)


if __name__ == "__main__":
    main()
