"""5% random loss on the path from the server to one viewer (nftables,
on that viewer's UDP port only: the publisher is untouched). The server
answers the viewer's NACKs from its buffer (RTX), so the viewer still
decodes at least 90% of the frames, and the status page counts the
retransmissions ("nacks") on the viewer's video track. (Whether the
status page's "lost"/"loss" follow the viewer's receiver reports is
test_whep_rtcp.py's business.)"""

import asyncio
import time

import pytest

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind

LOSS = 5              # percent
WINDOW = 5.0
GRACE = 1.5
MIN_RATIO = 0.90


def late_packets(v):
    """Media packets (not RTX) that arrived after a higher sequence
    number: retransmissions when no RTX was negotiated."""
    top, late = None, 0
    for _, seq, *_ in v.media_rtp("video"):
        if top is not None and ((seq - top) & 0xFFFF) > 0x8000:
            late += 1
        else:
            top = seq
    return late


@pytest.mark.parametrize("codec,rtx", [("VP8", True), ("H264", True),
                                       ("VP8", False)],
                         ids=["VP8-rtx", "H264-rtx", "VP8-nortx"])
def test_viewer_loss(nginx, nft_loss, report, codec, rtx):
    room = "lossy-%s-%s" % (codec.lower(), "rtx" if rtx else "nortx")
    res = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room, video_codec=codec)
        v = wc.WhepViewer(nginx.base_url, room, rtx=rtx)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not v.first_frame_time():
                await asyncio.sleep(0.05)
            assert v.first_frame_time(), "no frame before the loss started"
            s = session_by_id(await wc.astatus(nginx), v.session_id)
            assert s is not None, "viewer not on the status page"
            res["ports"] = (s["port"], v.local_port)
            ps = session_by_id(await wc.astatus(nginx), pub.session_id)
            res["pub_port"] = ps["port"]
            nft_loss.install(s["port"], v.local_port, LOSS)
            before = session_by_id(await wc.astatus(nginx), v.session_id)
            t0 = time.monotonic() + 0.5
            t1 = t0 + WINDOW
            await asyncio.sleep(t1 + GRACE - time.monotonic())
            res["nft"] = nft_loss.counts()
            nft_loss.remove()
            t_status = time.monotonic()
            st = await wc.astatus(nginx)
            sent = set(pub.frames_sent(t0, t1))
            res.update(sent=sent, got=set(v.numbers()) & sent,
                       before=before, after=session_by_id(st, v.session_id),
                       pub=session_by_id(st, pub.session_id),
                       client=await v.stats(),
                       rr=[(round(t - t0, 2), info) for t, k, cls, _, info
                           in v.rtcp_sent if k == "video"
                           and cls == "RtcpRrPacket" and t < t_status][-3:],
                       ssrcs=(v.media_ssrc("video"),
                              v.answer_ssrcs("video")),
                       rtx=len(v.rtx_rtp("video")) if rtx
                       else late_packets(v),
                       retries=v.nack_retries,
                       audio=len([t for t in v.audio_times
                                  if t0 <= t < t1]),
                       unread=sum(1 for f in v.video_frames
                                  if f[1] is None and t0 <= f[0]),
                       pub_stats=await pub.stats())
            await v.delete()
            await pub.delete()
        finally:
            nft_loss.remove()
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    seen, dropped = res["nft"]
    sent, got = res["sent"], res["got"]
    b = track_by_kind(res["before"], "video")
    a = track_by_kind(res["after"], "video")
    aa = track_by_kind(res["after"], "audio")
    pv = track_by_kind(res["pub"], "video")
    report("\n%s%s with %d%% loss to the viewer (server port %d -> viewer port "
           "%d; publisher on port %d): nftables dropped %d of %d packets "
           "(%.1f%%)" % (codec, "" if rtx else " (no RTX)", LOSS,
                         res["ports"][0], res["ports"][1],
                         res["pub_port"], dropped, seen,
                         100.0 * dropped / max(seen, 1)))
    report("  decoded %d/%d frames (%.1f%%), unreadable frames %d, %d audio "
           "frames, %d %s, %d NACK retries" % (
               len(got), len(sent), 100.0 * len(got) / max(len(sent), 1),
               res["unread"], res["audio"], res["rtx"],
               "RTX packets received" if rtx else
               "late (retransmitted) packets received", res["retries"]))
    report("  server, viewer video track: packets %d, nacks (resent) %d "
           "(+%d in the window), plis %d, lost %d, loss %d/256, rtt %s ms"
           % (a["packets"], a["nacks"], a["nacks"] - b["nacks"], a["plis"],
              a["lost"], a["loss"], a["rtt"]))
    report("  server, viewer audio track: lost %d, loss %d/256"
           % (aa["lost"], aa["loss"]))
    report("  viewer's own stats:", res["client"])
    report("  viewer's last video RRs (s, [(ssrc, cumulative lost, fraction "
           "lost)]): %s; media ssrc %s, answer ssrcs %s"
           % (res["rr"], res["ssrcs"][0], sorted(res["ssrcs"][1])))
    report("  publisher video track: packets %d, lost %d, nacks %d"
           % (pv["packets"], pv["lost"], pv["nacks"]))

    # the loss was really imposed, on this flow only
    assert seen > 200, "the nftables rule saw only %d packets: wrong " \
        "ports %s?" % (seen, res["ports"])
    assert dropped >= 0.02 * seen, \
        "nftables dropped %d of %d packets" % (dropped, seen)
    assert pv["lost"] == 0, "the publisher's path lost packets: %s" % pv

    assert len(sent) >= 25 * WINDOW, len(sent)
    assert len(got) >= MIN_RATIO * len(sent), \
        "decoded %d of the %d frames sent (%.1f%%) with %d%% loss" % (
            len(got), len(sent), 100.0 * len(got) / len(sent), LOSS)
    assert res["audio"] > 0, "no audio decoded under loss"
    assert a["nacks"] > b["nacks"], \
        "the status page shows no retransmission to the viewer (nacks " \
        "%d before the loss, %d after)" % (b["nacks"], a["nacks"])
    if rtx:
        assert res["rtx"] > 0, "the viewer received no RTX packet"
    else:
        assert res["rtx"] > 0, "no retransmission reached the viewer " \
            "(no RTX negotiated: the original packet again)"
