"""Group calls through the SFU with aiortc participants (docs/signaling.md).

Every participant publishes a synthetic video whose frame numbers start
at its own offset (10000, 20000, ...), so what a participant decodes
tells who sent it; the tests check decoded frames, not counters.
"""

import asyncio
import json
import os
import signal
import time

from room_client import RoomPeer


async def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


async def decodes_all(peers, others, frames=20, timeout=20):
    """Each of peers decodes at least `frames` frames of each of others
    (not itself) from now on."""
    t0 = time.monotonic()

    def ok():
        return all(len(p.frames_from(o.offset, since=t0)) >= frames
                   for p in peers for o in others if o is not p)

    try:
        await wait_until(ok, timeout, "every participant to decode the "
                         "others")
    except AssertionError:
        raise AssertionError("frames decoded since the wait began: %s" % {
            p.name: {o.name: len(p.frames_from(o.offset, since=t0))
                     for o in others if o is not p} for p in peers})


def test_four_publish_leave_and_join(nginx, report):
    async def main():
        peers = [RoomPeer(nginx.ws_url, "call4", "p%d" % i,
                          offset=10000 * (i + 1)) for i in range(4)]
        try:
            for p in peers:
                await p.join()
                await p.publish()

            t0 = time.monotonic()
            await decodes_all(peers, peers)
            report("4 participants: each decodes the other 3 videos after "
                   "%.1f s" % (time.monotonic() - t0))
            await asyncio.sleep(1.5)

            for p in peers:
                got = {o.name: len(p.frames_from(o.offset)) for o in peers
                       if o is not p}
                stray = len(p.frames_from(p.offset))
                report("  %s decoded %s, own frames %d, offers answered %d"
                       % (p.name, got, stray, p.offers_answered))
                assert stray == 0, "a participant got its own video back"
                assert len(p.audio_frames) == 3 and \
                    all(n > 40 for n in p.audio_frames.values()), \
                    p.audio_frames

            status = nginx.status()
            call = [c for c in status["calls"] if c["name"] == "call4"][0]
            assert len(call["participants"]) == 4
            assert all(len(x["tracks"]) == 2 for x in call["participants"])
            workers = {x["worker"] for x in call["participants"]}
            report("  participants on workers %s" % sorted(workers))

            # one leaves: the others are told, and its video stops

            gone = peers.pop(1)
            await gone.leave()
            t_left = time.monotonic()

            for p in peers:
                m = await p.wait_for(lambda m: m["type"] == "participant-left"
                                     and m["id"] == gone.id, 5)
                assert m["reason"] == "left"

            await asyncio.sleep(2.0)
            for p in peers:
                late = [n for n in p.frames_from(gone.offset,
                                                 since=t_left + 1.0)]
                assert late == [], "%s still decodes %s" % (p.name,
                                                             gone.name)
            report("one left: the other 3 were told, and decoded none of "
                   "its frames from 1 s after")

            # a fifth joins: everybody renegotiates and sees it

            fifth = RoomPeer(nginx.ws_url, "call4", "p4", offset=50000)
            peers.append(fifth)
            await fifth.join()
            await fifth.publish()
            t0 = time.monotonic()
            await decodes_all(peers, peers)
            report("a fifth joined: all 4 decode each other %.1f s later"
                   % (time.monotonic() - t0))
            for p in peers[:-1]:
                assert any(m["type"] == "participant-joined"
                           and m["participant"]["id"] == fifth.id
                           for m in p.messages)
            for p in peers:
                assert p.errors == [], (p.name, p.errors)
        finally:
            for p in peers:
                await p.close()

    asyncio.run(main())


def test_watch_only_participant(nginx, report):
    """A participant that publishes nothing offers recvonly sections; the
    server sends the others' tracks on them, and adds sections for more."""
    async def main():
        pub = RoomPeer(nginx.ws_url, "watch", "pub", offset=10000)
        viewer = RoomPeer(nginx.ws_url, "watch", "viewer", audio=False,
                          video=False)
        try:
            await pub.join()
            await pub.publish()
            await viewer.join()
            await viewer.publish()
            await decodes_all([viewer], [pub])
            report("watch-only participant decodes the publisher; "
                   "sections: %s" % sorted(viewer.tracks_by_mid))
            # its recvonly sections carry the publisher's tracks
            assert {"0", "1"} <= set(viewer.tracks_by_mid)
            assert viewer.errors == []
        finally:
            await pub.close()
            await viewer.close()

    asyncio.run(main())


