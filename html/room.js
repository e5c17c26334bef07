// Group-call page for ngx_webrtc, no dependencies: one WebSocket to the
// signaling location and one RTCPeerConnection for the whole call
// (docs/signaling.md).
//
//   /room.html?room=R&name=N[&token=T][&ws=wss://host/path]   joins at once
//
// For tests the page exposes:
//   window.roomState   {id, room, name, mode, canPublish, connected,
//                       participants: {id: {name, audio, video, local?}},
//                       chat: [{from, name, text, ts}], lastError,
//                       reconnects, log: [last signaling messages]}
//   window.roomStats() Promise of [{participant, trackId, source, mid,
//                       framesDecoded, frameWidth, frameHeight}], one per
//                       remote video being received
//   window.roomPc      the current RTCPeerConnection
//   window.roomChat(text), window.roomLeave(), window.roomDropSocket()

"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// Close codes after which we do not reconnect: leave (1000), a policy
// violation such as a wrong token (1008), removed (4003), room closed (4004).
const CLOSE_FINAL = new Set([1000, 1008, 4003, 4004]);
// Errors that end a join attempt for good.
const JOIN_FATAL = new Set(["unauthorized", "no-room", "room-full",
                            "already-joined", "bad-json"]);
// Errors that reject the offer we sent.
const OFFER_REJECTED = new Set(["bad-sdp", "bad-state", "not-allowed", "busy"]);
const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];

window.roomState = {
  id: null, room: null, name: null, mode: null, canPublish: false,
  connected: false, participants: {}, chat: [], lastError: null,
  reconnects: 0, log: [],
};
window.roomPc = null;

let call = null;        // {room, name, token, url} while we want to be in
let conn = null;        // the current attempt: one socket, one pc
let gen = 0;
let attempt = 0;        // reconnects since the last `joined`
let retryTimer = null;
let localStream = null; // camera and microphone, kept across reconnects
let mediaAsked = false;
let screenTrack = null;
let micOn = true;
let camOn = true;
const tiles = new Map(); // participant id -> tile

// ------------------------------------------------------------------ UI

function setStatus(text, cls) {
  $("status").textContent = text;
  $("status").className = cls || "";
}

function showError(text) {
  window.roomState.lastError = text;
  setStatus(text, "error");
  console.warn("room:", text);
}

function logMsg(dir, msg) {
  const short = { type: msg.type };
  for (const k of ["seq", "code", "reason", "id", "participant", "from",
                   "to", "mode"]) {
    if (msg[k] !== undefined) short[k] = msg[k];
  }
  if (msg.tracks) short.tracks = msg.tracks;
  const log = window.roomState.log;
  log.push(dir + " " + JSON.stringify(short));
  if (log.length > 300) log.splice(0, log.length - 300);
}

function hasAudio() { return !!(localStream && localStream.getAudioTracks()[0]); }
function hasVideo() { return !!(localStream && localStream.getVideoTracks()[0]); }

function updateControls() {
  const mic = $("mic"), cam = $("cam"), scr = $("screen");
  mic.disabled = !hasAudio();
  cam.disabled = !hasVideo();
  mic.textContent = micOn ? "Mute microphone" : "Unmute microphone";
  cam.textContent = camOn ? "Stop camera" : "Start camera";
  mic.classList.toggle("off", !micOn);
  cam.classList.toggle("off", !camOn);
  scr.textContent = screenTrack ? "Stop sharing" : "Share screen";
  scr.classList.toggle("on", !!screenTrack);
  scr.disabled = !conn || !conn.pc || !window.roomState.canPublish ||
    !(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia) ||
    (window.roomState.mode === "p2p" && !conn.peer);
}

function inCallUi(on) {
  $("joinform").hidden = on;
  $("controls").hidden = !on;
  $("call").hidden = !on;
}

function shareLink() {
  if (!call) return;
  const q = new URLSearchParams({ room: call.room });
  if (params.get("ws")) q.set("ws", params.get("ws"));
  const href = location.pathname + "?" + q.toString();
  const a = document.createElement("a");
  a.href = href;
  a.textContent = "invite link";
  $("share").replaceChildren("Share the ", a, ".");
}

