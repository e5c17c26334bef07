#!/usr/bin/python3
"""The soak test (make soak): a long call under loss and churn, watching
what the server's workers hold.

For SOAK_MINUTES (10 by default): nginx with the module (2 workers), the
benchmark's load generator as one publisher of a 1.5 Mbit/s stream and
50 WHEP viewers (real ICE, DTLS, SRTP), 2% random loss on everything the
server's UDP ports send (nftables), and an aiortc viewer joining every
3 s and leaving 6 s later (counting the RTP it receives: the generator's
media is shaped like video, not decodable). Every 10 s it samples each
worker's resident memory and open file descriptors and the shared memory
objects on the status page. At the end the load leaves and shared memory
must be back to empty.

Prints the samples and a verdict: RSS growth from the second minute to
the last (must be within 10%), fd growth (must be 0), objects left (0).
Not part of `make test`: it takes its minutes.
"""

import asyncio
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "bench"))

import conftest                                   # noqa: E402
from load_client import Load                      # noqa: E402
from webrtc_client import WhepViewer              # noqa: E402

MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
VIEWERS = int(os.environ.get("SOAK_VIEWERS", "50"))
LOSS = 2


def worker_figures(srv):
    out = {}
    for pid in srv.worker_pids():
        try:
            with open("/proc/%d/status" % pid) as f:
                rss = [int(l.split()[1]) for l in f
                       if l.startswith("VmRSS:")][0]
            fds = len(os.listdir("/proc/%d/fd" % pid))
        except (OSError, IndexError):
            continue
        out[pid] = (rss, fds)
    return out


async def churn(srv, stop, counts):
    """A viewer joins every 3 s and leaves 6 s later."""
    live = []
    while not stop.is_set():
        v = WhepViewer(srv.base_url, "soak")
        try:
            await v.connect(timeout=10)
            live.append((time.monotonic(), v))
            counts["joined"] += 1
        except Exception:
            counts["failed"] += 1
            await v.close()
        while live and time.monotonic() - live[0][0] > 6:
            _, old = live.pop(0)
            counts["rtp"] += len(old.rtp_log)
            await old.delete()
            await old.close()
            counts["left"] += 1
        try:
            await asyncio.wait_for(stop.wait(), 3)
        except asyncio.TimeoutError:
            pass
    for _, v in live:
        await v.delete()
        await v.close()


async def main():
    srv = conftest._start(workers=2)
    nft = conftest.NftLoss("/usr/sbin/nft")
    load = None
    samples = []
    counts = {"joined": 0, "left": 0, "failed": 0, "rtp": 0}
    try:
        load = Load(srv, "soak")
        ev = load.cmd("setup %d 10" % VIEWERS, "setup")
        print("soak: %d viewers up (%s)" % (ev.get("viewers", 0), ev),
              flush=True)
        load.cmd("rate 1", "rate")

        # 2% loss on all the server sends from its UDP ports
        nft.remove()
        nft.run("add", "table", "inet", conftest.NFT_TABLE)
        nft.run("add", "chain", "inet", conftest.NFT_TABLE, "out",
                "{ type filter hook output priority 0; policy accept; }")
        ports = "%d-%d" % (srv.udp_base,
                           srv.udp_base + conftest.UDP_BANKS * 2 - 1)
        nft.run("add", "rule", "inet", conftest.NFT_TABLE, "out", "udp",
                "sport", ports, "numgen", "random", "mod", "100", "<",
                str(LOSS), "counter", "drop")

        stop = asyncio.Event()
        task = asyncio.ensure_future(churn(srv, stop, counts))
        t0 = time.monotonic()
        while time.monotonic() - t0 < MINUTES * 60:
            await asyncio.sleep(10)
            st = srv.status()
            w = worker_figures(srv)
            samples.append((round(time.monotonic() - t0), w,
                            len(st["sessions"]), len(st["rooms"])))
            print("soak: %4d s  workers (rss kB, fds) %s  sessions %d  "
                  "rooms %d  churn %s" % (samples[-1][0], sorted(w.values()),
                                          samples[-1][2], samples[-1][3],
                                          counts), flush=True)
        stop.set()
        await task
    finally:
        nft.remove()
        if load:
            load.close()

    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        st = srv.status()
        if not st["sessions"] and not st["rooms"] and not st["calls"]:
            break
        await asyncio.sleep(1)
    left = (len(st["sessions"]), len(st["rooms"]), len(st["calls"]))
    crashes = srv.crash_lines()
    srv.stop()
    srv.cleanup()

    # from the second minute on: the first one holds the warm-up
    base = [s for s in samples if s[0] >= 60][:1] or samples[:1]
    rss0 = sum(r for r, _ in base[0][1].values())
    fds0 = sum(f for _, f in base[0][1].values())
    rss1 = sum(r for r, _ in samples[-1][1].values())
    fds1 = sum(f for _, f in samples[-1][1].values())
    growth = (rss1 - rss0) / rss0
    print("soak: %.0f minutes, %d viewers + churn (%s), %d%% loss"
          % (MINUTES, VIEWERS, counts, LOSS))
    print("soak: workers' RSS %d kB at %d s, %d kB at %d s (%+.1f%%); "
          "fds %d -> %d; left in shared memory (sessions, rooms, calls) "
          "%s; crashes %d" % (rss0, base[0][0], rss1, samples[-1][0],
                              100 * growth, fds0, fds1, left, len(crashes)))
    ok = (abs(growth) <= 0.10 and fds1 <= fds0 and left == (0, 0, 0)
          and not crashes and counts["failed"] == 0 and counts["rtp"] > 0)
    print("soak: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("NGX_WEBRTC_MODULE", os.path.join(
        HERE, "..", "build", "nginx", "objs", "ngx_webrtc_module.so"))
    sys.exit(asyncio.run(main()))
