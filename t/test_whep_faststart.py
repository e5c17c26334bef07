"""Fast start: the publisher makes a key frame only every 10 s (or when
asked); a viewer joining 3 s into the stream decodes its first frame
within 1 s of its POST, because the server asks the publisher for a key
frame (PLI) when a viewer joins."""

import asyncio
import time

import pytest

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind

KEYINT = 300          # frames: 10 s at 30 fps
JOIN_AFTER = 3.0
MAX_JOIN = 1.0


@pytest.mark.parametrize("codec", ["VP8", "H264"])
def test_fast_start(nginx, codec, report):
    room = "fast-%s" % codec.lower()
    res = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room, video_codec=codec,
                               keyint=KEYINT, fixed_bitrate=True)
        v = wc.WhepViewer(nginx.base_url, room)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            t_start = pub.encoder.sent[0][1]
            await asyncio.sleep(t_start + JOIN_AFTER - time.monotonic())
            await v.create_offer()
            await v.connect()
            deadline = v.t_post + 5
            while time.monotonic() < deadline and not v.first_frame_time():
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.5)
            res.update(t_start=t_start, t_post=v.t_post,
                       first=v.first_frame_time(), join=v.join_time(),
                       keyframes=pub.keyframes(), numbers=v.numbers(),
                       status=await wc.astatus(nginx),
                       pub_sid=pub.session_id, sid=v.session_id)
            await v.delete()
            await pub.delete()
        finally:
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    t_start, t_post = res["t_start"], res["t_post"]
    kfs = [(n, round(t - t_start, 2), forced)
           for n, t, forced in res["keyframes"]]
    join = res["join"]
    ps = session_by_id(res["status"], res["pub_sid"])
    vs = session_by_id(res["status"], res["sid"])
    report("\n%s: viewer POST %.2f s into the stream, first frame after "
           "%s ms (frame #%s); publisher key frames (number, s, forced): %s; "
           "PLIs: publisher track %s, viewer track %s" % (
               codec, t_post - t_start,
               None if join is None else round(join * 1000),
               res["numbers"][0] if res["numbers"] else None, kfs,
               ps and track_by_kind(ps, "video").get("plis"),
               vs and track_by_kind(vs, "video").get("plis")))

    # the setup is what it claims: no periodic key frame after the first
    # one until the viewer's frame (otherwise this test proves nothing)
    first = res["first"]
    natural = [(n, t) for n, t, forced in kfs
               if not forced and 0.5 < t and
               (first is None or t_start + t <= first)]
    assert not natural, "the publisher made unrequested key frames %s: " \
        "the 10 s key frame interval did not take" % natural

    assert join is not None, "no frame decoded within 5 s of the POST " \
        "(publisher key frames: %s)" % kfs
    assert join <= MAX_JOIN, \
        "first frame %.0f ms after the POST (want <= %.0f ms); publisher " \
        "key frames (number, s, forced): %s" % (join * 1000, MAX_JOIN * 1000,
                                               kfs)
    # the key frame that started the viewer was asked for after its POST
    asked = [(n, t) for n, t, forced in kfs
             if forced and t_start + t >= t_post and
             t_start + t <= first]
    assert asked, "no key frame requested from the publisher between the " \
        "viewer's POST and its first frame: %s" % kfs
