"""A scripted WHIP publisher built on aiortc (Debian's python3-aiortc 1.4).

It sends real encoded media: a synthetic moving colour pattern (VP8 or
H.264) and a sine tone (Opus), over real ICE, DTLS and SRTP, to the
server under test. Nothing about the server is simulated.

    pub = WhipPublisher(nginx.base_url, "live", video_codec="H264")
    await pub.connect()                     # POST, answer, wait connected
    ...
    r = await pub.delete()                  # DELETE the session resource
    await pub.close()

`munge` lets a test rewrite the offer before it is POSTed (OBS shape,
wrong fingerprint, ...); the SDP helpers below do the common rewrites.
"""

import asyncio
import fractions
import math
import random
import re
import time
import urllib.parse

import aioice.ice
import av
import numpy
import requests
from aiortc import (RTCConfiguration, RTCPeerConnection, RTCRtpSender,
                    RTCSessionDescription)
from aiortc.mediastreams import MediaStreamTrack, VideoStreamTrack

# The tests run on loopback only: gather exactly one host candidate on
# 127.0.0.1 (aioice skips loopback by default and would otherwise offer
# every interface address of the machine).
aioice.ice.get_host_addresses = \
    lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]


# ---------------------------------------------------------------- media


# ---- frame numbers drawn into the picture
#
# The top of every synthetic frame carries its frame number as a bar code
# that survives VP8/H.264 compression at 320x240: two rows of 20 blocks
# (16x16 pixels at 320x240), black or white. Row A holds the 16 bits of
# the number (LSB first) and a 4-bit checksum (popcount of the 16 bits,
# mod 16); row B holds the complement of row A. A viewer reads the mean
# luma at the middle of each block; a frame whose blocks are not clearly
# black or white, or whose rows disagree, reads as None.

STAMP_BLOCKS = 20
STAMP_BITS = 16


