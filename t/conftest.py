"""End-to-end test harness for ngx_webrtc.

Starts Debian's /usr/sbin/nginx with the module built in this tree (the
absolute path of the .so comes from $NGX_WEBRTC_MODULE), each in a fresh
temporary prefix with free ports, and gives tests a small client for the
HTTP side (status page, WHIP POST/DELETE/...).

Fixtures:
    nginx           one server per test module (default settings)
    nginx_factory   start servers with overrides: nginx_factory(
                        consent_timeout="5s", workers=1, ...)
    sdp_offer       reads a real offer from t/data/sdp/

On a failed test the tail of every running server's error.log is attached
to the report; a worker that died on a signal fails the test that was
running.
"""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

T_DIR = Path(__file__).resolve().parent
REPO = T_DIR.parent
SDP_DIR = T_DIR / "data" / "sdp"
NGINX = os.environ.get("NGX_WEBRTC_NGINX", "/usr/sbin/nginx")

# Test modules run in this order (cheap signaling checks first, so that
# with -x the first failure reported is the most basic one).
MODULE_ORDER = [
    "test_whip_http",
    "test_whip_ice",
    "test_whip_aiortc",
    "test_whip_obs",
    "test_whip_rtcp",
    "test_whip_chromium",
]

CONF_TEMPLATE = """\
{load_module}
worker_processes {workers};
error_log {prefix}/error.log {log_level};
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}

{w}webrtc_listen 127.0.0.1:{udp_base};
{w}webrtc_announce {announce};
{w}webrtc_zone {zone};
{w}webrtc_consent_timeout {consent_timeout};
{w}webrtc_dtls_timeout {dtls_timeout};
{extra_main}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    types {{ text/html html; application/javascript js; }}
{extra_http}
    server {{
        listen 127.0.0.1:{http_port};
        # quoted: a bare {{1,64}} would open a block for nginx's parser
        location ~ "^/whip/(?<room>[A-Za-z0-9_-]{{1,64}})(?:/[0-9a-f]{{32}})?$" {{
{w}            webrtc_whip;
{w}            webrtc_room $room;
{w}            webrtc_token {token};
{w}            webrtc_ice_server stun:stun.example.net:3478;
{w}            webrtc_ice_server turn:turn.example.net:3478?transport=udp username=user credential=pass;
{extra_location}
        }}
        location = /webrtc/status {{
{w}            webrtc_status;
        }}
        location / {{ root {html_root}; }}
    }}
}}
"""

DEFAULTS = dict(
    workers=2,
    log_level="info",
    announce="127.0.0.1",
    zone="8m",
    consent_timeout="30s",
    dtls_timeout="10s",
    token="demo",
    extra_main="",
    extra_http="",
    extra_location="",
    html_root=str(REPO / "html"),
)


# ---------------------------------------------------------------- ports


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_base(count, lo=20000, hi=60000, tries=200):
    """A port B such that B .. B+count-1 are all free for UDP (and TCP,
    so that nothing else picks them while we start)."""
    for _ in range(tries):
        base = random.randrange(lo, hi - count)
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free UDP port range found")


def udp_ports_bound(ports):
    """Which of `ports` have a UDP socket bound (any address), per
    /proc/net/udp{,6}."""
    bound = set()
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    local = line.split()[1]
                    port = int(local.rsplit(":", 1)[1], 16)
                    if port in ports:
                        bound.add(port)
        except OSError:
            pass
    return bound


# ---------------------------------------------------------------- server


