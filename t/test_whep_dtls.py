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
  not at its consent timeout.
"""

import asyncio
import time

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
