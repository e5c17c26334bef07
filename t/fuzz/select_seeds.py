#!/usr/bin/python3
#
# Picks the captured seeds of the fuzz targets: from what the end-to-end
# tests' real clients sent and received with NGX_WEBRTC_CAPTURE=DIR set
# (t/capture.py: DIR/<target>/<tag>.<sha1>, each already in its target's
# input format), a bounded set per target that covers distinct shapes,
# written as corpus/<target>/cap-<first 12 hex digits of its sha1>.
#
#   /usr/bin/python3 t/fuzz/select_seeds.py DIR [CORPUS_DIR]
#
# `make fuzz-seeds` runs the tests and then this.  Standard library only.
# The cap-* files of a target are replaced as a whole; make_seeds.py's
# files (no cap- prefix) are left alone, as make_seeds.py leaves these.
#
# A shape is a pair (class, detail): for RTP the direction and payload
# type, then marker, CSRCs, extension ids, padding, the payload's first
# bytes (VP8 descriptor, H.264 NAL or fragment type), a VP8 key frame
# start and the size (as a power of two); for RTCP the packet types of
# the compound; for STUN the attribute types; for JSON the message type
# and its members; for the WebSocket the opcodes and length forms of the
# frames.  One record per shape is kept (the one whose sha1 is least),
# the classes taking turns so that each is in before any has two, until
# MAX_FILES or MAX_BYTES.

import hashlib
import json
import os
import sys


HERE = os.path.dirname(os.path.abspath(__file__))

MAX_FILES = 40
MAX_BYTES = 100 * 1024          # per target: about 900 KB in all at most

# t/fuzz/Makefile's MAX_LEN_<target>
MAX_LEN = {"sdp": 65536, "frag": 65536, "ws": 16384, "json": 16384,
           "rtp": 1500, "rtcp": 1500, "stun": 1500, "demux": 1500,
           "keyframe": 1500}


def size_class(data):
    return len(data).bit_length()


def vp8_start(p):
    """For a payload that may be VP8's (RFC 7741 4.2): whether it starts
    partition 0 of a key frame, of an inter frame, or neither (None); so
    that the few key frames of a call are not lost among its packets."""
    if len(p) < 2 or not p[0] & 0x10 or p[0] & 0x07:
        return None
    i = 1
    if p[0] & 0x80:
        x = p[1]
        i = 2
        if x & 0x80:
            i += 2 if len(p) > i and p[i] & 0x80 else 1
        i += (1 if x & 0x40 else 0) + (1 if x & 0x30 else 0)
    if i >= len(p):
        return None
    return "key" if not p[i] & 1 else "inter"


def rtp_shape(tag, p):
    if len(p) < 12:
        return tag, ("short", len(p))
    n = 12 + (p[0] & 0x0f) * 4
    ids = ()
    if p[0] & 0x10 and len(p) >= n + 4:
        profile = int.from_bytes(p[n:n + 2], "big")
        end = n + 4 + int.from_bytes(p[n + 2:n + 4], "big") * 4
        i = n + 4
        # RFC 8285 one-byte elements (0xbede): the ids in order
        while profile == 0xbede and i < min(end, len(p)):
            if p[i] == 0:
                i += 1
                continue
            ids += (p[i] >> 4,)
            i += 2 + (p[i] & 0x0f)
        n = end
    payload = p[n:n + 2]
    if payload and payload[0] & 0x1f not in (24, 28):
        payload = payload[:1]
    return tag, (p[1] >> 7, p[0] & 0x0f, ids, p[0] >> 5 & 1,
                 payload.hex(), vp8_start(p[n:]), size_class(p))


def rtcp_shape(tag, p):
    counts = []
    pos = 0
    while pos + 4 <= len(p):
        counts.append(p[pos] & 0x1f)
        pos += (int.from_bytes(p[pos + 2:pos + 4], "big") + 1) * 4
    return tag, (tuple(counts), size_class(p))


def keyframe_shape(tag, p):
    first = p[:2] if p and p[0] & 0x1f in (24, 28) else p[:1]
    return (tag, first.hex(), vp8_start(p)), (size_class(p),)


def stun_shape(tag, p):
    m = p[1:]
    types = []
    pos = 20
    while pos + 4 <= len(m):
        n = int.from_bytes(m[pos + 2:pos + 4], "big")
        types.append("%04x" % int.from_bytes(m[pos:pos + 2], "big"))
        pos += 4 + n + (-n % 4)
    return (tag, m[:2].hex()), (tuple(types), p[0], len(m))


