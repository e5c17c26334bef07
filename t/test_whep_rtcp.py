"""RTCP on the WHEP side: a viewer's PLI reaches the publisher (a key
frame follows), and the viewer gets sender reports for its own SSRCs
whose NTP/RTP mapping matches what it receives (what lip sync needs)."""

import asyncio
import statistics
import time

import pytest

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind

NTP_UNIX = 2208988800


async def wait_first_frame(v, timeout=5):
    deadline = time.monotonic() + timeout
    while not v.first_frame_time():
        assert time.monotonic() < deadline, \
            "%s decoded no frame within %ss of connecting" % (v.name, timeout)
        await asyncio.sleep(0.05)


def test_viewer_pli_relayed(nginx, report):
    room = "pli-relay"
    res = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room, keyint=300,
                               fixed_bitrate=True)
        v = wc.WhepViewer(nginx.base_url, room)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            await wait_first_frame(v)
            # past any throttle of the join's own PLI
            await asyncio.sleep(1.5)
            before = session_by_id(await wc.astatus(nginx), v.session_id)
            recv = v.transceivers["video"].receiver
            t_pli = time.monotonic()
            await recv._send_rtcp_pli(v.media_ssrc("video"))
            await asyncio.sleep(1.0)
            res.update(t_pli=t_pli, keyframes=pub.keyframes(),
                       before=before,
                       after=session_by_id(await wc.astatus(nginx),
                                           v.session_id),
                       numbers=v.numbers(t_pli))
            await v.delete()
            await pub.delete()
        finally:
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    t_pli = res["t_pli"]
    kfs = [(n, round(t - t_pli, 3), f) for n, t, f in res["keyframes"]]
    answered = [(n, dt) for n, dt, forced in kfs if forced and 0 <= dt <= 0.5]
    b = track_by_kind(res["before"], "video")
    a = track_by_kind(res["after"], "video")
    report("\nviewer PLI: publisher key frames (number, s after the PLI, "
           "forced) %s; status plis %d -> %d" % (kfs, b["plis"], a["plis"]))
    assert answered, "no key frame from the publisher within 500 ms of the " \
        "viewer's PLI: %s" % kfs
    assert a["plis"] > b["plis"], (b, a)
    assert answered[0][0] in res["numbers"], \
        "the viewer did not decode key frame #%d" % answered[0][0]


def sr_mapping_errors(v, kind, clock):
    """For each sender report about the viewer's media SSRC of `kind`:
    the mean difference (seconds) between the RTP timestamps of the
    packets that arrived within 0.5 s of it and what the report's
    NTP/RTP pair predicts for their arrival time."""
    ssrc = v.media_ssrc(kind)
    srs = [r for r in v.sr_log if r[2] == kind and r[3] == ssrc]
    pk = v.media_rtp(kind)
    out = []
    for t_mono, _, _, _, ntp, rtp_ts, count, octets in srs:
        ntp_unix = (ntp >> 32) - NTP_UNIX + (ntp & 0xFFFFFFFF) / 2 ** 32
        errs = []
        for t, seq, ts, m, ln in pk:
            if abs(t - t_mono) > 0.5:
                continue
            wall = t + v.wall_offset
            pred = rtp_ts + (wall - ntp_unix) * clock
            d = (ts - pred) % (1 << 32)
            if d > (1 << 31):
                d -= 1 << 32
            errs.append(d / clock)
        received = len([p for p in pk if p[0] <= t_mono])
        if errs:
            out.append((round(t_mono - v.t_post, 2),
                        round(statistics.median(errs) * 1000, 1),
                        count, received))
    return out


