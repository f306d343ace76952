// The review queue: submitted suites with their answers and uploaded media; accept or reject
// (a rejection needs a comment) through the requester API. Keys: j/k move, a accept, r reject,
// u undo. Where an aggregation run stored a label for a task, it is shown under the answer (method
// named, confidence) and an answer that differs from it is marked.
//
// Undo: a decision is held here for UNDO_MS before it is sent, so "Undo" really means nothing was
// sent (no accepted-then-reverted payment, skill or quality-rule step to unwind). The status is said
// in the card and in a live bar fixed at the bottom of the window. Leaving the page sends the
// decisions still held (keepalive requests): leaving is not undoing.

import { apiJson, formatBytes, h, safeUrl } from "./dom.js";
import { clockText } from "./media_file.js";
import { timeElement } from "./local_time.js";

export const UNDO_MS = 5000;
const queue = JSON.parse(document.getElementById("queue-data").textContent);
const box = document.getElementById("queue");
const note = document.getElementById("review-message");
const cards = [];
const held = []; // cards whose decision waits for its undo window, oldest first
let current = 0;

const text = (v) => (typeof v === "string" ? v : JSON.stringify(v));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// The stored aggregate of one output field of a task: dt/dd pair, or nothing.
function aggregateRows(name, value, stored) {
  if (!stored) return [];
  const disagrees = !same(value, stored.label);
  return [h("dt", { class: "aggregate" }, `aggregate of ${name}`),
    h("dd", { class: "aggregate", "data-testid": "aggregate", "data-disagrees": disagrees ? "1" : "0" },
      h("span", { class: "agg-label" }, text(stored.label)),
      ` · ${queue.method_names[stored.method] || stored.method}, confidence ${Math.round(stored.confidence * 100)}%`,
      disagrees ? h("span", { class: "disagree-flag" }, " · this answer disagrees") : null)];
}

function valueCell(name, value, files) {
  if (queue.file_fields.includes(name)) {
    const ids = Array.isArray(value) ? value : [value];
    return h("div", {}, ids.map((id) => {
      const file = files[id] || { media_type: "", name: id, size: 0 };
      const src = `/desk/attachments/${id}`;
      const kind = file.media_type.split("/")[0];
      const label = `${name}: ${file.name}`;
      const player = kind === "video" ? h("video", { controls: true, preload: "metadata", src, class: "review-media", "aria-label": label })
        : kind === "audio" ? h("audio", { controls: true, preload: "metadata", src, "aria-label": label })
        : kind === "image" ? h("img", { src, alt: file.name, class: "review-media" }) : null;
      const length = file.duration != null ? h("span", { class: "file-length", "data-testid": "file-length" }, ` · ${clockText(file.duration)}`) : null;
      return h("div", {}, player, h("a", { href: src, download: file.name }, `${file.name} (${formatBytes(file.size)})`), length);
    }));
  }
  return h("span", {}, text(value));
}

// An input as the worker saw it (`shown`: character references decoded by the server, still text);
// the stored value, when it differs, in the title. Links stay links.
function inputCell(value, shown = value) {
  const url = typeof value === "string" ? safeUrl(value) : "";
  if (url && /^https?:|^\//.test(value)) return h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, value);
  const differs = !same(value, shown);
  return h("span", { title: differs ? `stored as ${text(value)}` : null }, text(shown));
}

function card(item, index) {
  const comment = h("input", { type: "text", class: "comment", placeholder: "Comment for the worker (required to reject)", "aria-label": "comment" });
  const state = h("span", { class: "status submitted", "data-testid": "review-status" }, item.status);
  const accept = h("button", { type: "button", class: "primary", onclick: () => decide(index, "ACCEPTED") }, "Accept (a)");
  const reject = h("button", { type: "button", class: "danger", onclick: () => decide(index, "REJECTED") }, "Reject (r)");
  comment.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); decide(index, "REJECTED"); } });
  const tasks = item.tasks.map((task, i) => {
    const out = (item.solutions && item.solutions[i] && item.solutions[i].output_values) || {};
    const stored = (queue.aggregates || {})[task.id] || {};
    return h("div", { class: "review-task" },
      h("dl", { class: "grid" },
        Object.entries(task.input_values || {}).map(([k, v]) => [h("dt", {}, k),
          h("dd", { "data-testid": "input-value" }, inputCell(v, (task.shown_inputs || {})[k]))]),
        Object.entries(out).map(([k, v]) => [h("dt", {}, `→ ${k}`),
          h("dd", { class: stored[k] && !same(v, stored[k].label) ? "disagrees" : null }, valueCell(k, v, item.files)),
          aggregateRows(k, v, stored[k])]),
        task.known_solutions ? [h("dt", {}, "golden"), h("dd", {}, text(task.known_solutions.map((s) => s.output_values)))] : []));
  });
  const decision = h("p", { class: "decision", role: "status", "data-testid": "decision" });
  const submitted = item.submitted ? [" · submitted ", timeElement(h, utc(item.submitted))] : [];
  const el = h("article", { class: "card review", tabindex: "0", "data-assignment": item.id },
    h("header", {}, h("strong", {}, `Suite #${Number(item.id)}`), " by ", item.login, " · ", state, submitted),
    tasks, h("div", { class: "row" }, accept, comment, reject), decision);
  el.addEventListener("focusin", () => select(index, false));
  return { el, item, comment, state, decision, buttons: [accept, reject], done: false, pending: null };
}

