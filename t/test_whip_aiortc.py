"""Publishing real media with aiortc: VP8 or H.264 video + Opus audio over
ICE, DTLS and SRTP; the status page counts what arrives."""

import asyncio
import time

import pytest

import webrtc_client as wc
from conftest import read_sdp
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind

CHROME = "chromium-156-whip-offer.sdp"


def offer_ssrcs(sdp):
    """{mid: first a=ssrc of the section}"""
    out, mid = {}, None
    for l in sdp.replace("\r\n", "\n").split("\n"):
        if l.startswith("m="):
            mid = None
        elif l.startswith("a=mid:"):
            mid = l[6:]
        elif l.startswith("a=ssrc:") and mid is not None and mid not in out:
            out[mid] = int(l[7:].split()[0])
    return out


@pytest.mark.parametrize("codec", ["VP8", "H264"])
def test_publish(nginx, codec):
    room = "live-%s" % codec.lower()
    report = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room, video_codec=codec)
        try:
            await pub.connect(timeout=15)
            sid = pub.session_id
            report["states"] = pub.states
            s1 = await wait_media(nginx, sid)
            t1 = time.monotonic()
            await asyncio.sleep(2)
            s2 = session_by_id(await wc.astatus(nginx), sid)
            dt = time.monotonic() - t1
            client = await pub.stats()
            report.update(s1=s1, s2=s2, dt=dt, client=client,
                          offer=pub.offer_posted, answer=pub.answer)
            d = await pub.delete()
            after = await wc.astatus(nginx)
            report.update(delete=(d.status_code, d.text), after=after,
                          sid=sid)
        finally:
            await pub.close()

    wc.run(main())
    s1, s2, sid = report["s1"], report["s2"], report["sid"]
    print("connected after", report["states"])

    assert s1["room"] == room and s1["kind"] == "whip", s1
    assert s2 is not None, "session vanished while publishing"
    assert s2["state"] == "connected", s2
    assert len(s2["tracks"]) == 2, s2["tracks"]
    a1, v1 = track_by_kind(s1, "audio"), track_by_kind(s1, "video")
    a2, v2 = track_by_kind(s2, "audio"), track_by_kind(s2, "video")
    assert a2["codec"].lower() == "opus", a2
    assert v2["codec"].upper() == codec, v2
    assert a2["mid"] == "0" and v2["mid"] == "1", (a2, v2)

    ssrcs = offer_ssrcs(report["offer"])
    assert a2["ssrc"] == ssrcs["0"], (a2, ssrcs)
    assert v2["ssrc"] == ssrcs["1"], (v2, ssrcs)

    dt = report["dt"]
    da = a2["packets"] - a1["packets"]
    dv = v2["packets"] - v1["packets"]
    print("%s: in %.1f s audio +%d packets +%d bytes, video +%d packets "
          "+%d bytes" % (codec, dt, da, a2["bytes"] - a1["bytes"], dv,
                         v2["bytes"] - v1["bytes"]))
    # Opus: 50 packets/s; video: 30 frames/s, at least a packet each
    assert da >= 35 * dt, "audio packets grew by %d in %.1fs" % (da, dt)
    assert dv >= 20 * dt, "video packets grew by %d in %.1fs" % (dv, dt)
    assert a2["bytes"] - a1["bytes"] > da * 20, (a1, a2)
    assert v2["bytes"] - v1["bytes"] > dv * 50, (v1, v2)
    # the server cannot count more than aiortc sent
    client = report["client"]
    assert a2["packets"] <= client["audio"]["packetsSent"], (a2, client)
    assert v2["packets"] <= client["video"]["packetsSent"], (v2, client)
    assert a2["lost"] == 0 and v2["lost"] == 0, (a2, v2)

    code, body = report["delete"]
    assert code == 200, (code, body)
    assert session_by_id(report["after"], sid) is None, \
        "session still listed right after DELETE: %s" % report["after"]
    live = [r for r in report["after"]["rooms"]
            if r["name"] == room and r.get("publisher")]
    assert not live, live

    # the room is free again
    r = nginx.whip_post(room, read_sdp(CHROME))
    assert r.status_code == 201, (r.status_code, r.text[:300])
    assert nginx.whip_delete(r.headers["Location"]).status_code == 200


def test_status_room_entry(nginx):
    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "roomy")
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            st = await wc.astatus(nginx)
            await pub.delete()
            return pub.session_id, st
        finally:
            await pub.close()

    sid, st = wc.run(main())
    rooms = [r for r in st["rooms"] if r["name"] == "roomy"]
    assert len(rooms) == 1, st["rooms"]
    assert rooms[0]["publisher"] == sid, rooms
    assert rooms[0]["sessions"] == 1, rooms
    s = session_by_id(st, sid)
    assert "port" in s, "status session has no \"port\": %s" % s
    assert s["port"] == nginx.udp_base + s["worker"], s


def test_second_publisher_409(nginx):
    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "busy")
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            loop = asyncio.get_running_loop()
            r = await loop.run_in_executor(
                None, nginx.whip_post, "busy", read_sdp(CHROME))
            st = await wc.astatus(nginx)
            s = session_by_id(st, pub.session_id)
            await pub.delete()
            return r, st, s
        finally:
            await pub.close()

    r, st, s = wc.run(main())
    try:
        assert r.status_code == 409, (r.status_code, r.text[:300])
    finally:
        if r.status_code == 201:
            nginx.whip_delete(r.headers["Location"])
    busy = [x for x in st["sessions"] if x["room"] == "busy"]
    assert len(busy) == 1, "the refused POST left a session: %s" % busy
    assert s and s["state"] == "connected", \
        "the first publisher was disturbed: %s" % s


def test_receiver_reports(nginx):
    """The server sends RTCP receiver reports for both tracks (aiortc
    turns them into remote-inbound-rtp stats)."""

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "rr")
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                st = await pub.stats()
                if st["audio"]["remote"] and st["video"]["remote"]:
                    break
                await asyncio.sleep(0.5)
            await pub.delete()
            return st
        finally:
            await pub.close()

    st = wc.run(main())
    print("aiortc sender stats:", st)
    for kind in ("audio", "video"):
        assert st[kind]["remote"] is not None, \
            "no RTCP receiver report for %s within 8 s" % kind
        assert st[kind]["remote"]["packetsLost"] == 0, st[kind]


def test_two_rooms_at_once(nginx):
    """Two publishers in two rooms, both counted (with 2 workers they may
    land on different workers: the status page shows both)."""

    async def main():
        pubs = [wc.WhipPublisher(nginx.base_url, "duo-%d" % i)
                for i in range(2)]
        try:
            await asyncio.gather(*(p.connect() for p in pubs))
            ss = [await wait_media(nginx, p.session_id) for p in pubs]
            for p in pubs:
                await p.delete()
            return ss
        finally:
            for p in pubs:
                await p.close()

    ss = wc.run(main())
    print("workers:", [s["worker"] for s in ss])
    assert {s["room"] for s in ss} == {"duo-0", "duo-1"}