def admin(nginx, method, path, body=None, token="admin-secret"):
    headers = {"Authorization": "Bearer %s" % token} if token else {}
    return nginx.request(method, "/webrtc/rooms" + path, token=None,
                         headers=headers,
                         data=None if body is None else json.dumps(body))


def test_moderation(nginx, report):
    async def main():
        peers = [RoomPeer(nginx.ws_url, "mod", "m%d" % i,
                          offset=10000 * (i + 1)) for i in range(3)]
        try:
            for p in peers:
                await p.join()
                await p.publish()
            await decodes_all(peers, peers)
            loop = asyncio.get_event_loop()

            def call(*a, **kw):
                return loop.run_in_executor(None, lambda: admin(*a, **kw))

            # the API wants its token
            assert (await call(nginx, "GET", "", token=None)).status_code \
                == 401
            assert (await call(nginx, "GET", "", token="bad")).status_code \
                == 401
            r = await call(nginx, "GET", "/mod")
            assert r.status_code == 200
            room = r.json()
            assert len(room["participants"]) == 3
            assert (await call(nginx, "GET", "/nope")).status_code == 404

            # mute m0's video: nobody decodes it any more
            target = peers[0]
            video = [t for t in room["participants"]
                     if t["id"] == target.id][0]["tracks"]
            video = [t["id"] for t in video if t["kind"] == "video"][0]
            r = await call(nginx, "POST", "/mod/mute",
                           {"track": video, "muted": True})
            assert r.status_code == 200, r.text
            t_mute = time.monotonic()
            for p in peers[1:]:
                m = await p.wait_for(lambda m: m["type"] == "muted", 5)
                assert m["track"] == video and m["muted"] is True
            await asyncio.sleep(1.5)
            for p in peers[1:]:
                assert p.frames_from(target.offset,
                                     since=t_mute + 0.5) == []
                assert len(p.frames_from(peers[2 if p is peers[1] else 1]
                                         .offset, since=t_mute + 0.5)) > 10
            report("mute: no frame of the muted video 0.5 s after the "
                   "API call; the others' videos go on")

            # unmute: it comes back (the server asks for a keyframe)
            r = await call(nginx, "POST", "/mod/mute",
                           {"track": video, "muted": False})
            assert r.status_code == 200
            await decodes_all(peers[1:], [target], frames=10)
            report("unmute: decoded again")

            # remove m1: it is told and closed with 4003, the others
            # hear it left, and its video stops for them
            gone = peers[1]
            r = await call(nginx, "POST", "/mod/remove",
                           {"participant": gone.id})
            assert r.status_code == 200
            t_rm = time.monotonic()
            m = await gone.wait_for(lambda m: m["type"] == "removed", 5)
            await gone.wait_for(lambda m: m["type"] == "_closed", 5)
            assert gone.closed[0] == 4003, gone.closed
            for p in (peers[0], peers[2]):
                m = await p.wait_for(lambda m: m["type"] == "participant-left"
                                     and m["id"] == gone.id, 5)
                assert m["reason"] == "removed"
            await asyncio.sleep(1.5)
            for p in (peers[0], peers[2]):
                assert p.frames_from(gone.offset, since=t_rm + 0.5) == []
            assert (await call(nginx, "POST", "/mod/remove",
                               {"participant": gone.id})).status_code == 404
            report("remove: closed with 4003, its media stopped for the "
                   "others within 0.5 s")

            # close the room: everyone gets room-closed and 4004
            r = await call(nginx, "DELETE", "/mod")
            assert r.status_code == 200
            for p in (peers[0], peers[2]):
                await p.wait_for(lambda m: m["type"] == "room-closed", 5)
                await p.wait_for(lambda m: m["type"] == "_closed", 5)
                assert p.closed[0] == 4004
            await asyncio.sleep(0.5)
            assert (await call(nginx, "GET", "/mod")).status_code == 404
        finally:
            for p in peers:
                await p.close()

    asyncio.run(main())