function select(index, focus = true) {
  if (!cards.length) return;
  current = Math.max(0, Math.min(cards.length - 1, index));
  cards.forEach((c, i) => c.el.classList.toggle("current", i === current));
  if (focus) { cards[current].el.focus(); cards[current].el.scrollIntoView({ block: "nearest" }); }
}

// Stored times are naive UTC ISO; a Z makes the browser read them as UTC, not as local time.
const utc = (iso) => (/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
const suite = (c) => `Suite #${Number(c.item.id)}`;
const verb = { ACCEPTED: ["accept", "accepted"], REJECTED: ["reject", "rejected"] };

// The bar at the bottom of the window: the latest news, with an Undo while a decision is held.
function say(message, { error = false, undo = null } = {}) {
  note.hidden = false;
  document.body.classList.add("has-toast");
  note.className = `notice review-toast${error ? " error" : ""}`;
  note.replaceChildren(h("span", {}, message));
  if (undo) note.append(h("button", { type: "button", class: "undo", onclick: () => cancel(undo) }, `Undo (u)`));
}

function mark(c, status, label) {
  c.state.textContent = label;
  c.state.className = `status ${status.toLowerCase()}`;
}

function decide(index, status) {
  const c = cards[index];
  if (c.done || c.pending) return;
  const comment = c.comment.value.trim();
  if (status === "REJECTED" && !comment) {
    say("Write a comment to reject: tell the worker why.", { error: true });
    c.decision.textContent = "Write a comment to reject: tell the worker why.";
    c.comment.focus();
    return;
  }
  const [doing, done] = verb[status];
  const seconds = Math.round(UNDO_MS / 1000);
  c.pending = { status, comment, timer: setTimeout(() => send(c), UNDO_MS) };
  held.push(c);
  c.buttons.forEach((b) => { b.disabled = true; });
  c.comment.disabled = true;
  mark(c, "pending", `${doing}ing in ${seconds} s`);
  c.decision.replaceChildren(`${suite(c)} will be ${done} in ${seconds} seconds. `,
    h("button", { type: "button", class: "undo", onclick: () => cancel(c) }, `Undo ${doing} of ${suite(c)}`));
  say(`${suite(c)} will be ${done} in ${seconds} seconds.`, { undo: c });
  const next = cards.findIndex((x, i) => i > index && !x.done && !x.pending);
  select(next >= 0 ? next : index);
}

// Undo: the decision was never sent; the card is as it was.
function cancel(c) {
  if (!c || !c.pending) return;
  clearTimeout(c.pending.timer);
  held.splice(held.indexOf(c), 1);
  const [doing, done] = verb[c.pending.status];
  c.pending = null;
  c.buttons.forEach((b) => { b.disabled = false; });
  c.comment.disabled = false;
  mark(c, "submitted", c.item.status);
  c.decision.textContent = `Undone: ${suite(c)} was not ${done}; it is still waiting for review.`;
  say(`Undone: ${suite(c)} was not ${done}.`);
  c.decision.dataset.undone = doing;
  select(cards.indexOf(c));
}

function request(c) {
  const { status, comment } = c.pending;
  return { method: "PATCH", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(comment ? { status, public_comment: comment } : { status }) };
}

async function send(c) {
  const pending = c.pending;
  held.splice(held.indexOf(c), 1);
  try {
    const done = await apiJson(`/api/v1/assignments/${c.item.id}`, request(c));
    c.pending = null;
    c.done = true;
    mark(c, done.status, done.status);
    c.el.classList.add("reviewed");
    c.decision.textContent = `${suite(c)} ${done.status.toLowerCase()}.`;
    say(`${suite(c)} ${done.status.toLowerCase()}.`);
  } catch (err) {
    c.pending = null;
    c.buttons.forEach((b) => { b.disabled = false; });
    c.comment.disabled = false;
    mark(c, "submitted", c.item.status);
    c.decision.textContent = `Not saved: ${err.message}`;
    say(`${suite(c)} not ${verb[pending.status][1]}: ${err.message}`, { error: true });
  }
}

// Leaving the page sends what is still held; the browser finishes keepalive requests after unload.
window.addEventListener("pagehide", () => {
  for (const c of held.splice(0)) {
    clearTimeout(c.pending.timer);
    fetch(`/api/v1/assignments/${c.item.id}`, { ...request(c), credentials: "same-origin", keepalive: true });
  }
});

queue.items.forEach((item, i) => { const c = card(item, i); cards.push(c); box.append(c.el); });
if (!cards.length) box.append(h("p", { class: "notice" }, "Nothing to review: every submission has been reviewed."));
select(0, false);

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || !cards.length) return;
  if (e.target.closest && e.target.closest("input, textarea, select")) return;
  const c = cards[current];
  if (e.key === "j") select(current + 1);
  else if (e.key === "k") select(current - 1);
  else if (e.key === "a") decide(current, "ACCEPTED");
  else if (e.key === "u") cancel(held[held.length - 1]);
  else if (e.key === "r") { e.preventDefault(); c.comment.focus(); }
  else if (e.key === " ") {
    const player = c.el.querySelector("video, audio");
    if (player) { e.preventDefault(); if (player.paused) player.play(); else player.pause(); }
  } else return;
});
document.body.dataset.ready = "1";
