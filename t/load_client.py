"""The benchmark's load generator (t/bench/load.c, built as
build/bench/webrtc_load by `make -C t/bench`) driven from Python: one
publisher of a video-shaped stream and N WHEP viewers with their own ICE,
DTLS and SRTP. Commands go to its standard input; each answer is one JSON
line (load.c's header lists them)."""

import json
import os
import select
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.environ.get("NGX_WEBRTC_LOAD",
                      os.path.join(HERE, "..", "build", "bench",
                                   "webrtc_load"))


class Load:
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
        deadline = time.time() + timeout
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 1)
            if not r:
                continue
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the load generator exited (%s)"
                                   % self.proc.poll())
            ev = json.loads(line)
            if ev.get("event") == want:
                return ev
            if ev.get("event") == "error":
                raise RuntimeError(ev)
        raise RuntimeError("no %s from the load generator" % want)

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
