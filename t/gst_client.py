#!/usr/bin/python3
"""WHIP and WHEP clients on GStreamer's webrtcbin, for the tests: an
independent WebRTC stack (libnice's full ICE agent, GStreamer's DTLS on
OpenSSL, SRTP through libsrtp2's srtpenc and srtpdec).

    gst_client.py publish WHIP_URL TOKEN
    gst_client.py play WHEP_URL

publish sends VP8 of videotestsrc's SMPTE bars (320x240, 30 fps) and Opus
of a sine tone; play receives VP8 and Opus and decodes them. Both offer
once candidate gathering is complete (no trickle), on 127.0.0.1 only.

Each prints one JSON object a line: {"event": "posted", "status": ...,
"location": ..., "candidates": [...]}, {"event": "state", "state": ...}
as the connection state changes, {"event": "error", ...}; play also
{"event": "video", "frames": ..., "width": ..., "height": ..., "bars":
[[r, g, b], ...]} every 15th decoded frame (the colour at the middle of
each seventh of the width, a third of the way down: the SMPTE bars when
it plays what publish sends) and {"event": "audio", "frames": ...} every
50th decoded audio buffer. On SIGTERM or SIGINT a client DELETEs its
session, prints {"event": "deleted", "status": ...} and exits.
"""

import json
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402

WIDTH, HEIGHT = 320, 240
VP8_CAPS = ("application/x-rtp,media=video,encoding-name=VP8,payload=96,"
            "clock-rate=90000")
OPUS_CAPS = ("application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
             "clock-rate=48000")

PUBLISH = (
    "webrtcbin name=w bundle-policy=max-bundle "
    "videotestsrc is-live=true pattern=smpte "
    "! video/x-raw,width=%d,height=%d,framerate=30/1 ! videoconvert "
    "! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=800000 "
    "! rtpvp8pay pt=96 picture-id-mode=15-bit ! %s ! w. "
    "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample "
    "! opusenc ! rtpopuspay pt=111 ! %s ! w."
) % (WIDTH, HEIGHT, VP8_CAPS, OPUS_CAPS)

PLAY = "webrtcbin name=w bundle-policy=max-bundle"


def say(**kw):
    print(json.dumps(kw), flush=True)


def http(method, url, token, body=None):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", "Bearer %s" % token)
    if body is not None:
        req.add_header("Content-Type", "application/sdp")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")
    except OSError as e:
        return 0, {}, str(e)


