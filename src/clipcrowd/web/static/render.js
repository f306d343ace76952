// The interface renderer: draws a task interface JSON config (view.*, field.*, helper.*, layout.*)
// for one task. Components register updaters (re-run after any data change) and validators
// (run on submit). An unknown component becomes a visible error box naming it.

import { asText, evaluate, resolve } from "./expr.js";
import { errorBox, h, safeUrl } from "./dom.js";
import { FIELDS, groupName } from "./fields.js";

const VIEWS = {
  "view.list": (node, path, ctx) => {
    const list = h("div", { class: `cc-list ${node.direction === "horizontal" ? "row" : "stack"}` });
    (node.items || []).forEach((item, i) => list.append(draw(item, `${path}.items.${i}`, ctx)));
    return list;
  },
  "view.group": (node, path, ctx) => h("section", { class: "cc-group" }, draw(node.content, `${path}.content`, ctx)),
  "view.markdown": (node, path, ctx) => {
    const box = h("div", { class: "md" });
    if (ctx.markdown && Object.hasOwn(ctx.markdown, path)) {
      box.innerHTML = ctx.markdown[path]; // rendered and sanitised (nh3) by the server
    } else {
      ctx.watch(() => { box.textContent = asText(resolve(node.content, ctx)); }); // never as HTML
    }
    return box;
  },
  "view.text": (node, path, ctx) => {
    const box = h("p", { class: "cc-text" });
    ctx.watch(() => { box.textContent = asText(resolve(node.content, ctx)); });
    return box;
  },
  "view.alert": (node, path, ctx) => {
    const box = h("div", { class: `cc-alert ${node.theme || "info"}`, role: "note" });
    const content = resolve(node.content, ctx);
    box.append(content && typeof content === "object" ? draw(node.content, `${path}.content`, ctx) : asText(content));
    return box;
  },
  "view.image": (node, path, ctx) => {
    const img = h("img", { class: "cc-image", alt: asText(resolve(node.label, ctx)) || "task image", loading: "lazy" });
    if (node.maxWidth) img.style.maxWidth = `${Number(node.maxWidth)}px`;
    if (node.maxHeight) img.style.maxHeight = `${Number(node.maxHeight)}px`;
    ctx.watch(() => { const url = safeUrl(resolve(node.url, ctx)); if (img.getAttribute("src") !== url) img.src = url; });
    return img;
  },
  "view.video": (node, path, ctx) => media("video", node, path, ctx),
  "view.audio": (node, path, ctx) => media("audio", node, path, ctx),
  "view.link": (node, path, ctx) => {
    const a = h("a", { target: "_blank", rel: "noopener noreferrer" });
    ctx.watch(() => {
      const url = safeUrl(resolve(node.url, ctx));
      a.href = url || "#";
      a.textContent = asText(resolve(node.content, ctx)) || url;
    });
    return a;
  },
  "helper.if": (node, path, ctx) => {
    const slot = h("div", { class: "cc-if" });
    let shown = null;
    ctx.watch(() => {
      const branch = evaluate(node.condition, ctx) ? "then" : "else";
      if (branch === shown) return;
      shown = branch;
      slot.replaceChildren();
      if (node[branch] !== undefined) slot.append(draw(node[branch], `${path}.${branch}`, ctx));
    });
    return slot;
  },
  "layout.columns": (node, path, ctx) => {
    const row = h("div", { class: "cc-columns" });
    (node.items || []).forEach((item, i) => row.append(draw(item, `${path}.items.${i}`, ctx)));
    return row;
  },
  "layout.side-by-side": (node, path, ctx) => {
    const row = h("div", { class: "cc-columns" });
    (node.items || []).forEach((item, i) => row.append(draw(item, `${path}.items.${i}`, ctx)));
    if (node.controls) row.append(draw(node.controls, `${path}.controls`, ctx));
    return row;
  },
};

