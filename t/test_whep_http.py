"""WHEP signaling against a live aiortc publisher: the 201 answer and its
SDP, the resource (DELETE, PATCH, OPTIONS, HEAD), and the refusals (409
without a publisher, 422 without a common codec, 503 past the room's
limit, 404 for an unknown resource)."""

import asyncio
import re

import pytest

import webrtc_client as wc
from webrtc_client import wait_media
from whip_util import (host_candidates, media_sections,
                       random_resource, sdp_lines,
                       session_by_id, track_by_kind, trickle_sdpfrag)


async def in_thread(fn, *args, **kw):
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: fn(*args, **kw))


async def viewer_offer(**kw):
    """A real aiortc recvonly offer (the pc is kept open by the caller)."""
    v = wc.WhepViewer("http://unused", "unused", **kw)
    await v.create_offer()
    return v


def section(sdp, kind):
    for mline, lines in media_sections(sdp):
        if mline.startswith("m=%s " % kind):
            return mline, lines
    return None, None


def offered_pt(offer, kind, codec, h264_profile=None):
    """The payload type the offer gave `codec` in its `kind` section."""
    mline, lines = section(offer, kind)
    fmtp = {}
    for l in lines:
        if l.startswith("a=fmtp:"):
            pt, _, v = l[7:].partition(" ")
            fmtp[pt] = v
    for l in lines:
        if l.startswith("a=rtpmap:"):
            pt, enc = l[9:].split(None, 1)
            if enc.split("/")[0].upper() == codec.upper():
                if h264_profile and "profile-level-id=%s" % h264_profile \
                        not in fmtp.get(pt, ""):
                    continue
                return int(pt)
    return None


def attrs(lines, name):
    pre = "a=%s:" % name
    return [l[len(pre):] for l in lines if l.startswith(pre)]


@pytest.mark.parametrize("codec", ["VP8", "H264"])
def test_whep_answer(nginx, codec):
    """201 with a sendonly answer: the viewer's payload type for the
    publisher's codec, a=ssrc (+ RTX and FID), ice-lite, a candidate at
    the owner worker's port, Location and ETag; the session is listed."""
    room = "whep-answer-%s" % codec.lower()
    out = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room, video_codec=codec)
        v = wc.WhepViewer(nginx.base_url, room)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            out["status"] = await wc.astatus(nginx)
            out["pub_sid"] = pub.session_id
            d = await v.delete()
            out["delete"] = (d.status_code, d.text)
            out["after"] = await wc.astatus(nginx)
            d2 = await v.delete()
            out["delete2"] = d2.status_code
        finally:
            await v.close()
            await pub.close()
        out["viewer"] = v

    wc.run(main())
    v = out["viewer"]
    r = v.response
    answer = v.answer
    print("answer:\n" + answer)

    assert r.status_code == 201, (r.status_code, r.text[:300])
    assert r.headers.get("Content-Type", "").startswith("application/sdp"), \
        r.headers
    loc = r.headers.get("Location", "")
    m = re.match(r"^/whep/%s/([0-9a-f]{32})$" % re.escape(room), loc)
    assert m, "Location %r is not /whep/%s/<32 hex>" % (loc, room)
    assert r.headers.get("ETag"), "no ETag on the 201: %s" % dict(r.headers)

    lines = sdp_lines(answer)
    assert "a=ice-lite" in lines, answer
    sections = media_sections(answer)
    assert [s[0].split()[0] for s in sections] == ["m=audio", "m=video"], \
        [s[0] for s in sections]

    # owner worker's port, from the status page
    sid = m.group(1)
    s = session_by_id(out["status"], sid)
    assert s is not None, "viewer session %s not on the status page: %s" % (
        sid, out["status"])
    assert s.get("kind") == "whep", s
    assert s["port"] == nginx.udp_base + s["worker"], s
    cands = host_candidates(answer)
    assert cands and all(c == ("127.0.0.1", s["port"]) for c in cands), \
        (cands, s)

    for kind, name in (("audio", "OPUS"), ("video", codec)):
        mline, sec = section(answer, kind)
        assert "a=sendonly" in sec, (kind, sec)
        pt = int(mline.split()[3])
        want = offered_pt(v.offer_posted, kind, name)
        rtpmap = dict(x.split(None, 1) for x in attrs(sec, "rtpmap"))
        assert rtpmap[str(pt)].split("/")[0].upper() == name, (kind, rtpmap)
        # the viewer's payload type for that codec (H.264: one of those
        # the viewer offered, with packetization-mode=1)
        offered = [int(x.split()[0]) for x in attrs(
            section(v.offer_posted, kind)[1], "rtpmap")
            if x.split()[1].split("/")[0].upper() == name]
        assert pt in offered, (kind, pt, offered)
        if name != "H264":
            assert pt == want, (kind, pt, want)
        ssrcs = [int(x.split()[0]) for x in attrs(sec, "ssrc")]
        assert ssrcs, "no a=ssrc in the %s section" % kind
        st_track = track_by_kind(s, kind)
        assert st_track is not None, s
        assert st_track["ssrc"] == ssrcs[0], (kind, st_track, ssrcs)
        assert st_track["pt"] == pt, (kind, st_track, pt)
        assert st_track["codec"].upper() == name, st_track
        if kind == "video":
            # the viewer offered rtx: RTX ssrc + FID group, rtx apt=pt
            groups = attrs(sec, "ssrc-group")
            fid = [g for g in groups if g.startswith("FID ")]
            assert fid, "no a=ssrc-group:FID in the video section:\n%s" % \
                "\n".join(sec)
            prim, rtx = map(int, fid[0].split()[1:3])
            assert prim == ssrcs[0] and rtx in ssrcs, (fid, ssrcs)
            apts = [x for x in attrs(sec, "fmtp") if "apt=%d" % pt in x]
            assert apts, "no rtx with apt=%d:\n%s" % (pt, "\n".join(sec))

    assert out["delete"][0] == 200, out["delete"]
    assert session_by_id(out["after"], sid) is None, out["after"]
    # the publisher is untouched by a viewer leaving
    ps = session_by_id(out["after"], out["pub_sid"])
    assert ps and ps["state"] == "connected", ps
    assert out["delete2"] == 404, out["delete2"]


