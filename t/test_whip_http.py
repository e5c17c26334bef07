"""WHIP signaling over HTTP: the answer's shape, the headers, the refusals.

No media here: real offers from t/data/sdp/ are POSTed with requests.
"""

import re

import pytest

from conftest import read_sdp
from whip_util import (host_candidates, ice_credentials,
                       media_sections, parse_links, random_resource,
                       sdp_has, sdp_lines, sdp_values, session_by_id,
                       strip_attr, trickle_sdpfrag)

CHROME = "chromium-156-whip-offer.sdp"
FIREFOX = "firefox-esr-153-whip-offer.sdp"
OBS = "obs-shaped-libdatachannel-whip-offer.sdp"


def assert_no_sessions(nginx, why):
    st = nginx.status()
    assert st.get("sessions") == [], \
        "%s: the status page still lists sessions: %s" % (why, st)
    live = [r for r in st.get("rooms", []) if r.get("publisher")]
    assert not live, "%s: rooms still have a publisher: %s" % (why, live)


def delete_ok(nginx, location):
    r = nginx.whip_delete(location)
    assert r.status_code == 200, \
        "DELETE %s: %d %r" % (location, r.status_code, r.text[:200])


# ---------------------------------------------------------------- 201


def test_status_page_empty(nginx):
    st = nginx.status()
    assert st.get("workers") == 2, st
    assert st.get("sessions") == [], st
    assert isinstance(st.get("rooms"), list), st


@pytest.mark.parametrize("offer", [CHROME, FIREFOX, OBS])
def test_post_answer(nginx, offer):
    sdp = read_sdp(offer)
    r = nginx.whip_post("answer1", sdp)
    assert r.status_code == 201, \
        "POST %s: %d %r" % (offer, r.status_code, r.text[:300])
    try:
        ctype = r.headers.get("Content-Type", "")
        assert ctype.split(";")[0].strip() == "application/sdp", ctype

        loc = r.headers.get("Location", "")
        m = re.fullmatch(r"/whip/answer1/([0-9a-f]{32})", loc)
        assert m, "Location %r is not /whip/answer1/<32 lowercase hex>" % loc
        sid = m.group(1)

        etag = r.headers.get("ETag", "")
        assert re.fullmatch(r'(W/)?"[^"]+"', etag), "ETag %r" % etag

        links = parse_links(r)
        ice = [(u, p) for u, p in links if p.get("rel") == "ice-server"]
        uris = [u for u, _ in ice]
        assert "stun:stun.example.net:3478" in uris, links
        turn = [p for u, p in ice
                if u == "turn:turn.example.net:3478?transport=udp"]
        assert turn, "no turn Link: %s" % links
        assert turn[0].get("username") == "user", turn
        assert turn[0].get("credential") == "pass", turn
        assert turn[0].get("credential-type") == "password", turn
        assert len(ice) == 2, "one Link per ice server: %s" % links

        ans = r.text
        assert ans.startswith("v=0"), ans[:100]
        assert "\r\n" in ans, "SDP lines must end with CRLF"
        assert sdp_has(ans, "a=ice-lite"), ans
        assert "a=setup:passive" in sdp_lines(ans), ans
        assert "a=setup:active" not in sdp_lines(ans), ans
        assert not [l for l in sdp_lines(ans)
                    if l in ("a=sendonly", "a=sendrecv")], ans

        # same m-lines, same order, same mids, all recvonly, one bundle
        off_m = media_sections(sdp)
        ans_m = media_sections(ans)
        assert [m.split()[0] for m, _ in ans_m] == \
            [m.split()[0] for m, _ in off_m], ans
        for (om, ol), (am, al) in zip(off_m, ans_m):
            mid = [l for l in ol if l.startswith("a=mid:")]
            assert mid and mid[0] in al, "mid of %s: %s" % (om, al)
            assert "a=recvonly" in al, "%s not recvonly" % am
            assert "a=rtcp-mux" in al, "%s: no rtcp-mux" % am
            assert am.split()[1] != "0", "%s rejected" % am
        mids = [l[6:] for l in sdp_lines(sdp) if l.startswith("a=mid:")]
        assert "a=group:BUNDLE " + " ".join(mids) in sdp_lines(ans), ans

        fps = sdp_values(ans, "fingerprint")
        assert fps, ans
        assert any(re.fullmatch(r"sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}",
                                f, re.I) for f in fps), fps
        ufrag, pwd = ice_credentials(ans)
        assert 4 <= len(ufrag) <= 256 and 22 <= len(pwd) <= 256, \
            (ufrag, pwd)
        assert ufrag != ice_credentials(sdp)[0]

        cands = host_candidates(ans)
        assert cands, "no host candidate in the answer:\n%s" % ans
        ports = range(nginx.udp_base, nginx.udp_base + nginx.workers)
        for ip, port in cands:
            assert ip == "127.0.0.1", cands
            assert port in ports, "%s not in %s" % (port, list(ports))
        assert len(set(cands)) == 1, \
            "a session lives on one worker: %s" % cands

        # the status page knows it, with the port of the owning worker
        s = session_by_id(nginx.status(), sid)
        assert s, "session %s not in status: %s" % (sid, nginx.status())
        assert s["room"] == "answer1" and s["kind"] == "whip", s
        assert s["state"] in ("new", "ice"), s
        assert "port" in s, "status session has no \"port\": %s" % s
        assert s["port"] == cands[0][1], \
            "status port %s, answer's candidate port %s" % (s["port"],
                                                          cands[0][1])
        assert s["port"] == nginx.udp_base + s["worker"], s
        assert 0 <= s["worker"] < nginx.workers, s
        rooms = [x for x in nginx.status()["rooms"]
                 if x["name"] == "answer1"]
        assert rooms and rooms[0]["publisher"] == sid, rooms

        delete_ok(nginx, loc)
        assert session_by_id(nginx.status(), sid) is None, \
            "DELETE answered 200 but the session is still listed"
    finally:
        loc = r.headers.get("Location")
        if loc and r.status_code == 201:
            nginx.whip_delete(loc)


