"""What the tests' real clients put on the wire, recorded as seeds for
the fuzz targets (t/fuzz/README.md, `make fuzz-seeds`).

With NGX_WEBRTC_CAPTURE=DIR set, t/conftest.py calls install(DIR) before
any test runs: a few methods of aiortc, aioice and websockets are wrapped
so that what they send and receive is also written under DIR/<target>/,
each record already in the input format of that fuzz target
(t/fuzz/fuzz_<target>.c):

    sdp       the SDP aiortc makes (offers and answers), as aiortc made
              it and as the test client POSTed or sent it
    frag      a trickle-ice-sdpfrag body with an offer's own credentials
              and candidates (aiortc gathers before it offers, so never
              trickles: this is what it would PATCH if it did)
    rtp       RTP aiortc sends, before SRTP, and receives, after it
    rtcp      RTCP likewise
    keyframe  the payloads of those RTP packets
    stun      aioice's binding requests, after fuzz_stun.c's control byte
    demux     every UDP datagram, both ways, as it went on the wire
    ws        the frames a WebSocket client sent (masked), after fuzz_ws.c's
              byte that says how to cut them into reads: each frame alone,
              and a connection's frames in a row
    json      the text of every WebSocket message, both ways

A record is named <tag>.<sha1 of its bytes>, so the same bytes are
written once. The tag says where it came from (sent or recv, payload
type, RTCP packet types, message type, ...); a tag keeps at most a few
records of each size and shape, so that a call of a minute does not write
every packet. t/fuzz/select_seeds.py picks the seeds among them.
"""

import hashlib
import json
import os
import re

PER_TAG = 300           # records of one target and tag
PER_SHAPE = 3           # ... of one size (16-byte steps) and shape

WS_MAX = 16384          # t/fuzz/Makefile's MAX_LEN_ws (and json's)

# fuzz_stun.c's first session: our ufrag (NGX_WEBRTC_UFRAG_LEN, 8 bytes)
# and a remote one of 4 bytes, aioice's length
STUN_USERNAME = b"Abcd1234:Fz0b"
STUN_SIGN, STUN_SEAL = 1, 2

_dir = None
_counts = {}
_ws_streams = {}        # id(transport) -> [frames sent], for "ws"