function tileFor(id) {
  let t = tiles.get(id);
  if (t) return t;
  const el = document.createElement("div");
  el.className = "tile";
  el.dataset.participant = id;
  const video = document.createElement("video");
  video.autoplay = video.playsInline = video.muted = true;
  const screen = document.createElement("video");
  screen.className = "screen";
  screen.autoplay = screen.playsInline = screen.muted = true;
  screen.hidden = true;
  const audio = document.createElement("audio");
  audio.autoplay = true;
  const label = document.createElement("div");
  label.className = "label";
  el.append(video, screen, audio, label);
  t = { el, video, screen, audio, label,
        media: { camera: null, screen: null, microphone: null } };
  tiles.set(id, t);
  if (id === window.roomState.id) {
    el.classList.add("local");
    $("tiles").prepend(el);
  } else {
    $("tiles").append(el);
  }
  renderTile(id);
  return t;
}

function renderTile(id) {
  const t = tiles.get(id);
  const p = window.roomState.participants[id];
  if (!t || !p) return;
  const mutedBy = (kind) => (p.tracks || []).some(
    (tr) => tr.kind === kind && tr.muted);
  const audio = p.audio && !mutedBy("audio");
  const video = p.video && !mutedBy("video");
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = p.name;
  const badge = (cls, on, text, title) => {
    const b = document.createElement("span");
    b.className = "badge " + cls + (on ? "" : " off");
    b.textContent = text;
    b.title = title + (on ? " on" : " off");
    return b;
  };
  const a = badge("audio", audio, "mic", "microphone");
  const v = badge("video", video, "cam", "camera");
  t.label.replaceChildren(name, a, v);
  t.el.dataset.audio = audio;
  t.el.dataset.video = video;
}

function removeTile(id) {
  const t = tiles.get(id);
  if (!t) return;
  t.video.srcObject = t.screen.srcObject = t.audio.srcObject = null;
  t.el.remove();
  tiles.delete(id);
}

function clearTiles() {
  for (const id of [...tiles.keys()]) removeTile(id);
}

// Show `track` as `source` (camera, screen, microphone) in a tile.
function setMedia(t, source, track) {
  if (t.media[source] === track) return;
  t.media[source] = track;
  const el = source === "camera" ? t.video
    : source === "screen" ? t.screen : t.audio;
  el.srcObject = track ? new MediaStream([track]) : null;
  if (source === "screen") el.hidden = !track;
  if (track) {
    el.play().catch((e) => {
      if (source === "microphone") askForSound();
      else console.warn("room: play:", e);
    });
  }
}

let soundHint = false;
function askForSound() {
  if (soundHint) return;
  soundHint = true;
  setStatus("Click anywhere on the page to hear the others.");
  document.addEventListener("click", () => {
    soundHint = false;
    for (const t of tiles.values()) t.audio.play().catch(() => {});
    if (conn && conn.joined) setStatus(joinedText(), "live");
  }, { once: true });
}

function addChatLine(m, system) {
  const li = document.createElement("li");
  const time = new Date(m.ts || Date.now()).toLocaleTimeString([], {
    hour: "2-digit", minute: "2-digit" });
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = time + " ";
  if (system) {
    li.className = "system";
    li.append(meta, m.text);
  } else {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = m.name || m.from || "?";
    li.append(meta, who, ": ", m.text);
  }
  const box = $("messages");
  const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
  box.append(li);
  if (atEnd) box.scrollTop = box.scrollHeight;
}

function joinedText() {
  const n = Object.keys(window.roomState.participants).length;
  return "In room " + window.roomState.room + " (" +
    window.roomState.mode + ", " + n + " participant" +
    (n === 1 ? "" : "s") + ").";
}

// ------------------------------------------------------------ participants

function setParticipant(p) {
  const ps = window.roomState.participants;
  const old = ps[p.id] || {};
  ps[p.id] = {
    name: p.name !== undefined ? String(p.name) : (old.name || p.id),
    audio: p.audio !== undefined ? !!p.audio : (old.audio !== undefined ? old.audio : true),
    video: p.video !== undefined ? !!p.video : (old.video !== undefined ? old.video : true),
    tracks: Array.isArray(p.tracks) ? p.tracks : (old.tracks || []),
  };
  if (p.local) ps[p.id].local = true;
  tileFor(p.id);
  renderTile(p.id);
}

function setSelf() {
  const st = window.roomState;
  if (!st.id) return;
  st.participants[st.id] = {
    name: st.name, audio: micOn && hasAudio(), video: camOn && hasVideo(),
    tracks: (st.participants[st.id] || {}).tracks || [], local: true,
  };
  const t = tileFor(st.id);
  const v = localStream && localStream.getVideoTracks()[0];
  setMedia(t, "camera", v || null);
  setMedia(t, "screen", screenTrack);
  renderTile(st.id);
}