def test_whep_answer_without_rtx(nginx):
    """A viewer that offers no rtx gets no RTX ssrc and no FID group."""
    room = "whep-nortx"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        v = wc.WhepViewer(nginx.base_url, room, rtx=False)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            await asyncio.sleep(1)
            await v.delete()
            return v
        finally:
            await v.close()
            await pub.close()

    v = wc.run(main())
    assert "rtx/" not in v.offer_posted
    mline, sec = section(v.answer, "video")
    assert not attrs(sec, "ssrc-group"), sec
    assert len({x.split()[0] for x in attrs(sec, "ssrc")}) == 1, sec
    assert not any("rtx/" in x for x in attrs(sec, "rtpmap")), sec
    assert v.numbers(), "no video frame decoded without rtx"


def test_whep_answer_extmap_ids(nginx, report):
    """aiortc's own recvonly offer, abs-send-time left in: it gives
    abs-send-time (video) and ssrc-audio-level (audio) the same id. The
    answer must not use one id for two URIs across the bundle (aiortc
    parses every packet with one map), and the viewer then decodes."""
    room = "whep-extmap"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        v = wc.WhepViewer(nginx.base_url, room, strip_abs_send_time=False)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            await asyncio.sleep(1.5)
            await v.delete()
            return v
        finally:
            await v.close()
            await pub.close()

    v = wc.run(main())

    def ids(sdp):
        out = {}
        for mline, lines in media_sections(sdp):
            for x in attrs(lines, "extmap"):
                ident, uri = x.split(None, 1)
                out.setdefault(int(ident.split("/")[0]), set()).add(
                    uri.split()[0])
        return out

    offered, answered = ids(v.offer_posted), ids(v.answer)
    report("\nextmap ids offered %s, answered %s; decoded %d frames"
           % (offered, answered, len(v.numbers())))
    assert "abs-send-time" in v.offer_posted
    clash = {i: u for i, u in answered.items() if len(u) > 1}
    assert not clash, "the answer uses one extmap id for several URIs " \
        "across the bundle: %s" % clash
    assert len(v.numbers()) > 10, \
        "the viewer decoded %d frames in 1.5 s" % len(v.numbers())


