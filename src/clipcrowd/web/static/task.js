// The task-suite page: draws every task of the assignment, enforces required answers, uploads
// files, submits or skips through the worker API, counts down to the deadline, runs hotkeys:
// one key answers the highlighted task and moves on to the next, whose media it starts.

import { apiJson, errorBox, h } from "./dom.js";
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
  pauseOthers(null);
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
    maxUpload: data.max_upload_bytes, onChange: () => markAnswered(index),
  }));
  tasksBox.replaceChildren(...views.map((v) => v.element));
  views.forEach((v, i) => {
    if (plugins.taskWidth) v.element.style.maxWidth = `${plugins.taskWidth}px`;
    v.element.addEventListener("focusin", () => choose(i));
    v.element.addEventListener("pointerdown", () => choose(i));
    markAnswered(i);
  });
  if (views.length) choose(0);
  setUpKeys(plugins.hotkeys);
}

// The highlighted task is the one keys act on; it follows the focus and the pointer.
function choose(i, { focus = false } = {}) {
  current = i;
  views.forEach((o, j) => o.element.classList.toggle("current", j === i));
  if (focus) {
    views[i].element.focus({ preventScroll: true });
    views[i].element.scrollIntoView({ block: "nearest" });
  }
}

function complete(v) {
  return Object.entries(data.output_spec || {}).every(([name, spec]) => spec.required === false || !isEmpty(v.ctx.outputs[name]));
}

function markAnswered(i) {
  if (views[i]) views[i].element.classList.toggle("answered", complete(views[i]));
}

// The task's own players (a recorder's preview is the worker's file, not the task's media).
const players = (v) => [...v.element.querySelectorAll("audio.cc-audio, video.cc-video")];

function pauseOthers(keep) {
  for (const el of document.querySelectorAll("audio, video")) if (el !== keep && !el.paused) el.pause();
}

// A key press is a user gesture, so play() is allowed here without the page ever autoplaying.
function play(v, { restart = true, toggle = false } = {}) {
  const el = players(v)[0];
  if (!el) return false;
  if (toggle && !el.paused) { el.pause(); return true; }
  pauseOthers(el);
  if (restart || el.ended) el.currentTime = 0;
  el.play().catch((err) => say(`Cannot play task ${views.indexOf(v) + 1}'s media: ${err.message}`));
  return true;
}

// After a key answered the highlighted task: on to the next unanswered task, its media playing,
// or to Submit when every task has its answers.
function moveOn() {
  const next = views.findIndex((v, j) => j > current && !complete(v));
  const target = next >= 0 ? next : views.findIndex((v) => !complete(v));
  if (target < 0 || target === current) {
    pauseOthers(null);
    if (target < 0) { document.getElementById("submit").focus(); return; }
  }
  choose(target, { focus: true });
  play(views[target]);
}

const TYPING = "input:not([type=radio]):not([type=checkbox]), textarea, select, [contenteditable]";

// Keys act on the highlighted task only while the focus is in it (or nowhere in particular):
// never from Instructions, Submit, Skip or the navigation, and never while typing in a text field.
function keyTarget(event) {
  const target = event.target;
  if (!(target instanceof Element)) return null;
  if (target.closest(TYPING)) return null;
  const task = target.closest("article.task");
  if (task) return views.find((v) => v.element === task) || null;
  return target === document.body || target.id === "main" || target.id === "tasks" ? views[current] : null;
}

function setUpKeys(keys) {
  const names = Object.keys(keys);
  const media = views.some((v) => players(v).length);
  if (!names.length && !media) return;
  const hint = document.getElementById("hotkey-hint");
  const key = (k) => h("kbd", {}, k === " " ? "Space" : k);
  const label = (a) => (a.payload === undefined ? a.type : typeof a.payload === "string" ? a.payload : JSON.stringify(a.payload));
  const line = [h("strong", {}, "Keys, on the highlighted task: ")];
  names.forEach((k, i) => line.push(i ? ", " : "", key(k), ` ${label(keys[k])}`));
  if (media) line.push(names.length ? "; " : "", key("P"), " play from the start, ", key("Space"), " play/pause");
  line.push(". ");
  if (names.length) {
    line.push(`An answer moves on to the next task${media ? " and plays it (a task not yet heard plays first; the next key moves on)" : ""}. `);
  }
  line.push("Keys do nothing while you type in a text field or on Instructions, Submit and Skip; ", key("Enter"), " on Submit sends.");
  hint.replaceChildren(...line);
  hint.hidden = false;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || actions.hidden || event.repeat) return;
    const v = keyTarget(event);
    if (!v) return;
    if (views.indexOf(v) !== current) choose(views.indexOf(v));
    const onControl = event.target.closest("button, a, audio, video, summary, input, label");
    if ((event.key === "p" || event.key === "P") && !keys[event.key]) {
      if (play(v)) event.preventDefault();
      return;
    }
    if (event.key === " " && !onControl && !keys[" "]) {
      if (play(v, { restart: false, toggle: true })) event.preventDefault();
      return;
    }
    const action = keys[event.key] || keys[event.key.toLowerCase()];
    if (action && runAction(action, v.ctx)) {
      event.preventDefault();
      // Never past a task whose media has not played: it plays now, and the next key moves on.
      if (complete(v)) { if (players(v).some((el) => !el.dataset.played)) play(v); else moveOn(); }
    }
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
  busy(true);
  try {
    const body = { solutions: views.map((v) => ({ output_values: v.ctx.outputs })) };
    const done = await apiJson(`${base}/submit`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    assignment.status = done.status;
    finish(done.status === "ACCEPTED" ? "Submitted and accepted. Thank you!" : "Submitted. The requester will review it.");
  } catch (err) {
    say(`Not submitted: ${err.message}`);
    busy(false);
  }
}

// While a submit or skip is in flight neither button can be pressed again; after it, both are gone.
function busy(on) {
  for (const id of ["submit", "skip"]) document.getElementById(id).disabled = on;
  actions.setAttribute("aria-busy", String(on));
}

async function skip() {
  busy(true);
  try {
    const done = await apiJson(`${base}/skip`, { method: "POST" });
    assignment.status = done.status;
    finish("Skipped. The tasks go back to the pool.");
  } catch (err) {
    say(`Not skipped: ${err.message}`);
    busy(false);
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
// The first task takes the focus in the first frame (not before: focus() forces a layout of every
// task); the page is ready for keys from then on.
requestAnimationFrame(() => {
  if (assignment.status === "ACTIVE" && views.length && !tasksBox.contains(document.activeElement)) {
    views[0].element.focus({ preventScroll: true });
  }
  window.__focusedAt = performance.now();
  document.body.dataset.ready = "1";
});
