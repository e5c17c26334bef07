#!/usr/bin/python3
"""The worker's instructions and cache misses per forwarded packet, counted
by callgrind: what the CPU time of `make bench` cannot separate.

For each N (10, 100, 250 by default) nginx runs under
`valgrind --tool=callgrind --cache-sim=yes` as one process
(`master_process off`: callgrind_control does not find a forked worker),
and webrtc_load (bench.py's generator) sets up one publisher and N WHEP
viewers and sends the stream at a twentieth of its nominal rate (the same
mix of packet sizes at every N). Once it flows, the counters are zeroed
(`callgrind_control -z`), the viewers count what they receive for a
window, and the counters are dumped (`callgrind_control -d`). Each figure
is divided by the packets the viewers received in that window: user-space
work only (valgrind does not see the kernel's), every event of the worker
in the window (RTCP, STUN, timers as well as forwarding), and the same
from one run to the next where the CPU time moves by 20%.

    make profile          (or: t/bench/callgrind.py --viewers 10,100)

Prints one table: instructions (Ir) per packet, in all and by library,
and first-level data cache misses (D1 reads + writes) per packet, in all
and in the module's and libsrtp2's code (callgrind's last level is what
the VM's CPUID reports, not the machine's: not shown); results in
build/bench/profile.json, the dumps in build/bench/callgrind/.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench   # noqa: E402

EVENTS = ("Ir", "Dr", "Dw", "D1mr", "D1mw")


def group(obj, fn):
    """Which column a function's cost goes to."""
    name = os.path.basename(obj)
    if name.startswith("ngx_webrtc_module"):
        # libsrtp2 is linked into the module (build/srtp.source/...)
        return "libsrtp2" if SRTP_FN.match(fn) else "module"
    for prefix, col in (("libcrypto", "libcrypto"), ("libc.so", "libc"),
                        ("libc-", "libc"), ("nginx", "nginx")):
        if name.startswith(prefix):
            return col
    return "other"


SRTP_FN = re.compile(r"^(srtp_|aes_|v128_|bitvector_|octet_string_|"
                     r"rdbx?_|key_limit|null_|hmac|cipher_|auth_|crypto_|"
                     r"debug_|err_report)")


def objects(dump):
    """The dump's self costs summed by group, read from callgrind's own
    format: cost lines count for the current object and function, except
    the line after a calls= line (the callee's inclusive cost)."""
    names = {"ob": {}, "fn": {}}
    events, total, by = None, None, {}
    ob, fn, skip = "?", "?", False

    def name(kind, value):
        m = re.match(r"\((\d+)\)\s*(.*)", value)
        if not m:
            return value
        if m.group(2):
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    with open(dump) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                if skip:
                    skip = False
                    continue
                nums = [int(x) for x in line.split()[1:]]
                acc = by.setdefault(group(ob, fn), [0] * len(events))
                for k, v in enumerate(nums):
                    acc[k] += v
            elif line.startswith("calls="):
                skip = True
            elif line.startswith("ob="):
                ob = name("ob", line[3:])
            elif line.startswith("fn="):
                fn = name("fn", line[3:])
            elif line.startswith("cob="):
                name("ob", line[4:])
            elif line.startswith("cfn="):
                name("fn", line[4:])
            elif line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = [int(x) for x in line.split()[1:]]
    if events is None:
        return None, {}
    pick = [events.index(e) if e in events else None for e in EVENTS]

    def proj(v):
        return [(v[k] if k is not None and k < len(v) else 0) for k in pick]

    return (proj(total) if total else None,
            {k: proj(v) for k, v in by.items()})


def control(pid, what):
    r = subprocess.run(["callgrind_control", what, str(pid)],
                       capture_output=True, text=True)
    if r.returncode != 0 or "Error" in r.stdout + r.stderr:
        raise RuntimeError("callgrind_control %s: %s"
                           % (what, (r.stdout + r.stderr).strip()))