def test_whep_no_publisher_409(nginx, report):
    async def main():
        v = await viewer_offer()
        try:
            r = await in_thread(nginx.whep_post, "whep-nobody",
                                v.offer_posted)
            st = await wc.astatus(nginx)
        finally:
            await v.close()
        return r, st

    r, st = wc.run(main())
    report("409 answer:", r.status_code, dict(r.headers), r.text[:200])
    assert r.status_code == 409, (r.status_code, r.text[:300])
    ra = r.headers.get("Retry-After")
    assert ra and ra.strip().isdigit() and int(ra) > 0, dict(r.headers)
    assert not [s for s in st["sessions"] if s["room"] == "whep-nobody"], st


def test_whep_after_publisher_left_409(nginx):
    """A room whose publisher DELETEd has no live publisher either."""
    room = "whep-gone"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        v = await viewer_offer()
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await pub.delete()
            await asyncio.sleep(0.3)
            return await in_thread(nginx.whep_post, room, v.offer_posted)
        finally:
            await v.close()
            await pub.close()

    r = wc.run(main())
    try:
        assert r.status_code == 409, (r.status_code, r.text[:300])
        assert r.headers.get("Retry-After"), dict(r.headers)
    finally:
        if r.status_code == 201:
            nginx.request("DELETE", r.headers["Location"], token=None)


def test_whep_no_common_codec(nginx, report):
    """Publisher H.264, viewer offers only VP8: 422 (or 406) with a
    reason, and nothing is kept."""
    room = "whep-codec"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room, video_codec="H264")
        v = await viewer_offer(video_codecs=["VP8"])
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            r = await in_thread(nginx.whep_post, room, v.offer_posted)
            st = await wc.astatus(nginx)
            await pub.delete()
            return v.offer_posted, r, st
        finally:
            await v.close()
            await pub.close()

    offer, r, st = wc.run(main())
    _, vsec = section(offer, "video")
    assert not any("H264" in x for x in attrs(vsec, "rtpmap")), vsec
    report("no common codec:", r.status_code, r.text[:300])
    try:
        assert r.status_code in (422, 406), (r.status_code, r.text[:300])
        assert r.text.strip(), "422 without a reason in the body"
        assert re.search(r"(?i)h\.?264|codec", r.text), r.text[:300]
    finally:
        if r.status_code == 201:
            nginx.request("DELETE", r.headers["Location"], token=None)
    viewers = [s for s in st["sessions"]
               if s["room"] == room and s.get("kind") == "whep"]
    assert not viewers, viewers


def test_whep_room_limit_503(nginx_factory, report):
    """webrtc_room_max_sessions 2 counts the publisher: one viewer fits,
    the second gets 503 + Retry-After; after the first leaves, a new one
    fits again."""
    srv = nginx_factory(whep_room_max_sessions=2)
    room = "whep-full"

    async def main():
        pub = wc.WhipPublisher(srv.base_url, room)
        v1 = wc.WhepViewer(srv.base_url, room)
        v2 = await viewer_offer()
        v3 = await viewer_offer()
        try:
            await pub.connect()
            await wait_media(srv, pub.session_id)
            await v1.connect()
            r2 = await in_thread(srv.whep_post, room, v2.offer_posted)
            st = await wc.astatus(srv)
            d = await v1.delete()
            await asyncio.sleep(0.3)
            r3 = await in_thread(srv.whep_post, room, v3.offer_posted)
            if r3.status_code == 201:
                await in_thread(srv.request, "DELETE",
                                r3.headers["Location"], token=None)
            await pub.delete()
            return v1.response, r2, st, d, r3
        finally:
            for x in (v1, v2, v3, pub):
                await x.close()

    r1, r2, st, d, r3 = wc.run(main())
    report("limit: first viewer %d, second %d %r, after a DELETE %d"
           % (r1.status_code, r2.status_code, r2.text[:100], r3.status_code))
    assert r1.status_code == 201, (r1.status_code, r1.text[:300])
    try:
        assert r2.status_code == 503, (r2.status_code, r2.text[:300])
        assert r2.headers.get("Retry-After"), dict(r2.headers)
    finally:
        if r2.status_code == 201:
            srv.request("DELETE", r2.headers["Location"], token=None)
    inroom = [s for s in st["sessions"] if s["room"] == room]
    assert len(inroom) == 2, inroom
    assert d.status_code == 200
    assert r3.status_code == 201, (r3.status_code, r3.text[:300])


