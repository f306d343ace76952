// field.media-file: a photo, video or audio picked from the device or recorded in the page
// (getUserMedia + MediaRecorder). The file is uploaded at once; the attachment id is the answer.

import { readData, writeData } from "./expr.js";
import { formatBytes, h } from "./dom.js";

const KIND_TYPES = { video: "video/*", photo: "image/*", gallery: "image/*", audio: "audio/*" };

function pickMime(video) {
  const wanted = video ? ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp8", "video/webm", "video/mp4"]
    : ["audio/webm;codecs=opus", "audio/webm", "audio/ogg", "audio/mp4"];
  return wanted.find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t)) || "";
}

export function mediaFile(node, path, ctx) {
  const accept = node.accept || {};
  const types = [...new Set(Object.entries(accept).filter(([k, v]) => v && KIND_TYPES[k]).map(([k]) => KIND_TYPES[k]))];
  const status = h("p", { class: "file-status", role: "status", "aria-live": "polite" });
  const preview = h("div", { class: "file-preview" });
  const live = h("video", { class: "live", muted: true, playsinline: true, hidden: true });
  const box = h("div", { class: "cc-media-file" });
  const chooser = h("input", { type: "file", accept: types.join(",") || null, multiple: node.multiple ? true : null,
    class: "visually-hidden", id: `${ctx.id}-${path}-file`.replace(/\W/g, "-"), tabindex: "-1" });
  const pick = h("button", { type: "button", onclick: () => chooser.click() }, "Choose a file");
  const buttons = h("div", { class: "row" });
  let recorder = null;

  const fail = (message) => { status.className = "file-status error"; status.setAttribute("role", "alert"); status.textContent = message; };

  async function send(file) {
    if (file.size > ctx.maxUpload) {
      fail(`“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(ctx.maxUpload)}. Nothing was uploaded.`);
      return;
    }
    status.className = "file-status";
    status.setAttribute("role", "status");
    status.textContent = `Uploading ${file.name} (${formatBytes(file.size)})…`;
    ctx.pending += 1;
    try {
      const made = await ctx.upload(file);
      const value = node.multiple ? [...(readData(node.data, ctx) || []), made.id] : made.id;
      writeData(node.data, value, ctx);
      showPreview(file);
      status.textContent = `Uploaded ✓ ${file.name} (${formatBytes(file.size)})`;
    } catch (err) {
      fail(`Upload refused: ${err.message}. Your other answers are kept; try another file.`);
    } finally {
      ctx.pending -= 1;
    }
  }

  function showPreview(file) {
    const url = URL.createObjectURL(file);
    const kind = (file.type || "").split("/")[0];
    const el = kind === "video" ? h("video", { controls: true, src: url }) : kind === "audio" ? h("audio", { controls: true, src: url })
      : kind === "image" ? h("img", { src: url, alt: file.name }) : h("span", {}, file.name);
    if (!node.multiple) preview.replaceChildren();
    preview.append(el);
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
    const started = Date.now();
    const button = video ? recVideo : recAudio;
    const label = button.textContent;
    // data-chunks counts the recorder's 250 ms pieces so far (what a test waits on instead of a timer)
    recorder.ondataavailable = (e) => {
      if (e.data && e.data.size) { chunks.push(e.data); box.dataset.chunks = chunks.length; }
    };
    const tick = setInterval(() => { status.textContent = `Recording… ${Math.floor((Date.now() - started) / 1000)} s`; }, 250);
    recorder.onstop = async () => {
      clearInterval(tick);
      stream.getTracks().forEach((t) => t.stop());
      live.hidden = true;
      live.srcObject = null;
      button.textContent = label;
      recorder = null;
      const type = (mimeType || (video ? "video/webm" : "audio/webm")).split(";")[0];
      const ext = type.split("/")[1] === "mp4" ? "mp4" : "webm";
      await send(new File(chunks, `recording-${new Date().toISOString().replace(/[:.]/g, "-")}.${ext}`, { type }));
    };
    if (video) { live.srcObject = stream; live.hidden = false; live.play().catch(() => {}); }
    box.dataset.chunks = 0;
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
    writeData(node.data, undefined, ctx); preview.replaceChildren(); status.textContent = "Removed.";
  } }, "Remove");
  ctx.watch(() => { clear.hidden = readData(node.data, ctx) === undefined; });
  box.append(buttons, chooser, live, preview, status, clear);
  return box;
}
