"""Faults survived and abuse refused: a worker killed with SIGKILL, a
reload during a call, a shared memory zone too small, floods of bad STUN,
garbage SRTP, absurd offers, guessed resource URLs."""

import asyncio
import os
import secrets
import signal
import socket
import time

import pytest
import requests

from conftest import NginxServer, read_sdp, wait_for
from webrtc_client import WhipPublisher, WhepViewer, run, wait_media
from whip_util import ice_credentials, host_candidates, stun_check


def _session(status, sid):
    for s in status.get("sessions", []):
        if s["id"] == sid:
            return s
    return None


def _video_packets(status, sid):
    s = _session(status, sid)
    if not s:
        return None
    return sum(t["packets"] for t in s["tracks"] if t["kind"] == "video")


def _allow_killed_workers(srv):
    """This test kills workers on purpose: only other deaths by signal
    count as crashes."""
    orig = srv.crash_lines

    def crash_lines(offset=0):
        return [l for l in orig(offset) if "signal 9" not in l]

    srv.crash_lines = crash_lines


def test_kill_worker(nginx_factory, report):
    """kill -9 of the worker holding one room: the master respawns it, the
    other worker's session goes on untouched, every worker answers HTTP,
    the dead worker's session leaves the status page, and the room takes
    a new publisher."""
    srv = nginx_factory()
    _allow_killed_workers(srv)

    async def scenario():
        a = WhipPublisher(srv.base_url, "killed")
        b = WhipPublisher(srv.base_url, "survivor")
        await a.connect()
        await b.connect()
        sa = await wait_media(srv, a.session_id)
        sb = await wait_media(srv, b.session_id)

        # two rooms land on the two workers (fewest sessions first)
        assert sa["worker"] != sb["worker"], (sa, sb)

        victim = sa["pid"]
        before = _video_packets(srv.status(), b.session_id)
        os.kill(victim, signal.SIGKILL)
        t_kill = time.monotonic()

        # every worker answers HTTP within 2 s
        for _ in range(8):
            r = requests.get(srv.url("/webrtc/status"), timeout=2)
            assert r.status_code == 200

        gone = None
        while time.monotonic() - t_kill < 5:
            st = srv.status()
            if _session(st, a.session_id) is None:
                gone = time.monotonic() - t_kill
                break
            await asyncio.sleep(0.2)

        assert gone is not None, "the dead worker's session is still listed"
        report("killed worker's session gone from status after %.1f s"
               % gone)

        await asyncio.sleep(1.5)
        after = _video_packets(srv.status(), b.session_id)
        assert after is not None and after > before + 20, (before, after)
        report("the other worker's publisher: %d -> %d video packets"
               % (before, after))

        # the master respawned a worker in the slot
        pids = srv.worker_pids()
        assert victim not in pids and len(pids) == 2, pids

        await a.close()
        c = WhipPublisher(srv.base_url, "killed")
        await c.connect()
        await wait_media(srv, c.session_id)

        for p in (b, c):
            await p.delete()
            await p.close()

    run(scenario())


def test_reload_keeps_sessions(nginx_factory, report):
    """nginx -s reload three times during a call: the publisher and the
    viewer stay connected and frames keep arriving; new workers take the
    other bank of ports."""
    srv = nginx_factory()

    async def scenario():
        pub = WhipPublisher(srv.base_url, "reload")
        await pub.connect()
        await wait_media(srv, pub.session_id)
        viewer = WhepViewer(srv.base_url, "reload")
        await viewer.connect()
        await asyncio.sleep(1.5)

        counts = [len(viewer.video_frames)]
        for i in range(3):
            os.kill(srv.proc.pid, signal.SIGHUP)
            await asyncio.sleep(2.5)
            counts.append(len(viewer.video_frames))

        report("viewer frames across 3 reloads: %s" % counts)
        for i in range(1, len(counts)):
            assert counts[i] > counts[i - 1] + 20, counts

        assert viewer.state == "connected" and pub.state == "connected"

        st = srv.status()
        assert _session(st, pub.session_id) is not None
        assert _session(st, viewer.session_id) is not None

        # a new publisher after the reloads is served on the new bank
        other = WhipPublisher(srv.base_url, "after-reload")
        await other.connect()
        s = await wait_media(srv, other.session_id)
        assert s["port"] >= srv.udp_base + 2, s["port"]

        for p in (viewer, pub, other):
            await p.delete()
            await p.close()

    run(scenario())


def test_zone_exhausted(nginx_factory, report):
    """A tiny shared memory zone: clean 503s with Retry-After and a log
    line, and new sessions again once others end."""
    srv = nginx_factory(zone="64k")
    offer = read_sdp("chromium-156-whip-offer.sdp")

    created = []
    refused = None
    for i in range(200):
        r = srv.whip_post("room%d" % i, offer)
        if r.status_code == 201:
            created.append(r.headers["Location"])
            continue
        refused = r
        break

    assert refused is not None, "200 sessions fit in a 64k zone?"
    assert refused.status_code == 503, refused.status_code
    assert refused.headers.get("Retry-After")
    assert "shared memory zone is full" in srv.log_text()
    report("a 64k zone held %d sessions, then 503" % len(created))

    for loc in created:
        assert srv.whip_delete(loc).status_code == 200

    r = srv.whip_post("again", offer)
    assert r.status_code == 201, r.status_code


