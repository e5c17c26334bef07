"""An OBS-shaped publisher: aiortc's offer rewritten the way OBS Studio's
WHIP output (libdatachannel) writes it, with the real media behind it."""

import asyncio
import time

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import (media_sections, sdp_lines, session_by_id,
                       track_by_kind)


def test_obs_shaped_publisher(nginx):
    report = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "obs", video_codec="H264",
                               munge=wc.obs_shape, rtx=False,
                               h264_profiles=("42e01f",))
        try:
            await pub.connect(timeout=15)
            report["offer"] = pub.offer_posted
            report["response"] = pub.response
            report["states"] = pub.states
            s1 = await wait_media(nginx, pub.session_id)
            t1 = time.monotonic()
            await asyncio.sleep(2)
            s2 = session_by_id(await wc.astatus(nginx), pub.session_id)
            report.update(s1=s1, s2=s2, dt=time.monotonic() - t1)
            d = await pub.delete()
            report["delete"] = d.status_code
            report["after"] = session_by_id(await wc.astatus(nginx),
                                            pub.session_id)
        finally:
            await pub.close()

    wc.run(main())
    offer = report["offer"]
    # the offer really has OBS's shape
    lines = sdp_lines(offer)
    assert not [l for l in lines if l.startswith("a=candidate")], offer
    assert "a=group:LS 0 1" in lines and "a=ice-options:ice2,trickle" \
        in lines, offer
    first_m = [i for i, l in enumerate(lines) if l.startswith("m=")][0]
    assert [l for l in lines[:first_m] if l.startswith("a=fingerprint:")]
    for _, sec in media_sections(offer):
        assert not [l for l in sec if l.startswith("a=fingerprint:")]

    r = report["response"]
    assert r.status_code == 201, (r.status_code, r.text[:300])
    assert r.text.lstrip().startswith("v=0"), r.text[:100]
    assert r.headers.get("Location"), r.headers
    print("OBS-shaped publisher states:", report["states"])

    s1, s2, dt = report["s1"], report["s2"], report["dt"]
    assert s2 and s2["state"] == "connected", s2
    a1, v1 = track_by_kind(s1, "audio"), track_by_kind(s1, "video")
    a2, v2 = track_by_kind(s2, "audio"), track_by_kind(s2, "video")
    assert a2["codec"].lower() == "opus", a2
    assert v2["codec"].upper() == "H264", v2
    assert a2["packets"] - a1["packets"] >= 35 * dt, (a1, a2, dt)
    assert v2["packets"] - v1["packets"] >= 20 * dt, (v1, v2, dt)
    assert v2["bytes"] > v1["bytes"], (v1, v2)
    assert report["delete"] == 200
    assert report["after"] is None
