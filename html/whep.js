// WHEP player for ngx_webrtc (draft-ietf-wish-whep), no dependencies.
//
//   const session = await whepPlay({url, token, onTrack, onState, onPost});
//   ...
//   await session.stop();          // DELETE the session, close the pc
//
// The page that uses it loads webrtc-http.js first and exposes window.pc
// and window.whepStats().

"use strict";

class WhepError extends Error {
  constructor(status, body, retryAfter) {
    super(`server answered ${status}${body ? ": " + body.trim() : ""}`);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

async function whepPlay({ url, token, onTrack, onState, onPost,
                          gatherMs = 2000 }) {
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  const session = { pc, location: null, answer: null, postedAt: 0 };

  pc.addEventListener("connectionstatechange", () => {
    if (onState) onState(pc.connectionState);
  });
  pc.addEventListener("track", (ev) => {
    if (onTrack) onTrack(ev.track, ev.streams);
  });
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });

  try {
    await pc.setLocalDescription(await pc.createOffer());
    // The server cannot trickle and we do not PATCH: send every
    // candidate in the offer (or what we have after gatherMs).
    await waitIceGathering(pc, gatherMs);

    session.postedAt = performance.now();
    if (onPost) onPost(session.postedAt);
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", ...authHeaders(token) },
      body: pc.localDescription.sdp,
    });
    const body = await res.text();
    if (res.status !== 201) {
      throw new WhepError(res.status, body, res.headers.get("Retry-After"));
    }
    const loc = res.headers.get("Location");
    if (!loc) throw new Error("the server sent no Location header");
    session.location = new URL(loc, res.url || url).toString();
    session.etag = res.headers.get("ETag");
    session.answer = body;
    await pc.setRemoteDescription({ type: "answer", sdp: body });
  } catch (e) {
    pc.close();
    throw e;
  }

  let stopped = false;
  const finish = (keepalive) => {
    if (stopped) return Promise.resolve();
    stopped = true;
    pc.close();
    if (!session.location) return Promise.resolve();
    return fetch(session.location, {
      method: "DELETE",
      headers: authHeaders(token),
      keepalive,
    }).catch(() => {});
  };
  session.stop = () => finish(false);
  // for pagehide: a request that outlives the page
  session.stopBeacon = () => { finish(true); };
  return session;
}

// Inbound statistics of a player's peer connection.
async function whepStatsOf(pc) {
  const out = {
    state: pc ? pc.connectionState : "new",
    framesDecoded: 0,
    framesReceived: 0,
    framesPerSecond: 0,
    frameWidth: 0,
    frameHeight: 0,
    packetsLost: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    audioPacketsReceived: 0,
    nackCount: 0,
    pliCount: 0,
  };
  if (!pc) return out;
  const stats = await pc.getStats();
  stats.forEach((r) => {
    if (r.type !== "inbound-rtp") return;
    out.packetsLost += r.packetsLost || 0;
    out.bytesReceived += r.bytesReceived || 0;
    if (r.kind === "video") {
      out.framesDecoded += r.framesDecoded || 0;
      out.framesReceived += r.framesReceived || 0;
      out.framesPerSecond = r.framesPerSecond || 0;
      out.frameWidth = Math.max(out.frameWidth, r.frameWidth || 0);
      out.frameHeight = Math.max(out.frameHeight, r.frameHeight || 0);
      out.packetsReceived += r.packetsReceived || 0;
      out.nackCount += r.nackCount || 0;
      out.pliCount += r.pliCount || 0;
    } else if (r.kind === "audio") {
      out.audioPacketsReceived += r.packetsReceived || 0;
    }
  });
  return out;
}
