// WHIP publisher for ngx_webrtc (RFC 9725), no dependencies.
//
//   const session = await whipPublish({url, token, stream, onState});
//   ...
//   await session.stop();          // DELETE the session, close the pc
//
// The page that uses it loads webrtc-http.js first and exposes window.pc
// and window.whipStats().

"use strict";

class WhipError extends Error {
  constructor(status, body) {
    super(`server answered ${status}${body ? ": " + body.trim() : ""}`);
    this.status = status;
    this.body = body;
  }
}

// Link: <stun:...>; rel="ice-server"; username="u"; credential="p"
function parseIceServerLinks(headers) {
  const out = [];
  const link = headers.get("Link");
  if (!link) return out;
  const re = /<([^>]*)>((?:\s*;\s*[^;,<]+)*)/g;
  let m;
  while ((m = re.exec(link))) {
    const params = {};
    for (const p of m[2].split(";")) {
      const i = p.indexOf("=");
      if (i < 0) continue;
      params[p.slice(0, i).trim().toLowerCase()] =
        p.slice(i + 1).trim().replace(/^"|"$/g, "");
    }
    if (params.rel !== "ice-server") continue;
    const server = { urls: m[1] };
    if (params.username) server.username = params.username;
    if (params.credential) server.credential = params.credential;
    out.push(server);
  }
  return out;
}

async function whipPublish({ url, token, stream, onState, gatherMs = 2000 }) {
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  const session = { pc, location: null, answer: null, iceServers: [] };

  pc.addEventListener("connectionstatechange", () => {
    if (onState) onState(pc.connectionState);
  });
  for (const track of stream.getTracks()) {
    pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  }

  try {
    await pc.setLocalDescription(await pc.createOffer());
    // The server cannot trickle and we do not PATCH: send every
    // candidate in the offer (or what we have after gatherMs).
    await waitIceGathering(pc, gatherMs);

    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", ...authHeaders(token) },
      body: pc.localDescription.sdp,
    });
    const body = await res.text();
    if (res.status !== 201) throw new WhipError(res.status, body);
    const loc = res.headers.get("Location");
    if (!loc) throw new Error("the server sent no Location header");
    session.location = new URL(loc, res.url || url).toString();
    session.etag = res.headers.get("ETag");
    session.iceServers = parseIceServerLinks(res.headers);
    session.answer = body;
    await pc.setRemoteDescription({ type: "answer", sdp: body });
  } catch (e) {
    pc.close();
    throw e;
  }

  let stopped = false;
  session.stop = async () => {
    if (stopped) return;
    stopped = true;
    pc.close();
    if (session.location) {
      await fetch(session.location, {
        method: "DELETE",
        headers: authHeaders(token),
      }).catch(() => {});
    }
  };
  // for pagehide: a request that outlives the page
  session.stopBeacon = () => {
    if (stopped) return;
    stopped = true;
    pc.close();
    if (session.location) {
      fetch(session.location, {
        method: "DELETE",
        headers: authHeaders(token),
        keepalive: true,
      }).catch(() => {});
    }
  };
  return session;
}

async function whipStatsOf(pc) {
  const out = {
    state: pc ? pc.connectionState : "new",
    availableOutgoingBitrate: 0,
    bytesSent: 0,
    framesEncoded: 0,
    frameWidth: 0,
    frameHeight: 0,
    targetBitrate: 0,
  };
  if (!pc) return out;
  const stats = await pc.getStats();
  let pairId = null;
  stats.forEach((r) => {
    if (r.type === "transport" && r.selectedCandidatePairId) {
      pairId = r.selectedCandidatePairId;
    }
  });
  stats.forEach((r) => {
    if (r.type === "candidate-pair") {
      const selected = pairId
        ? r.id === pairId
        : r.nominated && r.state === "succeeded";
      if (selected) out.availableOutgoingBitrate = r.availableOutgoingBitrate || 0;
    } else if (r.type === "outbound-rtp" && r.kind === "video") {
      out.bytesSent += r.bytesSent || 0;
      out.framesEncoded += r.framesEncoded || 0;
      out.frameWidth = Math.max(out.frameWidth, r.frameWidth || 0);
      out.frameHeight = Math.max(out.frameHeight, r.frameHeight || 0);
      out.targetBitrate += r.targetBitrate || 0;
    }
  });
  return out;
}
