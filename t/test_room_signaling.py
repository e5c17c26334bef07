"""The WebSocket signaling endpoint under bad input (docs/signaling.md):
every fault gets its error message or close code, and a participant in
the same room goes on undisturbed. A raw socket client makes the frames
that a WebSocket library would refuse to send."""

import asyncio
import base64
import json
import os
import socket
import struct
import time

import websockets


class RawWs:
    """A WebSocket client on a plain socket: it can send unmasked,
    oversized or binary frames, and not read at all."""

    def __init__(self, port, path="/ws", origin=None, rcvbuf=None):
        self.sock = socket.create_connection(("127.0.0.1", port), 5)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n" % (path, key))
        if origin:
            req += "Origin: %s\r\n" % origin
        self.sock.sendall((req + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.status = int(head.split()[1])

    def frame(self, payload, opcode=1, mask=True, fin=True):
        if isinstance(payload, str):
            payload = payload.encode()
        b0 = (0x80 if fin else 0) | opcode
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
        elif n < 65536:
            head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
        else:
            head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
        if mask:
            key = os.urandom(4)
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
            head += key
        self.sock.sendall(head + payload)

    def send_json(self, msg):
        self.frame(json.dumps(msg))

    def read(self, timeout=5):
        """-> (opcode, payload) of the next frame, or None at EOF."""
        self.sock.settimeout(timeout)
        while True:
            if len(self.buf) >= 2:
                n = self.buf[1] & 0x7f
                off = 2
                if n == 126:
                    n, = struct.unpack("!H", self.buf[2:4])
                    off = 4
                elif n == 127:
                    n, = struct.unpack("!Q", self.buf[2:10])
                    off = 10
                if len(self.buf) >= off + n:
                    op = self.buf[0] & 0x0f
                    payload = self.buf[off:off + n]
                    self.buf = self.buf[off + n:]
                    return op, payload
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return None
            self.buf += chunk

    def read_json(self, timeout=5):
        while True:
            f = self.read(timeout)
            if f is None or f[0] == 8:
                return f
            if f[0] == 1:
                return json.loads(f[1])

    def close_code(self, timeout=5):
        """Reads up to the close frame: its code (or None at EOF)."""
        while True:
            f = self.read(timeout)
            if f is None:
                return None
            if f[0] == 8:
                return struct.unpack("!H", f[1][:2])[0] if len(f[1]) >= 2 \
                    else 1005

    def join(self, room, name, token="demo"):
        self.send_json({"type": "join", "room": room, "name": name,
                        "token": token})
        return self.read_json()


def port_of(nginx):
    return nginx.http_port


def test_handshake_checks(nginx):
    # a plain GET is no upgrade
    r = nginx.request("GET", "/ws", token=None)
    assert r.status_code == 400
    # wrong version: 426 and the version we speak
    s = socket.create_connection(("127.0.0.1", nginx.http_port), 5)
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: "
              b"dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")
    head = s.recv(4096).decode()
    assert head.startswith("HTTP/1.1 426")
    assert "Sec-WebSocket-Version: 13" in head
    s.close()
    ws = RawWs(nginx.http_port)
    assert ws.status == 101


def test_bad_input_keeps_others_going(nginx, report):
    """One well-behaved participant watches a chat stream while others
    send garbage; each garbage gets its answer, the watcher misses
    nothing."""
    watcher = RawWs(nginx.http_port)
    assert watcher.join("garbage", "watcher")["type"] == "joined"
    talker = RawWs(nginx.http_port)
    assert talker.join("garbage", "talker")["type"] == "joined"
    assert watcher.read_json()["type"] == "participant-joined"

    results = {}

    # not JSON, not an object, wrong member types, unknown type
    for name, payload, code in [
            ("non-JSON", "hello", "bad-json"),
            ("JSON array", "[1,2]", "bad-json"),
            ("no type", '{"x":1}', "bad-json"),
            ("type not a string", '{"type":5}', "bad-json"),
            ("unknown type", '{"type":"dance"}', "unknown-type"),
            ("chat without text", '{"type":"chat"}', "bad-json"),
            ("chat too long", json.dumps({"type": "chat",
                                          "text": "x" * 5000}), "bad-json"),
            ("second join", json.dumps({"type": "join", "room": "garbage",
                                        "name": "again"}), "already-joined"),
            ("answer without offer", json.dumps({"type": "answer", "seq": 9,
                                                 "sdp": "v=0"}), "bad-state"),
            ("bad offer SDP", json.dumps({"type": "offer",
                                          "sdp": "v=0\r\nnonsense"}),
             "bad-sdp"),
            ("relay in an sfu room", json.dumps({"type": "offer", "to": "x",
                                                 "sdp": "v=0"}),
             "not-allowed"),
            ("deep JSON", "[" * 100 + "]" * 100, "bad-json")]:
        talker.frame(payload)
        msg = talker.read_json()
        assert msg["type"] == "error" and msg["code"] == code, (name, msg)
        results[name] = code

    # the talker is still fine: its chat reaches the watcher
    talker.send_json({"type": "chat", "text": "still here"})
    assert talker.read_json()["text"] == "still here"
    m = watcher.read_json()
    assert m["type"] == "chat" and m["text"] == "still here"

    # frames that end the connection, each on its own connection
    closes = {}
    for name, fn, want in [
            ("unmasked frame", lambda w: w.frame('{"type":"chat"}',
                                                 mask=False), 1002),
            ("binary frame", lambda w: w.frame(b"\x00\x01", opcode=2),
             1003),
            ("oversize message", lambda w: w.frame("x" * 70000), 1009),
            ("bad UTF-8", lambda w: w.frame(b'{"type":"\xff"}'), 1007),
            ("reserved opcode", lambda w: w.frame(b"", opcode=3), 1002),
            ("fragmented ping", lambda w: w.frame(b"", opcode=9, fin=False),
             1002)]:
        w = RawWs(nginx.http_port)
        assert w.join("garbage", name)["type"] == "joined"
        fn(w)
        code = w.close_code()
        assert code == want, (name, code)
        closes[name] = code

    # a wrong token: an error, then 1008
    w = RawWs(nginx.http_port)
    m = w.join("garbage", "intruder", token="wrong")
    assert m["type"] == "error" and m["code"] == "unauthorized"
    assert w.close_code() == 1008
    closes["wrong token"] = 1008

    # anything before join
    w = RawWs(nginx.http_port)
    w.send_json({"type": "chat", "text": "hi"})
    assert w.read_json()["code"] == "not-joined"

    # the watcher saw exactly the joins and leaves, and is still served
    talker.send_json({"type": "chat", "text": "after"})
    seen = []
    while True:
        m = watcher.read_json()
        seen.append(m["type"])
        if m["type"] == "chat" and m["text"] == "after":
            break
    assert set(seen) <= {"participant-joined", "participant-left", "chat"}
    report("errors: %s" % results)
    report("close codes: %s" % closes)
    log = nginx.log_text()
    assert "unmasked" in log and "closing with 1009" in log


def test_slow_reader_is_closed(nginx_factory, report):
    """A client that stops reading: its queue reaches
    webrtc_signaling_max_queue and it is closed with 1008 (what it had
    not begun to receive is dropped, the close frame follows what the
    socket holds), while the room's other reader gets every message."""
    srv = nginx_factory(extra_ws_location="webrtc_signaling_max_queue 256k;")
    slow = RawWs(srv.http_port)
    assert slow.join("slow", "slow")["type"] == "joined"

    async def main():
        fast = await websockets.connect(srv.ws_url, max_size=2 ** 22)
        await fast.send(json.dumps({"type": "join", "room": "slow",
                                    "name": "fast", "token": "demo"}))
        assert json.loads(await fast.recv())["type"] == "joined"
        text = "y" * 4000
        got = sent = 0
        t0 = time.monotonic()
        while "reads too slowly" not in srv.log_text():
            assert time.monotonic() - t0 < 30, "the slow reader stayed"
            await fast.send(json.dumps({"type": "chat", "text": text}))
            sent += 1
            m = json.loads(await asyncio.wait_for(fast.recv(), 10))
            got += m["type"] == "chat"
        # the stuck client reads again: the close frame comes after what
        # the sockets held
        code = await asyncio.get_event_loop().run_in_executor(
            None, slow.close_code, 10)
        await fast.send(json.dumps({"type": "chat", "text": "after"}))
        while True:
            m = json.loads(await asyncio.wait_for(fast.recv(), 10))
            if m["type"] == "chat" and m["text"] == "after":
                break
        await fast.close()
        return sent, got, code

    sent, got, code = asyncio.run(main())
    report("slow reader: closed with %s after %d chat messages of 4 kB; "
           "the other reader got all %d" % (code, sent, got))
    assert got == sent
    assert code == 1008


def test_room_rules(nginx_factory, report):
    """webrtc_call_room's own token, publisher_token, max, and the Origin
    allowlist."""
    srv = nginx_factory(extra_ws_location="""
        webrtc_call_room stage token=guest publisher_token=speaker max=3;
        webrtc_allow_origin http://good.example;""")

    # Origin: the allowed one, none (not a browser), another: 403
    assert RawWs(srv.http_port, origin="http://good.example").status == 101
    assert RawWs(srv.http_port).status == 101
    assert RawWs(srv.http_port, origin="http://evil.example").status == 403

    # the room's token, not webrtc_token's
    w = RawWs(srv.http_port)
    assert w.join("stage", "x", token="demo")["code"] == "unauthorized"

    speaker = RawWs(srv.http_port)
    j = speaker.join("stage", "speaker", token="speaker")
    assert j["type"] == "joined" and j["canPublish"] is True

    guest = RawWs(srv.http_port)
    j = guest.join("stage", "guest", token="guest")
    assert j["type"] == "joined" and j["canPublish"] is False

    # a guest's offer that sends is refused; one that only receives is not
    async def offers():
        from aiortc import RTCPeerConnection
        from webrtc_client import SineAudioTrack
        pc = RTCPeerConnection()
        pc.addTransceiver(SineAudioTrack(), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        send = pc.localDescription.sdp
        await pc.close()
        pc = RTCPeerConnection()
        pc.addTransceiver("audio", direction="recvonly")
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        recv = pc.localDescription.sdp
        await pc.close()
        return send, recv

    send, recv = asyncio.run(offers())
    def reply(ws):
        """the next answer or error, past room events"""
        while True:
            m = ws.read_json()
            if m["type"] in ("answer", "error"):
                return m

    guest.send_json({"type": "offer", "sdp": send})
    m = reply(guest)
    assert m["type"] == "error" and m["code"] == "not-allowed", m
    guest.send_json({"type": "offer", "sdp": recv})
    m = reply(guest)
    assert m["type"] == "answer", m

    # max=3
    third = RawWs(srv.http_port)
    assert third.join("stage", "third", token="guest")["type"] == "joined"
    fourth = RawWs(srv.http_port)
    assert fourth.join("stage", "fourth", token="guest")["code"] \
        == "room-full"
    report("room rules: room token, publisher token (guest's sending offer "
           "refused, its receiving one answered), max=3, Origin allowlist")


def test_idle_client_is_pinged(nginx):
    """A client that says nothing gets the server's empty ping after 30 s
    (NGX_HTTP_WEBRTC_WS_PING), and the connection stays open for its
    pong. (Under make test SANITIZE=1: the empty ping once copied from a
    NULL pointer, which UBSan reports.)"""
    ws = RawWs(nginx.http_port)
    assert ws.status == 101
    t0 = time.monotonic()
    f = ws.read(timeout=45)
    assert f == (9, b""), "expected an empty ping, got %r" % (f,)
    assert 25 <= time.monotonic() - t0 <= 45
    ws.frame(b"", opcode=10)
    assert ws.join("pinged", "p")["type"] == "joined"