function removeParticipant(id) {
  delete window.roomState.participants[id];
  removeTile(id);
}

// ------------------------------------------------------------- signaling

function send(c, msg) {
  if (!c.ws || c.ws.readyState !== WebSocket.OPEN) return false;
  logMsg(">", msg);
  c.ws.send(JSON.stringify(msg));
  return true;
}

// Negotiation steps run one after the other, in arrival order.
function enqueue(c, fn) {
  c.queue = c.queue.then(() => (c === conn ? fn() : undefined))
    .catch((e) => {
      if (c !== conn) return;
      showError("WebRTC: " + (e && e.message || e));
    });
  return c.queue;
}

function wsUrl() {
  if (params.get("ws")) return params.get("ws");
  return (location.protocol === "https:" ? "wss:" : "ws:") + "//" +
    location.host + "/ws";
}

function connect() {
  retryTimer = null;
  if (!call) return;
  const c = {
    gen: ++gen, ws: null, pc: null, queue: Promise.resolve(),
    joined: false, offering: false, needOffer: false,
    micTx: null, camTx: null, screenTx: null,
    recv: {},            // sfu: mid -> track object (the server's offer)
    peer: null,          // p2p: the other participant
    remoteSources: {},   // p2p: mid -> source, from the peer's tracks map
    candidates: [],      // p2p: candidates before the remote description
  };
  conn = c;
  setStatus(attempt ? "Reconnecting…" : "Connecting…");
  let ws;
  try {
    ws = new WebSocket(call.url);
  } catch (e) {
    const url = call.url;
    call = null;
    conn = null;
    showError("Bad WebSocket URL " + url + ": " + e.message);
    return;
  }
  c.ws = ws;
  ws.onopen = () => {
    if (c !== conn) return;
    const join = { type: "join", room: call.room, name: call.name };
    if (call.token) join.token = call.token;
    send(c, join);
  };
  ws.onmessage = (ev) => {
    if (c !== conn) return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch (e) {
      console.warn("room: not JSON:", ev.data);
      return;
    }
    if (!msg || typeof msg.type !== "string") return;
    logMsg("<", msg);
    onMessage(c, msg);
  };
  ws.onclose = (ev) => {
    logMsg("<", { type: "close", code: ev.code, reason: ev.reason });
    if (c !== conn) return;
    onClose(c, ev);
  };
  ws.onerror = () => {};   // onclose follows
}

function onClose(c, ev) {
  const wasJoined = c.joined;
  teardown(c);
  conn = null;
  window.roomState.connected = false;
  if (!call) return;
  if (CLOSE_FINAL.has(ev.code)) {
    const why = {
      1000: "The server ended the call.",
      1008: "The server refused: " + (ev.reason || "policy violation") +
            (window.roomState.lastError ? " (" + window.roomState.lastError + ")" : ""),
      4003: "You were removed from the room.",
      4004: "The room was closed.",
    }[ev.code];
    endCall(why, ev.code !== 1000);
    return;
  }
  retry("connection " + (wasJoined ? "lost" : "failed") + " (" + ev.code +
        (ev.reason ? " " + ev.reason : "") + ")");
}

function retry(why) {
  if (!call) return;
  const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
  attempt++;
  window.roomState.reconnects++;
  clearRemote();
  setStatus("Signaling " + why + "; reconnecting in " + delay / 1000 +
            " s…", "error");
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
}

// Start again with a fresh socket and PeerConnection (ICE failed).
function restart(c, why) {
  if (c !== conn) return;
  teardown(c);
  conn = null;
  window.roomState.connected = false;
  retry(why);
}

function teardown(c) {
  if (c.pc) {
    c.pc.onicecandidate = c.pc.ontrack = null;
    c.pc.oniceconnectionstatechange = null;
    c.pc.close();
  }
  if (window.roomPc === c.pc) window.roomPc = null;
  c.pc = null;
  if (c.ws) {
    c.ws.onmessage = null;
    if (c.ws.readyState === WebSocket.OPEN ||
        c.ws.readyState === WebSocket.CONNECTING) {
      try { c.ws.close(1000); } catch (e) { /* closing anyway */ }
    }
  }
}

// Everybody else's tiles go; ours stays.
function clearRemote() {
  const st = window.roomState;
  for (const id of Object.keys(st.participants)) {
    if (id !== st.id) removeParticipant(id);
  }
  updateControls();
}

