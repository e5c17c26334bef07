"""Headless Firefox (Debian's firefox-esr, driven over WebDriver BiDi):
its own WebRTC stack (nICEr, NSS's DTLS, its SRTP) against the module,
through the demo pages.

Firefox gathers ICE candidates on every interface but loopback, so it
runs in a network namespace of the test's own (t/netns.py): it reaches
nginx's pages at the veth address through a TCP forwarder, and its media
through a UDP forwarder on that address, which nginx announces besides
127.0.0.1. The aiortc peers run in the namespace too, on its veth
address.

- Firefox publishes through html/publish.html (its fake camera and
  microphone): the session's tracks count packets, an aiortc viewer
  decodes the video and the audio, and Stop DELETEs the session.
- Firefox plays through html/play.html what an aiortc publisher sends:
  it decodes the video at the publisher's size and receives the audio;
  Stop DELETEs the session.
- Firefox closes its peer connection without DELETE: its close_notify
  ends the session at once.
"""

import asyncio
import time

import aioice.ice
import pytest
import requests

import webrtc_client as wc
from conftest import UDP_BANKS, _start, _stop
from firefox_driver import Firefox
from netns import NetNs, TcpForward, UdpForward
from pages import room_sessions, wait_gone, wait_playing, wait_publishing
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind

WIDTH, HEIGHT = 640, 360


class FirefoxNet:
    """nginx, and a Firefox in a namespace that reaches it at base_url."""

    def __init__(self):
        self.ns = self.nginx = self.fwd = self.udp = self.browser = None
        self.host_addresses = None
        self.ns = NetNs.or_skip()
        try:
            self.nginx = _start(announce="127.0.0.1 " + self.ns.host_addr)
            self.fwd = TcpForward(self.ns.host_addr,
                                  ("127.0.0.1", self.nginx.http_port))
            self.udp = UdpForward(self.ns.host_addr, range(
                self.nginx.udp_base,
                self.nginx.udp_base + UDP_BANKS * self.nginx.workers))
            self.base_url = "http://%s:%d" % (self.ns.host_addr,
                                              self.fwd.port)
            self.browser = self.ns.call(
                lambda: Firefox(secure_origin=self.base_url).start())
            # aiortc's candidates: the namespace's address, not 127.0.0.1
            self.host_addresses = aioice.ice.get_host_addresses
            aioice.ice.get_host_addresses = \
                lambda use_ipv4=True, use_ipv6=False: [self.ns.ns_addr]
        except Exception:
            self.close()
            raise

    @property
    def version(self):
        return self.browser.version

    def status(self):
        r = requests.get(self.base_url + "/webrtc/status", timeout=5)
        assert r.status_code == 200, r.status_code
        return r.json()

    def log_text(self):
        return self.nginx.log_text()

    def page(self):
        return self.browser.page()

    def run(self, coro, timeout):
        """The coroutine, on an event loop inside the namespace."""
        return self.ns.call(wc.run, coro, timeout)

    def close(self):
        if self.host_addresses is not None:
            aioice.ice.get_host_addresses = self.host_addresses
        if self.browser is not None:
            self.ns.call(self.browser.stop)
        for f in (self.fwd, self.udp):
            if f is not None:
                f.close()
        if self.nginx is not None:
            _stop(self.nginx)
        if self.ns is not None:
            self.ns.close()


@pytest.fixture(scope="module")
def net():
    n = FirefoxNet()
    yield n
    n.close()


