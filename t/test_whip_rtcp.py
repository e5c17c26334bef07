"""RTCP feedback from the server to a publisher: receiver reports, and
NACKs for packets the publisher really failed to send (aiortc drops the
first transmission of some of its own video packets; its retransmissions
go out when the server asks for them)."""

import asyncio
import time

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind


def test_nack_for_lost_packets(nginx):
    out = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "nack", video_codec="VP8")
        try:
            await pub.connect()
            pub.record_rtcp()
            await wait_media(nginx, pub.session_id)
            pub.drop_outgoing("video", every=25)
            await asyncio.sleep(4)
            pub.dropping = False
            # give the last NACKs time to arrive
            await asyncio.sleep(1.5)
            out["dropped"] = list(pub.dropped)
            out["status"] = session_by_id(await wc.astatus(nginx),
                                          pub.session_id)
            out["log"] = list(pub.rtcp_log)
            await pub.delete()
        finally:
            await pub.close()

    wc.run(main())
    dropped = out["dropped"]
    log = out["log"]
    nacked = set()
    for t, kind, name, fmt, info in log:
        if name == "RtcpRtpfbPacket" and fmt == 1 and kind == "video":
            nacked.update(info or [])
    kinds = {}
    for t, kind, name, fmt, info in log:
        kinds[(kind, name, fmt)] = kinds.get((kind, name, fmt), 0) + 1
    print("RTCP received from the server:", kinds)
    print("dropped %d video packets: %s" % (len(dropped), dropped))
    print("NACKed: %s" % sorted(nacked))
    assert len(dropped) >= 5, "the test dropped too few packets: %s" % dropped
    missing = [s for s in dropped if s not in nacked]
    assert len(missing) <= len(dropped) // 5, \
        "the server did not NACK %d of %d dropped packets: %s" % (
            len(missing), len(dropped), missing)
    bogus = sorted(nacked - set(dropped))
    assert not bogus, "the server NACKed packets that were sent: %s" % bogus
    v = track_by_kind(out["status"], "video")
    assert v["nacks"] > 0, "status counts no NACKs: %s" % v
    print("video track in status:", v)


def test_rtcp_receiver_reports_per_track(nginx):
    """At least one RR a second or so per track, reporting no loss."""

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "rr2", video_codec="VP8")
        try:
            await pub.connect()
            pub.record_rtcp()
            t0 = time.monotonic()
            await asyncio.sleep(5)
            log = list(pub.rtcp_log)
            await pub.delete()
            return log, time.monotonic() - t0
        finally:
            await pub.close()

    log, dt = wc.run(main())
    for kind in ("audio", "video"):
        rrs = [x for x in log if x[1] == kind and x[2] in
               ("RtcpRrPacket", "RtcpSrPacket")]
        print("%s: %d receiver reports in %.1f s, e.g. %s"
              % (kind, len(rrs), dt, rrs[-1:] if rrs else None))
        assert len(rrs) >= 2, "%s: %d RRs in %.1f s" % (kind, len(rrs), dt)
        for _, _, _, _, reports in rrs:
            for ssrc, lost, lsr, dlsr in reports or []:
                assert lost == 0, reports


def test_keyframe_request_at_start(nginx):
    """A new video stream is asked for a keyframe (PLI; aiortc offers
    'nack pli'), and not flooded with requests."""

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "pli", video_codec="VP8",
                               record_rtcp=True)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await asyncio.sleep(4)
            st = session_by_id(await wc.astatus(nginx), pub.session_id)
            log = list(pub.rtcp_log)
            await pub.delete()
            return log, st
        finally:
            await pub.close()

    log, st = wc.run(main())
    plis = [x for x in log if x[1] == "video" and x[2] == "RtcpPsfbPacket"
            and x[3] == 1]
    print("PLIs received at (s after POST):", [x[0] for x in plis])
    print("video track in status:", track_by_kind(st, "video"))
    assert plis, "no PLI for the new video stream; RTCP seen: %s" % sorted(
        {(x[1], x[2], x[3]) for x in log})
    assert plis[0][0] < 3, "first PLI only %.1f s after the POST" % plis[0][0]
    assert len(plis) <= 10, "%d PLIs in ~5 s: not throttled" % len(plis)
    v = track_by_kind(st, "video")
    assert v.get("plis", 0) >= 1, "status counts no PLI: %s" % v