def record(target, tag, data, shape=None):
    data = bytes(data)
    n = _counts.get((target, tag), 0)
    s = _counts.get((target, tag, len(data) // 16, shape), 0)
    if n >= PER_TAG or s >= PER_SHAPE:
        return
    d = os.path.join(_dir, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "%s.%s" % (tag, hashlib.sha1(data).hexdigest()))
    if os.path.exists(path):
        return
    with open(path, "wb") as f:
        f.write(data)
    _counts[(target, tag)] = n + 1
    _counts[(target, tag, len(data) // 16, shape)] = s + 1


# ---------------------------------------------------------------- RTP, RTCP


def is_rtcp(data):
    # RFC 5761 4: RTCP packet types 192..223 in the second byte
    return len(data) >= 2 and 192 <= data[1] <= 223


def rtcp_types(data):
    """'200_202', '205.1': the type of each packet of a compound, and the
    FMT of feedback (RTPFB, PSFB)."""
    out, pos = [], 0
    while pos + 4 <= len(data) and len(out) < 6:
        pt, fmt = data[pos + 1], data[pos] & 0x1f
        out.append("%d.%d" % (pt, fmt) if pt in (205, 206) else str(pt))
        pos += (int.from_bytes(data[pos + 2:pos + 4], "big") + 1) * 4
    return "_".join(out)


def rtp_payload(data):
    """The payload of an RTP packet (RFC 3550 5.1, 5.3.1), or None."""
    if len(data) < 12:
        return None
    n = 12 + (data[0] & 0x0f) * 4
    if data[0] & 0x10:
        if len(data) < n + 4:
            return None
        n += 4 + int.from_bytes(data[n + 2:n + 4], "big") * 4
    end = len(data)
    if data[0] & 0x20:
        end -= data[-1]
    return data[n:end] if n <= end else None


def payload_shape(payload):
    # the first byte: VP8's descriptor bits, an H.264 NAL type; and the
    # second of an H.264 STAP-A or FU-A (the unit inside, start or end)
    if not payload:
        return None
    if payload[0] & 0x1f in (24, 28) and len(payload) > 1:
        return payload[:2]
    return payload[:1]


def media(direction, data):
    """One plaintext RTP or RTCP packet aiortc sent or received."""
    data = bytes(data)
    if is_rtcp(data):
        record("rtcp", "%s-%s" % (direction, rtcp_types(data)), data)
        return
    if len(data) < 12:
        return
    tag = "%s-pt%d" % (direction, data[1] & 0x7f)
    payload = rtp_payload(data)
    shape = (data[1] >> 7, payload_shape(payload))
    record("rtp", tag, data, shape)
    if payload:
        record("keyframe", tag, payload, shape)


# ---------------------------------------------------------------- datagrams


def datagram_kind(data):
    # RFC 7983's first-byte ranges, as the server demultiplexes
    b = data[0] if data else 0
    if b <= 3:
        return "stun"
    if 20 <= b <= 63:
        return "dtls%d" % b
    if 128 <= b <= 191:
        return "srtcp" if is_rtcp(data) else "srtp%d" % (data[1] & 0x7f)
    return "other"


def datagram(direction, data):
    data = bytes(data)
    shape = data[:2] if datagram_kind(data) == "stun" else None
    record("demux", "%s-%s" % (direction, datagram_kind(data)), data, shape)


def stun_for_session(data):
    """The request with its USERNAME "<server ufrag>:<aioice ufrag>" made
    the one of fuzz_stun.c's first session (same lengths, so nothing else
    moves), or None when it has no such USERNAME."""
    pos = 20
    while pos + 4 <= len(data):
        t = int.from_bytes(data[pos:pos + 2], "big")
        n = int.from_bytes(data[pos + 2:pos + 4], "big")
        if t == 0x0006:
            if n != len(STUN_USERNAME) or pos + 4 + n > len(data) \
                    or data[pos + 12] != ord(":"):
                return None
            return data[:pos + 4] + STUN_USERNAME + data[pos + 4 + n:]
        pos += 4 + n + (-n % 4)
    return None


def stun_sent(data):
    data = bytes(data)
    datagram("sent", data)
    if data[:2] != b"\x00\x01":         # a binding request
        return
    # as aioice sent it: the harness finds no session of that USERNAME
    # and the check stops there
    record("stun", "as-sent", b"\x00" + data)
    # for the harness's first session: it signs MESSAGE-INTEGRITY with
    # that session's password and seals FINGERPRINT, so the check passes
    # and a reply is built; IPv4 or IPv6, and our tie-breaker, vary with
    # the bytes
    m = stun_for_session(data)
    if m is not None:
        h = hashlib.sha1(m).digest()
        ctl = STUN_SIGN | STUN_SEAL | (h[0] & 0x04) | (h[1] & 0x18)
        record("stun", "signed", bytes([ctl]) + m, ctl)


# ---------------------------------------------------------------- SDP


def sdp_lines(sdp):
    return [l for l in sdp.replace("\r\n", "\n").split("\n") if l]


def sdpfrag(sdp, sections=1):
    """An RFC 8840 fragment of the offer's first `sections` sections (all
    with None): credentials, each section's candidates, end-of-candidates."""
    lines = sdp_lines(sdp)
    starts = [i for i, l in enumerate(lines) if l.startswith("m=")]
    ufrag = [l for l in lines if l.startswith("a=ice-ufrag:")]
    pwd = [l for l in lines if l.startswith("a=ice-pwd:")]
    if not (starts and ufrag and pwd):
        return None
    out = [ufrag[0], pwd[0]]
    for i, start in enumerate(starts[:sections]):
        sec = lines[start:(starts + [len(lines)])[i + 1]]
        mid = [l for l in sec if l.startswith("a=mid:")]
        cands = [l for l in sec if l.startswith("a=candidate:")]
        if not (mid and cands):
            continue
        kind = sec[0][2:].split()[0]
        out += ["m=%s 9 UDP/TLS/RTP/SAVPF 0" % kind, mid[0]]
        out += cands + ["a=end-of-candidates"]
    if len(out) == 2:
        return None
    return ("\r\n".join(out) + "\r\n").encode()


def sdp(tag, text, offer=False):
    record("sdp", tag, text.encode())
    if offer:
        for sections, name in ((1, "first"), (None, "all")):
            frag = sdpfrag(text, sections)
            if frag:
                record("frag", "aiortc-" + name, frag)
                record("sdp", "frag-" + name, frag)


# ---------------------------------------------------------------- WebSocket


def ws_input(frames):
    # fuzz_ws.c's first byte (pieces of random sizes up to byte + 1, or of
    # byte - 127 bytes): taken from the bytes, so that the seeds vary it
    return bytes([hashlib.sha1(frames).digest()[0]]) + frames


def ws_sent(transport, frame, opcode):
    """One frame a client wrote, masked, as it went out."""
    if len(frame) < WS_MAX:
        record("ws", "frame-op%d" % opcode, ws_input(frame), len(frame))
    frames = _ws_streams.setdefault(id(transport), [])
    if sum(map(len, frames)) + len(frame) < WS_MAX:
        frames.append(frame)
    # a close, ours or the echo of the server's, ends the connection: its
    # frames in a row (the first 16 KB) make one input
    if opcode == 8:
        del _ws_streams[id(transport)]
        if len(frames) > 1:
            record("ws", "connection", ws_input(b"".join(frames)),
                   len(frames))


def message(direction, text):
    """A whole text message of the signaling protocol."""
    if len(text) >= WS_MAX:
        return
    try:
        msg = json.loads(text)
        kind = msg.get("type") if isinstance(msg, dict) else None
    except ValueError:
        msg, kind = None, None
    kind = re.sub(r"[^A-Za-z0-9_]", "", str(kind))[:32]
    record("json", "%s-%s" % (direction, kind), text,
           tuple(sorted(msg)) if isinstance(msg, dict) else None)
    if direction == "sent" and isinstance(msg, dict) and \
            isinstance(msg.get("sdp"), str):
        sdp("ws-" + kind, msg["sdp"])


# ---------------------------------------------------------------- hooks


def install(directory):
    global _dir
    _dir = os.path.abspath(directory)
    os.makedirs(_dir, exist_ok=True)

    from aioice.ice import StunProtocol
    from aiortc import RTCPeerConnection
    from aiortc.rtcdtlstransport import RTCDtlsTransport
    from websockets.legacy.framing import Frame

    import webrtc_client

    # RTP and RTCP in plaintext: aiortc protects what _send_rtp gets
    # (t/webrtc_client.py's drop_outgoing() hooks the same place) and
    # hands what it unprotected to _handle_rtp_data / _handle_rtcp_data
    send_rtp = RTCDtlsTransport._send_rtp
    handle_rtp = RTCDtlsTransport._handle_rtp_data
    handle_rtcp = RTCDtlsTransport._handle_rtcp_data

    async def _send_rtp(self, data):
        media("sent", data)
        await send_rtp(self, data)

    async def _handle_rtp_data(self, data, arrival_time_ms):
        media("recv", data)
        await handle_rtp(self, data, arrival_time_ms)

    async def _handle_rtcp_data(self, data):
        media("recv", data)
        await handle_rtcp(self, data)

    RTCDtlsTransport._send_rtp = _send_rtp
    RTCDtlsTransport._handle_rtp_data = _handle_rtp_data
    RTCDtlsTransport._handle_rtcp_data = _handle_rtcp_data

    # the datagrams: aioice sends STUN with send_stun(), DTLS and SRTP with
    # send_data(), and gets everything in datagram_received()
    send_stun = StunProtocol.send_stun
    send_data = StunProtocol.send_data
    received = StunProtocol.datagram_received

    def _send_stun(self, message, addr):
        stun_sent(bytes(message))
        send_stun(self, message, addr)

    async def _send_data(self, data, addr):
        datagram("sent", data)
        await send_data(self, data, addr)

    def _datagram_received(self, data, addr):
        datagram("recv", data)
        received(self, data, addr)

    StunProtocol.send_stun = _send_stun
    StunProtocol.send_data = _send_data
    StunProtocol.datagram_received = _datagram_received

    # SDP: what aiortc made, and what the WHIP and WHEP clients POSTed
    # (their rewrites of it); room clients' SDP comes with their messages
    set_local = RTCPeerConnection.setLocalDescription

    async def setLocalDescription(self, description):
        await set_local(self, description)
        d = self.localDescription
        sdp("aiortc-" + d.type, d.sdp, offer=d.type == "offer")

    RTCPeerConnection.setLocalDescription = setLocalDescription

    for cls in (webrtc_client.WhipPublisher, webrtc_client.WhepViewer):
        def wrap(orig):
            async def post(self):
                if self.offer_posted:
                    sdp("posted", self.offer_posted)
                return await orig(self)
            return post
        cls.post = wrap(cls.post)

    # WebSocket: every frame goes out in one write() of Frame.write (the
    # client masks, the server does not); frames come in through
    # Frame.read
    frame_write = Frame.write
    frame_read = Frame.read.__func__

    def write(self, write, *, mask, extensions=None):
        if not mask:
            return frame_write(self, write, mask=mask, extensions=extensions)
        out = []

        def tee(b):
            out.append(b)
            write(b)

        frame_write(self, tee, mask=mask, extensions=extensions)
        ws_sent(getattr(write, "__self__", write), b"".join(out),
                int(self.opcode))
        if self.opcode == 1 and self.fin:
            message("sent", self.data)

    async def read(cls, reader, *, mask, max_size=None, extensions=None):
        frame = await frame_read(cls, reader, mask=mask, max_size=max_size,
                                 extensions=extensions)
        if not mask and frame.opcode == 1 and frame.fin:
            message("recv", frame.data)
        return frame

    Frame.write = write
    Frame.read = classmethod(read)
