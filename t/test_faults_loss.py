"""Loss beyond the 5% of test_whep_loss.py, on the path from the server
to one WHEP viewer (nftables on that flow only): 10% random loss, bursts
(everything dropped for 200 ms of every second), and a path that is dead
for 40 s. The viewer decodes real frames; what it decoded, and how soon
it decodes again after the loss stops, are the measures."""

import asyncio
import time

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import session_by_id

WINDOW = 6.0


async def start_pair(nginx, room, codec="VP8"):
    pub = wc.WhipPublisher(nginx.base_url, room, video_codec=codec)
    v = wc.WhepViewer(nginx.base_url, room)
    await pub.connect()
    await wait_media(nginx, pub.session_id)
    await v.connect()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not v.first_frame_time():
        await asyncio.sleep(0.05)
    assert v.first_frame_time(), "no frame before the loss started"
    s = session_by_id(await wc.astatus(nginx), v.session_id)
    return pub, v, s["port"]


def recovery(pub, v, t_stop):
    """Seconds from the end of the loss to the first decoded frame that
    was sent after it, and the share of the frames sent in the next 2 s
    that were decoded."""
    sent_after = [n for n in pub.frames_sent(t_stop, t_stop + 2.0)]
    got = [(t, n) for t, n, _, _ in v.video_frames
           if n is not None and n in set(sent_after)]
    first = min((t for t, _ in got), default=None)
    ratio = len({n for _, n in got}) / max(len(sent_after), 1)
    return (None if first is None else first - t_stop), ratio


def run_loss(nginx, nft_loss, room, shape):
    res = {}

    async def main():
        pub, v, port = await start_pair(nginx, room)
        try:
            t0 = time.monotonic() + 0.3
            if shape == "random":
                nft_loss.install(port, v.local_port, 10)
                await asyncio.sleep(t0 + WINDOW - time.monotonic())
                res["nft"] = nft_loss.counts()
            else:
                # bursts: all of it dropped for 200 ms of every second
                dropped = seen = 0
                while time.monotonic() < t0 + WINDOW:
                    nft_loss.install(port, v.local_port, 100)
                    await asyncio.sleep(0.2)
                    s, d = nft_loss.counts()
                    seen += s
                    dropped += d
                    nft_loss.remove()
                    await asyncio.sleep(0.8)
                res["nft"] = (seen, dropped)
            nft_loss.remove()
            t_stop = time.monotonic()
            await asyncio.sleep(3.0)
            sent = set(pub.frames_sent(t0, t0 + WINDOW))
            res["sent"] = sent
            res["got"] = set(v.numbers()) & sent
            res["recovery"] = recovery(pub, v, t_stop)
            await v.delete()
            await pub.delete()
        finally:
            nft_loss.remove()
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    return res


def test_ten_percent_loss(nginx, nft_loss, report):
    res = run_loss(nginx, nft_loss, "loss10", "random")
    seen, dropped = res["nft"]
    delay, ratio = res["recovery"]
    report("10%% loss: nftables dropped %d of %d packets; decoded %d/%d "
           "frames (%.1f%%); after the loss: first new frame in %.2f s, "
           "%.0f%% of the next 2 s decoded" % (
               dropped, seen, len(res["got"]), len(res["sent"]),
               100.0 * len(res["got"]) / len(res["sent"]), delay,
               100 * ratio))
    assert dropped >= 0.05 * seen and seen > 200
    assert len(res["got"]) >= 0.75 * len(res["sent"])
    assert delay is not None and delay <= 2.0
    assert ratio >= 0.9


def test_bursty_loss(nginx, nft_loss, report):
    res = run_loss(nginx, nft_loss, "lossburst", "bursts")
    seen, dropped = res["nft"]
    delay, ratio = res["recovery"]
    report("bursts of 200 ms every second: nftables dropped %d packets; "
           "decoded %d/%d frames (%.1f%%); after the loss: first new frame "
           "in %.2f s, %.0f%% of the next 2 s decoded" % (
               dropped, len(res["got"]), len(res["sent"]),
               100.0 * len(res["got"]) / len(res["sent"]), delay,
               100 * ratio))
    assert dropped > 20
    assert len(res["got"]) >= 0.5 * len(res["sent"])
    assert delay is not None and delay <= 2.0
    assert ratio >= 0.9


def test_dead_path_is_reaped(nginx_factory, nft_loss, report):
    """40 s with nothing passing between the server and a viewer (both
    ways): the viewer's session is reaped once consent expires (10 s
    here), the publisher and a second viewer are untouched, and the
    workers are the same processes at the end."""
    srv = nginx_factory(consent_timeout="10s")
    pids = srv.worker_pids()
    res = {}

    async def main():
        pub, v, port = await start_pair(srv, "deadpath")
        other = wc.WhepViewer(srv.base_url, "deadpath")
        await other.connect()
        try:
            nft_loss.install(port, v.local_port, 100, both=True)
            t0 = time.monotonic()
            gone = None
            while time.monotonic() - t0 < 40:
                await asyncio.sleep(0.5)
                st = await wc.astatus(srv)
                if gone is None and session_by_id(st, v.session_id) is None:
                    gone = time.monotonic() - t0
            res["nft"] = nft_loss.counts()
            nft_loss.remove()
            res["gone"] = gone
            st = await wc.astatus(srv)
            res["pub"] = session_by_id(st, pub.session_id)
            n0 = len(other.numbers())
            await asyncio.sleep(1.0)
            res["other"] = len(other.numbers()) - n0
            # what is left ends now, not at its consent timeout: nginx can
            # then exit at once (and check for leaks)
            await other.delete()
            await pub.delete()
        finally:
            nft_loss.remove()
            await other.close()
            await v.close()
            await pub.close()

    wc.run(main(), timeout=90)
    report("dead path for 40 s: viewer session reaped %.1f s after the "
           "loss began (consent timeout 10 s); nftables dropped %d packets; "
           "the other viewer decoded %d frames in the second after"
           % (res["gone"], res["nft"][1], res["other"]))
    assert res["gone"] is not None and res["gone"] <= 12.0
    assert res["pub"] is not None and res["pub"]["state"] == "connected"
    assert res["other"] > 10
    assert srv.worker_pids() == pids
    assert srv.crash_lines() == []
