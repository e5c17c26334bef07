#!/usr/bin/python3
"""The ngx_webrtc benchmark (make -C t/bench bench).

For each number of viewers N and each SRTP profile, against three servers
pinned to core 0 (the generator runs on core 1):

  module  nginx with ngx_webrtc, worker_processes 1: WHIP in, WHEP out
  relay   t/bench/relay.c: recvmmsg, srtp_unprotect, N x srtp_protect,
          sendmmsg; the ceiling any SFU on this libsrtp2 and kernel has
  janus   Janus 1.1.2 from Debian, VideoRoom, one event loop
  module2 the module with two workers (cores 0 and 1) and
          webrtc_placement spill=N/2: half the viewers on the publisher's
          worker, half on the other through the shared ring (AES-GCM,
          N >= 100; the generator is not pinned: on a 2-core machine it
          shares the cores with the workers)

it drives webrtc_load (one publisher, N viewers, real ICE/DTLS/SRTP except
for the relay's pre-shared keys) and measures:

  - the most packets per second forwarded at under 0.1% loss, with 90% of
    what was sent delivered in the window (the publisher's rate is doubled
    until a step fails or the generator is the limit, then bisected)
  - server CPU time per forwarded packet (utime + stime of the worker from
    /proc over a window at 50% of the module's maximum rate)
  - added delay p50/p99 at 50% and 90% of the maximum rate
  - the spread of a packet's fan-out (from the first viewer's receive time
    to the last one's) p50/p99 at 50% of the maximum rate, against N times
    the CPU time per forwarded packet
  - resident memory per viewer (RSS growth while N viewers join / N)
  - viewer sessions set up per second and the time to first media, and
    the server's CPU time per session set up (utime + stime from the first
    POST to the last viewer up, the light media of the setup included)
  - the host's speed before and after each scenario (srtp_cost), since
    the VM's host runs the same code at different speeds over a run

and prints one table with the module's figures and their ratios to the
relay's and Janus's.  Standard library only.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from load_client import read_event  # noqa: E402

HTTP_PORT = 28480
MEDIA_PORT = 28500
RELAY_PORT = 28600
JANUS_PORT = 28488
JANUS_RTP = "41000-47999"

NOMINAL_PPS = 247.0         # packets/s of the nominal stream, per viewer
MAX_LOSS = 0.001            # 0.1%
MIN_DELIVERY = 0.9          # a step's delivered / sent x viewers
SERVER_CPU = "0"
GEN_CPU = "1"

children = []


def log(msg):
    print("bench: " + msg, flush=True)


# --------------------------------------------------------------- processes


def wait_port(port, timeout=10.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(proc, sig=signal.SIGTERM, timeout=10.0):
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except ProcessLookupError:
        pass


def stop_all():
    for p in children:
        stop(p, timeout=5)


def no_core():
    # a crashing server (Janus did once, at 2500 viewers) must not leave a
    # core of a gigabyte in the working directory
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def spawn(argv, **kw):
    p = subprocess.Popen(argv, preexec_fn=no_core, **kw)
    children.append(p)
    return p


class Server:
    """A server under test on core 0, started fresh for each scenario."""

    def __init__(self, kind, args, profile, n=0):
        self.kind = kind
        self.args = args
        self.profile = profile
        self.n = n
        self.proc = None
        self.pid = None
        self.pids = []
        self.log = None
        self.wrap = []              # callgrind.py: valgrind, and
        self.single = False         # master_process off
        self.start_timeout = 10.0

    def start(self):
        out = self.args.out
        if self.kind in ("module", "module2"):
            return self.start_nginx(out)
        if self.kind == "relay":
            return self.start_relay(out)
        return self.start_janus(out)

    def start_nginx(self, out):
        prefix = os.path.join(out, "nginx")
        for d in ("conf", "logs", "tmp"):
            os.makedirs(os.path.join(prefix, d), exist_ok=True)
        conf = os.path.join(prefix, "conf", "nginx.conf")
        self.log = os.path.join(prefix, "logs", "error.log")
        two = self.kind == "module2"
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(
                module=self.args.module, prefix=prefix, http=HTTP_PORT,
                media=MEDIA_PORT, workers=2 if two else 1,
                affinity="01 10" if two else "01",
                master="off" if self.single else "on",
                placement="spill=%d" % max(1, (self.n + 1) // 2) if two
                else "affinity"))
        workers = 2 if two else 1
        if os.path.exists(self.log):
            os.rename(self.log, self.log + ".old")
        self.proc = spawn(["taskset", "-c", "0,1" if two else SERVER_CPU]
                          + self.wrap
                          + [self.args.nginx, "-p", prefix, "-c", conf],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(HTTP_PORT, timeout=self.start_timeout,
                         proc=self.proc):
            log("nginx did not start; see " + self.log)
            return False
        mpid = self.proc.pid
        if self.single:
            self.pid = mpid
            self.pids = [mpid]
            return True
        for _ in range(int(self.start_timeout * 10)):
            try:
                with open("/proc/%d/task/%d/children" % (mpid, mpid)) as f:
                    kids = f.read().split()
                if len(kids) >= workers:
                    self.pids = [int(k) for k in kids]
                    self.pid = self.pids[0]
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def start_relay(self, out):
        self.log = os.path.join(out, "relay.log")
        self.proc = spawn(["taskset", "-c", SERVER_CPU,
                           os.path.join(out, "relay"), "--port",
                           str(RELAY_PORT), "--profile", self.profile,
                           "--lifetime", "1200"],
                          stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        time.sleep(0.3)
        self.pid = self.proc.pid
        self.pids = [self.pid]
        return self.proc.poll() is None

    def start_janus(self, out):
        d = os.path.join(out, "janus")
        conf = os.path.join(d, "conf")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, "janus.jcfg"), "w") as f:
            f.write(JANUS_CONF.format(conf=conf, rtp=JANUS_RTP))
        with open(os.path.join(conf, "janus.transport.http.jcfg"), "w") as f:
            f.write(JANUS_HTTP_CONF.format(port=JANUS_PORT))
        with open(os.path.join(conf, "janus.plugin.videoroom.jcfg"), "w") as f:
            f.write("general: {\n}\n")
        self.log = os.path.join(d, "janus.log")
        env = dict(os.environ)
        env["LD_PRELOAD"] = os.path.join(out, "janus_lo.so")
        self.proc = spawn(["taskset", "-c", SERVER_CPU, self.args.janus,
                           "-C", os.path.join(conf, "janus.jcfg"), "-F", conf,
                           "-i", "127.0.0.1", "-o", "-d", "3"],
                          stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                          env=env)
        if not wait_port(JANUS_PORT, timeout=20, proc=self.proc):
            log("Janus did not start; see " + self.log)
            return False
        self.pid = self.proc.pid
        self.pids = [self.pid]
        return True

    def stop(self):
        stop(self.proc)
        self.proc = None


class Gen:
    """webrtc_load on core 1, driven by commands; answers are JSON lines."""

    def __init__(self, args, server, profile):
        out = args.out
        argv = ["taskset", "-c", "0,1" if server.kind == "module2" else GEN_CPU,
                os.path.join(out, "webrtc_load"),
                "--pid", ",".join(str(p) for p in server.pids),
                "--progress", str(args.progress)]
        if server.kind in ("module", "module2"):
            argv += ["--target", "whep", "--port", str(HTTP_PORT),
                     "--token", "bench", "--room", "bench",
                     "--profile", profile]
        elif server.kind == "relay":
            argv += ["--target", "raw", "--relay-port", str(RELAY_PORT),
                     "--profile", profile]
        else:
            argv += ["--target", "janus", "--port", str(JANUS_PORT),
                     "--profile", profile]
        self.errlog = open(os.path.join(out, "load.log"), "a")
        self.errlog.write("\n=== %s %s\n" % (server.kind, profile))
        self.errlog.flush()
        stderr = None if args.verbose else self.errlog
        self.proc = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=stderr, text=True, bufsize=1)
        self.pids = server.pids
        self.dirty = False

    def event(self, kinds, timeout):
        return read_event(self.proc, kinds, timeout)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def rate(self, r):
        self.send("rate %.6g" % r)
        self.event(["rate"], 10)

    def window(self, secs, tag):
        self.send("window %g %s" % (secs, tag))
        return self.event(["window"], secs + 30)

    def setup(self, n, conc, timeout):
        self.send("setup %d %d" % (n, conc))
        return self.event(["setup"], timeout)

    def drain(self):
        self.send("drain")
        return self.event(["drained"], 60)

    def close(self):
        try:
            self.send("quit")
        except OSError:
            pass
        stop(self.proc, timeout=5)


# --------------------------------------------------------------- scenarios


# what is left in a server's receive queues once it keeps up: a few packets
DRAINED_BYTES = 32 * 1024


def udp_queued(pids):
    """Bytes waiting in the receive queues of these processes' UDP sockets
    (rx_queue in /proc/net/udp*), or None if unknown."""
    inodes = set()
    for pid in pids:
        d = "/proc/%d/fd" % pid
        try:
            fds = os.listdir(d)
        except OSError:
            return None
        for fd in fds:
            try:
                t = os.readlink(os.path.join(d, fd))
            except OSError:
                continue
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
    total = 0
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    col = line.split()
                    if len(col) > 9 and col[9] in inodes:
                        total += int(col[4].split(":")[1], 16)
        except (OSError, StopIteration, ValueError):
            pass
    return total


def drain(gen, rate, q):
    """After an overloaded step (or the viewers' setup) the server's input
    queue may still hold seconds of media: a full 1 MB socket buffer at
    2500 viewers is seconds of fan-out. The publisher goes on at a
    twentieth of the rate until the server's UDP receive queues hold no
    more than a few packets, at least q["drain"] s."""
    if not gen.dirty:
        return
    gen.rate(rate / 20)
    waited = 0.0
    while True:
        gen.window(0.5, "drain")
        waited += 0.5
        queued = udp_queued(gen.pids)
        if waited >= q["drain"] and (queued is None
                                     or queued <= DRAINED_BYTES):
            break
        if waited >= q["drain_max"]:
            log("    the server's input queue still holds %d bytes after "
                "%.0f s" % (queued, waited))
            break
    gen.dirty = False


def step(gen, rate, q):
    drain(gen, rate, q)
    gen.rate(rate)
    gen.window(q["settle"], "settle")
    w = gen.window(q["step"], "step")
    # under 0.1% lost in sequence, no viewer dropped by the server, no
    # datagram dropped by the server's full socket (its queue overflowed:
    # what is lost shows in sequence only in later windows), and the
    # server keeping up: at least MIN_DELIVERY of what the publisher sent
    # in the window reached the viewers in it. A server that falls behind
    # loses nothing until its queues overflow, which with a megabyte of
    # socket buffer takes longer than a step; a keyframe still being fanned
    # out when the window closes costs a few percent at 2500 viewers.
    server_drops = max(0, w["udp_rcvbuf_errors"] - w["gen_drops"])
    ok = (w["expected"] > 0 and w["loss"] < MAX_LOSS and w["dropped"] == 0
          and server_drops == 0 and w["delivery"] >= MIN_DELIVERY)
    gen.dirty = not ok
    w["gen_limited"] = (w["gen_drops"] > 0.5 * MAX_LOSS * max(w["expected"], 1)
                        or w["gen_cpu_s"] > 0.95 * w["seconds"])
    log("    rate x%-7.3g fwd %8.0f pps  loss %.4f%%  delivered %5.1f%%  "
        "server CPU %3.0f%%  drops: generator %d, server socket %d%s%s"
        % (rate, w["rx_pps"], 100 * w["loss"], 100 * w["delivery"],
           100 * w["server_cpu_s"] / w["seconds"], w["gen_drops"],
           max(0, w["udp_rcvbuf_errors"] - w["gen_drops"]),
           "  (generator-limited)" if w["gen_limited"] else "",
           ("  %d viewers dropped by the server" % w["dropped"])
           if w["dropped"] else ""))
    return ok, w


def search(gen, r0, q):
    """The highest publisher rate with under 0.1% loss: doubling or halving
    from r0, then bisection (geometric)."""
    best, fail = None, None
    r = r0
    ok, w = step(gen, r, q)
    if ok:
        best = (r, w)
        for _ in range(q["max_doublings"]):
            if w["gen_limited"]:
                break           # the generator cannot send more
            r *= 2
            ok, w = step(gen, r, q)
            if not ok:
                fail = (r, w)
                break
            best = (r, w)
    else:
        fail = (r, w)
        for _ in range(q["max_halvings"]):
            if r / 2 < q["min_rate"]:
                break
            r /= 2
            ok, w = step(gen, r, q)
            if ok:
                best = (r, w)
                break
            fail = (r, w)
    if best is None:
        return None, fail
    for _ in range(q["bisections"] if fail else 0):
        m = math.sqrt(best[0] * fail[0])
        ok, w = step(gen, m, q)
        if ok:
            best = (m, w)
        else:
            fail = (m, w)
    return best, fail


def measure(gen, rate, secs, tag, q):
    gen.dirty = True            # from an empty queue, whatever came before
    drain(gen, rate, q)
    gen.rate(rate)
    gen.window(q["settle"], "settle")
    w = gen.window(secs, tag)
    log("    %-6s x%-7.3g fwd %8.0f pps  loss %.4f%%  delay p50 %.0f us "
        "p99 %.0f us  spread p50 %.0f us p99 %.0f us  cpu %.2f s"
        % (tag, rate, w["rx_pps"], 100 * w["loss"], w["delay_p50_us"],
           w["delay_p99_us"], w["spread_p50_us"], w["spread_p99_us"],
           w["server_cpu_s"]))
    gen.dirty = w["loss"] >= MAX_LOSS
    return w


def other_cpu(res):
    """The largest share of core 0 that other processes took during one of
    the scenario's measurement windows."""
    m = 0.0
    for k in ("max", "w50", "w90", "w_equal"):
        w = res.get(k)
        if w:
            m = max(m, w.get("cpu0_other", 0.0))
    return m


def cpu_per_packet(w):
    if not w or w["received"] == 0:
        return None
    return w["server_cpu_s"] / w["received"] * 1e9


def srtp_cost(path, profile, ns):
    """{N: ns per srtp_protect() with N sessions}, from t/bench/srtp_cost.c
    run on the server's core; {} if it cannot run."""
    try:
        res = subprocess.run(["taskset", "-c", SERVER_CPU, path, profile]
                             + [str(n) for n in ns],
                             capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    ns_per = {}
    for line in res.stdout.splitlines():
        m = re.match(r"\w+ N=(\d+): (\d+) ns", line)
        if m:
            ns_per[int(m.group(1))] = int(m.group(2))
    return ns_per


def host_speed(out):
    """ns per srtp_protect() with 10 sessions on the server's core, now
    (a third of a second). The VM's host runs the same binary at 547 ns on
    one minute and 971 on another: a scenario measured on a slow host
    reads slow, and this says which ones were."""
    return srtp_cost(os.path.join(out, "srtp_cost"), "gcm", [10]).get(10)


def scenario(args, kind, n, profile, q, hint):
    """One server, one N, one profile. hint: what is known already
    (the module's maximum at this N, its 50% rate)."""
    res = {"server": kind, "viewers": n, "profile": profile,
           "host_ns": [host_speed(args.out)]}
    srv = Server(kind, args, profile, n)
    gen = None
    t0 = time.time()
    try:
        if not srv.start():
            res["error"] = "the server did not start"
            return res
        gen = Gen(args, srv, profile)
        ready = gen.event(["ready"], 30)
        res["srtp"] = ready["srtp"]
        rss0 = ready["server_rss_kb"]

        # viewers join while the publisher sends lightly (at most 10k pps
        # to forward besides its keyframes, Janus 2k: with 2,000 viewers
        # it no longer keeps up with 10k and sets up ~20 a second), so
        # that what is measured is the sessions' setup, not the forwarding
        cap = hint.get("cap_pps") or q["cap_guess"]
        setup_pps = q["janus_setup_pps" if kind == "janus" else "setup_pps"]
        setup_rate = min(1.0, setup_pps / (n * NOMINAL_PPS))
        gen.rate(setup_rate)
        s = gen.setup(n, q["concurrency"], q["setup_timeout"])
        if kind == "janus":
            d = gen.drain()
            s["server_rss_kb"] = d["server_rss_kb"]
        res["setup"] = s
        res["setup_rate"] = setup_rate
        res["rss_kb"] = [rss0, s["server_rss_kb"]]
        if s["viewers"] > 0:
            res["kb_per_viewer"] = (s["server_rss_kb"] - rss0) / s["viewers"]
        log("  %d/%d viewers up (%d failed) in %.2f s: %.0f sessions/s, "
            "first media p50 %.0f ms, first video p50 %.0f ms, "
            "RSS %d -> %d kB"
            % (s["viewers"], n, s["failed"], s["seconds"],
               s["sessions_per_s"], s["first_media_p50_ms"],
               s["first_video_p50_ms"], rss0, s["server_rss_kb"]))
        if s["viewers"] < n * 0.99:
            res["error"] = "only %d of %d viewers connected" % (s["viewers"], n)
            return res
        gen.dirty = True        # the joins' keyframes may still be queued

        r0 = hint.get("r0") or (0.5 * cap / (n * NOMINAL_PPS) * 2)
        best, fail = search(gen, r0, q)
        if best is None:
            res["error"] = "no rate with loss under 0.1%"
            res["fail"] = fail[1] if fail else None
            # the cost per packet at saturation, for what it is worth
            res["cpu_ns_sat"] = cpu_per_packet(res["fail"])
            return res
        rmax, wmax = best
        res["rate_max"] = rmax
        res["max"] = wmax
        res["fail"] = fail[1] if fail else None
        res["max_fwd_pps"] = wmax["rx_pps"]
        res["max_gen_limited"] = bool(wmax["gen_limited"]
                                      or (fail and fail[1]["gen_limited"]))

        w50 = measure(gen, 0.5 * rmax, q["window"], "50%", q)
        w90 = measure(gen, 0.9 * rmax, q["window"], "90%", q)
        res["w50"] = w50
        res["w90"] = w90
        res["cpu_ns"] = cpu_per_packet(w50)
        res["viewers_dropped"] = n - s["failed"] - w90["viewers"] \
            if s["viewers"] >= n - s["failed"] else 0

        # the CPU cost at the module's own 50% load, for an equal ratio
        if hint.get("r50") and kind != "module":
            r = hint["r50"]
            if r > rmax:
                r = 0.5 * rmax
            we = measure(gen, r, q["window"], "equal", q)
            res["w_equal"] = we
            res["cpu_ns_equal"] = cpu_per_packet(we)
        return res
    except Exception as e:      # one scenario failing must not stop the run
        res["error"] = str(e)
        log("  error: %s" % e)
        return res
    finally:
        if gen:
            gen.close()
        srv.stop()
        res["host_ns"].append(host_speed(args.out))
        res["elapsed_s"] = time.time() - t0
        res["cpu0_other_max"] = other_cpu(res)
        if kind.startswith("module") and srv.log and os.path.exists(srv.log):
            with open(srv.log) as f:
                bad = [l.strip() for l in f
                       if any(w in l for w in ("[alert]", "[crit]", "[emerg]",
                                               "fell behind"))]
            if bad:
                res["server_errors"] = bad[:5]


# ------------------------------------------------------------------ report


def fmt(v, spec="%.0f", none="-"):
    return none if v is None else spec % v


# /proc counts CPU time in clock ticks (10 ms): the setup's CPU per session
# is shown once the setup took 10 of them (10 viewers take 1)
SETUP_CPU_MIN_S = 0.1


def setup_cpu(s):
    """The server's CPU per session set up, us."""
    if s.get("server_cpu_s", 0) < SETUP_CPU_MIN_S or not s.get("new"):
        return None
    return s["server_cpu_s"] / s["new"] * 1e6


def host(r):
    """The host's speed before/after a scenario, ns per srtp_protect()."""
    h = r.get("host_ns") or []
    return "/".join(fmt(x) for x in h) or "-"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def table(results, meta):
    by = {}
    for r in results:
        by[(r["server"], r["viewers"], r["profile"])] = r
    rows = []
    ns = sorted({r["viewers"] for r in results})
    profiles = [p for p in ("gcm", "cm") if any(r["profile"] == p
                                                for r in results)]
    head = ["N", "SRTP", "max fwd pps", "x nominal", "/relay",
            "CPU ns/pkt", "/relay", "/Janus",
            "delay@50% p50/p99 us", "relay", "delay@90% p50/p99 us", "relay",
            "spread@50% p50/p99 us", "N x CPU us",
            "KB/viewer", "/Janus", "sessions/s", "setup CPU us",
            "connect/media/video ms", "host ns"]
    for n in ns:
        for p in profiles:
            m = by.get(("module", n, p))
            if m is None:
                continue
            rl = by.get(("relay", n, p), {})
            ja = by.get(("janus", n, p)) or by.get(("janus", n, "any"), {})
            if m.get("error") and "setup" not in m:
                rows.append([str(n), p, "error: " + m["error"]])
                continue

            def d(w, what="delay"):
                if not w or w.get(what + "_p50_us", -1) < 0:
                    return "-"
                return "%.0f/%.0f" % (w[what + "_p50_us"],
                                      w[what + "_p99_us"])

            relay_cpu = rl.get("cpu_ns_equal") or rl.get("cpu_ns")
            janus_cpu = ja.get("cpu_ns_equal") or ja.get("cpu_ns")
            s = m.get("setup", {})
            if m.get("max_fwd_pps"):
                mx = fmt(m["max_fwd_pps"]) + ("*" if m.get("max_gen_limited")
                                              else "")
            else:
                mx = "none"
            cpu = fmt(m.get("cpu_ns"))
            if m.get("cpu_ns") is None and m.get("cpu_ns_sat"):
                cpu = "~" + fmt(m["cpu_ns_sat"])
            if max(m.get("cpu0_other_max", 0), rl.get("cpu0_other_max", 0),
                   ja.get("cpu0_other_max", 0)) > 0.10:
                p += "+"
            rows.append([
                str(n), p, mx,
                fmt(ratio(m.get("max_fwd_pps"), n * NOMINAL_PPS), "%.2f"),
                fmt(ratio(m.get("max_fwd_pps"), rl.get("max_fwd_pps")),
                    "%.2f"),
                cpu,
                fmt(ratio(m.get("cpu_ns"), relay_cpu), "%.2f"),
                fmt(ratio(m.get("cpu_ns"), janus_cpu), "%.2f"),
                d(m.get("w50")), d(rl.get("w50")),
                d(m.get("w90")), d(rl.get("w90")),
                d(m.get("w50"), "spread"),
                fmt(n * m["cpu_ns"] / 1000 if m.get("cpu_ns") else None),
                fmt(m.get("kb_per_viewer"), "%.1f"),
                fmt(ratio(m.get("kb_per_viewer"), ja.get("kb_per_viewer")),
                    "%.2f"),
                fmt(s.get("sessions_per_s")),
                fmt(setup_cpu(s)),
                "%s/%s/%s" % (fmt(s.get("connect_p50_ms")),
                              fmt(s.get("first_media_p50_ms")),
                              fmt(s.get("first_video_p50_ms"))),
                host(m),
            ])

    widths = [max([len(head[i])] + [len(r[i]) for r in rows if len(r) > i])
              for i in range(len(head))]
    out = []
    out.append("| " + " | ".join(h.ljust(widths[i])
                                  for i, h in enumerate(head)) + " |")
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        if len(r) < len(head):
            out.append("| " + " | ".join(r) + " |")
            continue
        out.append("| " + " | ".join(c.rjust(widths[i]) if i > 1
                                      else c.ljust(widths[i])
                                      for i, c in enumerate(r)) + " |")

    # the peers' own figures, for reference
    ref = []
    for r in results:
        if r["server"] in ("module", "module2"):
            continue
        s = r.get("setup", {})
        w50 = r.get("w50") or {}
        ref.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s "
                   "| %s |" % (
            r["server"], r["viewers"], r.get("srtp", r["profile"]),
            fmt(r.get("max_fwd_pps")) + ("*" if r.get("max_gen_limited")
                                         else ""),
            fmt(r.get("cpu_ns_equal") or r.get("cpu_ns")),
            "%s/%s" % (fmt(w50.get("delay_p50_us")),
                       fmt(w50.get("delay_p99_us"))),
            "%s/%s" % (fmt(w50.get("spread_p50_us")),
                       fmt(w50.get("spread_p99_us"))),
            fmt(r.get("kb_per_viewer"), "%.1f"),
            # the relay's viewers only say hello: no setup to speak of
            fmt(s.get("sessions_per_s")) if r["server"] != "relay" else "-",
            fmt(setup_cpu(s)) if r["server"] != "relay" else "-",
            host(r), r.get("error", "")))
    if ref:
        out.append("")
        out.append("| peer | N | SRTP | max fwd pps | CPU ns/pkt | "
                   "delay@50% p50/p99 us | spread@50% p50/p99 us | "
                   "KB/viewer | sessions/s | setup CPU us | host ns | "
                   "note |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        out.extend(ref)

    # two workers against one, the same room
    two = []
    for r in results:
        if r["server"] != "module2":
            continue
        m = by.get(("module", r["viewers"], r["profile"]), {})
        c1, c2 = m.get("cpu_ns"), r.get("cpu_ns")
        two.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["viewers"], r["profile"], fmt(m.get("max_fwd_pps")),
            fmt(r.get("max_fwd_pps")) + ("*" if r.get("max_gen_limited")
                                         else ""),
            fmt(ratio(r.get("max_fwd_pps"), m.get("max_fwd_pps")), "%.2f"),
            fmt(c1), fmt(c2),
            fmt(2 * c1 / c2 if c1 and c2 else None, "%.2f"),
            r.get("error", "")))
    if two:
        out.append("")
        out.append("| two workers: N | SRTP | 1 worker max pps | "
                   "2 workers max pps | measured ratio | CPU ns/pkt 1 | "
                   "CPU ns/pkt 2 | ratio with a core each | note |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        out.extend(two)
    return "\n".join(out)


# -------------------------------------------------------------------- main


NGINX_CONF = """\
# written by t/bench/bench.py
load_module {module};
worker_processes {workers};
worker_cpu_affinity {affinity};
worker_rlimit_nofile 20000;
daemon off;
master_process {master};
error_log {prefix}/logs/error.log warn;
pid {prefix}/logs/nginx.pid;

events {{
    worker_connections 8192;
}}

webrtc_listen 127.0.0.1:{media};
webrtc_announce 127.0.0.1;
webrtc_zone 64m;

http {{
    access_log off;
    client_body_temp_path {prefix}/tmp;

    server {{
        listen 127.0.0.1:{http} backlog=4096;

        location ~ "^/whip/(?<room>[A-Za-z0-9_-]{{1,64}})(?:/[0-9a-f]{{32}})?$" {{
            webrtc_whip;
            webrtc_room $room;
            webrtc_token bench;
        }}

        location ~ "^/whep/(?<room>[A-Za-z0-9_-]{{1,64}})(?:/[0-9a-f]{{32}})?$" {{
            webrtc_whep;
            webrtc_room $room;
            webrtc_placement {placement};
        }}

        location = /webrtc/status {{
            webrtc_status;
        }}
    }}
}}
"""

JANUS_CONF = """\
# written by t/bench/bench.py
general: {{
	configs_folder = "{conf}"
	plugins_folder = "/usr/lib/x86_64-linux-gnu/janus/plugins"
	transports_folder = "/usr/lib/x86_64-linux-gnu/janus/transports"
	events_folder = "/usr/lib/x86_64-linux-gnu/janus/events"
	loggers_folder = "/usr/lib/x86_64-linux-gnu/janus/loggers"
	debug_level = 3
	session_timeout = 0
	event_loops = 1
	server_name = "bench"
}}
certificates: {{
}}
media: {{
	rtp_port_range = "{rtp}"
	no_media_timer = 0
}}
nat: {{
	nice_debug = false
	ice_lite = true
	ice_enforce_list = "127.0.0.1"
	ignore_mdns = true
}}
plugins: {{
	disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}}
transports: {{
	disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so"
}}
loggers: {{
	disable = "libjanus_jsonlog.so"
}}
events: {{
}}
"""

JANUS_HTTP_CONF = """\
general: {{
	json = "plain"
	base_path = "/janus"
	http = true
	port = {port}
	ip = "127.0.0.1"
	https = false
}}
admin: {{
	admin_http = false
	admin_https = false
}}
"""


def srtp_alone(out, ns, profiles):
    """ns per srtp_protect() with N sessions in one process, for the
    libsrtp2 the module is linked with (srtp_cost) and for Debian's
    (srtp_cost_debian), on the server's core: the crypto library's share
    of the per-packet cost, and whether it grows with the viewers."""
    rows = []
    for name, binary in (("module's", "srtp_cost"),
                         ("Debian's", "srtp_cost_debian")):
        path = os.path.join(out, binary)
        if not os.path.exists(path):
            continue
        for p in profiles:
            ns_per = srtp_cost(path, p, ns)
            rows.append({"libsrtp2": name, "profile": p, "ns": ns_per})
            log("srtp_protect alone, %s libsrtp2, %s: %s"
                % (name, p, ns_per))
    return rows


def srtp_table(rows, ns):
    head = ["libsrtp2", "SRTP"] + ["N=%d" % n for n in ns]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(
            [r["libsrtp2"], r["profile"]]
            + [fmt(r["ns"].get(n)) for n in ns]) + " |")
    return "\n".join(lines)


