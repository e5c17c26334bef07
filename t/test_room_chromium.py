"""Group calls in headless Chromium through html/room.html (driven over the
DevTools protocol) against nginx's WebSocket signaling (docs/signaling.md):
three participants in an sfu room, two in a p2p room, chat, and the
page's errors.

The p2p tests run their Chromium in a network namespace of their own
(t/netns.py): the two tabs connect to each other over its veth address,
never over this host's other interfaces, and reach nginx through a TCP
forwarder on the veth's other end."""

import asyncio
import json
import time
import uuid

import pytest
import requests

from chromium_driver import Chromium
from netns import NetNs, TcpForward

# The server of the `nginx` fixture has the call rooms of
# docs/signaling.md at /ws (webrtc_call_room ~^p2p- mode=p2p max=2; the
# others sfu, max=16; token "demo") and serves html/ at /, so the page's
# default WebSocket URL (ws://host/ws) is right.

# every tab is in the foreground as far as the tests care
CHROMIUM_ARGS = ["--disable-background-timer-throttling",
                 "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]

JS_SELECTED_PAIR = """(async () => {
  const pc = window.roomPc;
  if (!pc) return null;
  const s = await pc.getStats();
  let pair = null;
  s.forEach((r) => {
    if (r.type === "transport" && r.selectedCandidatePairId)
      pair = s.get(r.selectedCandidatePairId);
  });
  if (!pair) s.forEach((r) => {
    if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded")
      pair = r;
  });
  if (!pair) return null;
  const l = s.get(pair.localCandidateId), r = s.get(pair.remoteCandidateId);
  return {state: pair.state,
          local: {address: l.address, port: l.port, type: l.candidateType},
          remote: {address: r.address, port: r.port, type: r.candidateType}};
})()"""


class RoomServer:
    """Where the room pages and the signaling are: base URL, the media
    ports nginx's workers may use, and its status page."""

    def __init__(self, base_url, media_ports, status):
        self.base_url = base_url
        self.media_ports = media_ports
        self.status = status


@pytest.fixture(scope="module")
def chromium():
    browser = Chromium(CHROMIUM_ARGS)
    browser.start()
    yield browser
    browser.stop()


class P2pNet:
    """A Chromium in a namespace of its own, and nginx's pages and
    signaling at base_url through a forwarder (see the module's doc)."""

    def __init__(self, nginx):
        self.ns = self.fwd = self.browser = None
        self.ns = NetNs.or_skip()
        try:
            self.fwd = TcpForward(self.ns.host_addr, ("127.0.0.1", nginx.http_port))
            self.base_url = "http://%s:%d" % (self.ns.host_addr, self.fwd.port)
            # getUserMedia wants a secure context: 127.0.0.1 is one, this
            # address is made one
            args = CHROMIUM_ARGS + [
                "--unsafely-treat-insecure-origin-as-secure=" + self.base_url]
            self.browser = self.ns.call(lambda: Chromium(args).start())
        except Exception:
            self.close()
            raise

    def status(self):
        return requests.get(self.base_url + "/webrtc/status",
                            timeout=5).json()

    def run(self, coro, timeout):
        """The coroutine, on an event loop inside the namespace."""
        return self.ns.call(run, coro, timeout)

    def close(self):
        if self.browser is not None:
            self.ns.call(self.browser.stop)
        if self.fwd is not None:
            self.fwd.close()
        if self.ns is not None:
            self.ns.close()


@pytest.fixture(scope="module")
def p2p_net(nginx):
    net = P2pNet(nginx)
    yield net
    net.close()


def p2p_rooms(nginx, net):
    ports = set(range(nginx.udp_base, nginx.udp_base + 2 * nginx.workers))
    return RoomServer(net.base_url, ports, net.status)


@pytest.fixture
def rooms(nginx):
    # worker N serves udp_base + N; after a reload, the second bank
    ports = set(range(nginx.udp_base, nginx.udp_base + 2 * nginx.workers))
    return RoomServer(nginx.base_url, ports, nginx.status)


def unique(prefix):
    return prefix + uuid.uuid4().hex[:8]


def room_url(base, room, name, **extra):
    q = "room=%s&name=%s" % (room, name)
    for k, v in extra.items():
        q += "&%s=%s" % (k, v)
    return "%s/room.html?%s" % (base, q)


async def page_report(page):
    """What a page knows, for a failure message."""
    try:
        st = await page.evaluate(
            "({id: roomState.id, mode: roomState.mode, "
            "participants: roomState.participants, "
            "lastError: roomState.lastError, "
            "reconnects: roomState.reconnects, "
            "log: roomState.log.slice(-30), "
            "status: document.getElementById('status').textContent, "
            "ice: window.roomPc && window.roomPc.iceConnectionState})")
        st["stats"] = await page.evaluate("window.roomStats()")
    except Exception as e:         # the page itself may be the problem
        st = {"evaluate": repr(e)}
    st["console"] = page.console[-10:]
    st["exceptions"] = page.exceptions[-5:]
    return st


async def remote_videos(page):
    """{participant id: framesDecoded} of the remote videos received."""
    out = {}
    for s in await page.evaluate("window.roomStats()"):
        if s["source"] == "camera":
            out[s["participant"]] = out.get(s["participant"], 0) + \
                s["framesDecoded"]
    return out


async def wait_videos(pages, count, timeout):
    """Until every page decodes `count` remote cameras."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        seen = [await remote_videos(p) for p in pages]
        if all(len([n for n in v.values() if n > 0]) >= count
               for v in seen):
            return seen
        await asyncio.sleep(0.5)
    reports = [await page_report(p) for p in pages]
    raise AssertionError(
        "not every page decodes %d remote videos after %ss:\n%s"
        % (count, timeout, "\n".join(repr(r) for r in reports)))


async def wait_chat(pages, text, timeout):
    t0 = time.monotonic()
    got = []
    while time.monotonic() - t0 < timeout:
        got = [await p.evaluate("roomState.chat") for p in pages]
        if all(any(m["text"] == text for m in c) for c in got):
            return got
        await asyncio.sleep(0.2)
    raise AssertionError("chat %r did not reach every page: %s"
                         % (text, got))


async def ui_chat(page, text):
    """Type `text` into the chat box and press Send."""
    await page.evaluate(
        "document.getElementById('chatinput').value = %s;"
        "document.getElementById('chatsend').click()"
        % _js_str(text))


def _js_str(s):
    import json
    return json.dumps(s)


async def sfu_call(server, browser, report=print, names=("Alice", "Bob",
                                                          "Carol")):
    room = unique("call-")
    async with browser.new_page() as a, browser.new_page() as b, \
            browser.new_page() as c:
        pages = [a, b, c]
        for page, name in zip(pages, names):
            await page.navigate(room_url(server.base_url, room, name))
        t0 = time.monotonic()
        await wait_videos(pages, len(pages) - 1, 40)
        t_video = time.monotonic() - t0

        first = [await remote_videos(p) for p in pages]
        await asyncio.sleep(2)
        second = [await remote_videos(p) for p in pages]
        ids = [await p.evaluate("roomState.id") for p in pages]
        seen = [await p.evaluate("roomState.participants") for p in pages]

        text = "hello from %s %s" % (names[0], uuid.uuid4().hex[:6])
        await ui_chat(a, text)
        chats = await wait_chat(pages, text, 10)
        status = server.status()
        exceptions = [p.exceptions for p in pages]
        errors = [await p.evaluate("roomState.lastError") for p in pages]
        for p in pages:
            await p.evaluate("window.roomLeave()")

    report("\nsfu room, 3 Chromium tabs: every tab decodes 2 remote videos "
           "%.1f s after opening; frames in 2 s: %s"
           % (t_video, [{k: s[k] - f.get(k, 0) for k in s}
                        for f, s in zip(first, second)]))
    assert len(set(ids)) == 3 and all(ids), ids
    for i, (f, s) in enumerate(zip(first, second)):
        others = set(ids) - {ids[i]}
        assert set(s) == others, \
            "tab %d receives %s, expected the others %s" % (i, s, others)
        for pid in others:
            assert s[pid] - f[pid] >= 10, \
                "tab %d: video of %s decoded %d -> %d frames in 2 s" % (
                    i, pid, f[pid], s[pid])
    for i, ps in enumerate(seen):
        assert {p["name"] for p in ps.values()} == set(names), (i, ps)
    for i, chat in enumerate(chats):
        m = [m for m in chat if m["text"] == text]
        assert len(m) == 1, (i, chat)
        assert m[0]["name"] == names[0] and m[0]["from"] == ids[0], m
        assert abs(m[0]["ts"] / 1000 - time.time()) < 60, m
    assert exceptions == [[], [], []], exceptions
    assert errors == [None, None, None], errors
    # one media session in nginx per participant
    mine = [x for x in status.get("sessions", [])
            if str(x.get("room", "")).startswith(room + "~")]
    assert len(mine) == 3, status
    return status


async def selected_pair(page, timeout=5.0):
    """The transport's selected candidate pair, sampled until its state
    reads "succeeded": Chromium shows the pair "in-progress" again while
    a consent check on it is outstanding, media flowing all the while."""
    deadline = time.monotonic() + timeout
    while True:
        pair = await page.evaluate(JS_SELECTED_PAIR)
        if (pair and pair["state"] == "succeeded") \
                or time.monotonic() > deadline:
            return pair
        await asyncio.sleep(0.2)


async def p2p_call(server, browser, report=print, addresses=None):
    room = unique("p2p-")
    async with browser.new_page() as a, browser.new_page() as b:
        pages = [a, b]
        await a.navigate(room_url(server.base_url, room, "Alice"))
        await b.navigate(room_url(server.base_url, room, "Bob"))
        t0 = time.monotonic()
        await wait_videos(pages, 1, 30)
        t_video = time.monotonic() - t0
        first = [await remote_videos(p) for p in pages]
        await asyncio.sleep(2)
        second = [await remote_videos(p) for p in pages]
        modes = [await p.evaluate("roomState.mode") for p in pages]
        pairs = [await selected_pair(p) for p in pages]
        status = server.status()
        text = "p2p hello %s" % uuid.uuid4().hex[:6]
        await b.evaluate("window.roomChat(%s)" % _js_str(text))
        await wait_chat(pages, text, 10)
        exceptions = [p.exceptions for p in pages]
        for p in pages:
            await p.evaluate("window.roomLeave()")

    report("\np2p room, 2 Chromium tabs: video both ways %.1f s after "
           "opening; frames in 2 s: %s; selected pairs %s"
           % (t_video, [sum(s.values()) - sum(f.values())
                        for f, s in zip(first, second)],
              [(p["local"], p["remote"]) if p else None for p in pairs]))
    assert modes == ["p2p", "p2p"], modes
    for i, (f, s) in enumerate(zip(first, second)):
        assert len(s) == 1, (i, s)
        pid = next(iter(s))
        assert s[pid] - f.get(pid, 0) >= 10, (i, f, s)
    for i, pair in enumerate(pairs):
        assert pair and pair["state"] == "succeeded", (i, pair)
        assert pair["remote"]["port"] not in server.media_ports, \
            "tab %d: media goes to nginx's port %s, not to the other " \
            "browser" % (i, pair["remote"]["port"])
        assert pair["local"]["port"] not in server.media_ports, (i, pair)
    # the two tabs are each other's remote end
    assert pairs[0]["remote"]["port"] == pairs[1]["local"]["port"], pairs
    assert pairs[1]["remote"]["port"] == pairs[0]["local"]["port"], pairs
    if addresses is not None:
        for pair in pairs:
            assert {pair["local"]["address"], pair["remote"]["address"]} \
                <= addresses, ("an address outside the test's namespace",
                               pairs)
    # (the nginx is shared by the module: other tests' sessions may linger)
    mine = [x for x in status.get("sessions", [])
            if str(x.get("room", "")).startswith(room)]
    assert mine == [], "a p2p call made media sessions in nginx: %s" % mine
    assert exceptions == [[], []], exceptions


def run(coro, timeout):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_room_sfu_three_chromium(rooms, chromium, report):
    """Three tabs in one sfu room: each decodes the two others' cameras,
    and a chat message typed in one reaches all three."""
    run(sfu_call(rooms, chromium, report), 120)


def test_room_p2p_two_chromium(nginx, p2p_net, report):
    """Two tabs in a p2p room: video both ways directly between the
    browsers (not through nginx's media ports, no sessions in nginx),
    over the namespace's own addresses."""
    p2p_net.run(p2p_call(p2p_rooms(nginx, p2p_net), p2p_net.browser, report,
                         {p2p_net.ns.ns_addr, "127.0.0.1"}), 90)


async def reconnect_call(server, browser, prefix, report=print):
    room = unique(prefix)
    async with browser.new_page() as a, browser.new_page() as b:
        pages = [a, b]
        await a.navigate(room_url(server.base_url, room, "Alice"))
        await b.navigate(room_url(server.base_url, room, "Bob"))
        await wait_videos(pages, 1, 30)
        before = [await p.evaluate("roomState.id") for p in pages]
        t0 = time.monotonic()
        await a.evaluate("window.roomDropSocket()")
        # Alice comes back (1 s backoff) as a new participant with a new
        # PeerConnection; Bob drops the old Alice and gets the new one
        while time.monotonic() - t0 < 20:
            ids = [await p.evaluate("roomState.id") for p in pages]
            seen = [await remote_videos(p) for p in pages]
            if ids[0] != before[0] and seen[1].get(ids[0], 0) > 0 and \
                    seen[0].get(ids[1], 0) > 0:
                break
            await asyncio.sleep(0.5)
        t_back = time.monotonic() - t0
        first = [await remote_videos(p) for p in pages]
        await asyncio.sleep(2)
        second = [await remote_videos(p) for p in pages]
        after = [await p.evaluate("roomState.id") for p in pages]
        names = [sorted(v["name"] for v in (await p.evaluate(
            "roomState.participants")).values()) for p in pages]
        reconnects = await a.evaluate("roomState.reconnects")
        reports = [await page_report(p) for p in pages]
        for p in pages:
            await p.evaluate("window.roomLeave()")

    report("\n%s reconnect: video both ways again %.1f s after the socket "
           "dropped" % (prefix.rstrip("-"), t_back))
    assert after[0] != before[0] and after[1] == before[1], (before, after)
    assert reconnects == 1, reports[0]
    assert names == [["Alice", "Bob"], ["Alice", "Bob"]], names
    assert set(second[0]) == {after[1]}, reports
    assert set(second[1]) == {after[0]}, reports
    for f, s in zip(first, second):
        for pid in s:
            assert s[pid] - f.get(pid, 0) >= 10, (first, second, reports)


def test_room_reconnect(rooms, chromium, report):
    """The signaling socket drops: the page joins again with the same
    name and a fresh PeerConnection, and video flows both ways again
    (an sfu room)."""
    run(reconnect_call(rooms, chromium, "call-", report), 90)


def test_room_reconnect_p2p(nginx, p2p_net, report):
    """The same in a p2p room, its Chromium in the test's namespace."""
    p2p_net.run(reconnect_call(p2p_rooms(nginx, p2p_net), p2p_net.browser,
                               "p2p-", report), 90)


async def join_error(server, browser, room, name, token):
    async with browser.new_page() as page:
        await page.navigate(room_url(server.base_url, room, name,
                                     token=token))
        t0 = time.monotonic()
        err = None
        while time.monotonic() - t0 < 10:
            err = await page.evaluate("roomState.lastError")
            if err:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.5)      # no reconnect may follow
        return err, await page_report(page), await page.evaluate(
            "[document.getElementById('joinform').hidden,"
            " document.getElementById('status').textContent]")


def test_room_wrong_token(rooms, chromium):
    """A wrong token: the page shows the server's error, stays on the join
    form and does not reconnect."""
    err, rep, (form_hidden, text) = run(join_error(
        rooms, chromium, unique("call-"), "Mallory", "wrong"), 40)
    assert err and "unauthorized" in err, rep
    assert "unauthorized" in text, text
    assert form_hidden is False, rep
    assert rep["reconnects"] == 0, rep


def test_room_bad_room_name(rooms, chromium):
    """A room name the server refuses (with the rooms of the fixture every
    well-formed name is an sfu room, so this is the check of the name):
    the page shows the error, stays on the form and does not reconnect."""
    err, rep, (form_hidden, text) = run(join_error(
        rooms, chromium, "no.such.room", "Alice", "demo"), 40)
    assert err and ("no-room" in err or "bad-json" in err), rep
    assert "Server error" in text, text
    assert form_hidden is False, rep
    assert rep["reconnects"] == 0, rep


async def screen_and_mute(server, browser, report=print):
    room = unique("call-")
    async with browser.new_page() as a, browser.new_page() as b:
        await a.navigate(room_url(server.base_url, room, "Alice"))
        await b.navigate(room_url(server.base_url, room, "Bob"))
        await wait_videos([a, b], 1, 30)
        aid = await a.evaluate("roomState.id")

        # the microphone button: the other tab shows Alice muted
        await a.evaluate("document.getElementById('mic').click()")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            audio = await b.evaluate("roomState.participants[%s].audio"
                                     % _js_str(aid))
            if audio is False:
                break
            await asyncio.sleep(0.1)
        assert audio is False, "Bob's page still shows Alice's microphone on"

        # screen share: a second video of Alice, its source "screen"
        await a.evaluate("document.getElementById('screen').click()")
        screen = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            stats = await b.evaluate("roomStats()")
            screen = [s for s in stats if s.get("source") == "screen"
                      and s.get("participant") == aid]
            if screen and screen[0]["framesDecoded"] > 10:
                break
            await asyncio.sleep(0.2)
        assert screen and screen[0]["framesDecoded"] > 10, stats
        camera = [s for s in stats if s.get("source") == "camera"]
        size = (screen[0]["frameWidth"], screen[0]["frameHeight"])

        # stop sharing: the room hears it, the screen stops decoding
        await a.evaluate("document.getElementById('screen').click()")
        deadline = time.monotonic() + 10
        gone = False
        while time.monotonic() < deadline and not gone:
            log = await b.evaluate("JSON.stringify(roomState.log || [])")
            gone = 'unpublished' in log
            await asyncio.sleep(0.2)
        assert gone, "no unpublished after the screen share stopped"
        await asyncio.sleep(1.0)

        def screen_frames(stats):
            return sum(s["framesDecoded"] for s in stats
                       if s.get("source") == "screen")

        f1 = screen_frames(await b.evaluate("roomStats()"))
        await asyncio.sleep(1.0)
        f2 = screen_frames(await b.evaluate("roomStats()"))
        assert f2 == f1, "the screen still decodes: %d -> %d" % (f1, f2)
        errors = [await p.evaluate("roomState.lastError") for p in (a, b)]
        for p in (a, b):
            await p.evaluate("window.roomLeave()")

    report("\nscreen share: Bob decoded Alice's screen (%dx%d) beside her "
           "camera (%d video(s)); her microphone mute showed on his page; "
           "stopping the share sent unpublished" % (size[0], size[1],
                                                    len(camera)))
    assert camera, "the camera stopped when the screen came"
    assert errors == [None, None], errors


async def screen_frames_of(page, pid):
    return sum(s["framesDecoded"] for s in await page.evaluate("roomStats()")
               if s.get("source") == "screen" and s.get("participant") == pid)


async def share_screen(sharer, viewer, pid, timeout=15):
    """Clicks the sharer's screen button; True once the viewer decodes
    more than 10 new frames of the sharer's screen."""
    base = await screen_frames_of(viewer, pid)
    await sharer.evaluate("document.getElementById('screen').click()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await screen_frames_of(viewer, pid) - base > 10:
            return True
        await asyncio.sleep(0.2)
    return False


async def mute_follows_track(nginx, server, browser, report=print):
    room = unique("call-")

    def admin(method, path, body=None):
        return requests.request(
            method, nginx.base_url + "/webrtc/rooms/" + room + path,
            headers={"Authorization": "Bearer admin-secret"},
            data=None if body is None else json.dumps(body), timeout=5)

    loop = asyncio.get_running_loop()
    async with browser.new_page() as a, browser.new_page() as b:
        await a.navigate(room_url(server.base_url, room, "Alice"))
        await b.navigate(room_url(server.base_url, room, "Bob"))
        await wait_videos([a, b], 1, 30)
        aid = await a.evaluate("roomState.id")
        assert await share_screen(a, b, aid), "Bob never decoded the screen"

        # a moderator mutes the screen: Bob decodes nothing more of it
        r = await loop.run_in_executor(None, lambda: admin("GET", ""))
        me = [p for p in r.json()["participants"] if p["id"] == aid][0]
        screen = [t["id"] for t in me["tracks"] if t["source"] == "screen"]
        assert screen, me
        r = await loop.run_in_executor(None, lambda: admin(
            "POST", "/mute", {"track": screen[0], "muted": True}))
        assert r.status_code == 200, r.text
        await asyncio.sleep(1.0)
        f1 = await screen_frames_of(b, aid)
        await asyncio.sleep(1.0)
        f2 = await screen_frames_of(b, aid)

        # Alice stops sharing and shares again: a new track, which the
        # room may give the same source; it is not muted
        await a.evaluate("document.getElementById('screen').click()")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and \
                'unpublished' not in await b.evaluate(
                    "JSON.stringify(roomState.log || [])"):
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)
        again = await share_screen(a, b, aid)
        r = await loop.run_in_executor(None, lambda: admin("GET", ""))
        me = [p for p in r.json()["participants"] if p["id"] == aid][0]
        for p in (a, b):
            await p.evaluate("window.roomLeave()")

    report("\nmoderator's mute of a shared screen: Bob decoded %d frames of it "
           "in the second after; shared again as a new track: %s; tracks "
           "now %s" % (f2 - f1, "decoded" if again else "NOT decoded",
                       [(t["source"], t["muted"]) for t in me["tracks"]]))
    assert f2 == f1, "the muted screen still decodes: %d -> %d" % (f1, f2)
    assert again, "the new screen share was not decoded: the old track's " \
        "mute stayed on its source"
    assert all(not t["muted"] for t in me["tracks"]), me


def test_room_mute_follows_the_track(nginx, rooms, chromium, report):
    """A moderator mutes a shared screen; shared again (a new track on
    what may be the same source of the participant's room), it is heard
    of unmuted and decoded."""
    run(mute_follows_track(nginx, rooms, chromium, report), 90)


def test_room_screen_share_and_mute(rooms, chromium, report):
    """The page's microphone button and screen share: the other tab sees
    the mute state and decodes the shared screen as a second video."""
    run(screen_and_mute(rooms, chromium, report), 90)
