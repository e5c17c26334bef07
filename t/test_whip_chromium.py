"""Chromium publishes through html/publish.html (fake camera and mic),
driven over the DevTools protocol."""

import asyncio
import time

import pytest

import webrtc_client as wc
from chromium_driver import Chromium
from pages import room_sessions, wait_publishing
from whip_util import session_by_id, track_by_kind


@pytest.fixture(scope="module")
def chromium():
    browser = Chromium()
    browser.start()
    yield browser
    browser.stop()


def test_chromium_publish_page(nginx, chromium, capsys):
    room = "chrome"
    out = {}

    async def main():
        async with chromium.page() as page:
            await page.navigate("%s/publish.html?room=%s&token=demo"
                                % (nginx.base_url, room))
            await wait_publishing(page, 15)
            t_conn = time.monotonic()
            sessions = room_sessions(await wc.astatus(nginx), room)
            assert len(sessions) == 1, sessions
            sid = sessions[0]["id"]
            ramp, samples = [], []
            first = None
            while time.monotonic() - t_conn < 15:
                st = await page.evaluate("window.whipStats()")
                t = round(time.monotonic() - t_conn, 1)
                ramp.append((t, st["availableOutgoingBitrate"],
                             st["targetBitrate"], st["frameWidth"],
                             st["frameHeight"]))
                if first is None and t >= 2:
                    first = session_by_id(await wc.astatus(nginx), sid)
                await asyncio.sleep(0.5)
            last = session_by_id(await wc.astatus(nginx), sid)
            samples = (first, last)
            out.update(ramp=ramp, samples=samples, sid=sid,
                       error=await page.evaluate("window.whipLastError"),
                       console=list(page.console),
                       exceptions=list(page.exceptions))
            # Stop button: the page DELETEs its session
            await page.evaluate("document.getElementById('button').click()")
            t0 = time.monotonic()
            while time.monotonic() - t0 < 3:
                if session_by_id(await wc.astatus(nginx), sid) is None:
                    break
                await asyncio.sleep(0.2)
            out["after_stop"] = session_by_id(await wc.astatus(nginx), sid)
            out["stop_text"] = await page.evaluate(
                "document.getElementById('status').textContent")

    asyncio.run(asyncio.wait_for(main(), 90))

    with capsys.disabled():
        print("\nChromium availableOutgoingBitrate ramp after connecting "
              "(s -> bit/s, encoder target, frame):")
        for t, bwe, target, w, h in out["ramp"]:
            print("  %5.1f  %9d  %9d  %dx%d" % (t, bwe, target, w, h))

    assert out["error"] is None, out["error"]
    assert not out["exceptions"], out["exceptions"]
    first, last = out["samples"]
    assert first and last, "session vanished while publishing: %s" % (
        out["samples"],)
    assert last["state"] == "connected", last
    v1, v2 = track_by_kind(first, "video"), track_by_kind(last, "video")
    a2 = track_by_kind(last, "audio")
    assert v1 and v2 and a2, last
    assert a2["codec"].lower() == "opus", a2
    assert v2["codec"].upper() in ("VP8", "H264"), v2
    assert v2["packets"] > v1["packets"], (v1, v2)
    assert v2["bytes"] > v1["bytes"], (v1, v2)
    assert a2["packets"] > 0, a2

    peak = max(b for _, b, _, _, _ in out["ramp"])
    crossed = [t for t, b, _, _, _ in out["ramp"] if b > 1000000]
    assert crossed, "availableOutgoingBitrate never exceeded 1 Mbit/s " \
        "within 15 s of connecting (peak %d bit/s)" % peak
    with capsys.disabled():
        print("  -> above 1 Mbit/s %.1f s after connecting; peak %d bit/s"
              % (crossed[0], peak))

    assert out["after_stop"] is None, \
        "Stop did not remove the session: %s" % out["after_stop"]


def test_chromium_pagehide_deletes(nginx, chromium):
    room = "chrome-leave"

    async def main():
        async with chromium.page() as page:
            await page.navigate("%s/publish.html?room=%s&token=demo"
                                % (nginx.base_url, room))
            await wait_publishing(page, 15)
            ss = room_sessions(await wc.astatus(nginx), room)
            assert len(ss) == 1, ss
            await page.navigate("about:blank")
            t0 = time.monotonic()
            while time.monotonic() - t0 < 5:
                if not room_sessions(await wc.astatus(nginx), room):
                    return None
                await asyncio.sleep(0.2)
            return room_sessions(await wc.astatus(nginx), room)

    left = asyncio.run(asyncio.wait_for(main(), 60))
    assert left is None, "leaving the page did not DELETE: %s" % left


def test_chromium_shows_server_error(nginx, chromium):
    async def main():
        async with chromium.page() as page:
            await page.navigate("%s/publish.html?room=chrome-err&token=wrong"
                                % nginx.base_url)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 15:
                err = await page.evaluate("window.whipLastError")
                if err:
                    break
                await asyncio.sleep(0.2)
            text = await page.evaluate(
                "document.getElementById('status').textContent")
            return err, text

    err, text = asyncio.run(asyncio.wait_for(main(), 60))
    assert err and "401" in err, err
    assert "401" in text, text
    assert not room_sessions(nginx.status(), "chrome-err")


def test_chromium_form_publish(nginx, chromium):
    """Without query parameters the page waits; filling the form and
    pressing Publish, then Stop, works."""
    room = "chrome-form"

    async def main():
        async with chromium.page() as page:
            await page.navigate("%s/publish.html" % nginx.base_url)
            await asyncio.sleep(1)
            idle = room_sessions(await wc.astatus(nginx), room)
            await page.evaluate(
                "document.getElementById('room').value = '%s';"
                "document.getElementById('token').value = 'demo';"
                "document.getElementById('room')"
                ".dispatchEvent(new Event('input'));"
                "document.getElementById('button').click()" % room)
            await wait_publishing(page, 15)
            live = room_sessions(await wc.astatus(nginx), room)
            link = await page.evaluate(
                "document.getElementById('playlink').getAttribute('href')")
            label = await page.evaluate(
                "document.getElementById('button').textContent")
            await page.evaluate("document.getElementById('button').click()")
            t0 = time.monotonic()
            while time.monotonic() - t0 < 3 and \
                    room_sessions(await wc.astatus(nginx), room):
                await asyncio.sleep(0.2)
            after = room_sessions(await wc.astatus(nginx), room)
            return idle, live, link, label, after

    idle, live, link, label, after = asyncio.run(
        asyncio.wait_for(main(), 60))
    assert idle == [], "the page published without being asked: %s" % idle
    assert len(live) == 1, live
    assert link == "/play.html?room=%s" % room, link
    assert label == "Stop", label
    assert after == [], "Stop did not DELETE: %s" % after