def test_post_codec_choice(nginx):
    """The answer keeps the offerer's payload types and picks codecs we
    forward (Opus; VP8/H.264)."""
    sdp = read_sdp(CHROME)
    r = nginx.whip_post("codecs", sdp)
    assert r.status_code == 201, r.text
    try:
        ans = r.text
        (am, al), (vm, vl) = media_sections(ans)
        apt = am.split()[3:]
        vpt = vm.split()[3:]
        assert apt and vpt, ans
        amap = {v.split()[0]: v.split()[1] for v in
                [l[9:] for l in al if l.startswith("a=rtpmap:")]}
        vmap = {v.split()[0]: v.split()[1] for v in
                [l[9:] for l in vl if l.startswith("a=rtpmap:")]}
        assert amap.get(apt[0], "").lower() == "opus/48000/2", (apt, amap)
        assert vmap.get(vpt[0], "").split("/")[0].upper() in \
            ("VP8", "H264"), (vpt, vmap)
        # payload types are the offer's
        off_a = {l[9:].split()[0]: l[9:].split()[1] for l in
                 media_sections(sdp)[0][1] if l.startswith("a=rtpmap:")}
        off_v = {l[9:].split()[0]: l[9:].split()[1] for l in
                 media_sections(sdp)[1][1] if l.startswith("a=rtpmap:")}
        for pt in apt:
            assert off_a.get(pt, "").lower() == amap.get(pt, "").lower(), \
                (pt, off_a.get(pt), amap.get(pt))
        for pt in vpt:
            assert off_v.get(pt, "").lower() == vmap.get(pt, "").lower(), \
                (pt, off_v.get(pt), vmap.get(pt))
    finally:
        nginx.whip_delete(r.headers.get("Location", "/whip/codecs/x"))


