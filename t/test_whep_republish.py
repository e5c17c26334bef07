"""A publisher that leaves (DELETE) and comes back (a new WHIP POST into
the same room): the viewers keep their WHEP sessions, resume decoding
within 2 s of the new publisher connecting, and see one continuous RTP
stream (sequence numbers and timestamps)."""

import asyncio
import time

import pytest

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import session_by_id

VIEWERS = 2
GAP = 1.0             # seconds without a publisher
MAX_RESUME = 2.0
WINDOW = 3.0


def unwrap(seqs):
    out, base, last = [], 0, None
    for s in seqs:
        if last is not None:
            if s - last < -30000:
                base += 65536
            elif s - last > 30000:
                base -= 65536
        last = s
        out.append(s + base)
    return out


def switch_point(packets, t_split):
    """(last packet before t_split, first packet after) of
    [(time, seq, ts, marker, len)]."""
    before = [p for p in packets if p[0] < t_split]
    after = [p for p in packets if p[0] >= t_split]
    return (before[-1] if before else None), (after[0] if after else None)


def continuity(v, kind, t_split):
    pk = v.media_rtp(kind)
    seqs = unwrap([p[1] for p in pk])
    recovered = set()
    if kind == "video":
        base = seqs[0] - pk[0][1] if seqs else 0
        for _, _, osn in v.rtx_rtp(kind):
            # place the original seq next to the media seqs
            cand = [osn + base + k * 65536 for k in (-1, 0, 1)]
            recovered.add(min(cand, key=lambda c: abs(c - seqs[-1])))
    have = set(seqs) | recovered
    holes = (max(have) - min(have) + 1 - len(have)) if have else None
    back = sum(1 for a, b in zip(seqs, seqs[1:]) if b <= a)
    a, b = switch_point(list(zip([p[0] for p in pk], seqs,
                                 [p[2] for p in pk])), t_split)
    return dict(packets=len(pk), holes=holes, backwards=back,
                seq_jump=None if not (a and b) else b[1] - a[1],
                ts_jump=None if not (a and b) else (b[2] - a[2]) % (1 << 32),
                time_gap=None if not (a and b) else b[0] - a[0])