class NginxServer:
    """One nginx (master + workers) in its own prefix."""

    def __init__(self, module_path, **overrides):
        unknown = set(overrides) - set(DEFAULTS) - {"without_module"}
        if unknown:
            raise TypeError("unknown nginx overrides: %s" % sorted(unknown))
        self.without_module = overrides.pop("without_module", False)
        self.settings = dict(DEFAULTS, **overrides)
        self.module_path = module_path
        self.workers = int(self.settings["workers"])
        self.prefix = Path(tempfile.mkdtemp(prefix="ngx-webrtc-"))
        os.chmod(self.prefix, 0o755)    # workers may run as nobody
        self.http_port = free_tcp_port()
        self.udp_base = free_udp_base(self.workers)
        self.proc = None
        self.crashes = None
        self.base_url = "http://127.0.0.1:%d" % self.http_port
        self.conf_path = self.prefix / "nginx.conf"
        self.error_log = self.prefix / "error.log"

    # -- configuration

    def config_text(self):
        s = dict(self.settings)
        if self.without_module:
            # For checking the generic part of the config with a stock
            # nginx: the webrtc_ directives are commented out.
            s["load_module"] = "# load_module %s;" % self.module_path
            s["w"] = "# "
        else:
            s["load_module"] = "load_module %s;" % self.module_path
            s["w"] = ""
        s.update(prefix=self.prefix, http_port=self.http_port,
                 udp_base=self.udp_base)
        return CONF_TEMPLATE.format(**s)

    def write_config(self):
        self.conf_path.write_text(self.config_text())
        return self.conf_path

    def cmd(self, *extra):
        return [NGINX, "-p", str(self.prefix), "-c", str(self.conf_path),
                "-g", "daemon off;"] + list(extra)

    def test_config(self):
        """nginx -t: returns (ok, output)."""
        self.write_config()
        r = subprocess.run(self.cmd("-t"), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=30)
        return r.returncode == 0, r.stdout

    # -- lifecycle

    def start(self, timeout=15):
        self.write_config()
        self.stderr_path = self.prefix / "stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            self.cmd(), stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=subprocess.STDOUT, start_new_session=True)
        _LIVE.append(self)
        _STARTED.append(self)
        deadline = time.monotonic() + timeout
        ports = set(range(self.udp_base, self.udp_base + self.workers))
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    "nginx exited with %s during startup\n%s"
                    % (self.proc.returncode, self.logs_tail()))
            try:
                r = requests.get(self.url("/webrtc/status"), timeout=1)
                last = "status %d" % r.status_code
                if r.status_code == 200 and \
                        udp_ports_bound(ports) == ports:
                    return self
                if r.status_code == 200:
                    last = "UDP ports bound: %s of %s" % (
                        sorted(udp_ports_bound(ports)), sorted(ports))
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        raise RuntimeError("nginx not ready after %ss (%s)\n%s"
                           % (timeout, last, self.logs_tail()))

    def crash_lines(self, offset=0):
        return [l for l in self.log_since(offset).splitlines()
                if "exited on signal" in l]

    def stop(self, timeout=5):
        if self.proc is None:
            return
        self.crashes = self.crash_lines()
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGQUIT)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of our own process group (master or workers
        # that outlived it) is killed by its group id, which is ours.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._stderr.close()
        if self in _LIVE:
            _LIVE.remove(self)

    def cleanup(self):
        if not os.environ.get("NGX_WEBRTC_KEEP"):
            shutil.rmtree(self.prefix, ignore_errors=True)

    def worker_pids(self):
        pids = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if self.proc and ppid == self.proc.pid:
                pids.append(int(d.name))
        return sorted(pids)

    # -- logs

    def log_text(self):
        try:
            return self.error_log.read_text(errors="replace")
        except OSError:
            return ""

    def log_size(self):
        try:
            return self.error_log.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset):
        try:
            with open(self.error_log, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def logs_tail(self, lines=60):
        out = []
        text = self.log_text().splitlines()[-lines:]
        out.append("---- %s (last %d lines)" % (self.error_log, len(text)))
        out.extend(text)
        try:
            err = self.stderr_path.read_text(errors="replace").strip()
        except (OSError, AttributeError):
            err = ""
        if err:
            out.append("---- nginx stderr")
            out.extend(err.splitlines()[-20:])
        return "\n".join(out)

    # -- HTTP helpers

    def url(self, path):
        return self.base_url + path

    def status(self):
        r = requests.get(self.url("/webrtc/status"), timeout=5)
        assert r.status_code == 200, \
            "status page: %d %r" % (r.status_code, r.text[:300])
        try:
            return r.json()
        except ValueError:
            raise AssertionError("status page is not JSON: %r" % r.text[:500])

    def session(self, sid):
        """The status entry of session `sid`, or None."""
        for s in self.status().get("sessions", []):
            if s.get("id") == sid:
                return s
        return None

    def whip_post(self, room, sdp, token="demo", ctype="application/sdp",
                  headers=None, timeout=10):
        h = {}
        if ctype is not None:
            h["Content-Type"] = ctype
        if token is not None:
            h["Authorization"] = "Bearer %s" % token
        h.update(headers or {})
        if isinstance(sdp, str):
            sdp = sdp.encode()
        return requests.post(self.url("/whip/%s" % room), data=sdp,
                             headers=h, timeout=timeout,
                             allow_redirects=False)

    def request(self, method, path, token="demo", headers=None, data=None,
                timeout=10):
        h = {}
        if token is not None:
            h["Authorization"] = "Bearer %s" % token
        h.update(headers or {})
        return requests.request(method, self.url(path), headers=h,
                                data=data, timeout=timeout,
                                allow_redirects=False)

    def whip_delete(self, location, token="demo"):
        return self.request("DELETE", location, token=token)

    def delete_all_sessions(self):
        """DELETE whatever the status page still lists (so that one failed
        test does not leave a publisher behind for the next); returns the
        ids it found."""
        try:
            sessions = self.status().get("sessions", [])
        except Exception:
            return []
        for s in sessions:
            try:
                self.whip_delete("/whip/%s/%s" % (s["room"], s["id"]))
            except Exception:
                pass
        return [s.get("id") for s in sessions]


_LIVE = []        # servers running now
_STARTED = []     # every server started in this run, in order


def module_path():
    path = os.environ.get("NGX_WEBRTC_MODULE")
    if not path:
        pytest.fail("NGX_WEBRTC_MODULE is not set: give the absolute path "
                    "of the built ngx_webrtc_module.so", pytrace=False)
    if not os.path.isabs(path) or not os.path.exists(path):
        pytest.fail("NGX_WEBRTC_MODULE=%r: no such file (it must be an "
                    "absolute path)" % path, pytrace=False)
    return path


def read_sdp(name):
    """A real offer from t/data/sdp/, with CRLF line ends as on the wire."""
    text = (SDP_DIR / name).read_text()
    lines = [l for l in text.replace("\r\n", "\n").split("\n") if l]
    return "\r\n".join(lines) + "\r\n"


# ---------------------------------------------------------------- pytest


def pytest_collection_modifyitems(session, config, items):
    def key(item):
        mod = item.module.__name__.rsplit(".", 1)[-1]
        try:
            return MODULE_ORDER.index(mod)
        except ValueError:
            return len(MODULE_ORDER)
    items.sort(key=key)     # stable: keeps the order inside a module


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
    if rep.failed and _LIVE:
        for srv in _LIVE:
            rep.sections.append(
                ("nginx :%d error.log" % srv.http_port, srv.logs_tail()))


def _start(**overrides):
    srv = NginxServer(module_path(), **overrides)
    try:
        srv.start()
    except Exception:
        srv.stop()
        srv.cleanup()       # the exception carries the log tail
        raise
    return srv


@pytest.fixture(scope="module")
def nginx():
    """One nginx with the default settings for a whole test module."""
    srv = _start()
    yield srv
    srv.stop()
    srv.cleanup()


@pytest.fixture
def nginx_factory():
    """nginx_factory(**overrides) -> a started NginxServer, stopped at the
    end of the test. Overrides: workers, consent_timeout, dtls_timeout,
    token, zone, announce, log_level, extra_main, extra_http,
    extra_location."""
    started = []

    def make(**overrides):
        srv = _start(**overrides)
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
        srv.cleanup()


@pytest.fixture(autouse=True)
def _watch_workers(request):
    """A worker that dies on a signal (a crash) during a test fails it."""
    marks = [(srv, srv.log_size()) for srv in _LIVE]
    first_new = len(_STARTED)
    yield
    crashed = []
    for srv, off in marks:
        crashed += srv.crash_lines(off) if srv.crashes is None \
            else srv.crashes
    for srv in _STARTED[first_new:]:
        crashed += srv.crash_lines() if srv.crashes is None \
            else srv.crashes
    if crashed:
        pytest.fail("nginx worker crashed during the test:\n"
                    + "\n".join(crashed), pytrace=False)


@pytest.fixture(autouse=True)
def _clean_shared_nginx(request):
    """After each test that used the module's shared nginx, remove any
    session it left behind (its own assertions have run by then)."""
    yield
    if "nginx" in request.fixturenames:
        srv = request.getfixturevalue("nginx")
        if srv.proc is not None and srv.proc.poll() is None:
            srv.delete_all_sessions()


@pytest.fixture
def sdp_offer():
    return read_sdp


def wait_for(predicate, timeout, interval=0.2, what="condition"):
    """Poll `predicate` until it returns a truthy value; returns that value
    or raises AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %ss waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


def sdp_attr(sdp, name):
    """First value of a=name:VALUE in `sdp` (session or media level)."""
    m = re.search(r"^a=%s:(.*?)\r?$" % re.escape(name), sdp, re.M)
    return m.group(1).strip() if m else None


def pytest_configure(config):
    # aiortc 1.4 imports audioop (deprecated in Python 3.11+)
    config.addinivalue_line("filterwarnings",
                            "ignore:'audioop' is deprecated")
