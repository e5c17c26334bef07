"""A scripted participant of a group call (docs/signaling.md), on aiortc.

One WebSocket to the signaling location and one RTCPeerConnection for
the whole call: it publishes a synthetic video track (its frame numbers
start at `offset`, so whoever decodes it knows who sent it) and a tone,
answers the server's offers, and decodes every track it receives.

    p = RoomPeer(nginx.ws_url, "team", "alice", offset=10000)
    await p.join()
    await p.publish()
    ...
    p.frames_from(other.id)  # decoded frame numbers of other's video
    await p.leave()
"""

import asyncio
import json
import time

import websockets
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from webrtc_client import (SineAudioTrack, SyntheticVideoTrack,
                           fix_extmap_collision, luma_of, read_frame_number,
                           strip_extmap)


class RoomError(Exception):
    pass


class RoomPeer:
    def __init__(self, ws_url, room, name, token="demo", offset=0,
                 audio=True, video=True):
        self.ws_url = ws_url
        self.room = room
        self.name = name
        self.token = token
        self.offset = offset
        self.want_audio, self.want_video = audio, video
        self.ws = None
        self.id = None
        self.joined = None
        self.pc = None
        self.messages = []          # every server message, in order
        self.errors = []
        self.events = asyncio.Queue()
        self.tracks_by_mid = {}     # from the server's offers
        self.video_frames = {}      # mid -> [(time, number)]
        self.audio_frames = {}      # mid -> count
        self.offers_answered = 0
        self.closed = None          # (code, reason) once closed
        self._answer = None
        self._tasks = []

    # ---------------------------------------------------------- signaling

    async def send(self, msg):
        await self.ws.send(json.dumps(msg))

    async def join(self, timeout=10):
        self.ws = await websockets.connect(self.ws_url, max_size=2 ** 22)
        await self.send({"type": "join", "room": self.room,
                         "name": self.name, "token": self.token})
        self._tasks.append(asyncio.ensure_future(self._reader()))
        msg = await self.wait_for(lambda m: m["type"] in ("joined", "error"),
                                  timeout)
        if msg["type"] == "error":
            raise RoomError(msg)
        self.joined = msg
        self.id = msg["id"]
        return msg

    async def _reader(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                msg["_t"] = time.monotonic()
                self.messages.append(msg)
                if msg["type"] == "error":
                    self.errors.append(msg)
                # in order: an answer is applied before the next message,
                # which may be the server's offer that follows it
                if msg["type"] == "offer":
                    await self._on_offer(msg)
                elif msg["type"] == "answer" and self.pc is not None \
                        and self.pc.signalingState == "have-local-offer":
                    await self.pc.setRemoteDescription(
                        RTCSessionDescription(sdp=msg["sdp"], type="answer"))
                    if self._answer and not self._answer.done():
                        self._answer.set_result(msg)
                await self.events.put(msg)
        except websockets.ConnectionClosed:
            pass
        self.closed = (self.ws.close_code, self.ws.close_reason)
        await self.events.put({"type": "_closed"})

    async def wait_for(self, pred, timeout=10):
        """The first message (seen or coming) for which pred is true."""
        deadline = time.monotonic() + timeout
        for m in list(self.messages):
            if pred(m):
                return m
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError("%s: no such message; got %s" % (
                    self.name, [m["type"] for m in self.messages]))
            m = await asyncio.wait_for(self.events.get(), left)
            if m["type"] != "_closed" and pred(m):
                return m
            if m["type"] == "_closed" and pred(m):
                return m

    # ---------------------------------------------------------- media

    def _new_pc(self):
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

        @self.pc.on("track")
        def on_track(track):
            mid = None
            for t in self.pc.getTransceivers():
                if t.receiver.track is track:
                    mid = t.mid
            if track.kind == "video":
                self._tasks.append(asyncio.ensure_future(
                    self._consume_video(mid, track)))
            else:
                self._tasks.append(asyncio.ensure_future(
                    self._consume_audio(mid, track)))

    async def publish(self, timeout=15):
        """The first offer: our camera and microphone (or recvonly audio
        and video sections when publishing nothing: they tell the server
        our codecs, and it reuses them for the first tracks it sends)."""
        self._new_pc()
        tracks = {}
        if self.want_audio:
            self.audio_track = SineAudioTrack()
            self.pc.addTransceiver(self.audio_track, direction="sendonly")
        if self.want_video:
            self.video_track = SyntheticVideoTrack(offset=self.offset)
            self.pc.addTransceiver(self.video_track, direction="sendonly")
        if not (self.want_audio or self.want_video):
            self.pc.addTransceiver("audio", direction="recvonly")
            self.pc.addTransceiver("video", direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        for t in self.pc.getTransceivers():
            if t.sender.track is not None:
                tracks[t.mid] = ("microphone" if t.kind == "audio"
                                 else "camera")
        sdp = self._munge(self.pc.localDescription.sdp)
        self._answer = asyncio.get_event_loop().create_future()
        await self.send({"type": "offer", "sdp": sdp, "tracks": tracks})
        # the reader applies it
        return await asyncio.wait_for(self._answer, timeout)

    @staticmethod
    def _munge(sdp):
        # aiortc 1.4 cannot have abs-send-time and audio-level on one id
        return fix_extmap_collision(strip_extmap(sdp, "abs-send-time"))

    async def _on_offer(self, msg):
        if self.pc is None or self.pc.signalingState != "stable":
            # the glare rule: a fresh offer follows the server's answer
            return
        self.tracks_by_mid.update(msg.get("tracks", {}))
        await self.pc.setRemoteDescription(
            RTCSessionDescription(sdp=msg["sdp"], type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.send({"type": "answer", "seq": msg["seq"],
                         "sdp": self._munge(self.pc.localDescription.sdp)})
        self.offers_answered += 1

    async def _consume_video(self, mid, track):
        frames = self.video_frames.setdefault(mid, [])
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            frames.append((time.monotonic(),
                           read_frame_number(luma_of(frame))))

    async def _consume_audio(self, mid, track):
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            self.audio_frames[mid] = self.audio_frames.get(mid, 0) + 1

    # ---------------------------------------------------------- results

    def mids_of(self, peer_id, kind="video"):
        return [mid for mid, t in self.tracks_by_mid.items()
                if t["participant"] == peer_id and t["kind"] == kind]

    def frames_from(self, offset, since=0.0):
        """Decoded frame numbers, on any section, drawn by the publisher
        whose numbers start at offset (offsets are 10000 apart)."""
        out = []
        for frames in self.video_frames.values():
            out += [n for t, n in frames
                    if t >= since and n is not None
                    and offset <= n < offset + 10000]
        return out

    def last_frame_time(self, offset):
        ts = [t for frames in self.video_frames.values() for t, n in frames
              if n is not None and offset <= n < offset + 10000]
        return max(ts) if ts else None

    async def leave(self):
        if self.ws is not None and self.closed is None:
            try:
                await self.send({"type": "leave"})
                await asyncio.wait_for(self.ws.wait_closed(), 5)
            except Exception:
                pass
        await self.close()

    async def close(self):
        for t in self._tasks:
            t.cancel()
        if self.pc is not None:
            await self.pc.close()
        if self.ws is not None:
            await self.ws.close()
