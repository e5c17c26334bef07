"""Fan-out to a couple of hundred viewers across two workers.

The benchmark's load generator (t/bench/load.c: ICE, DTLS and SRTP of its
own, built on OpenSSL and libsrtp2, not aiortc's) publishes a 1.5 Mbit/s
video-shaped stream with a keyframe every 2 s plus Opus-sized audio, and
200 WHEP viewers join, placed on both workers (`webrtc_placement spread`):
the publisher's worker forwards to its own viewers and writes each packet
once to the room's ring in shared memory, from which the other worker
encrypts for its viewers. Every viewer must come up, get its first video
packet at the start of a keyframe, and receive the stream in sequence and
authentic: what was sent arrives, nothing is lost, every sampled packet
passes the viewer's SRTP authentication, and no viewer is let go. Then
the publisher sends at four times the rate, which the two workers,
sharing this machine's cores with the generator, forward with packets
queueing at times: those go out in batches, each viewer taking a batch
in turn, and each viewer's streams must still arrive in order and
authentic.
When the generator quits without a word, the server lets its sessions go
once their consent expires.

The aiortc and Chromium tests check a few viewers decode; this one checks
many viewers and the path between workers under a steady load."""

import os
import sys
import time

from conftest import wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "bench"))
from load_client import Load  # noqa: E402

VIEWERS = 200
RATE = 1.0          # the nominal stream
NOMINAL_PPS = 247   # its packets/s to each viewer: 30 fps video, 50 audio
WINDOW = 5.0
BURST_RATE = 4.0    # ~200k packets/s to forward: packets queue at times
BURST = 3.0


# The generator checks consent every 5 s (load.c's LOAD_CONSENT), as
# browsers do; a session lives while checks come within this. It was 5 s,
# the interval itself: a check a little late under the burst's load (the
# publisher's, in one sanitized run) ended the session.
CONSENT_TIMEOUT = "8s"


def test_fanout_two_workers(nginx_factory, report):
    srv = nginx_factory(workers=2, placement="spread",
                        consent_timeout=CONSENT_TIMEOUT)
    load = Load(srv, "fanout")
    try:
        load.cmd("rate 0.2", "rate")
        s = load.cmd("setup %d 32" % VIEWERS, "setup", timeout=120)
        assert s["viewers"] == VIEWERS and s["failed"] == 0, s
        assert s["no_media"] == 0 and s["no_video"] == 0, s
        assert s["video_not_keyframe"] == 0, s

        st = srv.status()
        workers = {}
        for x in st["sessions"]:
            if x["kind"] == "whep":
                workers[x["worker"]] = workers.get(x["worker"], 0) + 1
        assert sum(workers.values()) == VIEWERS, workers
        assert len(workers) == 2 and min(workers.values()) >= VIEWERS // 4, \
            "viewers not spread over both workers: %s" % workers

        load.cmd("rate %g" % RATE, "rate")
        time.sleep(1)
        w = load.cmd("window %g fanout" % WINDOW, "window",
                     timeout=WINDOW + 30)
        assert w["viewers"] == VIEWERS, w
        assert w["received"] > 0.9 * WINDOW * VIEWERS * NOMINAL_PPS * RATE, w
        assert w["loss"] < 0.001, w
        assert w["delivery"] > 0.95, w
        assert w["dropped"] == 0, w
        assert w["samples"] > 1000 and w["auth_fail"] == 0, w
        assert w["late"] == 0, w
        report("%d viewers on workers %s: %d packets in %.1f s (%.0f pps "
               "forwarded), loss %.4f%%, delivery %.3f, %d sampled packets "
               "authenticated, delay p50/p99 %.1f/%.1f ms; setup %.0f "
               "sessions/s"
               % (VIEWERS, workers, w["received"], w["seconds"], w["rx_pps"],
                  100 * w["loss"], w["delivery"], w["samples"],
                  w["delay_p50_us"] / 1000, w["delay_p99_us"] / 1000,
                  s["sessions_per_s"]))

        load.cmd("rate %g" % BURST_RATE, "rate")
        time.sleep(1)
        b = load.cmd("window %g burst" % BURST, "window",
                     timeout=BURST + 30)
        assert b["viewers"] == VIEWERS, b
        assert b["received"] > BURST * VIEWERS * NOMINAL_PPS, b
        assert b["samples"] > 1000 and b["auth_fail"] == 0, b
        assert b["late"] == 0, b
        report("at %gx the rate: %.0f pps forwarded, delivery %.3f, "
               "%d sampled packets authenticated, none out of order"
               % (BURST_RATE, b["rx_pps"], b["delivery"], b["samples"]))
    finally:
        load.close()

    wait_for(lambda: not srv.status()["sessions"], 20,
             what="the vanished viewers' sessions to expire")