function media(tag, node, path, ctx) {
  const el = h(tag, { controls: true, preload: "metadata", class: `cc-${tag}`, ...groupName(node, path, ctx, tag) });
  if (node.loop) el.loop = true;
  let played = false;
  let ended = false;
  const start = () => { if (!played) { played = true; el.dataset.played = "1"; ctx.refresh(); } };
  for (const name of ["play", "playing", "timeupdate"]) el.addEventListener(name, start);
  el.addEventListener("ended", () => { ended = true; ctx.refresh(); });
  ctx.watch(() => { const url = safeUrl(resolve(node.url, ctx)); if (el.getAttribute("src") !== url) el.src = url; });
  ctx.self = { played: () => played, playedFully: () => ended };
  return el;
}

const COMPONENTS = { ...VIEWS, ...FIELDS };

// Label, hint and validation around any component.
function frame(node, el, path, ctx, self) {
  const label = node.label !== undefined ? asText(resolve(node.label, ctx)) : "";
  const wrapper = h("div", { class: "cc-component", "data-path": path });
  if (label && !node.type.startsWith("field.checkbox")) wrapper.append(h("div", { class: "cc-label", id: `${ctx.id}-${path}-label` }, label));
  wrapper.append(el);
  if (node.hint) wrapper.append(h("div", { class: "cc-hint muted" }, asText(resolve(node.hint, ctx))));
  if (node.validation) {
    const problem = h("div", { class: "cc-invalid", role: "alert", hidden: true });
    wrapper.append(problem);
    ctx.validators.push(() => {
      let ok;
      try { ok = evaluate(node.validation, ctx, self); } catch (err) { ok = false; problem.textContent = err.message; }
      const hint = node.validation.hint ? asText(resolve(node.validation.hint, ctx)) : "This is required";
      problem.hidden = ok;
      if (!ok) problem.textContent = hint;
      wrapper.classList.toggle("invalid", !ok);
      return ok ? null : { element: wrapper, hint };
    });
  }
  return wrapper;
}

export function draw(node, path, ctx) {
  if (node === undefined || node === null) return document.createTextNode("");
  if (typeof node !== "object") return document.createTextNode(asText(node));
  const kind = String(node.type || "").replace(/^@/, "");
  const make = COMPONENTS[kind];
  if (!make) return errorBox(`Unknown component: ${kind || "(no type)"} at ${path}`);
  try {
    ctx.self = { data: node.data };
    const el = make(node, path, ctx);
    const self = { data: node.data, ...ctx.self };
    ctx.self = null;
    return frame(node, el, path, ctx, self);
  } catch (err) {
    return errorBox(`Cannot draw ${kind} at ${path}: ${err.message}`);
  }
}

// One task: its context, its element, and `validate()` returning the list of problems.
export function renderTask({ config, task, index, markdown, upload, maxUpload, onChange }) {
  const updaters = [];
  const ctx = {
    id: `t${index}`, index, inputs: task.input_values || {}, outputs: {}, locals: {}, markdown,
    validators: [], upload, maxUpload, pending: 0, self: null,
    watch(fn) { updaters.push(fn); fn(); },
    refresh() { for (const fn of updaters) fn(); if (onChange) onChange(ctx); },
  };
  const element = h("article", { class: "task card", "data-task": index, "aria-label": `Task ${index + 1}`, tabindex: "-1" });
  element.append(h("p", { class: "task-badge", "aria-hidden": "true" }, `Task ${index + 1}`), draw(config.view, "view", ctx));
  return { ctx, element, validate: () => ctx.validators.map((v) => v()).filter(Boolean) };
}

// plugin.toloka (layout) and plugin.hotkeys, read once per page.
export function readPlugins(config) {
  const out = { taskWidth: null, kind: "scroll", hotkeys: {} };
  for (const plugin of config.plugins || []) {
    if (plugin.type === "plugin.toloka") {
      out.taskWidth = plugin.layout && plugin.layout.taskWidth ? Number(plugin.layout.taskWidth) : null;
      out.kind = (plugin.layout && plugin.layout.kind) || "scroll";
    } else if (plugin.type === "plugin.hotkeys") {
      for (const [key, action] of Object.entries(plugin)) if (key !== "type") out.hotkeys[key] = action;
    }
  }
  return out;
}