def test_patch_trickle(nginx):
    """RFC 8840 trickle fragments as WHIP clients send them (RFC 9725
    4.3.1): with the session's own ufrag/pwd, with If-Match: <ETag>, and
    bare candidates. An ICE-lite server may ignore the candidates, but it
    must accept them: 204, no body."""
    sdp = read_sdp(CHROME)
    r = nginx.whip_post("trickle", sdp)
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    etag = r.headers.get("ETag")
    ufrag, pwd = ice_credentials(sdp)
    ctype = {"Content-Type": "application/trickle-ice-sdpfrag"}
    bare = ("m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
            "a=candidate:1 1 udp 2130706431 127.0.0.1 9999 typ host\r\n"
            "a=end-of-candidates\r\n")
    cases = [
        ("same ufrag/pwd", trickle_sdpfrag(ufrag, pwd), {}),
        ("same ufrag/pwd + If-Match: ETag", trickle_sdpfrag(ufrag, pwd),
         {"If-Match": etag} if etag else {}),
        ("candidates only", bare, {}),
    ]
    try:
        for name, body, extra in cases:
            p = nginx.request("PATCH", loc, data=body,
                              headers=dict(ctype, **extra))
            assert p.status_code == 204, \
                "trickle PATCH (%s): %d %r" % (name, p.status_code,
                                               p.text[:200])
            assert p.content == b"", p.content[:200]
        p = nginx.request("PATCH", loc, data=trickle_sdpfrag(ufrag, pwd),
                          headers={"Content-Type": "text/plain"})
        assert p.status_code == 415, \
            "PATCH as text/plain: %d %r" % (p.status_code, p.text)
    finally:
        delete_ok(nginx, loc)


# ---------------------------------------------------------------- 4xx


