// The review queue: submitted suites with their answers and uploaded media; accept or reject
// (a rejection needs a comment) through the requester API. Keys: j/k move, a accept, r reject.
// Where an aggregation run stored a label for a task, it is shown under the answer (method and
// confidence named) and an answer that differs from it is marked.

import { apiJson, formatBytes, h, safeUrl } from "./dom.js";
import { clockText } from "./media_file.js";

const queue = JSON.parse(document.getElementById("queue-data").textContent);
const box = document.getElementById("queue");
const note = document.getElementById("review-message");
const cards = [];
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
      ` · ${stored.method}, confidence ${Math.round(stored.confidence * 100)}%`,
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

function inputCell(value) {
  const url = typeof value === "string" ? safeUrl(value) : "";
  return url && /^https?:|^\//.test(value) ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, value) : h("span", {}, text(value));
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
        Object.entries(task.input_values || {}).map(([k, v]) => [h("dt", {}, k), h("dd", {}, inputCell(v))]),
        Object.entries(out).map(([k, v]) => [h("dt", {}, `→ ${k}`),
          h("dd", { class: stored[k] && !same(v, stored[k].label) ? "disagrees" : null }, valueCell(k, v, item.files)),
          aggregateRows(k, v, stored[k])]),
        task.known_solutions ? [h("dt", {}, "golden"), h("dd", {}, text(task.known_solutions.map((s) => s.output_values)))] : []));
  });
  const el = h("article", { class: "card review", tabindex: "0", "data-assignment": item.id },
    h("header", {}, h("strong", {}, `Suite #${Number(item.id)}`), " by ", item.login, " · ", state, " · submitted ", item.submitted || ""),
    tasks, h("div", { class: "row" }, accept, comment, reject));
  el.addEventListener("focusin", () => select(index, false));
  return { el, item, comment, state, done: false };
}

function select(index, focus = true) {
  if (!cards.length) return;
  current = Math.max(0, Math.min(cards.length - 1, index));
  cards.forEach((c, i) => c.el.classList.toggle("current", i === current));
  if (focus) { cards[current].el.focus(); cards[current].el.scrollIntoView({ block: "nearest" }); }
}

function say(message, error = false) {
  note.hidden = false;
  note.className = `notice${error ? " error" : ""}`;
  note.textContent = message;
}

async function decide(index, status) {
  const c = cards[index];
  if (c.done) return;
  const comment = c.comment.value.trim();
  if (status === "REJECTED" && !comment) { say("Write a comment to reject: tell the worker why.", true); c.comment.focus(); return; }
  try {
    const done = await apiJson(`/api/v1/assignments/${c.item.id}`, {
      method: "PATCH", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(comment ? { status, public_comment: comment } : { status }),
    });
    c.done = true;
    c.state.textContent = done.status;
    c.state.className = `status ${done.status.toLowerCase()}`;
    c.el.classList.add("reviewed");
    say(`Suite #${Number(c.item.id)} ${done.status.toLowerCase()}.`);
    const next = cards.findIndex((x, i) => i > index && !x.done);
    select(next >= 0 ? next : index);
  } catch (err) {
    say(`Not saved: ${err.message}`, true);
  }
}

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
  else if (e.key === "r") { e.preventDefault(); c.comment.focus(); }
  else if (e.key === " ") {
    const player = c.el.querySelector("video, audio");
    if (player) { e.preventDefault(); if (player.paused) player.play(); else player.pause(); }
  } else return;
});
document.body.dataset.ready = "1";
