"""End-to-end test harness for ngx_webrtc.

Starts Debian's /usr/sbin/nginx (or $NGX_WEBRTC_NGINX: make test
SANITIZE=1 gives the nginx it built with ASan and UBSan) with the module
built in this tree (the absolute path of the .so comes from
$NGX_WEBRTC_MODULE), each in a fresh temporary prefix with free ports, and
gives tests a small client for the HTTP side (status page, WHIP
POST/DELETE/...).

Fixtures:
    nginx           one server per test module (default settings)
    nginx_factory   start servers with overrides: nginx_factory(
                        consent_timeout="5s", workers=1, ...)
    sdp_offer       reads a real offer from t/data/sdp/
    nft_loss        random loss on one UDP flow with nftables

On a failed test the tail of every running server's error.log is attached
to the report; a worker that died on a signal, or a sanitizer report,
fails the test that was running; a sanitizer report printed while nginx
exits (LeakSanitizer's) fails the fixture that stopped it.
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
import warnings
from pathlib import Path

import pytest
import requests

T_DIR = Path(__file__).resolve().parent
REPO = T_DIR.parent
SDP_DIR = T_DIR / "data" / "sdp"
NGINX = os.environ.get("NGX_WEBRTC_NGINX", "/usr/sbin/nginx")

# make fuzz-seeds: the real clients record what they send and receive,
# as seeds for the fuzz targets (t/capture.py); unset, nothing changes
if os.environ.get("NGX_WEBRTC_CAPTURE"):
    import capture
    capture.install(os.environ["NGX_WEBRTC_CAPTURE"])

# Test modules run in this order (cheap signaling checks first, so that
# with -x the first failure reported is the most basic one).
MODULE_ORDER = [
    "test_whip_http",
    "test_demo_conf",
    "test_whip_ice",
    "test_whip_aiortc",
    "test_whip_obs",
    "test_whip_rtcp",
    "test_whip_chromium",
    "test_gstreamer",
    "test_whep_http",
    "test_whep_media",
    "test_whep_faststart",
    "test_whep_republish",
    "test_whep_loss",
    "test_whep_chromium",
    "test_firefox",
    "test_whep_rtcp",
    "test_whep_fanout",
    "test_room_signaling",
    "test_room_aiortc",
    "test_room_chromium",
]

CONF_TEMPLATE = """\
{load_module}
worker_processes {workers};
error_log {prefix}/error.log {log_level};
pid {prefix}/nginx.pid;
# nginx clears the environment of a new binary (USR2): the sanitizers'
# options of a sanitized nginx go along (nothing set, nothing kept)
env ASAN_OPTIONS;
env LSAN_OPTIONS;
env UBSAN_OPTIONS;
events {{ worker_connections 1024; }}

