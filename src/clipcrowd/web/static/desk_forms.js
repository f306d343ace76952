// The desk's project and pool forms: a live preview of the worker's page while the interface
// config is typed (the same renderer the task page uses, with made-up inputs), and the pool's end
// date in the browser's own time zone (the server keeps UTC; the offset goes along with the form).

import { apiJson, h } from "./dom.js";
import { readPlugins, renderTask } from "./render.js";

const config = document.getElementById("view_config");
const preview = document.getElementById("view-preview");
const live = document.getElementById("view-config-live");

// A grey placeholder picture for url inputs (an image, a video poster: whatever the interface shows).
const PICTURE = "data:image/svg+xml," + encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="135"><rect width="240" height="135" fill="#d7dde3"/>'
  + '<text x="120" y="72" font-family="sans-serif" font-size="16" text-anchor="middle" fill="#5b6670">example</text></svg>');

function sample(type, name) {
  if (type === "integer") return 1;
  if (type === "float") return 1.5;
  if (type === "boolean") return true;
  if (type === "url") return PICTURE;
  if (type === "file") return "";
  if (type.startsWith("array_")) return [];
  return `example ${name}`;
}

function sampleInputs() {
  const values = {};
  for (const input of document.querySelectorAll("input[data-spec=in]")) {
    const name = input.value.trim();
    const type = input.closest(".spec-row").querySelector("select");
    if (name && type) values[name] = sample(type.value, name);
  }
  return values;
}

function refuse(message) {
  live.textContent = message;
  live.hidden = false;
  config.setAttribute("aria-invalid", "true");
  preview.replaceChildren(h("p", { class: "muted" }, "Fix the config to see the preview."));
}

let markdown = { key: "", html: {} }; // the server's rendering of the last config and inputs it saw

async function fetchMarkdown(key, text, inputs) {
  try {
    const answer = await apiJson("/desk/preview/markdown", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ config: text, inputs }),
    });
    markdown = { key, html: answer.markdown || {} };
    update();
  } catch {
    // the preview keeps showing markdown as plain text
  }
}

function update() {
  const text = config.value.trim();
  config.removeAttribute("aria-invalid");
  live.hidden = true;
  if (!text) { preview.replaceChildren(h("p", { class: "muted" }, "No interface yet.")); return; }
  let parsed;
  try { parsed = JSON.parse(text); } catch (err) { refuse(`Not valid JSON: ${err.message}`); return; }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed) || !parsed.view || typeof parsed.view !== "object") {
    refuse('The config must be a JSON object with a "view" component.');
    return;
  }
  const inputs = sampleInputs();
  const key = JSON.stringify([text, inputs]);
  if (markdown.key !== key) fetchMarkdown(key, text, inputs);
  const view = renderTask({
    config: parsed, task: { input_values: inputs }, index: 0, markdown: markdown.key === key ? markdown.html : {},
    maxUpload: 0, upload: async () => { throw new Error("the preview does not upload files"); },
  });
  const width = readPlugins(parsed).taskWidth;
  if (width) view.element.style.maxWidth = `${width}px`;
  for (const control of view.element.querySelectorAll("input, textarea, select, button")) {
    control.tabIndex = -1; // a picture of the page: the form's own fields keep the Tab order
    if (control.labels !== undefined && !control.labels.length && !control.getAttribute("aria-label") && control.type !== "button") {
      control.setAttribute("aria-label", `preview of a ${control.type || "field"}`);
    }
  }
  preview.replaceChildren(view.element);
  preview.dataset.markdown = markdown.key === key ? "server" : "text";
  const broken = preview.querySelectorAll(".cc-error");
  if (broken.length) {
    live.textContent = `The worker's page cannot draw ${broken.length} part(s): ${broken[0].textContent}`;
    live.hidden = false;
  }
}

if (config && preview && live) {
  let timer = null;
  const soon = () => { clearTimeout(timer); timer = setTimeout(update, 250); };
  config.addEventListener("input", soon);
  document.querySelectorAll("input[data-spec=in], .spec-row select").forEach((el) => el.addEventListener("change", soon));
  update();
}

const pad = (n) => String(n).padStart(2, "0");
const expire = document.getElementById("will_expire_local");
const offset = document.getElementById("tz_offset");
if (expire && offset) {
  if (expire.dataset.utc && /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(expire.value)) {
    const d = new Date(`${expire.value}:00Z`);
    if (!Number.isNaN(d.getTime())) {
      expire.value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }
  }
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const label = document.querySelector("[data-testid=tz-label]");
  if (label) label.textContent = `(your local time${zone ? `, ${zone}` : ""})`;
  expire.form.addEventListener("submit", () => {
    const d = new Date(expire.value); // a datetime-local value reads as local time
    offset.value = Number.isNaN(d.getTime()) ? "0" : String(d.getTimezoneOffset());
  });
}
document.body.dataset.ready = "1";