def one(args, n, rate, window):
    out = os.path.join(args.out, "callgrind")
    os.makedirs(out, exist_ok=True)
    for f in glob.glob(os.path.join(out, "callgrind.out.*")):
        os.unlink(f)
    srv = bench.Server("module", args, "gcm", n)
    srv.wrap = ["valgrind", "--tool=callgrind", "--cache-sim=yes",
                "--callgrind-out-file=" + os.path.join(out,
                                                       "callgrind.out.%p")]
    srv.start_timeout = 60
    srv.single = True           # callgrind_control finds no forked worker
    gen = None
    try:
        if not srv.start():
            return {"viewers": n, "error": "nginx did not start under valgrind"}
        gen = bench.Gen(args, srv, "gcm")
        gen.event(["ready"], 120)
        # under valgrind a keyframe's fan-out stalls the worker for
        # seconds at a few hundred viewers, and handshakes time out: the
        # viewers join while the publisher barely sends, a few at a time,
        # and most of them are enough (the figures are per packet)
        gen.rate(0.005)
        s = gen.setup(n, 4, 60 + 2 * n)
        if s["viewers"] < 0.9 * n:
            return {"viewers": n, "error": "only %d viewers connected"
                    % s["viewers"]}
        gen.rate(rate)
        gen.window(5, "settle")
        control(srv.pid, "-z")
        w = gen.window(window, "profile")
        control(srv.pid, "-d")
        time.sleep(1)
        dumps = sorted(glob.glob(os.path.join(out, "callgrind.out.%d.*"
                                              % srv.pid)),
                       key=os.path.getmtime)
        if not dumps or w["received"] == 0:
            return {"viewers": n, "error": "no dump or no packet received"}
        total, by = objects(dumps[-1])
        if total is None:
            return {"viewers": n, "error": "the dump has no totals"}
        pkts = w["received"]
        res = {"viewers": n, "connected": s["viewers"], "packets": pkts,
               "loss": w["loss"],
               "per_packet": dict(zip(EVENTS, (t / pkts for t in total))),
               "by_object": {k: v[0] / pkts for k, v in by.items()},
               "d1_by_object": {k: (v[3] + v[4]) / pkts
                                for k, v in by.items()},
               "dump": os.path.join(out, "N%d.callgrind" % n)}
        os.replace(dumps[-1], res["dump"])
        return res
    finally:
        if gen:
            gen.close()
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))
    ap.add_argument("--module", default=os.path.join(
        top, "build/nginx/objs/ngx_webrtc_module.so"))
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--out", default=os.path.join(top, "build/bench"))
    ap.add_argument("--viewers", default="10,100,250")
    ap.add_argument("--rate", type=float, default=0.05,
                    help="the stream's rate, x nominal, the same at every N "
                         "so that the packets' mix of sizes is the same "
                         "(under valgrind the worker is ~100 times slower: "
                         "N = 250 at x0.05 is 3,000 packets/s to forward)")
    ap.add_argument("--window", type=float, default=10)
    args = ap.parse_args()
    args.janus, args.quick, args.progress, args.verbose = None, True, 5, False

    rows = []
    try:
        for n in [int(x) for x in args.viewers.split(",")]:
            rate = args.rate
            bench.log("N=%d under callgrind, x%.3g nominal" % (n, rate))
            r = one(args, n, rate, args.window)
            rows.append(r)
            if r.get("error"):
                bench.log("  error: %s" % r["error"])
            else:
                bench.log("  %d packets, %.0f Ir/packet"
                          % (r["packets"], r["per_packet"]["Ir"]))
    finally:
        bench.stop_all()

    with open(os.path.join(args.out, "profile.json"), "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%S"),
                   "machine": bench.machine(), "rows": rows}, f, indent=1)

    objs = ["module", "libsrtp2", "libcrypto", "libc", "nginx", "other"]
    print()
    print("callgrind, the worker's user space per forwarded packet (AES-GCM)")
    print()
    print("| N (connected) | packets | Ir/pkt | " + " | ".join(objs)
          + " | D1 misses/pkt | module + libsrtp2 |")
    print("|---|---|---|" + "---|" * len(objs) + "---|---|")
    for r in rows:
        if r.get("error"):
            print("| %d | - | %s |" % (r["viewers"], r["error"]))
            continue
        p, d1 = r["per_packet"], r["d1_by_object"]
        print("| %d (%d) | %d | %.0f | %s | %.1f | %.1f |"
              % (r["viewers"], r["connected"], r["packets"], p["Ir"],
                 " | ".join("%.0f" % r["by_object"].get(o, 0) for o in objs),
                 p["D1mr"] + p["D1mw"],
                 d1.get("module", 0) + d1.get("libsrtp2", 0)))
    print()
    print("dumps: %s (callgrind_annotate FILE)"
          % os.path.join(args.out, "callgrind"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
