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


class SyntheticVideoTrack(VideoStreamTrack):
    """A moving colour pattern at 30 fps (pts in 1/90000, paced by
    VideoStreamTrack.next_timestamp)."""

    def __init__(self, width=320, height=240):
        super().__init__()
        self.width, self.height = width, height
        y = numpy.arange(height, dtype=numpy.int32)[:, None]
        x = numpy.arange(width, dtype=numpy.int32)[None, :]
        self._base = numpy.zeros((height, width, 3), numpy.uint8)
        self._base[..., 0] = (x * 255 // max(width - 1, 1))
        self._base[..., 1] = (y * 255 // max(height - 1, 1))
        self._base[..., 2] = ((x + y) * 2) % 256
        self.frames = 0

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
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = pts
        frame.time_base = time_base
        return frame


class SineAudioTrack(MediaStreamTrack):
    """A 440 Hz tone: 48 kHz mono s16, 20 ms frames, pts in 1/48000."""

    kind = "audio"

    def __init__(self, freq=440.0, rate=48000, ptime=0.020):
        super().__init__()
        self.freq, self.rate = freq, rate
        self.samples = int(rate * ptime)
        self._pts = None
        self._start = None

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
                 record_rtcp=False):
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
        if wait_connected:
            await self.wait_state("connected", timeout)
        return r

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


def run(coro, timeout=120):
    """Run a coroutine to completion in a fresh event loop (tests are
    synchronous; each one owns its loop)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


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