def test_sessions_per_client(nginx_factory, report):
    """webrtc_max_sessions_per_client: one address gets 429 with
    Retry-After past its limit, counted across rooms, publishers and
    viewers; a session ended makes room again."""
    srv = nginx_factory(extra_location="webrtc_max_sessions_per_client 3;",
                        extra_whep_location="webrtc_max_sessions_per_client "
                                            "3;")
    offer = read_sdp("chromium-156-whip-offer.sdp")

    created = [srv.whip_post("perip%d" % i, offer) for i in range(3)]
    assert [r.status_code for r in created] == [201, 201, 201]

    r = srv.whip_post("perip9", offer)
    assert r.status_code == 429, r.status_code
    assert r.headers.get("Retry-After")
    assert "too many sessions" in r.text
    assert "this client has its 3 sessions" in srv.log_text()

    assert srv.whip_delete(created[0].headers["Location"]).status_code \
        == 200
    r = srv.whip_post("perip9", offer)
    assert r.status_code == 201, r.status_code
    report("per client: 3 sessions, the 4th got 429 with Retry-After, "
           "one deleted let the next in")


def test_stun_flood_gets_no_reply(nginx, report):
    """Thousands of binding requests with a wrong key or an unknown ufrag:
    not one reply; the right key still gets one."""
    offer = read_sdp("chromium-156-whip-offer.sdp")
    r = nginx.whip_post("flood", offer)
    assert r.status_code == 201
    ufrag, pwd = ice_credentials(r.text)
    client_ufrag, _ = ice_credentials(offer)
    addr = host_candidates(r.text)[0]

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.01)
    replies = 0
    try:
        for i in range(2000):
            key = secrets.token_hex(16).encode()
            user = ufrag if i % 2 else secrets.token_hex(4)
            sock.sendto(bytes(stun_check(user, client_ufrag, key)), addr)
            try:
                sock.recvfrom(2048)
                replies += 1
            except socket.timeout:
                pass

        sock.settimeout(1.5)
        time.sleep(0.2)
        try:
            while True:
                sock.recvfrom(2048)
                replies += 1
        except socket.timeout:
            pass

        assert replies == 0, "%d replies to bad STUN" % replies

        sock.sendto(bytes(stun_check(ufrag, client_ufrag, pwd.encode())), addr)
        data, _ = sock.recvfrom(2048)
        assert data[:2] == b"\x01\x01", data[:4]
    finally:
        sock.close()
    report("2000 bad binding requests: %d replies" % replies)


def test_garbage_from_latched_address(nginx, report):
    """A peer that passed ICE and then sends junk that looks like DTLS and
    SRTP: dropped, and another publisher's media goes on."""

    async def scenario():
        pub = WhipPublisher(nginx.base_url, "bystander")
        await pub.connect()
        await wait_media(nginx, pub.session_id)

        offer = read_sdp("firefox-esr-153-whip-offer.sdp")
        r = nginx.whip_post("junk", offer)
        assert r.status_code == 201
        ufrag, pwd = ice_credentials(r.text)
        client_ufrag, _ = ice_credentials(offer)
        addr = host_candidates(r.text)[0]

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(1.5)
        sock.sendto(bytes(stun_check(ufrag, client_ufrag, pwd.encode())), addr)
        sock.recvfrom(2048)

        before = _video_packets(nginx.status(), pub.session_id)
        for i in range(3000):
            first = (22, 23, 128, 144, 191, 0x80 | 0x40)[i % 6]
            size = 12 + (i * 7) % 1300
            sock.sendto(bytes([first]) + os.urandom(size), addr)
        sock.close()
        await asyncio.sleep(1.5)

        after = _video_packets(nginx.status(), pub.session_id)
        assert after > before + 20, (before, after)
        junk = _session(nginx.status(), r.headers["Location"][-32:])
        assert junk and all(t["packets"] == 0 for t in junk["tracks"]), junk
        report("3000 junk datagrams; the bystander went %d -> %d packets"
               % (before, after))

        await pub.delete()
        await pub.close()
        nginx.whip_delete(r.headers["Location"])

    run(scenario())


def _offer_with_mlines(n):
    """A real offer followed by n small audio sections (under the 64 KB a
    body may have, so that the parser, not the size limit, refuses it)."""
    base = read_sdp("obs-shaped-libdatachannel-whip-offer.sdp")
    out = [base]
    for i in range(n):
        out.append("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:x%d\r\n" % i)
    body = "".join(out)
    assert len(body) < 65536
    return body


@pytest.mark.parametrize("what,body,status", [
    ("1000 m-lines", lambda: _offer_with_mlines(1000), 400),
    ("payload type 300", lambda: read_sdp(
        "obs-shaped-libdatachannel-whip-offer.sdp").replace(
        "a=rtpmap:111 ", "a=rtpmap:300 "), 400),
    ("extmap id 999", lambda: read_sdp(
        "chromium-156-whip-offer.sdp").replace(
        "a=extmap:4 ", "a=extmap:999 "), 400),
    ("100 KB offer", lambda: read_sdp(
        "chromium-156-whip-offer.sdp") + "a=x:" + "y" * 100000 + "\r\n",
     413),
    ("10 MB offer", lambda: "v=0\r\n" + "a=x\r\n" * (10 * 1024 * 1024 // 5),
     413),
])
def test_absurd_offers(nginx, what, body, status):
    r = nginx.whip_post("absurd", body())
    assert r.status_code == status, (what, r.status_code, r.text[:200])
    assert not [s for s in nginx.status()["sessions"]
                if s["room"] == "absurd"]


def test_guessed_resource(nginx):
    for method in ("DELETE", "PATCH"):
        for kind in ("whip", "whep"):
            r = nginx.request(method, "/%s/room/%s" % (kind,
                                                       secrets.token_hex(16)),
                              headers={"Content-Type":
                                       "application/trickle-ice-sdpfrag"},
                              data="a=candidate:1 1 udp 1 127.0.0.1 9 typ "
                                   "host\r\n")
            assert r.status_code == 404, (method, kind, r.status_code)
