"""Reloads during calls: `nginx -s reload` every 10 s for 2 minutes with
a publisher and viewers connected, a new viewer after each reload (served
by a new worker while the publisher stays on an old one), and a group
call whose participants straddle the generations. Nobody drops, everybody
decodes, and shared memory returns to empty at the end."""

import asyncio
import os
import signal
import subprocess
import time

from conftest import NGINX, NginxServer, module_path, nginx_env
from room_client import RoomPeer
from webrtc_client import WhepViewer, WhipPublisher, run, wait_media

RELOADS = 12
EVERY = 10.0


def _session(status, sid):
    for s in status.get("sessions", []):
        if s["id"] == sid:
            return s
    return None


async def _decoding(viewer, since, frames=20, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(viewer.numbers(t_from=since)) >= frames:
            return True
        await asyncio.sleep(0.1)
    return False


def test_reload_every_10s(nginx_factory, report):
    srv = nginx_factory()

    async def scenario():
        pub = WhipPublisher(srv.base_url, "reloads")
        await pub.connect()
        await wait_media(srv, pub.session_id)
        first = WhepViewer(srv.base_url, "reloads")
        await first.connect()
        viewers = [first]

        alice = RoomPeer(srv.ws_url, "reloadcall", "alice", offset=10000)
        await alice.join()
        await alice.publish()
        peers = [alice]

        pub_port = _session(srv.status(), pub.session_id)["port"]
        late = []
        try:
            for i in range(RELOADS):
                t_reload = time.monotonic()
                os.kill(srv.proc.pid, signal.SIGHUP)
                await asyncio.sleep(1.5)

                # a viewer that comes now is served by a new worker; the
                # publisher is still on the first one
                v = WhepViewer(srv.base_url, "reloads")
                await v.connect()
                t0 = time.monotonic()
                ok = await _decoding(v, t0)
                s = _session(srv.status(), v.session_id)
                late.append((round(time.monotonic() - t0, 2), s["port"]))
                assert ok, "a viewer after reload %d decodes nothing" % i
                viewers.append(v)

                if i == 0:
                    # a participant on a new worker, alice on an old one
                    bob = RoomPeer(srv.ws_url, "reloadcall", "bob",
                                   offset=20000)
                    await bob.join()
                    await bob.publish()
                    peers.append(bob)

                # everybody still decodes
                since = time.monotonic()
                for w in viewers:
                    assert await _decoding(w, since, frames=10), \
                        "viewer %d stopped after reload %d" % (
                            viewers.index(w), i)
                for p in peers:
                    for o in peers:
                        if o is p:
                            continue
                        await _wait_frames(p, o, since)

                await asyncio.sleep(max(0.0, t_reload + EVERY
                                        - time.monotonic()))

            st = srv.status()
            assert all(v.state == "connected" for v in viewers)
            assert pub.state == "connected"
            assert _session(st, pub.session_id)["port"] == pub_port
            report("%d reloads, one every %.0f s: the publisher stayed on "
                   "port %d; a new viewer after each decoded 20 frames in "
                   "(s, port): %s; %d viewers and 2 participants (on two "
                   "generations of workers) decoded throughout"
                   % (RELOADS, EVERY, pub_port, late, len(viewers)))
        finally:
            for v in viewers:
                await v.delete()
                await v.close()
            await pub.delete()
            await pub.close()
            for p in peers:
                await p.leave()

        # shared memory back to empty: no session, room or call left
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            st = srv.status()
            if not st["sessions"] and not st["rooms"] and not st["calls"]:
                break
            await asyncio.sleep(0.2)
        report("after: %d sessions, %d rooms, %d calls in shared memory"
               % (len(st["sessions"]), len(st["rooms"]), len(st["calls"])))
        assert st["sessions"] == [] and st["rooms"] == [] \
            and st["calls"] == []

    run(scenario(), timeout=RELOADS * EVERY + 90)
    assert srv.crash_lines() == []


async def _wait_frames(p, o, since, frames=10, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(p.frames_from(o.offset, since=since)) >= frames:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("%s does not decode %s after a reload"
                         % (p.name, o.name))


def test_binary_upgrade(report):
    """USR2 starts a new master from the binary, QUIT ends the old one:
    the old workers keep their sessions until they end (the viewer does
    not drop), and new sessions go to the new master's workers, which have
    a shared memory zone of their own. nginx takes USR2 only as a daemon
    (a foreground master's parent never changes), so this one daemonizes
    and is handled by its pid file."""
    srv = NginxServer(module_path())
    conf = srv.write_config()
    pidfile = os.path.join(str(srv.prefix), "nginx.pid")
    subprocess.run([NGINX, "-p", str(srv.prefix), "-c", str(conf)],
                   check=True, timeout=30, env=nginx_env())
    masters = []

    async def scenario():
        old = await _master(pidfile, None)
        masters.append(old)
        await _http_up(srv)

        pub = WhipPublisher(srv.base_url, "upgrade")
        await pub.connect()
        await wait_media(srv, pub.session_id)
        viewer = WhepViewer(srv.base_url, "upgrade")
        await viewer.connect()
        assert await _decoding(viewer, time.monotonic())

        os.kill(old, signal.SIGUSR2)
        new = await _master(pidfile, old)
        masters.append(new)
        await asyncio.sleep(1.5)

        os.kill(old, signal.SIGQUIT)
        t0 = time.monotonic()
        await asyncio.sleep(4)
        kept = len(viewer.numbers(t_from=t0))
        assert kept >= 60, "the viewer decoded %d frames in the 4 s after " \
            "the old master's QUIT" % kept
        assert viewer.state == "connected" and pub.state == "connected"

        # the new generation serves new sessions
        pub2 = WhipPublisher(srv.base_url, "upgraded")
        await pub2.connect()
        await wait_media(srv, pub2.session_id)
        v2 = WhepViewer(srv.base_url, "upgraded")
        await v2.connect()
        assert await _decoding(v2, time.monotonic())
        report("binary upgrade: new master %d, old %d quit; the old viewer "
               "decoded %d frames in the 4 s after; a new publisher and "
               "viewer on the new workers" % (new, old, kept))

        for p in (v2, pub2, viewer, pub):
            await p.delete()
            await p.close()

    try:
        run(scenario(), timeout=90)
        # the new master quits too: with a sanitized nginx, every process
        # of both generations has had its leak check at exit
        os.kill(masters[-1], signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and \
                not all(_gone(pid) for pid in masters):
            time.sleep(0.2)
        assert srv.crash_lines() == []
    finally:
        for pid in masters:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        srv.cleanup()


def _gone(pid):
    """pid has exited (not our child: a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


async def _master(pidfile, old, timeout=10):
    """The master's pid from the pid file: a new one when old is given."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip() or 0)
        except (OSError, ValueError):
            pid = 0
        if pid and pid != old and (old is None
                                   or os.path.exists(pidfile + ".oldbin")):
            return pid
        await asyncio.sleep(0.2)
    raise AssertionError("no %smaster in %s" % ("new " if old else "",
                                                pidfile))


async def _http_up(srv, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if srv.status() is not None:
                return
        except Exception:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("nginx does not answer")