function endCall(text, isError) {
  call = null;
  clearTimeout(retryTimer);
  retryTimer = null;
  if (conn) teardown(conn);
  conn = null;
  stopLocal();
  const st = window.roomState;
  st.connected = false;
  st.participants = {};
  st.id = null;
  clearTiles();
  inCallUi(false);
  updateControls();
  if (isError) showError(text);
  else setStatus(text);
}

function stopLocal() {
  if (screenTrack) screenTrack.stop();
  screenTrack = null;
  if (localStream) localStream.getTracks().forEach((t) => t.stop());
  localStream = null;
  mediaAsked = false;
}

function onMessage(c, msg) {
  const st = window.roomState;
  switch (msg.type) {
  case "joined":
    onJoined(c, msg);
    break;
  case "participant-joined":
    if (msg.participant && msg.participant.id) {
      setParticipant(msg.participant);
      addChatLine({ text: msg.participant.name + " joined." }, true);
      setStatus(joinedText(), "live");
    }
    break;
  case "participant-left": {
    const p = st.participants[msg.id];
    if (p) addChatLine({ text: p.name + " left" +
                         (msg.reason && msg.reason !== "left" ? " (" + msg.reason + ")" : "") +
                         "." }, true);
    removeParticipant(msg.id);
    if (st.mode === "p2p" && msg.id === c.peer) {
      enqueue(c, () => p2pReset(c));
    }
    if (c.joined) setStatus(joinedText(), "live");
    break;
  }
  case "published": {
    const p = st.participants[msg.participant];
    if (!p) setParticipant({ id: msg.participant });
    const q = st.participants[msg.participant];
    const ids = new Set((q.tracks || []).map((t) => t.id));
    for (const t of msg.tracks || []) if (!ids.has(t.id)) q.tracks.push(t);
    renderTile(msg.participant);
    break;
  }
  case "unpublished": {
    const p = st.participants[msg.participant];
    if (p) {
      const gone = new Set(msg.tracks || []);
      p.tracks = (p.tracks || []).filter((t) => !gone.has(t.id));
      renderTile(msg.participant);
    }
    break;
  }
  case "state": {
    const p = st.participants[msg.participant];
    if (p && msg.participant !== st.id) {
      if (typeof msg.audio === "boolean") p.audio = msg.audio;
      if (typeof msg.video === "boolean") p.video = msg.video;
      renderTile(msg.participant);
    }
    break;
  }
  case "muted": {
    const p = st.participants[msg.participant];
    if (p) {
      for (const t of p.tracks || []) {
        if (t.id === msg.track) t.muted = !!msg.muted;
      }
      renderTile(msg.participant);
    }
    if (msg.participant === st.id) {
      const src = trackSource(msg.track);
      setStatus("A moderator " + (msg.muted ? "muted" : "unmuted") +
                (src ? " your " + src : " one of your tracks") + ".");
    }
    break;
  }
  case "chat": {
    const m = { from: msg.from, name: msg.name, text: String(msg.text),
                ts: msg.ts || Date.now() };
    st.chat.push(m);
    addChatLine(m, false);
    break;
  }
  case "offer":
    if (msg.from !== undefined) enqueue(c, () => p2pOnOffer(c, msg));
    else enqueue(c, () => sfuOnOffer(c, msg));
    break;
  case "answer":
    if (msg.from !== undefined) enqueue(c, () => p2pOnAnswer(c, msg));
    else enqueue(c, () => sfuOnAnswer(c, msg));
    break;
  case "candidate":
    if (msg.from !== undefined) enqueue(c, () => p2pOnCandidate(c, msg));
    break;
  case "removed":
    endCall("You were removed from the room" +
            (msg.reason ? ": " + msg.reason : "") + ".", true);
    break;
  case "room-closed":
    endCall("The room was closed.", true);
    break;
  case "error":
    onError(c, msg);
    break;
  default:
    break;
  }
}

function trackSource(id) {
  const st = window.roomState;
  const p = st.participants[st.id];
  const t = p && (p.tracks || []).find((x) => x.id === id);
  return t ? t.source : null;
}