def demux_shape(tag, p):
    # the target reads the first two bytes only; the size for the rest
    return tag, (p[:2].hex() if tag.endswith("stun") else "",
                 size_class(p))


def sdp_shape(tag, p):
    lines = p.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    media = tuple(" ".join(l.split()[0:1] + l.split()[2:])
                  for l in lines if l.startswith("m="))
    dirs = tuple(l for l in lines
                 if l in ("a=sendonly", "a=recvonly", "a=sendrecv",
                          "a=inactive"))
    extmaps = sum(l.startswith("a=extmap:") for l in lines)
    return tag, (media, dirs, extmaps)


def frag_shape(tag, p):
    lines = p.split(b"\n")
    return tag, (sum(l.startswith(b"a=candidate:") for l in lines),
                 size_class(p))


def json_shape(tag, p):
    try:
        msg = json.loads(p)
    except ValueError:
        return tag, ("not JSON",)
    keys = tuple(sorted(msg)) if isinstance(msg, dict) else ()
    return tag, (keys, size_class(p))


def ws_shape(tag, p):
    # the frames: opcode and length form (7, 16 or 64 bits) of each
    frames = []
    pos = 1
    while pos + 2 <= len(p) and len(frames) < 64:
        op, n = p[pos] & 0x0f, p[pos + 1] & 0x7f
        head = 2 + {126: 2, 127: 8}.get(n, 0) + (4 if p[pos + 1] & 0x80
                                                  else 0)
        if n == 126:
            n = int.from_bytes(p[pos + 2:pos + 4], "big")
        elif n == 127:
            n = int.from_bytes(p[pos + 2:pos + 10], "big")
        frames.append((op, head))
        pos += head + n
    # how the target cuts the input: random pieces or fixed ones
    split = "random" if p[0] < 128 else "fixed"
    return (tag, split), (tuple(sorted(set(frames))), len(frames),
                          size_class(p))


SHAPES = {"rtp": rtp_shape, "rtcp": rtcp_shape, "keyframe": keyframe_shape,
          "stun": stun_shape, "demux": demux_shape, "sdp": sdp_shape,
          "frag": frag_shape, "json": json_shape, "ws": ws_shape}


def select(target, records):
    """records: [(tag, bytes)] -> the chosen [bytes]"""
    groups = {}
    seen = set()
    for tag, data in records:
        # the same bytes may come under two tags (an SDP sent as aiortc
        # made it): once is enough
        if not data or len(data) > MAX_LEN[target] or data in seen:
            continue
        seen.add(data)
        cls, detail = SHAPES[target](tag, data)
        groups.setdefault(repr(cls), {}).setdefault(repr(detail), []) \
            .append(data)

    # in each shape the record with the least sha1; the classes in turn
    queues = []
    for cls in sorted(groups):
        shapes = groups[cls]
        queues.append([min(shapes[d], key=lambda b: hashlib.sha1(b).digest())
                       for d in sorted(shapes)])

    chosen, total = [], 0
    while queues and len(chosen) < MAX_FILES:
        for q in list(queues):
            if len(chosen) == MAX_FILES:
                break
            data = q.pop(0)
            if not q:
                queues.remove(q)
            if total + len(data) > MAX_BYTES:
                continue
            chosen.append(data)
            total += len(data)
    return chosen


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: select_seeds.py CAPTURE_DIR [CORPUS_DIR]")
    src = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "corpus")
    total = 0

    for target in sorted(SHAPES):
        d = os.path.join(src, target)
        records = []
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                records.append((name.rsplit(".", 1)[0], f.read()))

        if not records:
            print("%s: nothing captured, its cap-* files kept" % target)
            continue

        chosen = select(target, records)

        out = os.path.join(root, target)
        os.makedirs(out, exist_ok=True)
        for name in os.listdir(out):
            if name.startswith("cap-"):
                os.unlink(os.path.join(out, name))
        for data in chosen:
            name = "cap-" + hashlib.sha1(data).hexdigest()[:12]
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)

        size = sum(map(len, chosen))
        total += size
        print("%s: %d seeds of %d records, %d bytes"
              % (target, len(chosen), len(records), size))

    print("%d bytes" % total)


if __name__ == "__main__":
    main()
