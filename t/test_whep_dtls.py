"""A WHEP viewer's DTLS after the handshake. The server frees a viewer's
SSL object as soon as the SRTP keys are exported and keeps only two
records as bytes: its last flight (ChangeCipherSpec + Finished) and its
close_notify (docs/architecture.md, "What a viewer costs").

- the last flight is lost on the way to the viewer (nftables drops the
  server's first datagram that starts with a ChangeCipherSpec record):
  the viewer's DTLS stack sends its own last flight again, the server
  sends the kept copy, and the viewer connects and decodes;
- the session ends on the server (a DELETE from elsewhere): the viewer
  gets the kept close_notify and its DTLS transport closes at once,
  not at its consent timeout;
- the viewer closes its peer connection without a DELETE: its
  close_notify, opened with the peer's record key the server kept,
  ends the session at once; an alert record that does not open (a
  forged one) changes nothing.
"""

import asyncio
import os
import time

import pytest
import requests

import webrtc_client as wc
from conftest import UDP_BANKS
from webrtc_client import wait_media

def drop_first_ccs(nft_loss, nginx):
    """Drop the first datagram from the server's media ports whose first
    record is a ChangeCipherSpec (content type 20): the server's last
    flight of the next handshake. The quota lets one packet match."""
    lo = nginx.udp_base
    hi = nginx.udp_base + UDP_BANKS * nginx.workers - 1
    nft_loss.drop("ip", "saddr", "127.0.0.1", "udp", "sport",
                  "%d-%d" % (lo, hi), "@th,64,8", "0x14",
                  "quota", "until", "200", "bytes")


async def wait_frames(v, n, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(v.numbers()) < n:
        await asyncio.sleep(0.05)
    return len(v.numbers())


def test_viewer_last_flight_lost(nginx, nft_loss, report):
    res = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "dtls-flight")
        v = wc.WhepViewer(nginx.base_url, "dtls-flight")
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            drop_first_ccs(nft_loss, nginx)
            t0 = time.monotonic()
            await v.connect(timeout=20)
            res["connected"] = time.monotonic() - t0
            res["frames"] = await wait_frames(v, 30, 10)
            res["nft"] = nft_loss.counts()
            await v.delete()
            await pub.delete()
        finally:
            nft_loss.remove()
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    seen, dropped = res["nft"]
    report("\nthe server's last DTLS flight to the viewer dropped %d time(s);"
           " the viewer connected %.2f s after its POST and decoded %d "
           "frames" % (dropped, res["connected"], res["frames"]))
    assert dropped == 1, "the rule did not drop the last flight: %r" \
        % (res["nft"],)
    assert res["frames"] >= 30, "the viewer decoded %d frames" % res["frames"]


def test_viewer_told_when_session_ends(nginx, report):
    res = {}

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "dtls-bye")
        v = wc.WhepViewer(nginx.base_url, "dtls-bye")
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            assert await wait_frames(v, 10, 10) >= 10, "no video before"
            dtls = v.pc.getTransceivers()[0].receiver.transport
            t0 = time.monotonic()
            r = await asyncio.get_running_loop().run_in_executor(
                None, lambda: requests.delete(v.location, timeout=5))
            res["delete"] = r.status_code
            deadline = t0 + 5
            while time.monotonic() < deadline and dtls.state != "closed":
                await asyncio.sleep(0.02)
            res["state"] = dtls.state
            res["after"] = time.monotonic() - t0
            await pub.delete()
        finally:
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    report("\nDELETE of the viewer's session (%d): its DTLS transport was "
           "%s %.2f s later" % (res["delete"], res["state"], res["after"]))
    assert res["delete"] == 200
    assert res["state"] == "closed", \
        "the viewer's DTLS transport is %s 5 s after the DELETE" % res["state"]


SUITES = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
          "ECDHE-ECDSA-CHACHA20-POLY1305"]


@pytest.fixture
def dtls_suite(request, monkeypatch):
    """aiortc's DTLS offering only the given cipher suite."""
    from aiortc.rtcdtlstransport import RTCCertificate
    orig = RTCCertificate._create_ssl_context

    def create(self):
        ctx = orig(self)
        ctx.set_cipher_list(request.param.encode())
        return ctx

    monkeypatch.setattr(RTCCertificate, "_create_ssl_context", create)
    return request.param


@pytest.mark.parametrize("dtls_suite", SUITES, indirect=True)
def test_viewer_close_notify_ends_session(nginx, dtls_suite, report):
    res = {}
    loop_run = asyncio.get_running_loop

    async def present(sid):
        s = await loop_run().run_in_executor(None, nginx.session, sid)
        return s is not None

    async def main():
        pub = wc.WhipPublisher(nginx.base_url, "dtls-close")
        v = wc.WhepViewer(nginx.base_url, "dtls-close")
        try:
            await pub.connect()
            await wait_media(nginx, pub.session_id)
            await v.connect()
            assert await wait_frames(v, 10, 10) >= 10, "no video before"
            sid = v.session_id
            dtls = v.pc.getTransceivers()[0].receiver.transport
            res["suite"] = dtls.ssl.get_cipher_name()
            ice = dtls.transport

            # an alert record of epoch 1 and an AES-GCM alert's length,
            # but random bytes: it must not open
            forged = bytes([21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9,
                            0, 26]) + os.urandom(26)
            await ice._connection.send(forged)
            frames = len(v.numbers())
            await asyncio.sleep(1.0)
            res["forged_kept"] = await present(sid)
            res["forged_frames"] = len(v.numbers()) - frames

            t0 = time.monotonic()
            await v.close()
            gone = False
            while time.monotonic() < t0 + 5 and not gone:
                gone = not await present(sid)
                if not gone:
                    await asyncio.sleep(0.05)
            res["gone"] = gone
            res["after"] = time.monotonic() - t0
            res["sid"] = sid
            await pub.delete()
        finally:
            await v.close()
            await pub.close()

    wc.run(main(), timeout=60)
    logged = ("webrtc session %s: closed: DTLS close_notify from the peer"
              % res["sid"]) in nginx.log_text()
    report("\n%s: forged alert: session kept %s, %d frames decoded in the "
           "next second; the viewer's pc.close() without DELETE: session "
           "gone %s after %.2f s, close_notify logged %s"
           % (res["suite"], res["forged_kept"], res["forged_frames"],
              res["gone"], res["after"], logged))
    assert res["suite"] == dtls_suite, res["suite"]
    assert res["forged_kept"], "a forged alert ended the session"
    assert res["forged_frames"] >= 10, \
        "%d frames after the forged alert" % res["forged_frames"]
    assert res["gone"], "the session outlived the viewer's close by 5 s"
    assert logged, "the session did not end by the viewer's close_notify"