function onError(c, msg) {
  const text = "Server error " + msg.code + (msg.reason ? ": " + msg.reason : "");
  if (!c.joined && JOIN_FATAL.has(msg.code)) {
    endCall(text, true);
    return;
  }
  showError(text);
  if (c.offering && OFFER_REJECTED.has(msg.code)) {
    // our offer was refused: take it back
    enqueue(c, async () => {
      if (!c.offering) return;
      c.offering = false;
      if (c.pc.signalingState === "have-local-offer") {
        await c.pc.setLocalDescription({ type: "rollback" });
      }
      if (msg.code === "not-allowed") window.roomState.canPublish = false;
      if (msg.code === "bad-state" && c.needOffer === false) {
        setTimeout(() => enqueue(c, () => renegotiate(c)), 500);
      }
      updateControls();
    });
  }
}

function onJoined(c, msg) {
  const st = window.roomState;
  c.joined = true;
  attempt = 0;
  st.connected = true;
  st.id = String(msg.id);
  st.room = msg.room || call.room;
  st.name = call.name;
  st.mode = msg.mode === "p2p" ? "p2p" : "sfu";
  st.canPublish = msg.canPublish !== false;
  st.lastError = null;
  // start from the server's list (after a reconnect, too)
  clearTiles();
  st.participants = {};
  setSelf();
  const others = (msg.participants || []).filter((p) => p && p.id !== st.id);
  for (const p of others) setParticipant(p);
  inCallUi(true);
  shareLink();
  setStatus(joinedText(), "live");
  c.iceServers = Array.isArray(msg.iceServers) ? msg.iceServers : [];
  enqueue(c, () => startMedia(c, others));
}

async function getLocalMedia() {
  if (mediaAsked) return;
  mediaAsked = true;
  try {
    localStream = await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: 640, height: 360 } });
  } catch (e) {
    // try one of the two alone
    for (const c of [{ audio: true }, { video: { width: 640, height: 360 } }]) {
      try {
        localStream = await navigator.mediaDevices.getUserMedia(c);
        break;
      } catch (e2) { /* next */ }
    }
    showError("Camera/microphone: " + (e && e.message || e) +
              (localStream ? " (using what works)" : "; receiving only"));
  }
  const a = localStream && localStream.getAudioTracks()[0];
  const v = localStream && localStream.getVideoTracks()[0];
  if (a) a.enabled = micOn;
  if (v) v.enabled = camOn;
}

async function startMedia(c, others) {
  const st = window.roomState;
  if (st.canPublish) await getLocalMedia();
  if (c !== conn) return;
  setSelf();
  updateControls();
  // the server assumes audio and video on: tell it otherwise
  if (!(micOn && hasAudio()) || !(camOn && hasVideo())) sendState();
  if (st.mode === "p2p") {
    // the one who joins second offers
    if (others.length) {
      c.peer = String(others[0].id);
      makePc(c);
      p2pAddLocal(c);
      await p2pOffer(c);
    }
  } else {
    makePc(c);
    if (st.canPublish && (localStream || screenTrack)) {
      const a = localStream && localStream.getAudioTracks()[0];
      const v = localStream && localStream.getVideoTracks()[0];
      if (a) c.micTx = c.pc.addTransceiver(a, { direction: "sendonly", streams: [localStream] });
      if (v) c.camTx = c.pc.addTransceiver(v, { direction: "sendonly", streams: [localStream] });
      if (screenTrack) c.screenTx = c.pc.addTransceiver(screenTrack, { direction: "sendonly" });
      await sfuOffer(c);
    }
  }
  updateControls();
}

function makePc(c) {
  const pc = new RTCPeerConnection({
    bundlePolicy: "max-bundle", rtcpMuxPolicy: "require",
    iceServers: c.iceServers || [],
  });
  c.pc = pc;
  window.roomPc = pc;
  pc.ontrack = () => { if (c === conn) assignTracks(c); };
  pc.oniceconnectionstatechange = () => {
    if (c !== conn) return;
    const s = pc.iceConnectionState;
    if (s === "failed") restart(c, "media connection failed (ICE)");
    else if (s === "disconnected") setStatus("Media connection interrupted…");
    else if (s === "connected" || s === "completed") {
      if (c.joined) setStatus(joinedText(), "live");
    }
  };
  pc.onicecandidate = (ev) => {
    if (c !== conn || window.roomState.mode !== "p2p" || !c.peer) return;
    const cand = ev.candidate;
    if (cand && !cand.candidate) return;   // an empty end marker
    send(c, { type: "candidate", to: c.peer,
              candidate: cand ? cand.candidate : null,
              mid: cand ? cand.sdpMid : null });
  };
  return pc;
}

