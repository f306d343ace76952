// The task-suite page: draws every task of the assignment, enforces required answers, uploads
// files, submits or skips through the worker API, counts down to the deadline, runs hotkeys.

import { apiJson, errorBox } from "./dom.js";
import { isEmpty } from "./expr.js";
import { runAction } from "./fields.js";
import { readPlugins, renderTask } from "./render.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
const assignment = data.assignment;
const base = `/api/v1/worker/assignments/${assignment.id}`;
const tasksBox = document.getElementById("tasks");
const message = document.getElementById("message");
const actions = document.getElementById("actions");
let current = 0;
let views = [];

function say(text) {
  message.hidden = !text;
  message.textContent = text || "";
}

function finish(text) {
  actions.hidden = true;
  document.getElementById("after-text").textContent = text;
  document.getElementById("after").hidden = false;
  document.getElementById("status").textContent = assignment.status;
  document.getElementById("next").focus();
}

async function upload(file) {
  const name = encodeURIComponent(file.name || "upload");
  return apiJson(`${base}/attachments?name=${name}`, {
    method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" },
  });
}

function draw() {
  if (data.problem || !data.config) { tasksBox.replaceChildren(errorBox(`This task cannot be shown: ${data.problem}`)); return; }
  const plugins = readPlugins(data.config);
  views = assignment.tasks.map((task, index) => renderTask({
    config: data.config, task, index, markdown: data.markdown[index] || {}, upload,
    maxUpload: data.max_upload_bytes,
  }));
  tasksBox.replaceChildren(...views.map((v) => v.element));
  views.forEach((v, i) => {
    if (plugins.taskWidth) v.element.style.maxWidth = `${plugins.taskWidth}px`;
    const focus = () => { current = i; views.forEach((o, j) => o.element.classList.toggle("current", j === i)); };
    v.element.addEventListener("focusin", focus);
    v.element.addEventListener("pointerdown", focus);
  });
  if (views.length) views[0].element.classList.add("current");
  setUpHotkeys(plugins.hotkeys);
}

function setUpHotkeys(keys) {
  const names = Object.keys(keys);
  if (!names.length) return;
  const hint = document.getElementById("hotkey-hint");
  hint.textContent = `Keys: ${names.map((k) => `${k} → ${keys[k].payload !== undefined ? keys[k].payload : keys[k].type}`).join(", ")} (on the highlighted task; Tab moves to the next one).`;
  hint.hidden = false;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || actions.hidden) return;
    const target = event.target;
    if (target.closest && target.closest("input:not([type=radio]):not([type=checkbox]), textarea, select, [contenteditable]")) return;
    const action = keys[event.key] || keys[event.key.toLowerCase()];
    if (action && views[current] && runAction(action, views[current].ctx)) event.preventDefault();
  });
}

function problems() {
  const found = [];
  views.forEach((v, i) => {
    for (const p of v.validate()) found.push({ ...p, task: i });
    for (const [name, spec] of Object.entries(data.output_spec || {})) {
      if (spec.required !== false && isEmpty(v.ctx.outputs[name]) && !v.element.querySelector(".invalid")) {
        found.push({ element: v.element, hint: `answer “${name}” is required`, task: i });
      }
    }
  });
  return found;
}

async function submit() {
  if (views.some((v) => v.ctx.pending > 0)) { say("Wait for the upload to finish, then submit."); return; }
  const found = problems();
  if (found.length) {
    say(`Please finish the task${found.length > 1 ? "s" : ""}: ${found.map((p) => `task ${p.task + 1}: ${p.hint}`).join("; ")}.`);
    const first = found[0].element.querySelector("button, input, select, textarea, audio, video, a") || found[0].element;
    first.focus();
    return;
  }
  say("");
  const button = document.getElementById("submit");
  button.disabled = true;
  try {
    const body = { solutions: views.map((v) => ({ output_values: v.ctx.outputs })) };
    const done = await apiJson(`${base}/submit`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    assignment.status = done.status;
    finish(done.status === "ACCEPTED" ? "Submitted and accepted. Thank you!" : "Submitted. The requester will review it.");
  } catch (err) {
    say(`Not submitted: ${err.message}`);
  } finally {
    button.disabled = false;
  }
}

async function skip() {
  try {
    const done = await apiJson(`${base}/skip`, { method: "POST" });
    assignment.status = done.status;
    finish("Skipped. The tasks go back to the pool.");
  } catch (err) {
    say(`Not skipped: ${err.message}`);
  }
}

function clock() {
  const el = document.getElementById("time-left");
  const deadline = Date.parse(`${assignment.deadline}Z`);
  const tick = () => {
    if (assignment.status !== "ACTIVE") { el.textContent = assignment.status.toLowerCase(); return; }
    const left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    el.textContent = `time left ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) { say("Time is up: this suite expired."); actions.hidden = true; }
  };
  tick();
  setInterval(tick, 1000);
}

document.getElementById("submit").addEventListener("click", submit);
document.getElementById("skip").addEventListener("click", skip);
draw();
clock();
if (assignment.status !== "ACTIVE") finish(`This suite is ${assignment.status.toLowerCase()}.`);
window.__drawnAt = performance.now();
document.body.dataset.ready = "1";
