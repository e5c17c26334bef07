"""conf.example, the configuration `make run` starts: its pages are served,
a publisher with its token is heard, and a viewer decodes what it sends.

nginx runs conf.example itself, with only what has to differ in a test
rewritten: the module's path, the ports, and the paths of the pid file,
the temporary files and the error log."""

import asyncio
import re
import time

import pytest
import requests

import webrtc_client as wc
from conftest import REPO, NginxServer, _start, _stop, read_sdp
from webrtc_client import wait_media

EXAMPLE = REPO / "conf.example"


class ExampleNginx(NginxServer):
    """nginx with conf.example, rewritten to run beside other tests."""

    def config_text(self):
        text = EXAMPLE.read_text()
        subs = [
            (r"^load_module \S+;", "load_module %s;" % self.module_path),
            (r"^worker_processes \S+;",
             "worker_processes %d;" % self.workers),
            (r"^error_log \S+ (\w+);",
             r"error_log %s/error.log \1;" % self.prefix),
            (r"\bbuild/run/", "%s/" % self.prefix),
            (r"127\.0\.0\.1:8080", "127.0.0.1:%d" % self.http_port),
            (r"^webrtc_listen 127\.0\.0\.1:20000;",
             "webrtc_listen 127.0.0.1:%d;" % self.udp_base),
            (r"^(\s*)root html;", r"\1root %s;" % (REPO / "html")),
        ]
        for pattern, repl in subs:
            text, n = re.subn(pattern, repl, text, flags=re.M)
            assert n >= 1, "conf.example no longer has %r" % pattern
        return text


@pytest.fixture(scope="module")
def example():
    srv = _start(ExampleNginx)
    yield srv
    _stop(srv)


def test_index_links_the_demo_pages(example):
    r = requests.get(example.url("/"), timeout=5)
    assert r.status_code == 200, "GET /: %d" % r.status_code
    assert r.headers["Content-Type"].startswith("text/html")
    links = re.findall(r'href="([^"#]+)"', r.text)
    pages = {l.split("?")[0] for l in links}
    assert {"publish.html", "play.html", "room.html",
            "webrtc/status"} <= pages, links
    for link in links:
        if link.startswith("data:"):
            continue
        page = requests.get(example.url("/" + link.replace("&amp;", "&")),
                            timeout=5)
        assert page.status_code == 200, \
            "%s linked from /: %d" % (link, page.status_code)
    assert "workers" in requests.get(example.url("/webrtc/status"),
                                     timeout=5).json()


def test_wrong_token_refused(example):
    offer = read_sdp("chromium-156-whip-offer.sdp")
    r = example.whip_post("live", offer, token="not-demo")
    assert r.status_code == 401, (r.status_code, r.text[:200])
    assert example.status().get("sessions") == []


def test_publish_and_play(example):
    """The README's first steps: publish to `live` with the token `demo`,
    play it over WHEP; the viewer decodes frames the publisher sent."""

    async def run():
        pub = wc.WhipPublisher(example.base_url, "live", token="demo")
        viewer = wc.WhepViewer(example.base_url, "live", name="viewer")
        try:
            await pub.connect()
            await wait_media(example, pub.session_id)
            await viewer.connect()
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline and \
                    len(viewer.numbers()) < 30:
                await asyncio.sleep(0.1)
            sent = set(pub.frames_sent(0, time.monotonic()))
            got = viewer.numbers()
            deleted = [(await viewer.delete()).status_code,
                       (await pub.delete()).status_code]
            return sent, got, deleted
        finally:
            await viewer.close()
            await pub.close()

    sent, got, deleted = asyncio.run(run())
    assert len(got) >= 30, "the viewer decoded %d frames in 8 s" % len(got)
    assert set(got) <= sent, \
        "decoded frame numbers never sent: %s" % sorted(set(got) - sent)[:10]
    assert deleted == [200, 200], "DELETE of the viewer, the publisher: %s" \
        % deleted
    assert example.status().get("sessions") == []
