"""Media through WHEP: an aiortc publisher (VP8 or H.264, with Opus) and
four aiortc viewers. Every frame carries its number in the picture
(webrtc_client.draw_frame_number): each viewer reads the numbers of the
frames it decoded, and they are compared with the numbers of the frames
the publisher's encoder put on the wire during a 5 s window."""

import asyncio
import collections
import time

import pytest

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind

VIEWERS = 4
WINDOW = 5.0
GRACE = 1.5           # frames made at the end of the window still arrive
MIN_RATIO = 0.90


def window_report(pub, viewers, t0, t1):
    """-> (sent frame numbers, {viewer name: (decoded of sent, audio
    frames in the window)})"""
    sent = set(pub.frames_sent(t0, t1))
    out = {}
    for v in viewers:
        got = set(v.numbers()) & sent
        audio = len([t for t in v.audio_times if t0 <= t < t1])
        out[v.name] = (len(got), audio)
    return sent, out


async def run_room(srv, room, codec, viewers=VIEWERS):
    res = {}
    pub = wc.WhipPublisher(srv.base_url, room, video_codec=codec)
    vs = [wc.WhepViewer(srv.base_url, room, name="viewer%d" % i)
          for i in range(viewers)]
    try:
        await pub.connect()
        await wait_media(srv, pub.session_id)
        await asyncio.sleep(0.5)
        await asyncio.gather(*(v.connect() for v in vs))
        # every viewer decodes a frame
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and \
                not all(v.first_frame_time() for v in vs):
            await asyncio.sleep(0.1)
        res["joins"] = {v.name: v.join_time() for v in vs}
        t0 = time.monotonic() + 0.3
        t1 = t0 + WINDOW
        await asyncio.sleep(t1 + GRACE - time.monotonic())
        res["status"] = await wc.astatus(srv)
        res["window"] = window_report(pub, vs, t0, t1)
        res["audio_sent"] = len([t for t in pub.audio_track.produced_times
                                 if t0 <= t < t1])
        res["sizes"] = {v.name: collections.Counter(
            (w, h) for _, _, w, h in v.video_frames) for v in vs}
        res["unread"] = {v.name: sum(1 for f in v.video_frames
                                     if f[1] is None) for v in vs}
        res["sids"] = {v.name: v.session_id for v in vs}
        res["answers"] = {v.name: (v.answer_pts("video"),
                                   v.media_ssrc("video")) for v in vs}
        res["rtp_ssrcs"] = {v.name: ({s for _, k, s, *_ in v.rtp_log
                                      if k == "video"},
                                     v.answer_ssrcs("video")) for v in vs}
        res["pub_sid"] = pub.session_id
        res["keyframes"] = pub.keyframes()
        for v in vs:
            await v.delete()
        await pub.delete()
    finally:
        for v in vs:
            await v.close()
        await pub.close()
    return res


@pytest.mark.parametrize("placement", ["affinity", "spread", "spill=2"])
@pytest.mark.parametrize("codec", ["VP8", "H264"])
def test_four_viewers(nginx_factory, codec, placement, report):
    srv = nginx_factory(placement=placement)
    room = "fan-%s-%s" % (codec.lower(), placement.replace("=", ""))
    res = wc.run(run_room(srv, room, codec), timeout=90)

    sent, per_viewer = res["window"]
    st = res["status"]
    report("\n%s, %s placement: publisher sent %d video frames and %d audio "
           "frames in %.0f s" % (codec, placement, len(sent),
                                 res["audio_sent"], WINDOW))
    viewers = {}
    for name, sid in res["sids"].items():
        s = session_by_id(st, sid)
        viewers[name] = s
        got, audio = per_viewer[name]
        vt = track_by_kind(s, "video") if s else None
        report("  %s: worker %s, decoded %d/%d frames (%.1f%%), %d audio "
               "frames, join %s ms, unreadable frames %d, sizes %s, server "
               "sent %s video packets" % (
                   name, s and s.get("worker"), got, len(sent),
                   100.0 * got / max(len(sent), 1), audio,
                   None if res["joins"][name] is None
                   else round(res["joins"][name] * 1000),
                   res["unread"][name], dict(res["sizes"][name]),
                   vt and vt.get("packets")))
    report("  publisher key frames (number, forced by PLI):",
           [(n, f) for n, _, f in res["keyframes"]])

    assert len(sent) >= 25 * WINDOW, \
        "the publisher encoded only %d frames in %.0f s" % (len(sent), WINDOW)
    for name, (got, audio) in per_viewer.items():
        assert res["joins"][name] is not None, \
            "%s decoded no video frame at all" % name
        assert got >= MIN_RATIO * len(sent), \
            "%s decoded %d of the %d frames sent (%.1f%%)" % (
                name, got, len(sent), 100.0 * got / len(sent))
        assert audio >= 0.8 * res["audio_sent"], \
            "%s decoded %d audio frames, the publisher made %d" % (
                name, audio, res["audio_sent"])
        assert set(res["sizes"][name]) == {(320, 240)}, res["sizes"][name]

    # the status page: viewers, their workers, what was sent to them
    pub = session_by_id(st, res["pub_sid"])
    assert pub and pub.get("kind") == "whip", pub
    for name, s in viewers.items():
        assert s is not None, "%s not on the status page" % name
        assert s.get("kind") == "whep" and s.get("state") == "connected", s
        assert s["port"] == srv.udp_base + s["worker"], s
        vt, at = track_by_kind(s, "video"), track_by_kind(s, "audio")
        assert vt and at, s
        assert vt["codec"].upper() == codec, vt
        pts, ssrc = res["answers"][name]
        assert vt["pt"] == pts[codec], (vt, pts)
        assert vt["ssrc"] == ssrc, (vt, ssrc)
        seen, announced = res["rtp_ssrcs"][name]
        assert seen <= announced, \
            "%s got video RTP on SSRCs %s, the answer announced %s" % (
                name, seen, announced)
        assert vt["packets"] > 0 and vt["bytes"] > vt["packets"] * 50, vt
        assert at["packets"] > 0, at
    workers = collections.Counter(s["worker"] for s in viewers.values())
    report("  viewers per worker:", dict(workers), "publisher on worker",
           pub["worker"])
    if placement == "affinity":
        assert set(workers) == {pub["worker"]}, \
            "affinity: viewers on workers %s, the publisher on %d" % (
                dict(workers), pub["worker"])
    elif placement == "spread":
        assert sorted(workers.items()) == [(0, 2), (1, 2)], \
            "spread: viewers per worker %s, want 2 and 2" % dict(workers)
    else:
        # two on the room's worker, then the others spill to the other
        assert workers[pub["worker"]] == 2 and len(workers) == 2, \
            "spill=2: viewers per worker %s, publisher on %d" % (
                dict(workers), pub["worker"])