def _truncated(sdp):
    return sdp[:len(sdp) // 2]


REFUSALS = [
    # id, token, content type, sdp transform, expected status
    ("wrong-token", "nope", "application/sdp", None, 401),
    ("missing-token", None, "application/sdp", None, 401),
    ("wrong-content-type", "demo", "text/plain", None, 415),
    ("json-content-type", "demo", "application/json", None, 415),
    ("truncated-sdp", "demo", "application/sdp", _truncated, 400),
    ("no-fingerprint", "demo", "application/sdp",
     lambda s: strip_attr(s, "fingerprint"), 400),
    ("no-ice-ufrag", "demo", "application/sdp",
     lambda s: strip_attr(s, "ice-ufrag"), 400),
    ("no-ice-pwd", "demo", "application/sdp",
     lambda s: strip_attr(s, "ice-pwd"), 400),
    ("empty-body", "demo", "application/sdp", lambda s: "", 400),
    ("garbage", "demo", "application/sdp",
     lambda s: "hello, this is not SDP\r\n", 400),
]


@pytest.mark.parametrize("name,token,ctype,transform,expect", REFUSALS,
                         ids=[x[0] for x in REFUSALS])
def test_refusal(nginx, name, token, ctype, transform, expect):
    sdp = read_sdp(CHROME)
    if transform:
        sdp = transform(sdp)
    r = nginx.whip_post("refused", sdp, token=token, ctype=ctype)
    try:
        assert r.status_code == expect, \
            "%s: expected %d, got %d %r" % (name, expect, r.status_code,
                                            r.text[:300])
        assert "Location" not in r.headers, r.headers
        if expect == 400:
            ct = r.headers.get("Content-Type", "")
            assert ct.startswith("text/plain"), \
                "%s: reason should be text/plain, got %r" % (name, ct)
            assert r.text.strip(), "%s: empty reason" % name
            assert len(r.text) < 1024, r.text
        assert_no_sessions(nginx, name)
    finally:
        if r.status_code == 201 and r.headers.get("Location"):
            nginx.whip_delete(r.headers["Location"])


def test_nothing_we_support(nginx):
    """Valid SDP whose only codecs are unknown ones: 422 (or 400), nothing
    kept."""
    sdp = read_sdp(CHROME)
    out = []
    for l in sdp_lines(sdp):
        if l.startswith("m=audio"):
            l = "m=audio 9 UDP/TLS/RTP/SAVPF 9"
        elif l.startswith("m=video"):
            l = "m=video 9 UDP/TLS/RTP/SAVPF 98"
        elif re.match(r"a=(rtpmap|fmtp|rtcp-fb):\d+", l):
            continue
        elif l == "a=mid:0":
            l += "\r\na=rtpmap:9 X-NGX-UNKNOWN/8000"
        elif l == "a=mid:1":
            l += "\r\na=rtpmap:98 X-NGX-UNKNOWN/90000"
        out.append(l)
    r = nginx.whip_post("unsupported", "\r\n".join(out) + "\r\n")
    try:
        assert r.status_code in (400, 422), (r.status_code, r.text[:300])
        assert_no_sessions(nginx, "nothing supported")
    finally:
        if r.status_code == 201:
            nginx.whip_delete(r.headers["Location"])


def test_refusals_leave_nothing_allocated(nginx):
    """After a burst of refused POSTs, the status page shows nothing and
    a good POST still works."""
    sdp = read_sdp(CHROME)
    for _ in range(20):
        assert nginx.whip_post("burst", _truncated(sdp)).status_code == 400
        assert nginx.whip_post("burst", sdp, token="x").status_code == 401
    assert_no_sessions(nginx, "after 40 refusals")
    r = nginx.whip_post("burst", sdp)
    assert r.status_code == 201, r.text
    delete_ok(nginx, r.headers["Location"])
    assert_no_sessions(nginx, "after DELETE")


def test_put_405(nginx):
    r = nginx.request("PUT", "/whip/room1", data=read_sdp(CHROME),
                      headers={"Content-Type": "application/sdp"})
    assert r.status_code == 405, (r.status_code, r.text[:200])
    allow = r.headers.get("Allow", "")
    assert "POST" in [a.strip() for a in allow.split(",")], \
        "Allow: %r" % allow


def preflight(nginx, path, method):
    return nginx.request("OPTIONS", path, token=None, headers={
        "Origin": "http://example.org",
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type"})


def check_cors(r, methods):
    assert r.status_code in (200, 204), (r.status_code, r.text[:200])
    h = r.headers
    for name in ("Access-Control-Allow-Origin",
                 "Access-Control-Allow-Methods",
                 "Access-Control-Allow-Headers"):
        assert h.get(name), "OPTIONS: no %s in %s" % (name, dict(h))
    allowed = [m.strip().upper()
               for m in h["Access-Control-Allow-Methods"].split(",")]
    for m in methods:
        assert m in allowed, "Access-Control-Allow-Methods: %r" % allowed
    hdrs = h["Access-Control-Allow-Headers"].lower()
    # a browser on another origin sends these two
    assert "authorization" in hdrs and "content-type" in hdrs, \
        "Access-Control-Allow-Headers: %r" % hdrs


def test_options(nginx):
    r = preflight(nginx, "/whip/room1", "POST")
    check_cors(r, ["POST"])
    assert "application/sdp" in r.headers.get("Accept-Post", ""), \
        dict(r.headers)
    # RFC 9725 4.6: no ICE servers (credentials) on a CORS preflight
    ice = [u for u, p in parse_links(r) if p.get("rel") == "ice-server"]
    assert not ice, "ICE servers on a CORS preflight: %s" % ice

    # a plain OPTIONS (not a preflight) also answers Accept-Post
    r = nginx.request("OPTIONS", "/whip/room1")
    assert r.status_code in (200, 204), (r.status_code, r.text[:200])
    assert "application/sdp" in r.headers.get("Accept-Post", ""), \
        dict(r.headers)
    assert_no_sessions(nginx, "OPTIONS")


def test_options_resource(nginx):
    """The session URL is what a browser DELETEs/PATCHes cross-origin."""
    r = nginx.whip_post("optres", read_sdp(CHROME))
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    try:
        check_cors(preflight(nginx, loc, "DELETE"), ["DELETE", "PATCH"])
    finally:
        delete_ok(nginx, loc)


def test_unknown_resource_404(nginx):
    rid = random_resource()
    r = nginx.request("DELETE", "/whip/room1/%s" % rid)
    assert r.status_code == 404, (r.status_code, r.text[:200])
    r = nginx.request("PATCH", "/whip/room1/%s" % rid,
                      data=trickle_sdpfrag("abcd", "x" * 22),
                      headers={"Content-Type":
                               "application/trickle-ice-sdpfrag"})
    assert r.status_code == 404, (r.status_code, r.text[:200])


def test_delete_twice(nginx):
    r = nginx.whip_post("twice", read_sdp(CHROME))
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    delete_ok(nginx, loc)
    r2 = nginx.whip_delete(loc)
    assert r2.status_code == 404, (r2.status_code, r2.text[:200])
