"""A headless browser as a process of the test's own, whatever drives it
(chromium_driver over the DevTools protocol, firefox_driver over WebDriver
BiDi): a fresh profile directory, its output in a log there, its
processes in a group of their own, all of it gone at stop()."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BrowserProcess:
    """The remote-control port is self.port; subclasses make the
    command line and start() waits until it answers."""

    name = "browser"

    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="ngx-webrtc-%s-" % self.name)
        self.proc = None
        self.log_path = os.path.join(self.profile, "%s.log" % self.name)

    def spawn(self, cmd):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def exited(self):
        """Raise if the browser is gone already."""
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited (%s):\n%s" % (
                self.name, self.proc.returncode, self.log_tail()))

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            # renderer, GPU and content processes live in our group
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self._log.close()
            self.proc = None
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
