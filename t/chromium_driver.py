"""Headless Chromium driven over the DevTools protocol (python3-websockets).

    with Chromium() as browser:
        async with browser.page() as page:
            await page.navigate(url)
            value = await page.evaluate("window.whipStats()")

    Several tabs in one browser (each its own page target):

        async with browser.new_page() as a, browser.new_page() as b:
            ...
"""

import asyncio
import itertools
import json
import os
import time
import urllib.parse

import requests
import websockets

from browser import BrowserProcess

CHROMIUM = os.environ.get("NGX_WEBRTC_CHROMIUM", "/usr/bin/chromium")

FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


class CdpError(Exception):
    pass


class Chromium(BrowserProcess):
    name = "chromium"

    def __init__(self, extra_args=()):
        super().__init__()
        self.extra_args = list(extra_args)

    def start(self, timeout=30):
        self.spawn([CHROMIUM] + FLAGS + self.extra_args + [
            "--remote-debugging-port=%d" % self.port,
            "--user-data-dir=%s" % self.profile, "about:blank"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.exited()
            try:
                r = requests.get("http://127.0.0.1:%d/json/version"
                                 % self.port, timeout=1)
                if r.status_code == 200:
                    self.version = r.json().get("Browser")
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("chromium DevTools not up after %ss:\n%s"
                           % (timeout, self.log_tail()))

    def page_ws_url(self):
        targets = requests.get("http://127.0.0.1:%d/json/list" % self.port,
                               timeout=5).json()
        pages = [t for t in targets if t.get("type") == "page"]
        if not pages:
            raise RuntimeError("no page target: %s" % targets)
        return pages[0]["webSocketDebuggerUrl"]

    def page(self):
        return CdpPage(self.page_ws_url())

    def new_page(self, url="about:blank"):
        """A CdpPage on a new tab; the tab is closed when the page's
        `async with` ends."""
        base = "http://127.0.0.1:%d/json/new?%s" % (
            self.port, urllib.parse.quote(url, safe=""))
        r = requests.put(base, timeout=10)
        if r.status_code == 405:        # older Chromium: GET
            r = requests.get(base, timeout=10)
        r.raise_for_status()
        t = r.json()
        return CdpPage(t["webSocketDebuggerUrl"], target_id=t["id"],
                       devtools_port=self.port)


class CdpPage:
    """One page target: commands, evaluation, console capture."""

    def __init__(self, ws_url, target_id=None, devtools_port=None):
        self.ws_url = ws_url
        # set for a tab made by Chromium.new_page(): closed at the end
        self.target_id = target_id
        self.devtools_port = devtools_port
        self.ws = None
        self._ids = itertools.count(1)
        self._pending = {}
        self._events = asyncio.Queue()
        self.console = []          # (type, text) of console.* calls
        self.exceptions = []       # uncaught page exceptions
        self._reader = None

    async def __aenter__(self):
        self.ws = await websockets.connect(self.ws_url, max_size=None,
                                           ping_interval=None)
        self._reader = asyncio.ensure_future(self._read())
        await self.send("Page.enable")
        await self.send("Runtime.enable")
        return self

    async def __aexit__(self, *exc):
        if self._reader:
            self._reader.cancel()
        if self.ws:
            await self.ws.close()
        if self.target_id:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, lambda: requests.get(
                        "http://127.0.0.1:%d/json/close/%s"
                        % (self.devtools_port, self.target_id), timeout=5))
            except requests.RequestException:
                pass

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if "id" in msg:
                    fut = self._pending.pop(msg["id"], None)
                    if fut and not fut.done():
                        fut.set_result(msg)
                    continue
                method = msg.get("method")
                params = msg.get("params", {})
                if method == "Runtime.consoleAPICalled":
                    text = " ".join(
                        str(a.get("value", a.get("description", "")))
                        for a in params.get("args", []))
                    self.console.append((params.get("type"), text))
                elif method == "Runtime.exceptionThrown":
                    d = params.get("exceptionDetails", {})
                    self.exceptions.append(
                        d.get("exception", {}).get("description")
                        or d.get("text"))
                await self._events.put(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(CdpError("DevTools connection closed"))

    async def send(self, method, params=None, timeout=30):
        i = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._pending[i] = fut
        await self.ws.send(json.dumps({"id": i, "method": method,
                                       "params": params or {}}))
        msg = await asyncio.wait_for(fut, timeout)
        if "error" in msg:
            raise CdpError("%s: %s" % (method, msg["error"]))
        return msg.get("result", {})

    async def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError("no %s in %ss" % (method, timeout))
            msg = await asyncio.wait_for(self._events.get(), left)
            if msg.get("method") == method:
                return msg.get("params", {})

    async def navigate(self, url, timeout=30):
        # drain old events so that we wait for this load
        while not self._events.empty():
            self._events.get_nowait()
        r = await self.send("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise CdpError("navigate %s: %s" % (url, r["errorText"]))
        await self.wait_event("Page.loadEventFired", timeout)

    async def evaluate(self, expression, timeout=30):
        """Evaluate `expression` (promises are awaited); return its value
        (JSON-serialisable results only)."""
        r = await self.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True,
            "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CdpError("evaluate %r: %s" % (
                expression, d.get("exception", {}).get("description")
                or d.get("text")))
        return r.get("result", {}).get("value")
