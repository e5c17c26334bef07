"""Headless Chromium plays through html/play.html (driven over the
DevTools protocol) what an aiortc publisher sends."""

import asyncio
import time

import pytest

import webrtc_client as wc
from chromium_driver import Chromium
from pages import room_sessions, wait_gone, wait_playing
from webrtc_client import wait_media
from whip_util import session_by_id, track_by_kind

WIDTH, HEIGHT = 640, 360


@pytest.fixture(scope="module")
def chromium():
    browser = Chromium()
    browser.start()
    yield browser
    browser.stop()


def room_viewers(status, room):
    return room_sessions(status, room, "whep")


@pytest.mark.parametrize("codec", ["VP8", "H264"])
def test_chromium_plays(nginx, chromium, codec, report):
    room = "chrome-play-%s" % codec.lower()
    out = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room, video_codec=codec,
                               width=WIDTH, height=HEIGHT)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            async with chromium.page() as page:
                t_nav = time.monotonic()
                await page.navigate("%s/play.html?room=%s"
                                    % (nginx.base_url, room))
                s1 = await wait_playing(page, 15)
                t1 = time.monotonic()
                out["first"] = (s1, t1 - t_nav)
                await asyncio.sleep(3)
                s2 = await page.evaluate("window.whepStats()")
                t2 = time.monotonic()
                out["s2"] = (s2, t2 - t1)
                out["stats_line"] = await page.evaluate(
                    "document.getElementById('stats').textContent")
                out["status"] = await wc.astatus(nginx)
                out["viewers"] = room_viewers(out["status"], room)
                out["exceptions"] = list(page.exceptions)
                out["error"] = await page.evaluate("window.whepLastError")
                # Stop: the page DELETEs its session
                await page.evaluate(
                    "document.getElementById('button').click()")
                t0 = time.monotonic()
                while time.monotonic() - t0 < 3:
                    if not room_viewers(await wc.astatus(nginx), room):
                        break
                    await asyncio.sleep(0.2)
                out["after_stop"] = room_viewers(await wc.astatus(nginx),
                                                 room)
                out["label"] = await page.evaluate(
                    "document.getElementById('button').textContent")
            out["pub"] = session_by_id(await wc.astatus(nginx),
                                       pub.session_id)
            await pub.delete()
        finally:
            await pub.close()

    wc.run(main(), timeout=90)
    s1, dt1 = out["first"]
    s2, dt = out["s2"]
    report("\nChromium (%s, %s): first frame %.1f s after opening the page, "
           "join time %s ms; framesDecoded %d -> %d in %.1f s (%.1f fps), "
           "video %dx%d, frame %dx%d, packetsLost %d, bytesReceived %d"
           % (chromium.version, codec, dt1, s2.get("joinTimeMs"),
              s1["framesDecoded"], s2["framesDecoded"], dt,
              (s2["framesDecoded"] - s1["framesDecoded"]) / dt,
              s2["videoWidth"], s2["videoHeight"], s2["frameWidth"],
              s2["frameHeight"], s2["packetsLost"], s2["bytesReceived"]))
    report("  page stats line:", out["stats_line"])

    assert out["error"] is None, out["error"]
    assert not out["exceptions"], out["exceptions"]
    assert s2["state"] == "connected", s2
    decoded = s2["framesDecoded"] - s1["framesDecoded"]
    assert decoded >= 20 * dt, \
        "Chromium decoded %d frames in %.1f s" % (decoded, dt)
    assert (s2["videoWidth"], s2["videoHeight"]) == (WIDTH, HEIGHT), s2
    assert (s2["frameWidth"], s2["frameHeight"]) == (WIDTH, HEIGHT), s2
    assert s2["joinTimeMs"] is not None and 0 < s2["joinTimeMs"] < 5000, s2
    assert s2["audioPacketsReceived"] > 0, s2
    assert "%d×%d" % (WIDTH, HEIGHT) in out["stats_line"], out["stats_line"]

    assert len(out["viewers"]) == 1, out["viewers"]
    vt = track_by_kind(out["viewers"][0], "video")
    assert vt and vt["codec"].upper() == codec and vt["packets"] > 0, vt
    assert out["after_stop"] == [], \
        "Stop did not DELETE the session: %s" % out["after_stop"]
    assert out["label"] == "Play", out["label"]
    assert out["pub"] and out["pub"]["state"] == "connected", out["pub"]