def test_firefox_publishes(net, report):
    room = "firefox-pub"
    out = {}

    async def main():
        async with net.page() as page:
            await page.navigate("%s/publish.html?room=%s&token=demo"
                                % (net.base_url, room))
            await wait_publishing(page, 20)
            ss = room_sessions(await wc.astatus(net), room, "whip")
            assert len(ss) == 1, ss
            sid = ss[0]["id"]
            await wait_media(net, sid)

            v = await wc.watch(net.base_url, room, 60, 50, 15)
            out["frames"] = len(v.video_frames)
            out["audio"] = v.audio_frames
            out["size"] = v.sizes()

            out["pub"] = session_by_id(await wc.astatus(net), sid)
            out["stats"] = await page.evaluate("window.whipStats()")
            out["error"] = await page.evaluate("window.whipLastError")
            out["exceptions"] = list(page.exceptions)
            await page.evaluate("document.getElementById('button').click()")
            out["after"], _ = await wait_gone(net, room, "whip", 3)

    net.run(main(), 90)
    vt = track_by_kind(out["pub"], "video") if out["pub"] else None
    at = track_by_kind(out["pub"], "audio") if out["pub"] else None
    report("\n%s publishes: %s %s, %s; the aiortc viewer decoded %d frames "
           "%s and %d audio frames" % (
               net.version, vt and vt["codec"], out["stats"],
               at and at["codec"], out["frames"], sorted(out["size"]),
               out["audio"]))
    assert out["error"] is None, out["error"]
    assert not out["exceptions"], out["exceptions"]
    assert out["pub"] and out["pub"]["state"] == "connected", out["pub"]
    assert vt and vt["codec"].upper() in ("VP8", "H264") \
        and vt["packets"] > 0, vt
    assert at and at["codec"].lower() == "opus" and at["packets"] > 0, at
    assert out["frames"] >= 60, "the viewer decoded %d frames" % out["frames"]
    assert all(w > 0 and h > 0 for w, h in out["size"]), out["size"]
    assert out["audio"] >= 50, "%d audio frames decoded" % out["audio"]
    assert out["after"] == [], "Stop did not DELETE: %s" % out["after"]


def test_firefox_plays(net, report):
    room = "firefox-play"
    out = {}

    async def main():
        pub = wc.WhipPublisher(net.base_url, room, width=WIDTH,
                               height=HEIGHT)
        try:
            await pub.connect()
            await wait_media(net, pub.session_id)
            async with net.page() as page:
                await page.navigate("%s/play.html?room=%s"
                                    % (net.base_url, room))
                s1 = await wait_playing(page, 20)
                t1 = time.monotonic()
                await asyncio.sleep(3)
                s2 = await page.evaluate("window.whepStats()")
                out["decoded"] = (s1, s2, time.monotonic() - t1)
                out["viewers"] = room_sessions(await wc.astatus(net),
                                               room, "whep")
                out["error"] = await page.evaluate("window.whepLastError")
                out["exceptions"] = list(page.exceptions)
                await page.evaluate(
                    "document.getElementById('button').click()")
                out["after_stop"], _ = await wait_gone(net, room, "whep",
                                                       3)

                # again, then the peer connection closed without DELETE
                await page.evaluate("document.getElementById('button')"
                                    ".click()")
                await wait_playing(page, 20)
                again = room_sessions(await wc.astatus(net), room, "whep")
                await page.evaluate("window.pc.close()")
                out["after_close"], out["close_took"] = await wait_gone(
                    net, room, "whep", 5)
                out["again"] = again
            await pub.delete()
        finally:
            await pub.close()

    net.run(main(), 120)
    s1, s2, dt = out["decoded"]
    decoded = s2["framesDecoded"] - s1["framesDecoded"]
    line = ("webrtc session %s: closed: DTLS close_notify from the peer"
            % out["again"][0]["id"]) if out["again"] else None
    logged = line is not None and line in net.log_text()
    report("\n%s plays: %d frames in %.1f s, %dx%d, %d audio packets, "
           "%d lost; pc.close() without DELETE: gone after %.2f s, "
           "close_notify logged %s" % (
               net.version, decoded, dt, s2["frameWidth"],
               s2["frameHeight"], s2["audioPacketsReceived"],
               s2["packetsLost"], out["close_took"], logged))
    assert out["error"] is None, out["error"]
    assert not out["exceptions"], out["exceptions"]
    assert decoded >= 20 * dt, "Firefox decoded %d frames in %.1f s" \
        % (decoded, dt)
    assert (s2["frameWidth"], s2["frameHeight"]) == (WIDTH, HEIGHT), s2
    assert s2["audioPacketsReceived"] > 0, s2
    assert len(out["viewers"]) == 1, out["viewers"]
    vt = track_by_kind(out["viewers"][0], "video")
    assert vt and vt["packets"] > 0, vt
    assert out["after_stop"] == [], "Stop did not DELETE: %s" \
        % out["after_stop"]
    assert len(out["again"]) == 1, out["again"]
    assert out["after_close"] == [], \
        "the session outlived pc.close() by 5 s: %s" % out["after_close"]
    assert logged, "no %r in the log" % line