@pytest.mark.parametrize("codec", ["VP8", "H264"])
def test_republish(nginx, codec, report):
    room = "again-%s" % codec.lower()
    res = {}

    async def main():
        pub1 = wc.WhipPublisher(nginx.base_url, room, video_codec=codec)
        pub2 = wc.WhipPublisher(nginx.base_url, room, video_codec=codec)
        vs = [wc.WhepViewer(nginx.base_url, room, name="viewer%d" % i)
              for i in range(VIEWERS)]
        try:
            await pub1.connect()
            await wait_media(nginx, pub1.session_id)
            await asyncio.gather(*(v.connect() for v in vs))
            await asyncio.sleep(2)
            res["before"] = {v.name: len(v.numbers()) for v in vs}
            d = await pub1.delete()
            res["delete"] = d.status_code
            t_del = time.monotonic()
            await pub1.close()
            await asyncio.sleep(GAP)
            res["during_gap"] = await wc.astatus(nginx)
            res["frames_in_gap"] = {
                v.name: len([1 for t, *_ in v.video_frames
                             if t_del + 0.3 <= t]) for v in vs}
            t_post2 = time.monotonic()
            await pub2.connect()
            t_conn2 = time.monotonic()
            deadline = t_conn2 + MAX_RESUME + 3
            while time.monotonic() < deadline and \
                    not all(v.first_frame_time(after=t_post2) for v in vs):
                await asyncio.sleep(0.05)
            t0 = time.monotonic() + 0.3
            t1 = t0 + WINDOW
            await asyncio.sleep(t1 + 1.0 - time.monotonic())
            sent = set(pub2.frames_sent(t0, t1))
            res.update(t_del=t_del, t_post2=t_post2, t_conn2=t_conn2,
                       sent=sent, status=await wc.astatus(nginx),
                       sids={v.name: v.session_id for v in vs},
                       states={v.name: list(v.states) for v in vs},
                       pub2=pub2.session_id,
                       keyframes2=pub2.keyframes())
            for v in vs:
                first = v.first_frame_time(after=t_post2)
                res.setdefault("resume", {})[v.name] = \
                    None if first is None else first - t_conn2
                res.setdefault("decoded", {})[v.name] = \
                    len(set(v.numbers(t_post2)) & sent)
                res.setdefault("audio", {})[v.name] = len(
                    [t for t in v.audio_times if t >= t_post2])
                res.setdefault("cont", {})[v.name] = {
                    k: continuity(v, k, (t_del + t_post2) / 2)
                    for k in ("video", "audio")}
            for v in vs:
                await v.delete()
            await pub2.delete()
        finally:
            for v in vs:
                await v.close()
            await pub1.close()
            await pub2.close()

    wc.run(main(), timeout=90)
    report("\n%s: publisher 2 connected %.0f ms after its POST; key frames "
           "of publisher 2: %s" % (
               codec, (res["t_conn2"] - res["t_post2"]) * 1000,
               [(n, f) for n, _, f in res["keyframes2"]]))
    for name in res["sids"]:
        r = res["resume"][name]
        report("  %s: frames before %d, during the gap %d; resumed %s ms "
               "after publisher 2 connected; decoded %d/%d of its frames; "
               "%d audio frames; continuity %s" % (
                   name, res["before"][name], res["frames_in_gap"][name],
                   None if r is None else round(r * 1000),
                   res["decoded"][name], len(res["sent"]),
                   res["audio"][name], res["cont"][name]))

    assert res["delete"] == 200
    gap = res["during_gap"]
    for name, sid in res["sids"].items():
        assert res["before"][name] > 30, \
            "%s decoded only %d frames from the first publisher" % (
                name, res["before"][name])
        s = session_by_id(gap, sid)
        assert s is not None, "%s's WHEP session vanished when the " \
            "publisher left: %s" % (name, gap["sessions"])
        assert s["state"] == "connected", s
    for name, sid in res["sids"].items():
        s = session_by_id(res["status"], sid)
        assert s is not None and s["state"] == "connected", \
            "%s's session after the new publisher: %s" % (name, s)
        bad = [st for _, st in res["states"][name]
               if st in ("failed", "closed", "disconnected")]
        assert not bad, "%s's peer connection went %s" % (name, bad)
        r = res["resume"][name]
        assert r is not None, "%s decoded nothing from the new publisher" \
            % name
        assert r <= MAX_RESUME, "%s resumed %.0f ms after the new " \
            "publisher connected" % (name, r * 1000)
        assert res["decoded"][name] >= 0.9 * len(res["sent"]), \
            "%s decoded %d of the %d frames of the new publisher" % (
                name, res["decoded"][name], len(res["sent"]))
        assert res["audio"][name] > 0, "%s: no audio after the switch" % name
        for kind in ("video", "audio"):
            c = res["cont"][name][kind]
            assert c["holes"] == 0, \
                "%s %s: %d sequence numbers never arrived: %s" % (
                    name, kind, c["holes"], c)
            assert c["seq_jump"] == 1, \
                "%s %s: sequence number jumped by %s across the switch: " \
                "%s" % (name, kind, c["seq_jump"], c)
            assert c["backwards"] == 0, (name, kind, c)
            rate = 90000 if kind == "video" else 48000
            assert 0 < c["ts_jump"] <= (c["time_gap"] + 1.0) * rate, \
                "%s %s: RTP timestamp moved by %d over %.2f s across the " \
                "switch" % (name, kind, c["ts_jump"], c["time_gap"])
    # the new publisher is the room's
    p2 = session_by_id(res["status"], res["pub2"])
    assert p2 and p2["state"] == "connected", p2
