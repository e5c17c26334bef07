"""GStreamer's webrtcbin (`t/gst_client.py`: libnice's full ICE agent,
GStreamer's own DTLS and SRTP, a WebRTC stack independent of aiortc,
Chromium and the module) as a WHIP publisher and as a WHEP player.

- GStreamer publishes; an aiortc viewer plays the room over WHEP and
  checks what it decodes: videotestsrc's SMPTE bars at 320x240, bar by
  bar, and Opus audio. Stopping the publisher DELETEs its session.
- GStreamer plays what GStreamer publishes: the player decodes the bars
  and Opus; stopping it DELETEs its session and the publisher's stays.
"""

import json
import os
import queue
import subprocess
import tempfile
import threading
import time

import webrtc_client as wc
from whip_util import session_by_id, track_by_kind

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTH, HEIGHT = 320, 240

# SMPTE bars, top two thirds: 75% white, yellow, cyan, green, magenta,
# red, blue; 1 where a channel is lit
BARS = [(1, 1, 1), (1, 1, 0), (0, 1, 1), (0, 1, 0), (1, 0, 1), (1, 0, 0),
        (0, 0, 1)]


class GstClient:
    """t/gst_client.py with `args`, its events read as they come."""

    def __init__(self, *args):
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "gst_client.py")]
            + list(args),
            stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.events = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                pass

    def wait(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(ev)
            if pred(ev):
                return ev
        return None

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def stderr(self):
        self.err.seek(0)
        return self.err.read()[-2000:]


def lit(pixels):
    """Each pixel's channels as 1 (lit), 0 (dark) or None (neither)."""
    return [tuple(1 if c > 128 else 0 if c < 64 else None for c in p)
            for p in pixels]


def bars_of(frame):
    """The pixels at the middle of each seventh of the width, a third of
    the way down (as gst_client.py's player reads them)."""
    rgb = frame.to_ndarray(format="rgb24")
    y = rgb.shape[0] // 3
    step = rgb.shape[1] / 7
    return [tuple(int(c) for c in rgb[y, int(step * (i + 0.5))])
            for i in range(7)]


def start_publisher(nginx, room):
    """A GStreamer publisher in `room`, connected; its "posted" event."""
    pub = GstClient("publish", nginx.url("/whip/%s" % room), "demo")
    posted = pub.wait(lambda e: e["event"] in ("posted", "error"), 20)
    assert posted and posted["event"] == "posted", \
        "no POST: %r %s" % (pub.seen, pub.stderr())
    assert posted["status"] == 201, posted
    connected = pub.wait(lambda e: e.get("state") in
                         ("connected", "failed"), 20)
    assert connected and connected["state"] == "connected", \
        "webrtcbin did not connect: %r %s" % (pub.seen, pub.stderr())
    assert posted["candidates"] and all(
        c.startswith("127.0.0.1 ") for c in posted["candidates"]), \
        posted["candidates"]
    return pub, posted


def session_id(posted):
    return posted["location"].rstrip("/").rsplit("/", 1)[-1]


def test_gstreamer_publishes(nginx, report):
    room = "gst-pub"
    out = {}
    pub, posted = start_publisher(nginx, room)
    sid = session_id(posted)
    try:
        async def main():
            await wc.wait_media(nginx, sid)
            v = await wc.watch(nginx.base_url, room, 60, 50, 10)
            out["frames"] = len(v.video_frames)
            out["audio"] = v.audio_frames
            out["size"] = v.sizes()
            out["pixels"] = bars_of(v.last_frame) \
                if v.last_frame is not None else []
            out["pub"] = session_by_id(await wc.astatus(nginx), sid)

        wc.run(main(), timeout=60)
        pub.stop()
        deleted = pub.wait(lambda e: e["event"] == "deleted", 5)
        out["deleted"] = deleted and deleted["status"]
        out["after"] = session_by_id(nginx.status(), sid)
    finally:
        pub.stop()

    report("\nGStreamer offered %s; the viewer decoded %d frames %s and %d "
           "Opus frames; the bars read %s; DELETE on exit %s"
           % (posted["candidates"], out["frames"], sorted(out["size"]),
              out["audio"], out["pixels"], out["deleted"]))
    assert out["frames"] >= 60, "%d video frames decoded" % out["frames"]
    assert out["size"] == {(WIDTH, HEIGHT)}, out["size"]
    assert lit(out["pixels"]) == BARS, \
        "not the SMPTE bars: %s" % out["pixels"]
    assert out["audio"] >= 50, "%d audio frames decoded" % out["audio"]
    p = out["pub"]
    assert p and p["kind"] == "whip" and p["state"] == "connected", p
    vt, at = track_by_kind(p, "video"), track_by_kind(p, "audio")
    assert vt and vt["codec"].upper() == "VP8" and vt["packets"] > 0, vt
    assert at and at["codec"].lower() == "opus" and at["packets"] > 0, at
    assert out["deleted"] == 200, out["deleted"]
    assert out["after"] is None, "the session outlived its DELETE"


def test_gstreamer_plays(nginx, report):
    room = "gst-play"
    pub, posted = start_publisher(nginx, room)
    player = None
    try:
        wc.run(wc.wait_media(nginx, session_id(posted)), timeout=20)
        player = GstClient("play", nginx.url("/whep/%s" % room))
        pposted = player.wait(lambda e: e["event"] in ("posted", "error"),
                              20)
        assert pposted and pposted["event"] == "posted", \
            "no POST: %r %s" % (player.seen, player.stderr())
        assert pposted["status"] == 201, pposted
        video = player.wait(lambda e: e["event"] == "video"
                            and e["frames"] >= 60, 20)
        audio = player.wait(lambda e: e["event"] == "audio"
                            and e["frames"] >= 50, 10)
        psid = session_id(pposted)
        during = session_by_id(nginx.status(), psid)
        player.stop()
        deleted = player.wait(lambda e: e["event"] == "deleted", 5)
        status = nginx.status()
        after = session_by_id(status, psid)
        pub_after = session_by_id(status, session_id(posted))
    finally:
        if player:
            player.stop()
        pub.stop()

    report("\nGStreamer played GStreamer: %s; audio %s; DELETE on exit %s"
           % (video, audio, deleted))
    assert video, "the player decoded no 60 frames: %r %s" \
        % (player.seen[-5:], player.stderr())
    assert (video["width"], video["height"]) == (WIDTH, HEIGHT), video
    assert lit(video["bars"]) == BARS, "not the SMPTE bars: %s" % video
    assert audio, "the player decoded no 50 Opus buffers: %r" \
        % player.seen[-5:]
    assert during and during["kind"] == "whep", during
    vt = track_by_kind(during, "video")
    assert vt and vt["codec"].upper() == "VP8" and vt["packets"] > 0, vt
    assert deleted and deleted["status"] == 200, deleted
    assert after is None, "the player's session outlived its DELETE"
    assert pub_after and pub_after["state"] == "connected", pub_after
