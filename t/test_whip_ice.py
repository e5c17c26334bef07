"""ICE-lite and DTLS on the media port: STUN message integrity, consent
freshness, and the DTLS certificate check against the offer's
fingerprint."""

import socket
import time

from aioice import stun

import webrtc_client as wc
from conftest import read_sdp
from whip_util import (host_candidates, ice_credentials, session_by_id,
                       stun_check, stun_send_recv, track_by_kind)

CHROME = "chromium-156-whip-offer.sdp"


class RawIceClient:
    """A WHIP session whose ICE side is a bare UDP socket: POST a real
    offer, then speak STUN by hand to the port in the answer."""

    def __init__(self, nginx, room):
        self.nginx = nginx
        self.offer = read_sdp(CHROME)
        self.client_ufrag, self.client_pwd = ice_credentials(self.offer)
        r = nginx.whip_post(room, self.offer)
        assert r.status_code == 201, (r.status_code, r.text[:300])
        self.location = r.headers["Location"]
        self.sid = self.location.rsplit("/", 1)[1]
        self.answer = r.text
        self.server_ufrag, self.server_pwd = ice_credentials(self.answer)
        cands = host_candidates(self.answer)
        assert cands, self.answer
        self.server_addr = cands[0]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))

    def check(self, key=None, username_server=None, timeout=1.5):
        msg = stun_check(username_server or self.server_ufrag,
                         self.client_ufrag,
                         self.server_pwd if key is None else key)
        return msg, stun_send_recv(self.sock, self.server_addr, msg, timeout)

    def session(self):
        return session_by_id(self.nginx.status(), self.sid)

    def close(self):
        self.sock.close()
        if self.session() is not None:
            self.nginx.whip_delete(self.location)


def test_stun_message_integrity(nginx):
    c = RawIceClient(nginx, "stun")
    try:
        # wrong key: silence
        msg, reply = c.check(key="this-is-not-the-server-pwd")
        assert reply is None, \
            "a check with a bad MESSAGE-INTEGRITY got a reply: %r" % reply
        # right key, unknown ufrag: silence
        msg, reply = c.check(username_server="zzzzzzzz")
        assert reply is None, \
            "a check for an unknown ufrag got a reply: %r" % reply
        s = c.session()
        assert s is not None and s["state"] == "new", \
            "bad checks must not move the session: %s" % s

        # right key: a success response, signed with the server's pwd
        msg, reply = c.check()
        assert reply is not None, \
            "no answer to a valid check sent to %s:%d" % c.server_addr
        resp = stun.parse_message(reply, integrity_key=c.server_pwd.encode())
        assert resp.message_method == stun.Method.BINDING, resp
        assert resp.message_class == stun.Class.RESPONSE, \
            "%s %s" % (resp, resp.attributes)
        assert resp.transaction_id == msg.transaction_id
        assert "MESSAGE-INTEGRITY" in resp.attributes, resp.attributes
        assert "FINGERPRINT" in resp.attributes, resp.attributes
        xma = resp.attributes.get("XOR-MAPPED-ADDRESS")
        assert xma == c.sock.getsockname(), \
            "XOR-MAPPED-ADDRESS %s, socket is %s" % (xma,
                                                     c.sock.getsockname())
        # a response signed with some other key must not verify
        try:
            stun.parse_message(reply, integrity_key=b"other")
            raise AssertionError("response MESSAGE-INTEGRITY verifies "
                                 "with any key")
        except ValueError:
            pass

        s = c.session()
        assert s is not None, "session vanished after a valid check"
        assert s["state"] in ("ice", "dtls"), \
            "after a nominating check the state is %r" % s["state"]
    finally:
        c.close()


def test_consent_timeout(nginx_factory):
    srv = nginx_factory(consent_timeout="5s", dtls_timeout="30s")
    c = RawIceClient(srv, "consent")
    try:
        msg, reply = c.check()
        assert reply is not None, "no answer to a valid check"
        t0 = time.monotonic()
        time.sleep(2)
        s = c.session()
        assert s is not None and s["state"] != "closed", \
            "session reaped after 2 s with a 5 s consent timeout: %s" % s
        gone_at = None
        while time.monotonic() - t0 < 8:
            s = c.session()
            if s is None or s["state"] == "closed":
                gone_at = time.monotonic() - t0
                break
            time.sleep(0.2)
        assert gone_at is not None, \
            "session still alive 8 s after its last check: %s" % s
        assert gone_at >= 4.5, "reaped too early: %.1fs" % gone_at
        print("consent: session reaped %.1f s after the last check"
              % gone_at)
        # the room is free again
        r = srv.whip_post("consent", read_sdp(CHROME))
        assert r.status_code == 201, (r.status_code, r.text[:200])
        srv.whip_delete(r.headers["Location"])
    finally:
        c.close()


def test_consent_refreshed(nginx_factory):
    """Checks every second keep a session alive past the timeout."""
    srv = nginx_factory(consent_timeout="3s", dtls_timeout="30s")
    c = RawIceClient(srv, "refresh")
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 7:
            msg, reply = c.check()
            assert reply is not None, "check at %.1fs unanswered" % (
                time.monotonic() - t0)
            time.sleep(1)
        s = c.session()
        assert s is not None and s["state"] != "closed", \
            "session reaped although checks kept coming: %s" % s
    finally:
        c.close()


def test_dtls_wrong_fingerprint(nginx):
    """The offer's a=fingerprint does not match aiortc's certificate: the
    server must tear the session down and count no media."""
    seen = []

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "badfp", video_codec="VP8",
                               munge=wc.replace_fingerprint)
        try:
            await pub.connect(wait_connected=False)
            sid = pub.session_id
            assert sid, pub.response.headers
            t0 = time.monotonic()
            while time.monotonic() - t0 < 12:
                s = session_by_id(await wc.astatus(nginx), sid)
                seen.append((round(time.monotonic() - t0, 1),
                             s and s["state"],
                             s and [(t.get("kind"), t.get("packets"))
                                    for t in s.get("tracks", [])]))
                if s is None or s["state"] == "closed":
                    return True, pub.states
                await wc.asyncio.sleep(0.25)
            return False, pub.states
        finally:
            await pub.close()

    gone, states = wc.run(main())
    print("status over time:", seen)
    print("aiortc states:", states)
    assert gone, "session with a mismatched fingerprint still alive " \
        "after 12 s: %s" % seen[-3:]
    for t, state, tracks in seen:
        assert state != "connected", \
            "session reached 'connected' with a wrong fingerprint: %s" % seen
        for kind, packets in tracks or []:
            assert not packets, \
                "media counted (%s: %s packets) with a wrong fingerprint" \
                % (kind, packets)
    rooms = [r for r in nginx.status()["rooms"]
             if r["name"] == "badfp" and r.get("publisher")]
    assert not rooms, "room still has a publisher: %s" % rooms


def test_dtls_right_fingerprint_control(nginx):
    """Control for the test above: the same publisher with the offer
    untouched connects and its tracks count packets."""

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "goodfp", video_codec="VP8")
        try:
            await pub.connect()
            sid = pub.session_id
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                s = session_by_id(await wc.astatus(nginx), sid)
                v = s and track_by_kind(s, "video")
                if s and s["state"] == "connected" and v and v["packets"]:
                    break
                await wc.asyncio.sleep(0.25)
            r = await pub.delete()
            return s, r.status_code
        finally:
            await pub.close()

    s, code = wc.run(main())
    assert s and s["state"] == "connected", s
    assert track_by_kind(s, "video")["packets"] > 0, s
    assert code == 200