def test_whep_resource_methods(nginx, report):
    """PATCH trickle 204, OPTIONS with CORS, HEAD on the endpoint 200,
    DELETE of an unknown resource 404, GET/HEAD on unknown resource 404."""
    room = "whep-methods"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        v = wc.WhepViewer(nginx.base_url, room)
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            path = v.response.headers["Location"]
            ufrag, pwd = v.offer_posted.split("a=ice-ufrag:")[1].split()[0], \
                v.offer_posted.split("a=ice-pwd:")[1].split()[0]
            res = {}
            res["patch"] = await in_thread(
                nginx.request, "PATCH", path, token=None,
                headers={"Content-Type": "application/trickle-ice-sdpfrag"},
                data=trickle_sdpfrag(ufrag, pwd))
            res["options_ep"] = await in_thread(
                nginx.request, "OPTIONS", "/whep/%s" % room, token=None,
                headers={"Origin": "http://example.com",
                         "Access-Control-Request-Method": "POST"})
            res["head_ep"] = await in_thread(
                nginx.request, "HEAD", "/whep/%s" % room, token=None)
            res["head_empty"] = await in_thread(
                nginx.request, "HEAD", "/whep/whep-nobody-here", token=None)
            res["delete_unknown"] = await in_thread(
                nginx.request, "DELETE",
                "/whep/%s/%s" % (room, random_resource()), token=None)
            res["patch_unknown"] = await in_thread(
                nginx.request, "PATCH",
                "/whep/%s/%s" % (room, random_resource()), token=None,
                headers={"Content-Type": "application/trickle-ice-sdpfrag"},
                data=trickle_sdpfrag(ufrag, pwd))
            # the session survived the PATCH
            res["state"] = session_by_id(await wc.astatus(nginx),
                                         v.session_id)
            res["delete"] = await v.delete()
            res["delete_again"] = await v.delete()
            await pub.delete()
            return res
        finally:
            await v.close()
            await pub.close()

    res = wc.run(main())
    for k, r in res.items():
        if hasattr(r, "status_code"):
            report("%-15s %d %s" % (k, r.status_code,
                                    {h: r.headers[h] for h in r.headers
                                     if h.lower().startswith(("access", "allow",
                                                              "accept",
                                                              "content-type"))}))
    assert res["patch"].status_code == 204, (res["patch"].status_code,
                                             res["patch"].text)
    o = res["options_ep"]
    assert o.status_code in (200, 204), o.status_code
    assert o.headers.get("Access-Control-Allow-Origin"), dict(o.headers)
    assert "POST" in o.headers.get("Access-Control-Allow-Methods", "") \
        or "POST" in o.headers.get("Allow", ""), dict(o.headers)
    assert "application/sdp" in o.headers.get("Accept-Post", ""), \
        dict(o.headers)
    h = res["head_ep"]
    assert h.status_code == 200, h.status_code
    assert h.headers.get("Content-Type", "").startswith("application/sdp"), \
        dict(h.headers)
    assert res["head_empty"].status_code in (200, 204, 409), \
        res["head_empty"].status_code
    assert res["delete_unknown"].status_code == 404, \
        res["delete_unknown"].status_code
    assert res["patch_unknown"].status_code == 404, \
        res["patch_unknown"].status_code
    assert res["state"] and res["state"]["state"] == "connected", \
        res["state"]
    assert res["delete"].status_code == 200, res["delete"].status_code
    assert res["delete_again"].status_code == 404, \
        res["delete_again"].status_code


def test_whep_bad_offers(nginx):
    """Wrong content type 415; an offer that does not parse 400; both
    leave nothing behind (checked against a live room)."""
    room = "whep-bad"

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, room)
        v = await viewer_offer()
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            r415 = await in_thread(nginx.whep_post, room, v.offer_posted,
                                   ctype="text/plain")
            r400 = await in_thread(nginx.whep_post, room,
                                   "v=0\r\nthis is not sdp\r\n")
            st = await wc.astatus(nginx)
            await pub.delete()
            return r415, r400, st
        finally:
            await v.close()
            await pub.close()

    r415, r400, st = wc.run(main())
    assert r415.status_code == 415, (r415.status_code, r415.text[:200])
    assert r400.status_code == 400, (r400.status_code, r400.text[:200])
    viewers = [s for s in st["sessions"]
               if s["room"] == room and s.get("kind") == "whep"]
    assert not viewers, viewers
