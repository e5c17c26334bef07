"""The benchmark's load generator (load.c, built as build/bench/webrtc_load
by `make -C t/bench`) driven from Python: one publisher of a video-shaped
stream and N WHEP viewers with their own ICE, DTLS and SRTP. Commands go
to its standard input; each answer is one JSON line (load.c's header lists
them). bench.py drives it pinned, for the benchmark; Load, for the soak
test and the fan-out test. Standard library only."""

import json
import os
import select
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.environ.get("NGX_WEBRTC_LOAD",
                      os.path.join(HERE, "..", "..", "build", "bench",
                                   "webrtc_load"))


def read_event(proc, kinds, timeout):
    """The next answer of the generator `proc` whose event is one of
    `kinds`; an error answer, an exit or `timeout` seconds raise.

    Its standard output is read here with os.read() and split into lines
    by us, never through the file object: a readline() after select()
    would leave a second line that came in the same read in the file's
    buffer, where select() does not see it (an answer then seems never to
    come)."""
    deadline = time.time() + timeout
    fd = proc.stdout.fileno()
    while True:
        line = _next_line(proc)
        if line is None:
            left = deadline - time.time()
            if left <= 0:
                raise RuntimeError("no %s from the generator in %.0f s"
                                   % ("/".join(kinds), timeout))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("the generator exited (%s)" % proc.poll())
            proc.unread = getattr(proc, "unread", b"") + chunk
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("event") in kinds:
            return ev
        if ev.get("event") == "error":
            raise RuntimeError("generator: " + line.strip())


def _next_line(proc):
    """A whole line of what read_event() read from proc, or None."""
    buf = getattr(proc, "unread", b"")
    end = buf.find(b"\n")
    if end < 0:
        return None
    proc.unread = buf[end + 1:]
    return buf[:end].decode("utf-8", "replace")


class Load:
    """The generator against an nginx of the tests (conftest's NginxServer),
    unpinned."""

    def __init__(self, srv, room, token="demo"):
        if not os.access(PATH, os.X_OK):
            raise RuntimeError("%s is not built: make -C t/bench "
                               "SRTP_PREFIX=build/srtp (make e2e does it)"
                               % PATH)
        self.proc = subprocess.Popen(
            [PATH, "--target", "whep", "--port", str(srv.http_port),
             "--token", token, "--room", room, "--progress", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def cmd(self, line, want, timeout=120):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return read_event(self.proc, [want], timeout)

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