def proc_times():
    """CPU seconds of every process now: {pid: (name, seconds)}."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        out[int(pid)] = (name, (int(fields[11]) + int(fields[12])) / hz)
    return out


def foreign_cpu(before, after, ours):
    """The CPU seconds other processes used during the run, the largest
    first: the machine is shared, and this is what the figures shared it
    with."""
    used = {}
    for pid, (name, t) in after.items():
        if pid in ours or name in ("webrtc_load", "relay", "nginx", "janus",
                                   "taskset"):
            continue
        t0 = before.get(pid, (name, 0.0))[1]
        if t - t0 > 0.5:
            used[name] = used.get(name, 0.0) + t - t0
    return sorted(used.items(), key=lambda x: -x[1])[:5]


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, Linux %s" % (model, os.cpu_count(),
                                       platform.release())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--module", required=True)
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--janus", default="/usr/bin/janus")
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--viewers", help="comma-separated N, e.g. 10,100")
    ap.add_argument("--profiles", help="gcm,cm")
    ap.add_argument("--servers", help="module,relay,janus,module2")
    ap.add_argument("--janus-viewers", help="N for Janus (default: all)")
    ap.add_argument("--progress", type=int, default=5)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    if os.cpu_count() < 2:
        log("needs 2 cores: the server on core 0, the generator on core 1")
        return 1

    if args.quick:
        q = dict(viewers=[10, 100], profiles=["gcm"], janus_viewers=[100],
                 two_viewers=[100],
                 settle=0.5, step=1.5, window=2.0, bisections=1,
                 max_doublings=8, max_halvings=5, concurrency=32,
                 setup_timeout=60, drain=1.0, drain_max=10, setup_pps=10000,
                 janus_setup_pps=2000,
                 min_rate=0.02,
                 cap_guess=100000)
    else:
        q = dict(viewers=[10, 100, 1000, 2500], profiles=["gcm", "cm"],
                 janus_viewers=[10, 100, 1000, 2500],
                 two_viewers=[100, 1000, 2500],
                 settle=1.0, step=2.0, window=3.0, bisections=2,
                 max_doublings=6, max_halvings=6, concurrency=64,
                 setup_timeout=120, drain=1.5, drain_max=15, setup_pps=10000,
                 janus_setup_pps=2000,
                 min_rate=0.02,
                 cap_guess=100000)
    if args.viewers:
        q["viewers"] = [int(x) for x in args.viewers.split(",")]
        q["two_viewers"] = q["viewers"]
        q["janus_viewers"] = q["viewers"]
    if args.janus_viewers:
        q["janus_viewers"] = [int(x) for x in args.janus_viewers.split(",")]
    if args.profiles:
        q["profiles"] = args.profiles.split(",")
    servers = (args.servers or "module,relay,janus,module2").split(",")
    if "janus" in servers and not os.path.exists(args.janus):
        log("%s is missing (apt-get install janus): no Janus column"
            % args.janus)
        servers.remove("janus")

    os.makedirs(args.out, exist_ok=True)
    open(os.path.join(args.out, "load.log"), "w").close()
    started = time.time()
    log("%s; server on core %s, generator on core %s"
        % (machine(), SERVER_CPU, GEN_CPU))

    srtp_rows = srtp_alone(args.out, q["viewers"], q["profiles"])

    results = []
    cap = {}        # the module's max forwarded pps at a given N
    before = proc_times()
    load_start = open("/proc/loadavg").read().split()[:3]
    try:
        for n in q["viewers"]:
            for p in q["profiles"]:
                hint = {"cap_pps": cap.get("last")}
                if cap.get("last"):
                    hint["r0"] = cap["last"] / (n * NOMINAL_PPS)
                if "module" in servers:
                    log("module, N=%d, %s" % (n, p))
                    m = scenario(args, "module", n, p, q, hint)
                    results.append(m)
                    if m.get("max_fwd_pps"):
                        cap["last"] = m["max_fwd_pps"]
                        cap[(n, p)] = m
                else:
                    m = {}
                if "relay" in servers:
                    log("relay, N=%d, %s" % (n, p))
                    h = {"cap_pps": m.get("max_fwd_pps") or hint["cap_pps"],
                         "r50": m.get("rate_max", 0) * 0.5 or None}
                    if m.get("rate_max"):
                        h["r0"] = m["rate_max"]
                    results.append(scenario(args, "relay", n, p, q, h))
                if ("janus" in servers and n in q["janus_viewers"]
                        and p == q["profiles"][0]):
                    log("janus, N=%d, %s" % (n, p))
                    h = {"cap_pps": 0.5 * (m.get("max_fwd_pps")
                                           or q["cap_guess"]),
                         "r50": m.get("rate_max", 0) * 0.5 or None}
                    if m.get("rate_max"):
                        h["r0"] = m["rate_max"] * 0.25
                    results.append(scenario(args, "janus", n, p, q, h))
                if ("module2" in servers and n in q["two_viewers"]
                        and p == q["profiles"][0]):
                    log("module with two workers, N=%d, %s" % (n, p))
                    h = {"cap_pps": m.get("max_fwd_pps") or hint["cap_pps"]}
                    if m.get("rate_max"):
                        h["r0"] = m["rate_max"]
                    results.append(scenario(args, "module2", n, p, q, h))
    finally:
        stop_all()

    elapsed = time.time() - started
    others = foreign_cpu(before, proc_times(), {os.getpid()})
    meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": machine(), "quick": args.quick,
            "seconds": round(elapsed),
            "loadavg_start": load_start,
            "loadavg_end": open("/proc/loadavg").read().split()[:3],
            "other_processes_cpu_s": others}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results,
                   "srtp_alone": srtp_rows}, f, indent=1)
    t = table(results, meta)
    if srtp_rows:
        t += ("\n\nsrtp_protect() alone, ns per 1100-byte packet with N "
              "sessions in the process (t/bench/srtp_cost.c):\n\n"
              + srtp_table(srtp_rows, q["viewers"]))
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(t + "\n")

    print()
    print("ngx_webrtc benchmark, %s, %s (%d s%s)"
          % (meta["date"], meta["machine"], meta["seconds"],
             ", QUICK" if args.quick else ""))
    print("server pinned to core %s, generator to core %s; loss < 0.1%%; "
          "/relay and /Janus: the module's figure divided by theirs"
          % (SERVER_CPU, GEN_CPU))
    print()
    print(t)
    print()
    print("* the generator was the limit (it dropped packets or used its "
          "whole core) at the highest or the failing rate: the maximum is "
          "a lower bound")
    print("+ other processes took more than 10% of core 0 during a window "
          "of this row (the machine is shared)")
    if others:
        print("the machine is shared: other processes used %s CPU-seconds "
              "during these %d s (%s)"
              % (round(sum(t for _, t in others)), elapsed,
                 ", ".join("%s %.0f s" % o for o in others)))
    for r in results:
        if r.get("server_errors"):
            print("nginx error log (%s N=%d): %s"
                  % (r["profile"], r["viewers"], r["server_errors"][0]))
        if r.get("error"):
            print("%s N=%d %s: %s" % (r["server"], r["viewers"],
                                      r["profile"], r["error"]))
        if r.get("viewers_dropped"):
            print("%s N=%d %s: the server dropped %d viewers during "
                  "overloaded steps (their consent checks went unanswered)"
                  % (r["server"], r["viewers"], r["profile"],
                     r["viewers_dropped"]))
    print("results: %s" % os.path.join(args.out, "results.json"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