def _stamp_geometry(width, height):
    bw = width // STAMP_BLOCKS
    bh = max(16, (height // 15) // 16 * 16)
    return bw, bh


def _stamp_bits(n):
    n &= (1 << STAMP_BITS) - 1
    bits = [(n >> i) & 1 for i in range(STAMP_BITS)]
    check = sum(bits) & 0xF
    return bits + [(check >> i) & 1 for i in range(4)]


def draw_frame_number(img, n):
    """Draw `n` into the top rows of an RGB image (H x W x 3, in place)."""
    h, w = img.shape[:2]
    bw, bh = _stamp_geometry(w, h)
    for i, b in enumerate(_stamp_bits(n)):
        x = i * bw
        img[0:bh, x:x + bw] = 255 if b else 0
        img[bh:2 * bh, x:x + bw] = 0 if b else 255
    return img


def read_frame_number(luma):
    """The frame number drawn by draw_frame_number, from the luma plane
    of a decoded frame (H x W uint8), or None when it does not read."""
    h, w = luma.shape[:2]
    bw, bh = _stamp_geometry(w, h)
    if 2 * bh > h or bw < 4:
        return None
    iy, ix = bh // 4, bw // 4
    rows = []
    for r in range(2):
        band = luma[r * bh + iy:(r + 1) * bh - iy]
        bits = []
        for i in range(STAMP_BLOCKS):
            m = band[:, i * bw + ix:(i + 1) * bw - ix].mean()
            if m > 170:
                bits.append(1)
            elif m < 80:
                bits.append(0)
            else:
                return None
        rows.append(bits)
    a, b = rows
    if any(x == y for x, y in zip(a, b)):
        return None
    n = sum(bit << i for i, bit in enumerate(a[:STAMP_BITS]))
    if _stamp_bits(n) != a:
        return None
    return n


def luma_of(frame):
    """The Y plane of a decoded av.VideoFrame as a numpy array."""
    if frame.format.name not in ("yuv420p", "yuvj420p", "nv12"):
        frame = frame.reformat(format="yuv420p")
    plane = frame.planes[0]
    buf = numpy.frombuffer(plane, numpy.uint8)
    return buf.reshape(-1, plane.line_size)[:frame.height, :frame.width]


class SyntheticVideoTrack(VideoStreamTrack):
    """A moving colour pattern at 30 fps (pts in 1/90000, paced by
    VideoStreamTrack.next_timestamp), with the frame number drawn into
    the top rows (draw_frame_number). self.produced[pts] is (frame
    number, time.monotonic() when it was made)."""

    def __init__(self, width=320, height=240, stamp=True, offset=0):
        super().__init__()
        self.width, self.height = width, height
        self.stamp = stamp
        self.offset = offset    # added to the drawn numbers: who sent it
        y = numpy.arange(height, dtype=numpy.int32)[:, None]
        x = numpy.arange(width, dtype=numpy.int32)[None, :]
        self._base = numpy.zeros((height, width, 3), numpy.uint8)
        self._base[..., 0] = (x * 255 // max(width - 1, 1))
        self._base[..., 1] = (y * 255 // max(height - 1, 1))
        self._base[..., 2] = ((x + y) * 2) % 256
        self.frames = 0
        self.produced = {}

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        n = self.frames
        self.frames += 1
        img = numpy.roll(self._base, shift=(n * 3) % self.width, axis=1)
        img = img.copy()
        # a white square bouncing across the picture
        s = max(self.height // 6, 8)
        bx = int((math.sin(n / 15.0) + 1) / 2 * (self.width - s))
        by = int((math.cos(n / 21.0) + 1) / 2 * (self.height - s))
        img[by:by + s, bx:bx + s] = 255
        if self.stamp:
            draw_frame_number(img, self.offset + n)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = pts
        frame.time_base = time_base
        self.produced[pts] = (n, time.monotonic())
        return frame


def vp8_is_keyframe(payload):
    """True if this VP8 RTP payload starts a key frame."""
    from aiortc.codecs.vpx import VpxPayloadDescriptor
    try:
        desc, rest = VpxPayloadDescriptor.parse(payload)
    except ValueError:
        return False
    return bool(desc.partition_start and desc.partition_id == 0 and rest
                and not rest[0] & 1)


def h264_nal_types(payload):
    """NAL unit types carried by one H.264 RTP payload (RFC 6184)."""
    if not payload:
        return []
    t = payload[0] & 0x1F
    if t == 24:                     # STAP-A
        out, i = [], 1
        while i + 2 < len(payload):
            size = int.from_bytes(payload[i:i + 2], "big")
            out.append(payload[i + 2] & 0x1F)
            i += 2 + size
        return out
    if t == 28 and len(payload) > 1:  # FU-A
        return [payload[1] & 0x1F]
    return [t]


def payloads_keyframe(codec, payloads):
    if codec.upper() == "VP8":
        return bool(payloads) and vp8_is_keyframe(payloads[0])
    return any(t in (5, 7) for p in payloads for t in h264_nal_types(p))


class RecordingEncoder:
    """Wraps aiortc's video encoder of a publisher: records, for every
    frame it encoded, (frame number, time.monotonic(), key frame?,
    forced by a PLI/FIR?) in self.sent; makes H.264 answer PLI with an
    IDR (aiortc 1.4 does not); sets the key frame interval
    (`keyint` frames; None keeps aiortc's) and, with fixed_bitrate, ignores
    REMB (aiortc's H.264 encoder restarts, with a key frame, on every
    bitrate change over 10%)."""

    def __init__(self, codec, track, keyint=None, fixed_bitrate=False):
        from aiortc.codecs.h264 import H264Encoder
        from aiortc.codecs.vpx import Vp8Encoder
        self.codec = codec.upper()
        self.inner = Vp8Encoder() if self.codec == "VP8" else H264Encoder()
        self.track = track
        self.keyint = keyint
        self.fixed_bitrate = fixed_bitrate
        self.sent = []
        self._configured = False

    @property
    def target_bitrate(self):
        return self.inner.target_bitrate

    @target_bitrate.setter
    def target_bitrate(self, bitrate):
        if not self.fixed_bitrate:
            self.inner.target_bitrate = bitrate

    def encode(self, frame, force_keyframe=False):
        if self.codec == "H264":
            _H264_GOP.value = self.keyint
            if force_keyframe:
                # aiortc 1.4's H264Encoder ignores force_keyframe (a PLI
                # would get nothing until the next periodic IDR, 250
                # frames later): start a new encoder context, whose first
                # frame is an IDR with SPS/PPS, as a browser or OBS would
                self.inner.codec = None
                self.inner.buffer_data = b""
                self.inner.buffer_pts = None
        payloads, timestamp = self.inner.encode(frame, force_keyframe)
        if self.keyint and self.codec == "VP8" and not self._configured:
            # the first encode() filled in the config (kf_max_dist 3000)
            self.inner.cfg.kf_max_dist = self.keyint
            self.inner._Vp8Encoder__update_config_needed = True
            self._configured = True
        if payloads:
            n, _ = self.track.produced.get(frame.pts, (None, None))
            self.sent.append((n, time.monotonic(),
                              payloads_keyframe(self.codec, payloads),
                              bool(force_keyframe)))
        return payloads, timestamp

    def pack(self, packet):
        return self.inner.pack(packet)


class _Gop:
    value = None


_H264_GOP = _Gop()


def _install_h264_gop_hook():
    """aiortc creates its libx264 context in a module function; let
    RecordingEncoder(keyint=N) set its GOP (publishers only encode)."""
    from aiortc.codecs import h264
    orig = h264.create_encoder_context
    if getattr(orig, "_ngx_webrtc_hook", False):
        return

    def create(codec_name, width, height, bitrate):
        if _H264_GOP.value is None:
            return orig(codec_name, width, height, bitrate)
        codec = av.CodecContext.create(codec_name, "w")
        codec.width = width
        codec.height = height
        codec.bit_rate = bitrate
        codec.pix_fmt = "yuv420p"
        codec.framerate = fractions.Fraction(h264.MAX_FRAME_RATE, 1)
        codec.time_base = fractions.Fraction(1, h264.MAX_FRAME_RATE)
        codec.gop_size = _H264_GOP.value
        codec.options = {"profile": "baseline", "level": "31",
                         "tune": "zerolatency", "sc_threshold": "0",
                         "keyint_min": str(_H264_GOP.value)}
        codec.open()
        return codec, codec_name == "h264_omx"

    create._ngx_webrtc_hook = True
    h264.create_encoder_context = create


_install_h264_gop_hook()


class SineAudioTrack(MediaStreamTrack):
    """A 440 Hz tone: 48 kHz mono s16, 20 ms frames, pts in 1/48000."""

    kind = "audio"

    def __init__(self, freq=440.0, rate=48000, ptime=0.020):
        super().__init__()
        self.freq, self.rate = freq, rate
        self.samples = int(rate * ptime)
        self._pts = None
        self._start = None
        self.produced_times = []

    async def recv(self):
        if self.readyState != "live":
            from aiortc.mediastreams import MediaStreamError
            raise MediaStreamError
        if self._pts is None:
            self._start = time.time()
            self._pts = 0
        else:
            self._pts += self.samples
            wait = self._start + self._pts / self.rate - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        self.produced_times.append(time.monotonic())
        t = (numpy.arange(self.samples) + self._pts) / self.rate
        pcm = (numpy.sin(2 * math.pi * self.freq * t) * 8000).astype(
            numpy.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, self.rate)
        return frame


# ---------------------------------------------------------------- SDP


def split_sdp(sdp):
    """-> (session_lines, [media_lines, ...]) without line ends."""
    lines = [l for l in sdp.replace("\r\n", "\n").split("\n") if l]
    session, media = [], []
    for l in lines:
        if l.startswith("m="):
            media.append([l])
        elif media:
            media[-1].append(l)
        else:
            session.append(l)
    return session, media


def join_sdp(session, media):
    out = list(session)
    for m in media:
        out.extend(m)
    return "\r\n".join(out) + "\r\n"


def attr(lines, name):
    """Values of a=name:... (or a=name) in a list of lines."""
    vals = []
    for l in lines:
        if l == "a=" + name:
            vals.append("")
        elif l.startswith("a=%s:" % name):
            vals.append(l[len(name) + 3:])
    return vals


def fix_extmap_collision(sdp):
    """aiortc 1.4 maps ssrc-audio-level (audio) and abs-send-time (video)
    to the same id in one bundle and then mis-parses its own packets;
    when its offer shows such a collision, drop the audio-level extmap."""
    session, media = split_sdp(sdp)
    by_id = {}
    for m in media:
        for v in attr(m, "extmap"):
            ident, uri = v.split(None, 1)
            by_id.setdefault(ident.split("/")[0], set()).add(uri.split()[0])
    collide = any(len(uris) > 1 and
                  any("ssrc-audio-level" in u for u in uris)
                  for uris in by_id.values())
    if not collide:
        return sdp
    media = [[l for l in m if not (l.startswith("a=extmap:")
                                   and "ssrc-audio-level" in l)]
             for m in media]
    return join_sdp(session, media)


def random_fingerprint():
    return ":".join("%02X" % random.randrange(256) for _ in range(32))


def replace_fingerprint(sdp, value=None):
    """Every a=fingerprint gets a different (random) sha-256 value."""
    value = value or random_fingerprint()
    return re.sub(r"(?m)^a=fingerprint:(\S+) [0-9A-Fa-f:]+",
                  lambda m: "a=fingerprint:sha-256 " + value, sdp)


def remove_attr(sdp, name):
    return re.sub(r"(?m)^a=%s(:[^\r\n]*)?\r?\n" % re.escape(name), "", sdp)


OBS_OPUS_FMTP = ("minptime=10;maxaveragebitrate=96000;stereo=1;"
                 "sprop-stereo=1;useinbandfec=1")
OBS_H264_FMTP = ("profile-level-id=42e01f;packetization-mode=1;"
                 "level-asymmetry-allowed=1")


def obs_shape(sdp):
    """Rewrite an aiortc offer (audio mid 0 with Opus only, video mid 1
    with one H.264 codec) into the shape of OBS Studio's WHIP offer
    (libdatachannel): no candidates, session-level fingerprint,
    a=group:LS, ice2, OBS's fmtp lines and attribute order. aiortc's
    payload types, SSRCs and ICE credentials are kept so that the real
    connection still works (aiortc bundles on the first transport, so its
    ufrag/pwd go into both sections)."""
    session, media = split_sdp(sdp)
    assert len(media) == 2, "obs_shape wants audio + video"
    fingerprint = attr(media[0], "fingerprint")[0]
    fp_sha256 = [f for f in attr(media[0], "fingerprint")
                 if f.lower().startswith("sha-256")]
    fingerprint = (fp_sha256 or [fingerprint])[0]
    ufrag = attr(media[0], "ice-ufrag")[0]
    pwd = attr(media[0], "ice-pwd")[0]
    port = media[0][0].split()[1]
    mids = [attr(m, "mid")[0] for m in media]

    out_session = [
        "v=0",
        "o=rtc %d 0 IN IP4 127.0.0.1" % random.randrange(10**8, 10**9),
        "s=-",
        "t=0 0",
        "a=group:BUNDLE %s" % " ".join(mids),
        "a=group:LS %s" % " ".join(mids),
        "a=msid-semantic:WMS *",
        "a=ice-options:ice2,trickle",
        "a=fingerprint:%s" % fingerprint,
    ]
    out_media = []
    for m in media:
        kind = m[0].split()[0][2:]
        pts = m[0].split()[3:]
        assert len(pts) == 1, "obs_shape wants one codec per section: %s" % m[0]
        pt = pts[0]
        c = [l for l in m if l.startswith("c=")] or ["c=IN IP4 127.0.0.1"]
        sec = ["m=%s %s UDP/TLS/RTP/SAVPF %s" % (kind, port, pt), c[0],
               "a=mid:%s" % attr(m, "mid")[0], "a=sendonly"]
        sec += [l for l in m if l.startswith("a=ssrc:")
                or l.startswith("a=ssrc-group:")]
        sec += ["a=msid:%s" % v for v in attr(m, "msid")]
        sec += ["a=rtcp-mux"]
        sec += ["a=rtpmap:%s" % v for v in attr(m, "rtpmap")]
        if kind == "audio":
            sec += ["a=fmtp:%s %s" % (pt, OBS_OPUS_FMTP)]
        else:
            sec += ["a=rtcp-fb:%s nack" % pt, "a=rtcp-fb:%s nack pli" % pt,
                    "a=rtcp-fb:%s goog-remb" % pt,
                    "a=fmtp:%s %s" % (pt, OBS_H264_FMTP)]
        sec += ["a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
                "a=extmap:2 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"]
        sec += ["a=setup:actpass", "a=ice-ufrag:%s" % ufrag,
                "a=ice-pwd:%s" % pwd]
        out_media.append(sec)
    return join_sdp(out_session, out_media)


# ---------------------------------------------------------------- WHIP


class WhipError(Exception):
    def __init__(self, response):
        self.response = response
        super().__init__("WHIP POST answered %d: %r"
                         % (response.status_code, response.text[:500]))


class WhipPublisher:
    """One aiortc publisher talking WHIP to `base_url`."""

    def __init__(self, base_url, room, token="demo", video_codec="VP8",
                 audio=True, video=True, munge=None, width=320, height=240,
                 h264_profiles=("42e01f", "42001f"), rtx=True,
                 record_rtcp=False, keyint=None, fixed_bitrate=False):
        self.base_url = base_url
        self.room = room
        self.token = token
        self.video_codec = video_codec
        self.want_audio, self.want_video = audio, video
        self.munge = munge
        self.width, self.height = width, height
        self.h264_profiles = h264_profiles
        self.rtx = rtx
        self.want_rtcp_log = record_rtcp
        self.rtcp_log = []
        self.keyint = keyint
        self.fixed_bitrate = fixed_bitrate
        self.encoder = None        # RecordingEncoder once negotiated
        self.pc = None
        self.offer = None          # what aiortc produced
        self.offer_posted = None   # what we POSTed
        self.response = None
        self.answer = None
        self.location = None
        self.states = []           # (seconds since POST, connectionState)
        self._t0 = None
        self._state_changed = asyncio.Event()

    # -- helpers

    @property
    def session_id(self):
        if not self.location:
            return None
        return urllib.parse.urlsplit(self.location).path.rstrip("/") \
            .rsplit("/", 1)[-1]

    @property
    def state(self):
        return self.pc.connectionState if self.pc else "new"

    def _headers(self, ctype=None):
        h = {}
        if ctype:
            h["Content-Type"] = ctype
        if self.token is not None:
            h["Authorization"] = "Bearer %s" % self.token
        return h

    async def _http(self, method, url, **kw):
        loop = asyncio.get_running_loop()
        kw.setdefault("timeout", 10)
        kw.setdefault("allow_redirects", False)
        return await loop.run_in_executor(
            None, lambda: requests.request(method, url, **kw))

    def _video_prefs(self):
        caps = RTCRtpSender.getCapabilities("video").codecs
        name = "video/" + self.video_codec.lower()
        prefs = [c for c in caps if c.mimeType.lower() == name]
        if not prefs:
            raise ValueError("aiortc cannot send %s" % self.video_codec)
        if name == "video/h264":
            order = list(self.h264_profiles)
            prefs = [c for c in prefs
                     if c.parameters.get("profile-level-id") in order]
            prefs.sort(key=lambda c: order.index(
                c.parameters.get("profile-level-id")))
        if self.rtx:
            prefs += [c for c in caps if c.mimeType.lower() == "video/rtx"]
        return prefs

    # -- the WHIP exchange

    async def create_offer(self):
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

        @self.pc.on("connectionstatechange")
        def _on_state():
            self.states.append((round(time.monotonic() - (self._t0 or 0), 3),
                                self.pc.connectionState))
            self._state_changed.set()

        if self.want_audio:
            self.audio_track = SineAudioTrack()
            t = self.pc.addTransceiver(self.audio_track, direction="sendonly")
            caps = RTCRtpSender.getCapabilities("audio").codecs
            t.setCodecPreferences([c for c in caps
                                   if c.mimeType.lower() == "audio/opus"])
        if self.want_video:
            self.video_track = SyntheticVideoTrack(self.width, self.height)
            t = self.pc.addTransceiver(self.video_track, direction="sendonly")
            t.setCodecPreferences(self._video_prefs())
        if self.want_rtcp_log:
            self.record_rtcp()
        # aiortc gathers all candidates inside setLocalDescription
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.offer = self.pc.localDescription.sdp
        sdp = fix_extmap_collision(self.offer)
        if self.munge:
            sdp = self.munge(sdp)
        self.offer_posted = sdp
        return sdp

    async def post(self):
        self._t0 = time.monotonic()
        url = "%s/whip/%s" % (self.base_url, self.room)
        self.response = await self._http(
            "POST", url, data=self.offer_posted.encode(),
            headers=self._headers("application/sdp"))
        return self.response

    async def connect(self, timeout=15, wait_connected=True):
        """Offer, POST, apply the answer; by default wait until the peer
        connection is 'connected'. Raises WhipError on a non-201."""
        if self.offer_posted is None:
            await self.create_offer()
        r = await self.post()
        if r.status_code != 201:
            raise WhipError(r)
        loc = r.headers.get("Location")
        if loc:
            self.location = urllib.parse.urljoin(r.url, loc)
        self.answer = r.text
        await self.pc.setRemoteDescription(
            RTCSessionDescription(sdp=self.answer, type="answer"))
        self._install_encoder()
        if wait_connected:
            await self.wait_state("connected", timeout)
        return r

    def _install_encoder(self):
        """Put a RecordingEncoder in the video sender (aiortc creates its
        encoder on the first frame, after DTLS; the negotiated codec is
        known once the answer is applied)."""
        for t in self.pc.getTransceivers():
            if t.kind != "video" or not t._codecs or t.sender.track is None:
                continue
            name = t._codecs[0].mimeType.split("/")[-1].upper()
            if name not in ("VP8", "H264"):
                continue
            if t.sender._RTCRtpSender__encoder is None:
                self.encoder = RecordingEncoder(
                    name, self.video_track, keyint=self.keyint,
                    fixed_bitrate=self.fixed_bitrate)
                t.sender._RTCRtpSender__encoder = self.encoder

    def frames_sent(self, t_from=None, t_to=None):
        """Frame numbers the encoder put on the wire (in [t_from, t_to)
        of time.monotonic(), when given)."""
        if self.encoder is None:
            return []
        return [n for n, t, _, _ in self.encoder.sent
                if n is not None and (t_from is None or t >= t_from)
                and (t_to is None or t < t_to)]

    def keyframes(self):
        """[(frame number, time, forced)] of the key frames encoded."""
        if self.encoder is None:
            return []
        return [(n, t, f) for n, t, k, f in self.encoder.sent if k]

    async def wait_state(self, want, timeout):
        deadline = time.monotonic() + timeout
        while self.pc.connectionState != want:
            if self.pc.connectionState in ("failed", "closed") \
                    and want not in ("failed", "closed"):
                raise AssertionError(
                    "peer connection %s (states: %s)"
                    % (self.pc.connectionState, self.states))
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    "peer connection not %s after %ss (states: %s)"
                    % (want, timeout, self.states))
            self._state_changed.clear()
            try:
                await asyncio.wait_for(self._state_changed.wait(),
                                       min(left, 0.5))
            except asyncio.TimeoutError:
                pass

    async def delete(self):
        assert self.location, "no Location to DELETE"
        return await self._http("DELETE", self.location,
                                headers=self._headers())

    async def stats(self):
        """{kind: {'packetsSent', 'bytesSent', 'remote': {...} or None}}"""
        out = {}
        for sender in self.pc.getSenders():
            if sender.track is None:
                continue
            rep = await sender.getStats()
            ent = {"packetsSent": 0, "bytesSent": 0, "remote": None}
            for s in rep.values():
                if s.type == "outbound-rtp":
                    ent["packetsSent"] = s.packetsSent
                    ent["bytesSent"] = s.bytesSent
                    ent["ssrc"] = s.ssrc
                elif s.type == "remote-inbound-rtp":
                    ent["remote"] = {"packetsLost": s.packetsLost,
                                     "roundTripTime": s.roundTripTime,
                                     "fractionLost": s.fractionLost}
            out[sender.track.kind] = ent
        return out

    # -- instrumentation of the real client (what the server sent us,
    #    and loss we cause on our own side)

    def record_rtcp(self):
        """Log every RTCP packet the server sends to our senders into
        self.rtcp_log as (seconds, sender kind, packet class, fmt, info)."""
        self.rtcp_log = []
        for sender in self.pc.getSenders():
            if sender.track is None:
                continue
            orig = sender._handle_rtcp_packet
            kind = sender.track.kind

            async def rec(packet, orig=orig, kind=kind):
                info = None
                if hasattr(packet, "lost"):
                    info = list(packet.lost)
                elif hasattr(packet, "reports"):
                    info = [(r.ssrc, r.packets_lost, r.lsr, r.dlsr)
                            for r in packet.reports]
                self.rtcp_log.append((
                    round(time.monotonic() - (self._t0 or 0), 3), kind,
                    type(packet).__name__, getattr(packet, "fmt", None),
                    info))
                await orig(packet)

            sender._handle_rtcp_packet = rec

    def drop_outgoing(self, kind="video", every=20, skip=0):
        """Drop the first transmission of every `every`-th RTP packet of
        our `kind` track before SRTP (retransmissions pass). The dropped
        sequence numbers collect in self.dropped; set self.dropping to
        False to stop."""
        sender = [s for s in self.pc.getSenders()
                  if s.track is not None and s.track.kind == kind][0]
        transport = sender.transport
        ssrc = sender._ssrc
        self.dropped = []
        self.dropping = True
        seen = set()
        counter = [0]
        orig = transport._send_rtp

        async def send(data):
            if len(data) >= 12 and not (192 <= data[1] <= 223):
                pkt_ssrc = int.from_bytes(data[8:12], "big")
                seq = int.from_bytes(data[2:4], "big")
                if self.dropping and pkt_ssrc == ssrc and seq not in seen:
                    seen.add(seq)
                    counter[0] += 1
                    if counter[0] > skip and counter[0] % every == 0:
                        self.dropped.append(seq)
                        return
            await orig(data)

        transport._send_rtp = send

    async def close(self):
        if self.pc is not None:
            await self.pc.close()


# ---------------------------------------------------------------- WHEP


def strip_extmap(sdp, uri_part):
    """Drop the a=extmap lines whose URI contains `uri_part`."""
    session, media = split_sdp(sdp)
    media = [[l for l in m if not (l.startswith("a=extmap:")
                                   and uri_part in l)] for m in media]
    return join_sdp(session, media)


def local_udp_port(sdp):
    """The port of the first host candidate of an offer (aioice gathers
    one, on 127.0.0.1)."""
    for l in sdp.replace("\r\n", "\n").split("\n"):
        if l.startswith("a=candidate:"):
            f = l.split()
            if len(f) >= 8 and f[7] == "host":
                return int(f[5])
    return None


class WhepError(Exception):
    def __init__(self, response):
        self.response = response
        super().__init__("WHEP POST answered %d: %r"
                         % (response.status_code, response.text[:500]))


class WhepViewer:
    """One aiortc player talking WHEP: a recvonly offer (audio + video),
    POSTed without a token. It decodes what arrives and records:

        video_frames  [(time.monotonic(), frame number or None, w, h)]
        last_frame    the last decoded video frame (av.VideoFrame)
        audio_frames  number of decoded audio frames
        rtp_log       [(time, kind, ssrc, pt, seq, ts, marker, payload
                      length, first 2 payload bytes)] of every RTP packet
                      handed to a receiver (before RTX unwrap)
        rtcp_sent     [(time, kind, packet class, fmt, reports or lost
                      seqs)] of the RTCP the receivers sent
        sr_log        [(time.monotonic(), time.time(), kind, ssrc, ntp,
                      rtp timestamp, packet count, octet count)] of the
                      sender reports received
        t_post        when the POST went out; join_time() is POST -> first
                      decoded video frame
    """

    def __init__(self, base_url, room, token=None, video_codecs=None,
                 audio=True, video=True, munge=None, rtx=True,
                 log_rtp=True, name=None, nack_retry=True,
                 strip_abs_send_time=True):
        self.base_url = base_url
        self.room = room
        self.token = token
        self.video_codecs = video_codecs    # e.g. ["VP8"]: restrict offer
        self.want_audio, self.want_video = audio, video
        self.munge = munge
        self.rtx = rtx
        self.log_rtp = log_rtp
        self.nack_retry = nack_retry
        self.strip_abs_send_time = strip_abs_send_time
        self.nack_retries = 0
        # drop_every = N: the first arrival of every N-th video media
        # packet is thrown away as it comes off the socket, before SRTP
        # (as if the network lost it: a retransmission of the same
        # sequence number is then no replay); their sequence numbers
        # collect in self.dropped
        self.drop_every = 0
        self.dropped = []
        self._seen_seqs = set()
        self._drop_count = 0
        self.name = name or room
        self.pc = None
        self.offer = None
        self.offer_posted = None
        self.response = None
        self.answer = None
        self.location = None
        self.states = []
        self.video_frames = []
        self.last_frame = None
        self.audio_frames = 0
        self.audio_times = []
        self.rtp_log = []
        self.t_post = None
        self._tasks = []
        self._t0 = None
        self._state_changed = asyncio.Event()

    session_id = WhipPublisher.session_id
    state = WhipPublisher.state
    _http = WhipPublisher._http
    wait_state = WhipPublisher.wait_state

    def _headers(self, ctype=None):
        h = {}
        if ctype:
            h["Content-Type"] = ctype
        if self.token is not None:
            h["Authorization"] = "Bearer %s" % self.token
        return h

    @property
    def local_port(self):
        return local_udp_port(self.offer or "")

    async def create_offer(self):
        from aiortc import RTCRtpReceiver
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

        @self.pc.on("connectionstatechange")
        def _on_state():
            self.states.append((round(time.monotonic() - (self._t0 or 0), 3),
                                self.pc.connectionState))
            self._state_changed.set()

        self.transceivers = {}
        if self.want_audio:
            self.transceivers["audio"] = self.pc.addTransceiver(
                "audio", direction="recvonly")
        if self.want_video:
            t = self.pc.addTransceiver("video", direction="recvonly")
            self.transceivers["video"] = t
            caps = RTCRtpReceiver.getCapabilities("video").codecs
            prefs = None
            if self.video_codecs:
                want = ["video/" + c.lower() for c in self.video_codecs]
                prefs = [c for c in caps if c.mimeType.lower() in want]
            if not self.rtx:
                prefs = [c for c in (prefs or caps)
                         if c.mimeType.lower() != "video/rtx"]
            elif prefs is not None:
                prefs += [c for c in caps if c.mimeType.lower() == "video/rtx"]
            if prefs is not None:
                t.setCodecPreferences(prefs)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.offer = self.pc.localDescription.sdp
        # aiortc 1.4 gives abs-send-time (video) and ssrc-audio-level
        # (audio) the same id in one bundle and then cannot parse what
        # arrives: offer no abs-send-time.
        sdp = self.offer
        if self.strip_abs_send_time:
            sdp = strip_extmap(sdp, "abs-send-time")
        if self.munge:
            sdp = self.munge(sdp)
        self.offer_posted = sdp
        return sdp

    async def post(self):
        self._t0 = self.t_post = time.monotonic()
        url = "%s/whep/%s" % (self.base_url, self.room)
        self.response = await self._http(
            "POST", url, data=self.offer_posted.encode(),
            headers=self._headers("application/sdp"))
        return self.response

    async def connect(self, timeout=15, wait_connected=True):
        """Offer, POST, apply the answer, start consuming; raises
        WhepError on a non-201."""
        if self.offer_posted is None:
            await self.create_offer()
        if self.log_rtp:
            self._hook_rtp()
        r = await self.post()
        if r.status_code != 201:
            raise WhepError(r)
        loc = r.headers.get("Location")
        if loc:
            self.location = urllib.parse.urljoin(r.url, loc)
        self.answer = r.text
        await self.pc.setRemoteDescription(
            RTCSessionDescription(sdp=self.answer, type="answer"))
        self._hook_socket()
        # the receivers' tracks exist once the answer is applied
        self._start_consumers()
        if self.nack_retry and "video" in self.transceivers:
            self._tasks.append(asyncio.ensure_future(self._nack_retry()))
        if wait_connected:
            await self.wait_state("connected", timeout)
        return r

    def _hook_socket(self):
        """Wrap the ICE transport's receive (bundle: one for all) to
        implement drop_every."""
        t = self.transceivers.get("video")
        if t is None:
            return
        ice = t.receiver.transport.transport
        orig = ice._recv

        async def recv():
            while True:
                data = await orig()
                if self.drop_every and len(data) >= 12 and \
                        128 <= data[0] <= 191 and not 192 <= data[1] <= 223:
                    ssrc = int.from_bytes(data[8:12], "big")
                    seq = int.from_bytes(data[2:4], "big")
                    if ssrc == self.media_ssrc("video") and \
                            seq not in self._seen_seqs:
                        self._seen_seqs.add(seq)
                        self._drop_count += 1
                        if self._drop_count % self.drop_every == 0:
                            self.dropped.append(seq)
                            continue
                return data

        ice._recv = recv

    async def _nack_retry(self, interval=0.03, tries=10):
        """Ask again for packets still missing. aiortc 1.4 sends a NACK
        only when a new gap appears: a lost retransmission followed by a
        quiet stretch then stalls its jitter buffer until 128 packets
        overflow it (and a PLI). libwebrtc re-sends NACKs on a timer; so
        do we (every 30 ms, at most 10 times per packet)."""
        recv = self.transceivers["video"].receiver
        gen = recv._RTCRtpReceiver__nack_generator
        asked = {}
        while True:
            await asyncio.sleep(interval)
            ssrc = self.media_ssrc("video")
            if gen is None or ssrc is None or not gen.missing:
                asked.clear()
                continue
            now = time.monotonic()
            for seq in list(asked):
                if seq not in gen.missing:
                    del asked[seq]
            again = []
            for seq in sorted(gen.missing):
                n, last = asked.get(seq, (0, now))
                if seq not in asked:
                    asked[seq] = (0, now)     # the receiver's own NACK
                elif n < tries and now - last >= interval:
                    again.append(seq)
                    asked[seq] = (n + 1, now)
            if again:
                self.nack_retries += len(again)
                await recv._send_rtcp_nack(ssrc, again)

    def _hook_rtp(self):
        self.rtcp_sent = []
        self.sr_log = []
        # time.time() - time.monotonic(), to put RTP arrivals on the
        # wall clock of sender reports
        self.wall_offset = time.time() - time.monotonic()
        for kind, t in self.transceivers.items():
            recv = t.receiver
            orig_rtcp = recv._send_rtcp

            async def send_rtcp(packet, orig=orig_rtcp, kind=kind):
                info = None
                if hasattr(packet, "reports"):
                    info = [(r.ssrc, r.packets_lost, r.fraction_lost)
                            for r in packet.reports]
                elif hasattr(packet, "lost"):
                    info = list(packet.lost)
                self.rtcp_sent.append((time.monotonic(), kind,
                                       type(packet).__name__,
                                       getattr(packet, "fmt", None), info))
                await orig(packet)

            recv._send_rtcp = send_rtcp
            orig_in = recv._handle_rtcp_packet

            async def handle_rtcp(packet, orig=orig_in, kind=kind):
                si = getattr(packet, "sender_info", None)
                if si is not None:
                    self.sr_log.append((time.monotonic(), time.time(), kind,
                                        packet.ssrc, si.ntp_timestamp,
                                        si.rtp_timestamp, si.packet_count,
                                        si.octet_count))
                await orig(packet)

            recv._handle_rtcp_packet = handle_rtcp
            orig = recv._handle_rtp_packet

            async def handle(packet, arrival_time_ms, orig=orig, kind=kind):
                self.rtp_log.append((time.monotonic(), kind, packet.ssrc,
                                     packet.payload_type,
                                     packet.sequence_number,
                                     packet.timestamp, packet.marker,
                                     len(packet.payload),
                                     bytes(packet.payload[:2])))
                await orig(packet, arrival_time_ms)

            recv._handle_rtp_packet = handle

    def _start_consumers(self):
        from aiortc.mediastreams import MediaStreamError

        async def video(track):
            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    return
                n = read_frame_number(luma_of(frame))
                self.video_frames.append((time.monotonic(), n, frame.width,
                                          frame.height))
                self.last_frame = frame

        async def audio(track):
            while True:
                try:
                    await track.recv()
                except MediaStreamError:
                    return
                self.audio_frames += 1
                self.audio_times.append(time.monotonic())

        if "video" in self.transceivers:
            self._tasks.append(asyncio.ensure_future(
                video(self.transceivers["video"].receiver.track)))
        if "audio" in self.transceivers:
            self._tasks.append(asyncio.ensure_future(
                audio(self.transceivers["audio"].receiver.track)))

    # -- what arrived

    def first_frame_time(self, after=None):
        for t, n, _, _ in self.video_frames:
            if (after is None or t >= after):
                return t
        return None

    def join_time(self):
        """Seconds from the POST to the first decoded video frame."""
        t = self.first_frame_time()
        return None if t is None or self.t_post is None else t - self.t_post

    async def wait_decoded(self, frames, audio, timeout):
        """Until `frames` video frames and `audio` audio frames are
        decoded, or `timeout` seconds."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout and (
                len(self.video_frames) < frames
                or self.audio_frames < audio):
            await asyncio.sleep(0.1)

    def sizes(self):
        """The set of (width, height) of the decoded video frames."""
        return {(w, h) for _, _, w, h in self.video_frames}

    def numbers(self, t_from=None, t_to=None):
        """Frame numbers decoded (read from the picture), by arrival."""
        return [n for t, n, _, _ in self.video_frames
                if n is not None and (t_from is None or t >= t_from)
                and (t_to is None or t < t_to)]

    def media_ssrc(self, kind="video"):
        """The SSRC the answer announced for `kind` (first a=ssrc)."""
        session, media = split_sdp(self.answer or "")
        for m in media:
            if m[0].startswith("m=%s " % kind):
                for v in attr(m, "ssrc"):
                    return int(v.split()[0])
        return None

    def answer_ssrcs(self, kind="video"):
        """Every SSRC of the answer's `kind` section."""
        session, media = split_sdp(self.answer or "")
        for m in media:
            if m[0].startswith("m=%s " % kind):
                return {int(v.split()[0]) for v in attr(m, "ssrc")}
        return set()

    def answer_pts(self, kind="video"):
        """{codec name: payload type} of the answer's `kind` section."""
        out = {}
        session, media = split_sdp(self.answer or "")
        for m in media:
            if m[0].startswith("m=%s " % kind):
                for v in attr(m, "rtpmap"):
                    pt, enc = v.split(None, 1)
                    out.setdefault(enc.split("/")[0].upper(), int(pt))
        return out

    def media_rtp(self, kind="video"):
        """[(time, seq, ts, marker, len)] of the media (not RTX) packets of
        `kind` on the SSRC the answer announced."""
        ssrc = self.media_ssrc(kind)
        rtx_pt = self.answer_pts(kind).get("RTX")
        return [(t, seq, ts, m, ln)
                for t, k, s, pt, seq, ts, m, ln, _ in self.rtp_log
                if k == kind and (ssrc is None or s == ssrc)
                and pt != rtx_pt]

    def rtx_rtp(self, kind="video"):
        """[(time, rtx seq, original seq)] of the RTX packets of `kind`."""
        rtx_pt = self.answer_pts(kind).get("RTX")
        return [(t, seq, int.from_bytes(head, "big"))
                for t, k, s, pt, seq, ts, m, ln, head in self.rtp_log
                if k == kind and rtx_pt is not None and pt == rtx_pt
                and len(head) == 2]

    async def delete(self):
        assert self.location, "no Location to DELETE"
        return await self._http("DELETE", self.location,
                                headers=self._headers())

    async def stats(self):
        """{kind: inbound-rtp stats dict} of the media SSRC of each kind
        (aiortc's own getStats() keeps one entry per receiver, the last
        SSRC seen, which may be the RTX one)."""
        out = {}
        for kind, t in self.transceivers.items():
            streams = t.receiver._RTCRtpReceiver__remote_streams
            ssrc = self.media_ssrc(kind)
            s = streams.get(ssrc)
            if s is not None:
                out[kind] = {"ssrc": ssrc,
                             "packetsReceived": s.packets_received,
                             "packetsLost": s.packets_lost,
                             "jitter": s.jitter}
        return out

    async def close(self):
        for t in self._tasks:
            t.cancel()
        if self.pc is not None:
            await self.pc.close()


def run(coro, timeout=120):
    """Run a coroutine to completion in a fresh event loop (tests are
    synchronous; each one owns its loop)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def watch(base_url, room, frames, audio, timeout):
    """A WHEP viewer of `room` until it decoded `frames` video frames and
    `audio` audio frames (or `timeout` seconds), then DELETEd and closed:
    what it recorded stays on it."""
    v = WhepViewer(base_url, room)
    try:
        await v.connect()
        await v.wait_decoded(frames, audio, timeout)
        await v.delete()
    finally:
        await v.close()
    return v


async def astatus(server):
    """server.status() without blocking the event loop (aiortc keeps
    sending meanwhile)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, server.status)


def _session(status, sid):
    for s in status.get("sessions", []):
        if s.get("id") == sid:
            return s
    return None


def _track(session, kind):
    for t in session.get("tracks", []):
        if t.get("kind") == kind:
            return t
    return None


async def wait_media(nginx, sid, timeout=8):
    """Status entry of `sid` once it is connected and both tracks have
    counted packets."""
    deadline = time.monotonic() + timeout
    s = None
    while time.monotonic() < deadline:
        s = _session(await astatus(nginx), sid)
        if s and s.get("state") == "connected":
            a, v = _track(s, "audio"), _track(s, "video")
            if a and v and a.get("packets") and v.get("packets"):
                return s
        await asyncio.sleep(0.25)
    raise AssertionError("no media counted on both tracks after %ss: %s"
                         % (timeout, s))