{w}webrtc_listen 127.0.0.1:{udp_base} banks={banks};
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
        location ~ "^/whep/(?<room>[A-Za-z0-9_~-]{{1,64}})(?:/[0-9a-f]{{32}})?$" {{
{w}            webrtc_whep;
{w}            webrtc_room $room;
{w}            webrtc_placement {placement};
{w}            webrtc_room_max_sessions {whep_room_max_sessions};
{whep_token_line}
{extra_whep_location}
        }}
        location = /ws {{
{w}            webrtc_signaling;
{extra_ws_location}
{w}            webrtc_call_room ~^p2p- mode=p2p max=2;
{w}            webrtc_call_room "~^[A-Za-z0-9_-]{{1,48}}$" mode=sfu max=16;
{w}            webrtc_token {token};
{w}            webrtc_ice_server stun:stun.example.net:3478;
        }}
        location /webrtc/rooms {{
{w}            webrtc_call_admin;
{w}            webrtc_admin_token admin-secret;
        }}
        location = /webrtc/status {{
{w}            webrtc_status;
        }}
        location / {{ root {html_root}; }}
    }}
}}
"""

UDP_BANKS = 16          # port banks: generations of workers at once

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
    placement="affinity",
    whep_room_max_sessions=0,
    whep_token=None,
    extra_whep_location="",
    extra_ws_location="",
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
        # after a reload the new workers bind port + b * workers + N
        self.udp_base = free_udp_base(UDP_BANKS * self.workers)
        self.proc = None
        self.crashes = None
        self.exit_reports = None
        self.quit_timed_out = False
        self.base_url = "http://127.0.0.1:%d" % self.http_port
        self.ws_url = "ws://127.0.0.1:%d/ws" % self.http_port
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
                 udp_base=self.udp_base, banks=UDP_BANKS)
        s["whep_token_line"] = "" if s["whep_token"] is None else \
            "%s            webrtc_token %s;" % (s["w"], s["whep_token"])
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
                           stderr=subprocess.STDOUT, text=True, timeout=30,
                           env=nginx_env())
        return r.returncode == 0, r.stdout

    # -- lifecycle

    def start(self, timeout=15):
        self.write_config()
        self.stderr_path = self.prefix / "stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            self.cmd(), stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=subprocess.STDOUT, start_new_session=True,
            env=nginx_env())
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
        """Workers that died on a signal, and sanitizer reports (nginx
        points its processes' stderr to error.log once it has read its
        configuration), in error.log from `offset` on."""
        log = self.log_since(offset).splitlines()
        return [l for l in log if "exited on signal" in l] + \
            sanitizer_report(log)

    def stderr_crash_lines(self, offset=0):
        """Sanitizer reports in nginx's own stderr from `offset` on."""
        return sanitizer_report(self.stderr_since(offset).splitlines())

    def stderr_size(self):
        try:
            return self.stderr_path.stat().st_size
        except (OSError, AttributeError):
            return 0

    def stderr_since(self, offset):
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except (OSError, AttributeError):
            return ""

    def stop(self, timeout=5):
        """SIGQUIT, then SIGKILL to whatever is left after `timeout` s.
        Sets `crashes` (reports from before the stop, for the test that
        ran) and `exit_reports` (those printed while exiting: with a
        sanitized nginx, LeakSanitizer's check at each process's exit)."""
        if self.proc is None or self.exit_reports is not None:
            return
        log_off, err_off = self.log_size(), self.stderr_size()
        self.crashes = self.crash_lines() + self.stderr_crash_lines()
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGQUIT)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # nginx did not exit gracefully: no leak check then
                self.quit_timed_out = True
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
        self.exit_reports = self.crash_lines(log_off) + \
            self.stderr_crash_lines(err_off)

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

    def whep_post(self, room, sdp, token=None, ctype="application/sdp",
                  headers=None, timeout=10):
        h = {}
        if ctype is not None:
            h["Content-Type"] = ctype
        if token is not None:
            h["Authorization"] = "Bearer %s" % token
        h.update(headers or {})
        if isinstance(sdp, str):
            sdp = sdp.encode()
        return requests.post(self.url("/whep/%s" % room), data=sdp,
                             headers=h, timeout=timeout,
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
        # viewers first: a viewer outliving its publisher waits for one
        sessions.sort(key=lambda s: s.get("kind") != "whep")
        for s in sessions:
            kind = "whep" if s.get("kind") == "whep" else "whip"
            try:
                self.whip_delete("/%s/%s/%s" % (kind, s["room"], s["id"]))
            except Exception:
                pass
        return [s.get("id") for s in sessions]


# make test SANITIZE=1 sets NGX_WEBRTC_NGINX to an nginx built with ASan
# and UBSan: a report in error.log or on its stderr fails the test that
# was running, or, printed at exit, the fixture that stopped nginx.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")


def sanitizer_report(lines):
    """[the first sanitizer report in `lines`, 30 lines of it] or []"""
    for i, l in enumerate(lines):
        if any(m in l for m in SANITIZER_MARKS):
            return ["\n".join(lines[i:i + 30])]
    return []


def nginx_env():
    """nginx's environment: the sanitizers' options (unused by an nginx
    built without them). A leak check at each process's exit, with the
    suppressions of t/lsan.supp (leaks of nginx and libraries, never the
    module's own); t/asan.supp: the names every dynamic module defines;
    t/ubsan.supp: nginx's own copies of empty strings from NULL."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:"
                   "halt_on_error=1:allocator_may_return_null=1:"
                   "suppressions=%s" % (T_DIR / "asan.supp"))
    env.setdefault("LSAN_OPTIONS", "suppressions=%s:print_suppressions=0"
                   % (T_DIR / "lsan.supp"))
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:"
                   "suppressions=%s" % (T_DIR / "ubsan.supp"))
    return env


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


def _stop(srv):
    """Stop `srv`; a sanitizer report printed while it exited fails the
    test whose fixture stops it."""
    srv.stop()
    srv.cleanup()
    if srv.quit_timed_out:
        warnings.warn("nginx :%d did not exit on SIGQUIT: killed, without "
                      "its exit's leak check" % srv.http_port)
    if srv.exit_reports:
        pytest.fail("sanitizer report while nginx exited:\n"
                    + "\n".join(srv.exit_reports), pytrace=False)


def _start(server_class=None, **overrides):
    srv = (server_class or NginxServer)(module_path(), **overrides)
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
    _stop(srv)


@pytest.fixture
def nginx_factory():
    """nginx_factory(**overrides) -> a started NginxServer, stopped at the
    end of the test. Overrides: workers, consent_timeout, dtls_timeout,
    token, zone, announce, log_level, extra_main, extra_http,
    extra_location, placement (WHEP: affinity | spread),
    whep_room_max_sessions, whep_token, extra_whep_location,
    extra_ws_location."""
    started = []

    def make(**overrides):
        srv = _start(**overrides)
        started.append(srv)
        return srv

    yield make
    reports = []
    for srv in started:
        try:
            _stop(srv)
        except pytest.fail.Exception as e:
            reports.append(str(e))
    if reports:
        pytest.fail("\n".join(reports), pytrace=False)


@pytest.fixture(autouse=True)
def _watch_workers(request):
    """A worker that dies on a signal (a crash), or a sanitizer report,
    during a test fails it."""
    marks = [(srv, srv.log_size(), srv.stderr_size()) for srv in _LIVE]
    first_new = len(_STARTED)
    yield
    crashed = []
    for srv, off, eoff in marks:
        crashed += srv.crash_lines(off) + srv.stderr_crash_lines(eoff) \
            if srv.crashes is None else srv.crashes
    for srv in _STARTED[first_new:]:
        crashed += srv.crash_lines() + srv.stderr_crash_lines() \
            if srv.crashes is None else srv.crashes
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


# ---------------------------------------------------------------- loss


NFT_TABLE = "ngxwebrtctest"


class NftLoss:
    """Random loss on one UDP flow with nftables (we run as root): a
    table `inet ngxwebrtctest` with a chain on the output hook that
    counts the packets from `sport` to `dport` and drops `percent` % of
    them. Loopback packets pass the output hook once, so nothing else is
    touched. remove() always deletes the table."""

    def __init__(self, nft):
        self.nft = nft
        self.installed = False

    def run(self, *args, check=True):
        r = subprocess.run([self.nft] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=10)
        if check and r.returncode != 0:
            raise RuntimeError("nft %s: %s" % (" ".join(args), r.stdout))
        return r

    def _chain(self):
        self.remove()
        self.installed = True
        self.run("add", "table", "inet", NFT_TABLE)
        self.run("add", "chain", "inet", NFT_TABLE, "out",
                 "{ type filter hook output priority 0; policy accept; }")

    def drop(self, *match):
        """One rule of our own: drop (and count as "dropped") what
        `match` (nft expressions) matches."""
        self._chain()
        self.run("add", "rule", "inet", NFT_TABLE, "out", *match,
                 "counter", "drop", "comment", '"dropped"')

    def install(self, sport, dport, percent, both=False):
        """both: the reverse flow (dport -> sport) too, not counted."""
        self._chain()
        flow = ["udp", "sport", str(sport), "udp", "dport", str(dport)]
        self.run("add", "rule", "inet", NFT_TABLE, "out", *flow,
                 "counter", "comment", '"all"')
        # numgen's range ends at 99: 100% is a plain drop
        chance = [] if percent >= 100 else \
            ["numgen", "random", "mod", "100", "<", str(int(percent))]
        self.run("add", "rule", "inet", NFT_TABLE, "out", *flow, *chance,
                 "counter", "drop", "comment", '"dropped"')
        if both:
            back = ["udp", "sport", str(dport), "udp", "dport", str(sport)]
            self.run("add", "rule", "inet", NFT_TABLE, "out", *back,
                     *chance, "drop")

    def counts(self):
        """-> (packets seen, packets dropped) of the flow."""
        import json as _json
        r = self.run("-j", "list", "table", "inet", NFT_TABLE)
        seen = dropped = 0
        for item in _json.loads(r.stdout).get("nftables", []):
            rule = item.get("rule")
            if not rule:
                continue
            packets = [e["counter"]["packets"] for e in rule.get("expr", [])
                       if "counter" in e]
            if not packets:
                continue
            if rule.get("comment") == "dropped":
                dropped = packets[0]
            else:
                seen = packets[0]
        return seen, dropped

    def remove(self):
        self.run("delete", "table", "inet", NFT_TABLE, check=False)
        self.installed = False


@pytest.fixture
def nft_loss():
    """An NftLoss; skips the test (with the reason) when nftables is
    missing or cannot be used here."""
    nft = shutil.which("nft") or next(
        (p for p in ("/usr/sbin/nft", "/sbin/nft") if os.path.exists(p)),
        None)
    if nft is None:
        pytest.skip("nft (package nftables) is not installed: cannot "
                    "impose packet loss")
    loss = NftLoss(nft)
    probe = loss.run("add", "table", "inet", NFT_TABLE, check=False)
    loss.remove()
    if probe.returncode != 0:
        pytest.skip("nftables is not usable here (root and CAP_NET_ADMIN "
                    "needed): %s" % probe.stdout.strip())
    try:
        yield loss
    finally:
        loss.remove()


@pytest.fixture
def report(capsys):
    """report(*args): print measured numbers even when the test passes
    (pytest captures print())."""
    def say(*args):
        with capsys.disabled():
            print(*args)
    return say


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