class Client:
    """webrtcbin in `pipeline`, offering with its transceivers in
    `direction` to `url`."""

    direction = None

    def __init__(self, pipeline, url, token):
        self.url, self.token = url, token
        self.location = None
        self.offered = False
        self.posted = False
        self.loop = GLib.MainLoop()
        self.pipe = Gst.parse_launch(pipeline)
        if not isinstance(self.pipe, Gst.Pipeline):
            # a description of one element gives the element
            self.w = self.pipe
            self.pipe = Gst.Pipeline.new()
            self.pipe.add(self.w)
        else:
            self.w = self.pipe.get_by_name("w")

        # candidates on loopback only: libnice gathers on the addresses
        # it is given, and leaves loopback out when it picks them itself
        # (the wrappers are kept: PyGObject would drop a reference that
        # webrtcbin still needs when they go)
        self.ice = self.w.get_property("ice-agent")
        self.agent = self.ice.get_property("agent")
        addr = Nice.Address.new()
        addr.set_from_string("127.0.0.1")
        self.agent.add_local_address(addr)

        self.w.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.w.connect("notify::ice-gathering-state", self.on_gathering)
        self.w.connect("notify::connection-state", self.on_state)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_error)

    def run(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, self.stop)
        self.pipe.set_state(Gst.State.PLAYING)
        self.loop.run()
        self.pipe.set_state(Gst.State.NULL)

    def stop(self):
        if self.location:
            status, _, _ = http("DELETE", self.location, self.token)
            say(event="deleted", status=status)
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    def on_negotiation_needed(self, w):
        # once: it fires for each transceiver, and all of them exist
        # before the first
        if self.offered:
            return
        self.offered = True
        i = 0
        while True:
            t = w.emit("get-transceiver", i)
            if t is None:
                break
            t.set_property("direction", self.direction)
            i += 1
        w.emit("create-offer", None,
               Gst.Promise.new_with_change_func(self.on_offer))

    def on_offer(self, promise):
        reply = promise.get_reply()
        if reply is None or not reply.has_field("offer"):
            say(event="error", message="no offer: %s"
                % (reply.to_string() if reply else None))
            self.loop.quit()
            return
        self.w.emit("set-local-description", reply.get_value("offer"),
                    None)

    def on_gathering(self, w, _pspec):
        state = w.get_property("ice-gathering-state")
        if (state == GstWebRTC.WebRTCICEGatheringState.COMPLETE
                and not self.posted):
            self.posted = True
            GLib.idle_add(self.post)

    def post(self):
        offer = self.w.get_property("local-description").sdp.as_text()
        status, headers, body = http("POST", self.url, self.token,
                                     offer.encode())
        loc = headers.get("Location") or headers.get("location")
        if loc:
            self.location = urllib.parse.urljoin(self.url, loc)
        cands = [line.split()[4] + " " + line.split()[2].lower()
                 for line in offer.splitlines()
                 if line.startswith("a=candidate:")]
        say(event="posted", status=status, location=self.location,
            candidates=cands)
        if status != 201:
            say(event="error", message=body[:300])
            self.loop.quit()
            return GLib.SOURCE_REMOVE
        _, msg = GstSdp.SDPMessage.new_from_text(body)
        answer = GstWebRTC.WebRTCSessionDescription.new(
            GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.w.emit("set-remote-description", answer, None)
        return GLib.SOURCE_REMOVE

    def on_state(self, w, _pspec):
        state = w.get_property("connection-state")
        say(event="state", state=state.value_nick)

    def on_error(self, _bus, msg):
        err, dbg = msg.parse_error()
        say(event="error", message=str(err), debug=str(dbg)[:300])
        self.loop.quit()


class Publisher(Client):
    direction = GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY

    def __init__(self, url, token):
        super().__init__(PUBLISH, url, token)


class Player(Client):
    direction = GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY

    def __init__(self, url):
        super().__init__(PLAY, url, None)
        self.video_frames = 0
        self.audio_frames = 0
        for caps in (VP8_CAPS, OPUS_CAPS):
            self.w.emit("add-transceiver", self.direction,
                        Gst.Caps.from_string(caps))
        self.w.connect("pad-added", self.on_pad)

    def on_pad(self, _w, pad):
        if pad.direction != Gst.PadDirection.SRC:
            return
        media = pad.get_current_caps().get_structure(0).get_string("media")
        if media == "video":
            desc = ("rtpvp8depay ! vp8dec ! videoconvert "
                    "! video/x-raw,format=RGB ! appsink name=sink "
                    "emit-signals=true sync=false")
            on_sample = self.on_video
        else:
            desc = ("rtpopusdepay ! opusdec ! appsink name=sink "
                    "emit-signals=true sync=false")
            on_sample = self.on_audio
        branch = Gst.parse_bin_from_description(desc, True)
        branch.get_by_name("sink").connect("new-sample", on_sample)
        self.pipe.add(branch)
        branch.sync_state_with_parent()
        pad.link(branch.get_static_pad("sink"))

    def on_video(self, sink):
        sample = sink.emit("pull-sample")
        self.video_frames += 1
        if self.video_frames % 15 == 0:
            s = sample.get_caps().get_structure(0)
            width = s.get_value("width")
            height = s.get_value("height")
            buf = sample.get_buffer()
            ok, info = buf.map(Gst.MapFlags.READ)
            if ok:
                stride = (width * 3 + 3) & ~3
                row = info.data[(height // 3) * stride:]
                bars = [list(row[int(width / 7 * (i + 0.5)) * 3:][:3])
                        for i in range(7)]
                buf.unmap(info)
                say(event="video", frames=self.video_frames, width=width,
                    height=height, bars=bars)
        return Gst.FlowReturn.OK

    def on_audio(self, sink):
        sink.emit("pull-sample")
        self.audio_frames += 1
        if self.audio_frames % 50 == 0:
            say(event="audio", frames=self.audio_frames)
        return Gst.FlowReturn.OK


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "publish":
        client = lambda: Publisher(args[1], args[2])  # noqa: E731
    elif len(args) == 2 and args[0] == "play":
        client = lambda: Player(args[1])  # noqa: E731
    else:
        sys.exit("usage: gst_client.py publish WHIP_URL TOKEN\n"
                 "       gst_client.py play WHEP_URL")
    Gst.init(None)
    client().run()


if __name__ == "__main__":
    main()
