// field.media-file: a photo, video or audio picked from the device or recorded in the page
// (getUserMedia + MediaRecorder). The file is uploaded at once; the attachment id is the answer.
// One preview at a time: the camera while recording (with a clock counting down to the upload
// limit), then the stored copy from the server (remuxed there, so it has a length and seeks).

import { readData, writeData } from "./expr.js";
import { formatBytes, h } from "./dom.js";

const KIND_TYPES = { video: "video/*", photo: "image/*", gallery: "image/*", audio: "audio/*" };
// A recording stops by itself while there is still room under the upload limit for this many of
// its largest pieces (the one being written and the last one). A busy page may hand the last piece
// over late and large, so pieces past the limit are then left out (a recording's prefix still plays,
// and the server remuxes it): a recording is never refused for size.
const HEADROOM = 2;
// the share of the upload limit a recording may fill: room for the seek index the server's remux adds
const FILL = 0.95;

function pickMime(video) {
  const wanted = video ? ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp8", "video/webm", "video/mp4"]
    : ["audio/webm;codecs=opus", "audio/webm", "audio/ogg", "audio/mp4"];
  return wanted.find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t)) || "";
}

export function clockText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function mediaFile(node, path, ctx) {
  const accept = node.accept || {};
  const types = [...new Set(Object.entries(accept).filter(([k, v]) => v && KIND_TYPES[k]).map(([k]) => KIND_TYPES[k]))];
  const status = h("p", { class: "file-status", role: "status", "aria-live": "polite" });
  const clock = h("p", { class: "recorder-clock", "aria-live": "off", hidden: true });
  const preview = h("div", { class: "file-preview", hidden: true });
  const live = h("video", { class: "live", muted: true, playsinline: true, hidden: true, "aria-label": "camera" });
  const box = h("div", { class: "cc-media-file", "data-state": "idle" });
  const chooser = h("input", { type: "file", accept: types.join(",") || null, multiple: node.multiple ? true : null,
    class: "visually-hidden", id: `${ctx.id}-${path}-file`.replace(/\W/g, "-"), tabindex: "-1", "aria-label": "file to upload" });
  const pick = h("button", { type: "button", onclick: () => chooser.click() }, "Choose a file");
  const buttons = h("div", { class: "row" });
  let recorder = null;

  const state = (name) => { box.dataset.state = name; };
  const fail = (message) => { status.className = "file-status error"; status.setAttribute("role", "alert"); status.textContent = message; };

  async function send(file) {
    if (file.size > ctx.maxUpload) {
      fail(`“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(ctx.maxUpload)}. Nothing was uploaded.`);
      state(readData(node.data, ctx) === undefined ? "idle" : "done");
      return;
    }
    status.className = "file-status";
    status.setAttribute("role", "status");
    status.textContent = `Uploading ${file.name} (${formatBytes(file.size)})…`;
    state("uploading");
    ctx.pending += 1;
    try {
      const made = await ctx.upload(file);
      const value = node.multiple ? [...(readData(node.data, ctx) || []), made.id] : made.id;
      writeData(node.data, value, ctx);
      showPreview(made, file);
      const length = made.duration != null ? ` · ${clockText(made.duration)} long` : "";
      status.textContent = `Uploaded ✓ ${file.name} (${formatBytes(made.size ?? file.size)})${length}`;
      state("done");
    } catch (err) {
      fail(`Upload refused: ${err.message}. Your other answers are kept; try another file.`);
      state(readData(node.data, ctx) === undefined ? "idle" : "done");
    } finally {
      ctx.pending -= 1;
    }
  }

  // The stored copy, not the local file: the server gave it a duration and an index.
  function showPreview(made, file) {
    const src = `/w/attachments/${encodeURIComponent(made.id)}`;
    const kind = (made.media_type || file.type || "").split("/")[0];
    const name = `your ${kind === "audio" ? "recording" : kind || "file"}: ${file.name}`;
    const el = kind === "video" ? h("video", { controls: true, preload: "metadata", src, "aria-label": name })
      : kind === "audio" ? h("audio", { controls: true, preload: "metadata", src, "aria-label": name })
      : kind === "image" ? h("img", { src, alt: name }) : h("span", {}, file.name);
    const item = h("figure", { class: "file-item" }, el,
      h("figcaption", { class: "muted" }, file.name,
        made.duration != null ? h("span", { class: "file-length", "data-testid": "file-length" }, ` · ${clockText(made.duration)}`) : null));
    if (!node.multiple) preview.replaceChildren();
    preview.append(item);
    preview.hidden = false;
  }

  chooser.addEventListener("change", async () => {
    for (const file of chooser.files) await send(file);
    chooser.value = "";
  });

  async function record(video) {
    if (recorder) { recorder.stop(); return; }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(video ? { video: true, audio: true } : { audio: true })
        .catch(() => (video ? navigator.mediaDevices.getUserMedia({ video: true }) : Promise.reject(new Error("no microphone"))));
    } catch (err) {
      fail(`Cannot use the ${video ? "camera" : "microphone"}: ${err.message}. You can choose a file instead.`);
      return;
    }
    const mimeType = pickMime(video);
    recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    const chunks = [];
    const started = performance.now();
    const button = video ? recVideo : recAudio;
    const label = button.textContent;
    let bytes = 0;
    let biggest = 0;
    const limit = () => FILL * ctx.maxUpload - HEADROOM * biggest;
    // Elapsed time, and how long until the upload limit at the rate the recorder is writing.
    const tick = () => {
      const elapsed = (performance.now() - started) / 1000;
      const left = bytes > 0 && elapsed > 0.5 ? (limit() - bytes) / (bytes / elapsed) : null;
      clock.textContent = `● Recording ${clockText(elapsed)}${left !== null ? ` · stops by itself in ${clockText(left)}` : ""}`;
      clock.classList.toggle("low", left !== null && left < 10);
    };
    // data-chunks counts the recorder's 250 ms pieces so far (what a test waits on instead of a timer)
    recorder.ondataavailable = (e) => {
      if (!e.data || !e.data.size) return;
      chunks.push(e.data);
      bytes += e.data.size;
      biggest = Math.max(biggest, e.data.size);
      box.dataset.chunks = chunks.length;
      tick();
      if (bytes >= limit() && recorder && recorder.state === "recording") recorder.stop();
    };
    const timer = setInterval(tick, 250);
    recorder.onstop = async () => {
      clearInterval(timer);
      stream.getTracks().forEach((t) => t.stop());
      live.hidden = true;
      live.srcObject = null;
      clock.hidden = true;
      button.textContent = label;
      for (const b of buttons.children) b.hidden = false;
      clear.hidden = readData(node.data, ctx) === undefined;
      if (readData(node.data, ctx) !== undefined || node.multiple) preview.hidden = false;
      recorder = null;
      while (chunks.length > 1 && bytes > FILL * ctx.maxUpload) bytes -= chunks.pop().size;
      const type = (mimeType || (video ? "video/webm" : "audio/webm")).split(";")[0];
      const ext = type.split("/")[1] === "mp4" ? "mp4" : "webm";
      await send(new File(chunks, `recording-${new Date().toISOString().replace(/[:.]/g, "-")}.${ext}`, { type }));
    };
    if (video) { live.srcObject = stream; live.hidden = false; live.play().catch(() => {}); }
    preview.hidden = true; // one picture at a time: the camera now, the recording afterwards
    for (const b of buttons.children) b.hidden = b !== button;
    clear.hidden = true;
    box.dataset.chunks = 0;
    state("recording");
    status.textContent = "";
    clock.hidden = false;
    tick();
    recorder.start(250);
    button.textContent = "Stop recording";
    button.focus();
  }

  const canRecord = Boolean(navigator.mediaDevices && window.MediaRecorder);
  const recVideo = h("button", { type: "button", class: "record", onclick: () => record(true) }, "Record video");
  const recAudio = h("button", { type: "button", class: "record", onclick: () => record(false) }, "Record audio");
  if (canRecord && accept.video) buttons.append(recVideo);
  if (canRecord && accept.audio) buttons.append(recAudio);
  buttons.append(pick);
  const clear = h("button", { type: "button", class: "link", onclick: () => {
    writeData(node.data, undefined, ctx); preview.replaceChildren(); preview.hidden = true;
    status.className = "file-status"; status.textContent = "Removed."; state("idle");
  } }, "Remove");
  ctx.watch(() => {
    const empty = readData(node.data, ctx) === undefined;
    clear.hidden = empty || box.dataset.state === "recording";
    recVideo.textContent = recorder ? recVideo.textContent : empty ? "Record video" : "Record video again";
    recAudio.textContent = recorder ? recAudio.textContent : empty ? "Record audio" : "Record audio again";
  });
  box.append(buttons, chooser, live, clock, preview, status, clear);
  return box;
}
