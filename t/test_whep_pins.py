"""Rooms whose codecs nginx.conf pins (webrtc_room_codecs): a viewer may
come before the publisher and starts receiving when it arrives; a
publisher that cannot send the pinned codec is refused."""

import asyncio

import pytest

from webrtc_client import WhipPublisher, WhepViewer, WhipError, run


def test_viewer_before_publisher(nginx_factory, report):
    srv = nginx_factory(extra_http="    webrtc_room_codecs VP8 opus;")

    async def scenario():
        viewer = WhepViewer(srv.base_url, "pinned")
        await viewer.connect()          # 201 with no publisher yet
        await asyncio.sleep(1.0)
        assert not viewer.video_frames

        pub = WhipPublisher(srv.base_url, "pinned")
        await pub.connect()
        t_pub = asyncio.get_running_loop().time()
        await asyncio.sleep(3.0)

        frames = len(viewer.video_frames)
        report("pinned room: the early viewer decoded %d frames and %d "
               "audio frames in the 3 s after the publisher came"
               % (frames, viewer.audio_frames))
        assert frames > 45, frames
        assert viewer.audio_frames > 50, viewer.audio_frames

        for p in (viewer, pub):
            await p.delete()
            await p.close()

    run(scenario())


def test_publisher_must_send_pinned_codec(nginx_factory):
    srv = nginx_factory(extra_http="    webrtc_room_codecs VP8 opus;")

    async def scenario():
        pub = WhipPublisher(srv.base_url, "pinned", video_codec="H264")
        with pytest.raises(WhipError) as e:
            await pub.connect()
        assert e.value.response.status_code == 422
        assert "webrtc_room_codecs" in e.value.response.text
        await pub.close()

    run(scenario())