def test_viewer_sender_reports(nginx, report):
    room = "sr-map"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            # the viewer joins late: its counts differ from the publisher's
            await asyncio.sleep(2)
            v = wc.WhepViewer(nginx.base_url, room)
            try:
                await v.connect()
                await asyncio.sleep(6)
                await v.delete()
            finally:
                await v.close()
            await pub.delete()
            return v
        finally:
            await pub.close()

    v = wc.run(main(), timeout=60)
    res = {k: sr_mapping_errors(v, k, c)
           for k, c in (("video", 90000), ("audio", 48000))}
    other = [(r[2], r[3]) for r in v.sr_log
             if r[3] not in v.answer_ssrcs(r[2])]
    report("\nsender reports to the viewer (s after POST, median error of "
           "the NTP/RTP mapping in ms, SR packet count, packets received "
           "by then):")
    for k in res:
        report("  %s: %s" % (k, res[k]))
    if other:
        report("  SRs about SSRCs not in the answer:", other[:5])
    for kind in ("video", "audio"):
        r = res[kind]
        assert len(r) >= 2, "%d sender reports about the viewer's %s SSRC " \
            "in 6 s (all SRs: %s)" % (len(r), kind,
                                      [(x[2], x[3]) for x in v.sr_log])
        worst = max(abs(e) for _, e, _, _ in r)
        assert worst < 100, "%s: the SR's NTP/RTP pair is off by up to " \
            "%.0f ms from the packets received: %s" % (kind, worst, r)
        for _, _, count, received in r:
            assert abs(count - received) <= max(10, 0.1 * received), \
                "%s: SR packet count %d, the viewer had received %d " \
                "packets (is it the publisher's count?)" % (
                    kind, count, received)
    # lip sync: both mappings agree
    dv = statistics.median(e for _, e, _, _ in res["video"])
    da = statistics.median(e for _, e, _, _ in res["audio"])
    assert abs(dv - da) < 60, "audio and video SR mappings differ by " \
        "%.0f ms" % (dv - da)


@pytest.mark.parametrize("rtx", [True, False], ids=["rtx", "nortx"])
def test_viewer_receiver_reports(nginx, report, rtx):
    """The status page's "lost", "loss" and "rtt" of a viewer's video
    track come from the viewer's receiver report block about that
    track's media SSRC (not the one about its RTX SSRC). The viewer
    throws away every 15th video packet on arrival."""
    room = "rr-%s" % ("rtx" if rtx else "nortx")
    res = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        v = wc.WhepViewer(nginx.base_url, room, rtx=rtx)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            await wait_first_frame(v)
            v.drop_every = 15
            await asyncio.sleep(5)
            t_status = time.monotonic()
            res["status"] = session_by_id(await wc.astatus(nginx),
                                          v.session_id)
            res["rr"] = [(round(t - t_status, 2), info)
                         for t, k, cls, _, info in v.rtcp_sent
                         if k == "video" and cls == "RtcpRrPacket"
                         and t < t_status][-3:]
            res.update(media=v.media_ssrc("video"),
                       ssrcs=sorted(v.answer_ssrcs("video")),
                       dropped=len(v.dropped))
            await v.delete()
            await pub.delete()
        finally:
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    vt = track_by_kind(res["status"], "video")
    media = res["media"]
    blocks = [(dt, [b for b in info if b[0] == media])
              for dt, info in res["rr"]]
    lost = [b[0][1] for _, b in blocks if b]
    frac = [b[0][2] for _, b in blocks if b]
    report("\nviewer%s dropped %d video packets; its last RRs (s before the "
           "status read, [(ssrc, cumulative lost, fraction lost)]): %s; "
           "media ssrc %d, answer ssrcs %s; status video track: lost %d, "
           "loss %d, rtt %s, nacks %d" % (
               "" if rtx else " (no RTX)", res["dropped"], res["rr"], media,
               res["ssrcs"], vt["lost"], vt["loss"], vt["rtt"],
               vt["nacks"]))
    assert res["dropped"] > 5, res["dropped"]
    assert lost, "no receiver report about the media SSRC: %s" % res["rr"]
    assert vt["lost"] in lost, \
        "status \"lost\" is %d; the viewer's last receiver reports said %s " \
        "for the media SSRC %d (all blocks: %s)" % (
            vt["lost"], lost, media, res["rr"])
    assert vt["loss"] in frac, \
        "status \"loss\" is %d; the viewer's last receiver reports said %s " \
        "for the media SSRC %d (all blocks: %s)" % (
            vt["loss"], frac, media, res["rr"])
    assert isinstance(vt["rtt"], (int, float)) and 0 <= vt["rtt"] < 100, vt
    assert vt["nacks"] > 0, vt