def test_whip_and_whep_meet_rooms(nginx_factory, report):
    """A WHIP publisher into a call's room (webrtc_call_whip on) is a
    participant the others see; a participant's tracks play over WHEP at
    /whep/<room>~<participant id>."""
    from webrtc_client import WhepViewer, WhipPublisher

    srv = nginx_factory(extra_location="webrtc_call_whip on;")

    async def main():
        alice = RoomPeer(srv.ws_url, "stage", "alice", offset=10000)
        whip = WhipPublisher(srv.base_url, "stage")
        viewer = None
        try:
            await alice.join()
            await alice.publish()
            await whip.connect()

            m = await alice.wait_for(lambda m: m["type"] == "participant-"
                                     "joined" and m["participant"]["whip"],
                                     5)
            whip_id = m["participant"]["id"]
            # its frames are numbered from 0
            t0 = time.monotonic()
            await wait_until(lambda: len([n for n in alice.frames_from(0)])
                             >= 30, 20, "alice to decode the WHIP video")
            report("WHIP publisher %s decoded by a room participant %.1f s "
                   "after its POST" % (whip_id, time.monotonic() - t0))

            # and alice plays over WHEP
            viewer = WhepViewer(srv.base_url, "stage~%s" % alice.id)
            await viewer.connect()
            await wait_until(lambda: len([n for n in viewer.numbers()
                                          if 10000 <= n < 20000]) >= 30,
                             20, "the WHEP viewer to decode alice")
            report("WHEP viewer of stage~%s decoded %d of alice's frames"
                   % (alice.id, len(viewer.numbers())))
            # a viewer's session outlives its DTLS close until its consent
            # expires: DELETE, so that nginx can exit (and check for leaks)
            await viewer.delete()

            # the WHIP publisher leaves: the room hears it
            await whip.delete()
            await whip.close()
            m = await alice.wait_for(lambda m: m["type"] == "participant-left"
                                     and m["id"] == whip_id, 5)
            assert m["reason"] == "closed"
        finally:
            if viewer:
                await viewer.close()
            await whip.close()
            await alice.close()

    asyncio.run(main())


def test_worker_killed_in_a_call(nginx_factory, report):
    """kill -9 of the worker holding a participant: the others hear it
    left (`timeout`) within the sweep, and the call goes on for them."""
    srv = nginx_factory()
    orig = srv.crash_lines
    srv.crash_lines = lambda offset=0: [l for l in orig(offset)
                                        if "signal 9" not in l]

    async def main():
        def placement():
            by_pid = {}
            for s in srv.status()["sessions"]:
                if s["room"].startswith("killed~") and s["pid"]:
                    by_pid.setdefault(s["pid"], []).append(s["room"][7:])
            return by_pid

        # three participants, both workers holding some. The kernel hands
        # each WebSocket connection to either worker, so a third one on
        # the same worker as the first two leaves again and another tries
        # (rather than a call growing until the kernel obliges: a test
        # process decoding each of n participants' video n - 1 times falls
        # behind past four or five). Offsets are those of the participants
        # present, reused: a frame number has 16 bits.
        peers, by_pid, tries = [], {}, 0
        try:
            while len(peers) < 3 or len(by_pid) < 2:
                assert tries < 15, "all participants on one worker"
                offset = min({10000, 20000, 30000}
                             - {q.offset for q in peers})
                p = RoomPeer(srv.ws_url, "killed", "k%d" % tries,
                             offset=offset)
                tries += 1
                peers.append(p)
                await p.join()
                await p.publish()
                await wait_until(lambda: any(p.id in ids
                                             for ids in placement().values()),
                                 10, "the session of %s" % p.name)
                by_pid = placement()
                if len(peers) == 3 and len(by_pid) < 2:
                    await p.leave()
                    peers.remove(p)
                    await wait_until(lambda: all(p.id not in ids
                                                 for ids
                                                 in placement().values()),
                                     10, "the session of %s to end" % p.name)
                    by_pid = placement()
            await decodes_all(peers, peers)

            dead_pid, gone_ids = sorted(by_pid.items(),
                                        key=lambda kv: len(kv[1]))[0]
            gone = [p for p in peers if p.id in gone_ids]
            alive = [p for p in peers if p not in gone]

            t0 = time.monotonic()
            os.kill(dead_pid, signal.SIGKILL)
            for p in alive:
                for g in gone:
                    m = await p.wait_for(lambda m, g=g:
                                         m["type"] == "participant-left"
                                         and m["id"] == g.id, 5)
                    assert m["reason"] == "timeout", m
            told = time.monotonic() - t0
            await decodes_all(alive, alive, frames=10)
            report("kill -9 of a worker holding %d of %d participants "
                   "(after %d tries): the other %d were told within %.1f s "
                   "and still decode each other"
                   % (len(gone), len(peers), tries, len(alive), told))
        finally:
            # also when a check fails: aiortc's threads would keep pytest
            # from exiting
            for p in peers:
                await p.close()

    asyncio.run(main())