async def play_then(nginx, chromium, room, leave):
    """An aiortc publisher in `room`, Chromium playing it; then
    leave(page): the viewers before, those left 5 s later at most, and
    how long they took to go."""
    pub = wc.WhipPublisher(nginx.base_url, room)
    try:
        await pub.connect()
        await wait_media(nginx, pub.session_id)
        async with chromium.page() as page:
            await page.navigate("%s/play.html?room=%s"
                                % (nginx.base_url, room))
            await wait_playing(page, 15)
            before = room_viewers(await wc.astatus(nginx), room)
            await leave(page)
            after, took = await wait_gone(nginx, room, "whep", 5)
        await pub.delete()
        return before, after, took
    finally:
        await pub.close()


def test_chromium_play_pagehide(nginx, chromium):
    """Leaving the page DELETEs the viewer's session."""
    before, after, _ = wc.run(play_then(
        nginx, chromium, "chrome-play-leave",
        lambda page: page.navigate("about:blank")), timeout=60)
    assert len(before) == 1, before
    assert after == [], "leaving the page did not DELETE: %s" % after


def test_chromium_close_without_delete(nginx, chromium, report):
    """The page closes its RTCPeerConnection and sends no DELETE:
    Chromium's DTLS close_notify ends the session at once (the server
    opens it with the record key it kept when it freed the viewer's SSL),
    not at the consent timeout (30 s here)."""
    before, after, took = wc.run(play_then(
        nginx, chromium, "chrome-play-close",
        lambda page: page.evaluate("window.pc.close()")), timeout=60)
    assert len(before) == 1, before
    line = ("webrtc session %s: closed: DTLS close_notify from the peer"
            % before[0]["id"])
    logged = line in nginx.log_text()
    report("\nChromium's pc.close() without DELETE: the session was gone "
           "%.2f s later, close_notify logged %s" % (took, logged))
    assert after == [], "the session outlived pc.close() by 5 s: %s" % after
    assert logged, "no %r in the log" % line


def test_chromium_play_shows_409(nginx, chromium, report):
    """No publisher: the page shows the server's answer (409 and its
    body) and keeps retrying; Stop ends the retries."""
    room = "chrome-play-nobody"

    async def main():
        async with chromium.page() as page:
            await page.navigate("%s/play.html?room=%s"
                                % (nginx.base_url, room))
            t0 = time.monotonic()
            err = None
            while time.monotonic() - t0 < 10:
                err = await page.evaluate("window.whepLastError")
                if err:
                    break
                await asyncio.sleep(0.2)
            text = await page.evaluate(
                "document.getElementById('status').textContent")
            await page.evaluate("document.getElementById('button').click()")
            label = await page.evaluate(
                "document.getElementById('button').textContent")
            return err, text, label

    err, text, label = wc.run(main(), timeout=60)
    report("page status on 409: %r" % text)
    assert err and "409" in err, err
    assert "409" in text and "retrying" in text, text
    assert label == "Play", label
    assert not room_viewers(nginx.status(), room)


def test_chromium_play_form(nginx, chromium):
    """Without ?room= the page waits; typing a room and pressing Play
    starts playing."""
    room = "chrome-play-form"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            async with chromium.page() as page:
                await page.navigate("%s/play.html" % nginx.base_url)
                await asyncio.sleep(1)
                idle = room_viewers(await wc.astatus(nginx), room)
                await page.evaluate(
                    "document.getElementById('room').value = '%s';"
                    "document.getElementById('button').click()" % room)
                st = await wait_playing(page, 15)
                live = room_viewers(await wc.astatus(nginx), room)
                await page.evaluate(
                    "document.getElementById('button').click()")
            await pub.delete()
            return idle, st, live
        finally:
            await pub.close()

    idle, st, live = wc.run(main(), timeout=60)
    assert idle == [], "the page played without being asked: %s" % idle
    assert st["framesDecoded"] > 0, st
    assert len(live) == 1, live


def test_chromium_play_waits_for_publisher(nginx, chromium, report):
    """Opened before anyone publishes, the page shows the 409 and plays
    once a publisher arrives (it retries after Retry-After)."""
    room = "chrome-play-later"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        try:
            async with chromium.page() as page:
                await page.navigate("%s/play.html?room=%s"
                                    % (nginx.base_url, room))
                t0 = time.monotonic()
                while time.monotonic() - t0 < 10 and \
                        not await page.evaluate("window.whepLastError"):
                    await asyncio.sleep(0.2)
                err = await page.evaluate("window.whepLastError")
                await pub.connect()
                t_pub = time.monotonic()
                st = await wait_playing(page, 20)
                t_play = time.monotonic() - t_pub
            await pub.delete()
            return err, st, t_play
        finally:
            await pub.close()

    err, st, t_play = wc.run(main(), timeout=60)
    report("\nChromium waiting for a publisher: first %r, then playing %.1f s "
           "after the publisher connected" % (err, t_play))
    assert err and "409" in err, err
    assert st["framesDecoded"] > 0, st