// mid -> source of what this pc sends
function sendTracks(c) {
  const out = {};
  for (const [tx, source] of [[c.micTx, "microphone"], [c.camTx, "camera"],
                              [c.screenTx, "screen"]]) {
    if (tx && tx.mid !== null && !tx.stopped && tx.sender.track &&
        (tx.direction === "sendonly" || tx.direction === "sendrecv")) {
      out[tx.mid] = source;
    }
  }
  return out;
}

// Which remote participant and track a transceiver carries, or null.
function recvInfo(c, tx) {
  if (!tx.mid) return null;
  if (window.roomState.mode === "p2p") {
    const dir = tx.currentDirection;
    if (!c.peer || (dir !== "sendrecv" && dir !== "recvonly")) return null;
    const kind = tx.receiver.track.kind;
    let source = c.remoteSources[tx.mid];
    if (!source) {
      if (kind === "audio") source = "microphone";
      else {
        // without a map from the peer: the first video is the camera
        const videos = c.pc.getTransceivers().filter((t) =>
          t.mid !== null && t.receiver.track.kind === "video");
        source = videos[0] === tx ? "camera" : "screen";
      }
    }
    return { participant: c.peer, trackId: tx.receiver.track.id, source };
  }
  const t = c.recv[tx.mid];
  if (!t || typeof t !== "object") return null;
  const kind = t.kind || tx.receiver.track.kind;
  const source = t.source ||
    (kind === "audio" ? "microphone" : "camera");
  return { participant: String(t.participant), trackId: t.id, source };
}

// Put every received track into its participant's tile.
function assignTracks(c) {
  if (!c.pc) return;
  const st = window.roomState;
  const want = new Map();
  for (const tx of c.pc.getTransceivers()) {
    const info = recvInfo(c, tx);
    if (!info || info.participant === st.id) continue;
    if (!st.participants[info.participant]) {
      setParticipant({ id: info.participant });
    }
    if (!want.has(info.participant)) want.set(info.participant, {});
    const w = want.get(info.participant);
    if (!w[info.source]) w[info.source] = tx.receiver.track;
  }
  for (const [id, t] of tiles) {
    if (id === st.id) continue;
    const w = want.get(id) || {};
    for (const source of ["camera", "screen", "microphone"]) {
      setMedia(t, source, w[source] || null);
    }
  }
}

// ------------------------------------------------------------ sfu

async function sfuOffer(c) {
  if (c.offering || c.pc.signalingState !== "stable") {
    c.needOffer = true;
    return;
  }
  c.offering = true;
  c.needOffer = false;
  await c.pc.setLocalDescription(await c.pc.createOffer());
  // The server is ICE-lite and ignores trickled candidates: give the
  // first offer what is gathered in a moment (webrtc-http.js).
  await waitIceGathering(c.pc, 500);
  if (c !== conn || !c.pc) return;
  // the mids are known now
  send(c, { type: "offer", sdp: c.pc.localDescription.sdp,
            tracks: sendTracks(c) });
}

async function sfuOnAnswer(c, msg) {
  if (!c.offering || !c.pc || c.pc.signalingState !== "have-local-offer") {
    console.warn("room: an answer we did not ask for");
    return;
  }
  await c.pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
  c.offering = false;
  assignTracks(c);
  if (c.needOffer) await sfuOffer(c);
}

async function sfuOnOffer(c, msg) {
  if (!c.pc) makePc(c);
  // Glare: while our offer is out, the server drops its own and sends a
  // fresh one after its answer.
  if (c.offering || c.pc.signalingState !== "stable") return;
  const before = c.recv;
  c.recv = msg.tracks && typeof msg.tracks === "object" ? msg.tracks : {};
  try {
    await c.pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
  } catch (e) {
    c.recv = before;
    throw e;
  }
  await c.pc.setLocalDescription(await c.pc.createAnswer());
  send(c, { type: "answer", seq: msg.seq, sdp: c.pc.localDescription.sdp });
  assignTracks(c);
  if (c.needOffer) await sfuOffer(c);
}

// ------------------------------------------------------------ p2p

function p2pAddLocal(c) {
  const a = localStream && localStream.getAudioTracks()[0];
  const v = localStream && localStream.getVideoTracks()[0];
  const txOf = (sender) => c.pc.getTransceivers().find((t) => t.sender === sender);
  if (a && !c.micTx) c.micTx = txOf(c.pc.addTrack(a, localStream));
  if (v && !c.camTx) c.camTx = txOf(c.pc.addTrack(v, localStream));
  if (screenTrack && !c.screenTx) {
    c.screenTx = c.pc.addTransceiver(screenTrack, { direction: "sendonly" });
  }
}

