"""What the browser tests ask of the demo pages (html/publish.html,
html/play.html) and of the server's status while a page runs, whichever
browser drives the page (chromium_driver, firefox_driver)."""

import asyncio
import time

import webrtc_client as wc


def room_sessions(status, room, kind=None):
    """The status entries of `room`'s sessions (of `kind`: whip, whep)."""
    return [s for s in status.get("sessions", [])
            if s.get("room") == room and (kind is None
                                          or s.get("kind") == kind)]


async def wait_gone(server, room, kind, timeout):
    """Poll until `room` has no session of `kind`: (what is left, seconds
    waited)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not room_sessions(await wc.astatus(server), room, kind):
            break
        await asyncio.sleep(0.05)
    return (room_sessions(await wc.astatus(server), room, kind),
            time.monotonic() - t0)


async def wait_page(page, stats, want, timeout, what):
    """Poll window.<stats>() (whipStats, whepStats) until want(stats);
    the stats. Raises with the page's status line, its last error, its
    console and exceptions if it did not come to `what`."""
    t0 = time.monotonic()
    st = None
    while time.monotonic() - t0 < timeout:
        st = await page.evaluate("window.%s()" % stats)
        if want(st):
            return st
        if st["state"] == "failed":
            break
        await asyncio.sleep(0.2)
    text = await page.evaluate("document.getElementById('status')"
                               ".textContent")
    err = await page.evaluate("window.%sLastError" % stats[:4])
    raise AssertionError("page not %s after %ss: stats %s, status %r, "
                         "error %r, console %s, exceptions %s" % (
                             what, timeout, st, text, err,
                             page.console[-10:], page.exceptions[-5:]))


async def wait_publishing(page, timeout):
    """publish.html connected: its stats."""
    return await wait_page(page, "whipStats",
                           lambda s: s["state"] == "connected", timeout,
                           "connected")


async def wait_playing(page, timeout):
    """play.html connected and decoding: its stats."""
    return await wait_page(page, "whepStats",
                           lambda s: s["state"] == "connected"
                           and s["framesDecoded"] > 0, timeout, "playing")
