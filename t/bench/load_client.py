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
    `kinds`; an error answer, an exit or `timeout` seconds raise."""
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise RuntimeError("no %s from the generator in %.0f s"
                               % ("/".join(kinds), timeout))
        r, _, _ = select.select([proc.stdout], [], [], left)
        if not r:
            continue
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the generator exited (%s)" % proc.poll())
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("event") in kinds:
            return ev
        if ev.get("event") == "error":
            raise RuntimeError("generator: " + line.strip())


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