async function p2pOffer(c) {
  if (!c.pc || !c.peer) return;
  if (c.offering || c.pc.signalingState !== "stable") {
    c.needOffer = true;
    return;
  }
  c.offering = true;
  c.needOffer = false;
  await c.pc.setLocalDescription(await c.pc.createOffer());
  send(c, { type: "offer", to: c.peer, sdp: c.pc.localDescription.sdp,
            tracks: sendTracks(c) });
}

function p2pReset(c) {
  if (c.pc) {
    c.pc.onicecandidate = c.pc.ontrack = null;
    c.pc.oniceconnectionstatechange = null;
    c.pc.close();
  }
  if (window.roomPc === c.pc) window.roomPc = null;
  c.pc = null;
  c.peer = null;
  c.micTx = c.camTx = c.screenTx = null;
  c.offering = c.needOffer = false;
  c.remoteSources = {};
  c.candidates = [];
  updateControls();
}

async function p2pOnOffer(c, msg) {
  const from = String(msg.from);
  if (c.peer !== from || !c.pc) {
    p2pReset(c);
    c.peer = from;
    makePc(c);
  }
  const pc = c.pc;
  if (pc.signalingState === "have-local-offer") {
    // both offered: the participant with the smaller id wins
    if (window.roomState.id < from) return;
    await pc.setLocalDescription({ type: "rollback" });
    c.offering = false;
    c.needOffer = true;
  }
  if (msg.tracks && typeof msg.tracks === "object") c.remoteSources = msg.tracks;
  await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
  p2pAddLocal(c);
  await p2pFlushCandidates(c);
  await pc.setLocalDescription(await pc.createAnswer());
  send(c, { type: "answer", to: from, sdp: pc.localDescription.sdp,
            tracks: sendTracks(c) });
  assignTracks(c);
  updateControls();
  if (c.needOffer) await p2pOffer(c);
}

async function p2pOnAnswer(c, msg) {
  if (!c.pc || String(msg.from) !== c.peer ||
      c.pc.signalingState !== "have-local-offer") return;
  if (msg.tracks && typeof msg.tracks === "object") {
    Object.assign(c.remoteSources, msg.tracks);
  }
  await c.pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
  c.offering = false;
  await p2pFlushCandidates(c);
  assignTracks(c);
  updateControls();
  if (c.needOffer) await p2pOffer(c);
}

async function p2pOnCandidate(c, msg) {
  if (String(msg.from) !== c.peer) return;
  if (!c.pc || !c.pc.remoteDescription) {
    c.candidates.push(msg);
    return;
  }
  await p2pAddCandidate(c, msg);
}

async function p2pFlushCandidates(c) {
  const list = c.candidates;
  c.candidates = [];
  for (const m of list) await p2pAddCandidate(c, m);
}

async function p2pAddCandidate(c, msg) {
  try {
    if (msg.candidate) {
      await c.pc.addIceCandidate({
        candidate: msg.candidate,
        sdpMid: msg.mid !== undefined && msg.mid !== null ? String(msg.mid)
          : c.pc.getTransceivers()[0].mid,
      });
    } else {
      await c.pc.addIceCandidate();
    }
  } catch (e) {
    console.warn("room: candidate:", e && e.message);
  }
}

// ------------------------------------------------------------ actions

function renegotiate(c) {
  if (window.roomState.mode === "p2p") return p2pOffer(c);
  return sfuOffer(c);
}

function sendState() {
  const c = conn;
  setSelf();
  if (!c || !c.joined) return;
  send(c, { type: "state", audio: micOn && hasAudio(),
            video: camOn && hasVideo() });
}

function toggleMic() {
  const t = localStream && localStream.getAudioTracks()[0];
  if (!t) return;
  micOn = !micOn;
  t.enabled = micOn;
  sendState();
  updateControls();
}

function toggleCam() {
  const t = localStream && localStream.getVideoTracks()[0];
  if (!t) return;
  camOn = !camOn;
  t.enabled = camOn;
  sendState();
  updateControls();
}

