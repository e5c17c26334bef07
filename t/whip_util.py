"""Small helpers shared by the WHIP tests (no fixtures here)."""

import re
import secrets
import time

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def sdp_lines(sdp):
    return [l for l in sdp.replace("\r\n", "\n").split("\n") if l]


def sdp_values(sdp, name):
    """All values of a=name:VALUE (session and media level, in order)."""
    pre = "a=%s:" % name
    return [l[len(pre):].strip() for l in sdp_lines(sdp) if l.startswith(pre)]


def sdp_has(sdp, line):
    return line in sdp_lines(sdp)


def media_sections(sdp):
    """-> list of (m-line, [lines of the section])"""
    out = []
    for l in sdp_lines(sdp):
        if l.startswith("m="):
            out.append((l, []))
        elif out:
            out[-1][1].append(l)
    return out


def ice_credentials(sdp):
    """(ufrag, pwd) of the first place they appear."""
    uf = sdp_values(sdp, "ice-ufrag")
    pw = sdp_values(sdp, "ice-pwd")
    assert uf and pw, "no ice-ufrag/ice-pwd in:\n%s" % sdp
    return uf[0], pw[0]


def host_candidates(sdp):
    """[(ip, port)] of the udp host candidates in `sdp`."""
    out = []
    for v in sdp_values(sdp, "candidate"):
        f = v.split()
        if len(f) >= 8 and f[2].lower() == "udp" and f[6] == "typ" \
                and f[7] == "host":
            out.append((f[4], int(f[5])))
    return out


def parse_links(response):
    """[(uri, {param: value})] from every Link header of a response."""
    raw = []
    try:
        raw = response.raw.headers.getlist("Link")
    except AttributeError:
        pass
    if not raw and "Link" in response.headers:
        raw = [response.headers["Link"]]
    out = []
    for header in raw:
        for m in re.finditer(r'<([^>]*)>((?:\s*;\s*[^;,<]+)*)', header):
            params = {}
            for p in m.group(2).split(";"):
                p = p.strip()
                if not p:
                    continue
                k, _, v = p.partition("=")
                params[k.strip().lower()] = v.strip().strip('"')
            out.append((m.group(1), params))
    return out


def random_resource():
    return secrets.token_hex(16)


def session_by_id(status, sid):
    for s in status.get("sessions", []):
        if s.get("id") == sid:
            return s
    return None


def track_by_kind(session, kind):
    for t in session.get("tracks", []):
        if t.get("kind") == kind:
            return t
    return None


def poll(fn, timeout, interval=0.2):
    """Call fn() until it returns a truthy value or `timeout` passes;
    returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def strip_attr(sdp, name):
    """Drop every a=name / a=name:... line."""
    keep = [l for l in sdp_lines(sdp)
            if not (l == "a=" + name or l.startswith("a=%s:" % name))]
    return "\r\n".join(keep) + "\r\n"


def trickle_sdpfrag(ufrag, pwd, mid="0", candidate=None):
    """An RFC 8840 trickle-ice-sdpfrag body."""
    candidate = candidate or \
        "candidate:1 1 udp 2130706431 127.0.0.1 9999 typ host"
    return ("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
            "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:%s\r\na=%s\r\n"
            % (ufrag, pwd, mid, candidate))


# ---------------------------------------------------------------- STUN

def stun_check(server_ufrag, client_ufrag, key, use_candidate=True,
               tie_breaker=None):
    """A connectivity check as a controlling ICE agent sends it:
    USERNAME "<server ufrag>:<client ufrag>", PRIORITY, ICE-CONTROLLING,
    USE-CANDIDATE, MESSAGE-INTEGRITY keyed by `key`, FINGERPRINT.
    Returns the aioice Message (bytes(msg) is the datagram)."""
    from aioice import stun
    msg = stun.Message(message_method=stun.Method.BINDING,
                       message_class=stun.Class.REQUEST)
    msg.attributes["USERNAME"] = "%s:%s" % (server_ufrag, client_ufrag)
    msg.attributes["PRIORITY"] = 1853817087       # a prflx candidate's
    msg.attributes["ICE-CONTROLLING"] = \
        tie_breaker if tie_breaker is not None else \
        int.from_bytes(secrets.token_bytes(8), "big")
    if use_candidate:
        msg.attributes["USE-CANDIDATE"] = None
    # aioice 0.8 adds MESSAGE-INTEGRITY and then FINGERPRINT here
    msg.add_message_integrity(key.encode() if isinstance(key, str) else key)
    return msg


def stun_send_recv(sock, addr, msg, timeout):
    """Send `msg` to `addr`; return the first datagram that answers its
    transaction (raw bytes) or None after `timeout` seconds."""
    import socket as _socket
    sock.sendto(bytes(msg), addr)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data, src = sock.recvfrom(2048)
        except _socket.timeout:
            return None
        if len(data) >= 20 and data[8:20] == msg.transaction_id:
            return data
