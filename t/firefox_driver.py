"""Headless Firefox driven over WebDriver BiDi (python3-websockets), with
the same shape as chromium_driver:

    with Firefox() as browser:
        async with browser.page() as page:
            await page.navigate(url)
            value = await page.evaluate("window.whepStats()")

The profile gives Firefox a fake camera and microphone without asking,
host candidates with their plain addresses, and no calls home. Firefox
gathers ICE candidates on every interface but loopback: start it in a
network namespace of the test's own (t/netns.py, NetNs.call).
"""

import asyncio
import itertools
import json
import os
import time
import urllib.parse

import websockets

from browser import BrowserProcess

FIREFOX = os.environ.get("NGX_WEBRTC_FIREFOX", "/usr/bin/firefox-esr")

PREFS = {
    # media: fake devices, no permission prompt, autoplay
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "media.autoplay.default": 0,
    # ICE: host candidates with their address, not an mDNS name
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    # http:// stays http:// (no HTTPS-first attempt at the test's ports)
    "dom.security.https_first": False,
    "dom.security.https_first_schemeless": False,
    # nothing leaves the machine
    "app.update.enabled": False,
    "app.normandy.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.region.network.url": "",
    "browser.newtabpage.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "services.settings.server": "data:,#remote-settings-disabled",
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.server": "",
}


class BidiError(Exception):
    pass


class Firefox(BrowserProcess):
    """secure_origin: an http:// origin to treat as secure (getUserMedia
    wants a secure context; 127.0.0.1 is one)."""

    name = "firefox"

    def __init__(self, secure_origin=None):
        super().__init__()
        self.version = None
        prefs = dict(PREFS)
        if secure_origin:
            prefs["dom.securecontext.allowlist"] = \
                urllib.parse.urlsplit(secure_origin).hostname
        with open(os.path.join(self.profile, "user.js"), "w") as f:
            for k, v in prefs.items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(k),
                                                  json.dumps(v)))

    def start(self, timeout=60):
        self.spawn([FIREFOX, "--headless", "--no-remote", "--profile",
                    self.profile, "--remote-debugging-port=%d" % self.port,
                    "about:blank"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.exited()
            if "WebDriver BiDi listening" in self.log_tail(lines=10000):
                return self
            time.sleep(0.2)
        raise RuntimeError("firefox BiDi not up after %ss:\n%s"
                           % (timeout, self.log_tail()))

    def page(self):
        """The browser's first tab, on a BiDi session of its own."""
        return BidiPage(self)


class BidiPage:
    """A BiDi session on the browser's first tab: navigation, evaluation,
    console capture. One at a time: Firefox allows one BiDi session."""

    def __init__(self, browser):
        self.browser = browser
        self.ws = None
        self.context = None
        self._ids = itertools.count(1)
        self._pending = {}
        self.console = []          # (level, text) of console.* calls
        self.exceptions = []       # uncaught page exceptions
        self._reader = None

    async def __aenter__(self):
        self.ws = await websockets.connect(
            "ws://127.0.0.1:%d/session" % self.browser.port, max_size=None,
            ping_interval=None)
        self._reader = asyncio.ensure_future(self._read())
        caps = await self.send("session.new", {"capabilities": {}})
        self.browser.version = "Firefox %s" % caps["capabilities"].get(
            "browserVersion")
        tree = await self.send("browsingContext.getTree", {})
        self.context = tree["contexts"][0]["context"]
        await self.send("session.subscribe", {"events": ["log.entryAdded"]})
        return self

    async def __aexit__(self, *exc):
        try:
            await self.navigate("about:blank")
            await self.send("session.end", {}, timeout=5)
        except (BidiError, asyncio.TimeoutError, websockets.ConnectionClosed):
            pass
        if self._reader:
            self._reader.cancel()
        if self.ws:
            await self.ws.close()

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if msg.get("type") in ("success", "error") and "id" in msg:
                    fut = self._pending.pop(msg["id"], None)
                    if fut and not fut.done():
                        fut.set_result(msg)
                elif msg.get("method") == "log.entryAdded":
                    p = msg.get("params", {})
                    if p.get("type") == "javascript":
                        self.exceptions.append(p.get("text"))
                    else:
                        self.console.append((p.get("level"), p.get("text")))
        except websockets.ConnectionClosed:
            pass
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(BidiError("BiDi connection closed"))

    async def send(self, method, params, timeout=30):
        i = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._pending[i] = fut
        await self.ws.send(json.dumps({"id": i, "method": method,
                                       "params": params}))
        msg = await asyncio.wait_for(fut, timeout)
        if msg.get("type") == "error":
            raise BidiError("%s: %s: %s" % (method, msg.get("error"),
                                            msg.get("message")))
        return msg.get("result", {})

    async def navigate(self, url, timeout=30):
        await self.send("browsingContext.navigate", {
            "context": self.context, "url": url, "wait": "complete"},
            timeout=timeout)

    async def evaluate(self, expression, timeout=30):
        """Evaluate `expression` (promises are awaited); return its value
        (JSON-serialisable results only)."""
        r = await self.send("script.evaluate", {
            "expression": "(async () => JSON.stringify(await (%s)))()"
                          % expression,
            "target": {"context": self.context}, "awaitPromise": True},
            timeout=timeout)
        if r.get("type") == "exception":
            d = r.get("exceptionDetails", {})
            raise BidiError("evaluate %r: %s" % (expression, d.get("text")))
        value = r.get("result", {}).get("value")
        return None if value is None else json.loads(value)