async function startScreen() {
  const c = conn;
  if (!c || !c.pc) return;
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true,
                                                            audio: false });
  } catch (e) {
    showError("Screen sharing: " + (e && e.message || e));
    return;
  }
  const track = stream.getVideoTracks()[0];
  if (c !== conn || !c.pc || !track) {
    stream.getTracks().forEach((t) => t.stop());
    return;
  }
  screenTrack = track;
  track.addEventListener("ended", () => {
    if (screenTrack === track) stopScreen();
  });
  setSelf();
  updateControls();
  await enqueue(c, async () => {
    if (!c.pc) return;
    if (c.screenTx && !c.screenTx.stopped) {
      await c.screenTx.sender.replaceTrack(track);
      c.screenTx.direction = "sendonly";
    } else {
      c.screenTx = c.pc.addTransceiver(track, { direction: "sendonly" });
    }
    await renegotiate(c);
  });
}

async function stopScreen() {
  const track = screenTrack;
  screenTrack = null;
  if (track) track.stop();
  setSelf();
  updateControls();
  const c = conn;
  if (!c) return;
  await enqueue(c, async () => {
    if (!c.pc || !c.screenTx) return;
    c.screenTx.direction = "inactive";
    await c.screenTx.sender.replaceTrack(null);
    await renegotiate(c);
  });
}

function sendChat(text) {
  text = String(text || "").trim();
  if (!text || !conn || !conn.joined) return false;
  if (new TextEncoder().encode(text).length > 4096) {
    showError("A chat message holds at most 4096 bytes.");
    return false;
  }
  return send(conn, { type: "chat", text });
}

function join(room, name, token) {
  room = String(room || "").trim();
  name = String(name || "").trim();
  if (!room || room.length > 64) {
    showError("Room names are 1 to 64 characters.");
    return;
  }
  if (!name || name.length > 64) {
    showError("Your name is 1 to 64 characters.");
    return;
  }
  if (call) return;
  window.roomState.lastError = null;
  window.roomState.chat = [];
  $("messages").replaceChildren();
  call = { room, name, token: token || "", url: wsUrl() };
  window.roomState.room = room;
  window.roomState.name = name;
  attempt = 0;
  micOn = camOn = true;
  const q = new URLSearchParams(location.search);
  q.set("room", room);
  q.set("name", name);
  history.replaceState(null, "", location.pathname + "?" + q.toString());
  connect();
}

function leave() {
  const c = conn;
  if (c && c.joined) send(c, { type: "leave" });
  endCall("You left the room.", false);
}

window.roomChat = sendChat;
window.roomLeave = leave;
// for tests: lose the signaling socket as a network blip would
window.roomDropSocket = () => {
  if (conn && conn.ws) conn.ws.close(4000, "dropped");
};

window.roomStats = async () => {
  const c = conn;
  const out = [];
  if (!c || !c.pc) return out;
  for (const tx of c.pc.getTransceivers()) {
    const info = recvInfo(c, tx);
    if (!info || tx.receiver.track.kind !== "video") continue;
    const r = { participant: info.participant, trackId: info.trackId,
                source: info.source, mid: tx.mid, framesDecoded: 0,
                frameWidth: 0, frameHeight: 0 };
    const stats = await tx.receiver.getStats();
    stats.forEach((s) => {
      if (s.type !== "inbound-rtp" || s.kind !== "video") return;
      r.framesDecoded += s.framesDecoded || 0;
      r.frameWidth = Math.max(r.frameWidth, s.frameWidth || 0);
      r.frameHeight = Math.max(r.frameHeight, s.frameHeight || 0);
    });
    out.push(r);
  }
  return out;
};

// ------------------------------------------------------------ wiring

$("joinform").addEventListener("submit", (ev) => {
  ev.preventDefault();
  join($("room").value, $("name").value, $("token").value);
});
$("mic").addEventListener("click", toggleMic);
$("cam").addEventListener("click", toggleCam);
$("screen").addEventListener("click", () => {
  if (screenTrack) stopScreen(); else startScreen();
});
$("leave").addEventListener("click", leave);
$("chatform").addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (sendChat($("chatinput").value)) $("chatinput").value = "";
});

addEventListener("pagehide", () => {
  if (conn && conn.joined) send(conn, { type: "leave" });
});

if (params.get("room")) $("room").value = params.get("room");
if (params.get("name")) $("name").value = params.get("name");
if (params.get("token") !== null) $("token").value = params.get("token");
updateControls();
if (params.get("room") && params.get("name")) {
  join(params.get("room"), params.get("name"), $("token").value);
} else if (params.get("room")) {
  $("name").focus();
}
