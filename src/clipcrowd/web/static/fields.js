// field.* components: each reads and writes its `data` reference and re-syncs on every change
// (so hotkeys and helper.if see the same value the control shows).

import { asText, readData, resolve, writeData } from "./expr.js";
import { h } from "./dom.js";
import { mediaFile } from "./media_file.js";

let serial = 0;
const uid = (ctx, path) => `${ctx.id}-${path.replace(/\W/g, "-")}-${serial++}`;
const options = (node, ctx) => (resolve(node.options, ctx) || []).map((o) => ({ value: o.value, label: asText(resolve(o.label, ctx)) }));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// The accessible name of a group: its question label (drawn by render.js's frame with this id),
// or, for a group without one, what it is and which task it belongs to.
export function groupName(node, path, ctx, what) {
  return node.label !== undefined && asText(resolve(node.label, ctx))
    ? { "aria-labelledby": `${ctx.id}-${path}-label` } : { "aria-label": `${what[0].toUpperCase()}${what.slice(1)} of task ${ctx.index + 1}` };
}

function radioGroup(node, path, ctx) {
  const name = uid(ctx, path);
  const box = h("fieldset", { class: "cc-radio-group", role: "radiogroup", ...groupName(node, path, ctx, "choice") });
  const inputs = options(node, ctx).map((opt) => {
    const input = h("input", { type: "radio", name, onchange: () => writeData(node.data, opt.value, ctx) });
    box.append(h("label", { class: "choice" }, input, " ", opt.label));
    return [input, opt];
  });
  ctx.watch(() => { const v = readData(node.data, ctx); for (const [input, opt] of inputs) input.checked = same(v, opt.value); });
  return box;
}

function buttonRadioGroup(node, path, ctx) {
  const box = h("div", { class: "cc-button-group", role: "group", ...groupName(node, path, ctx, "choice") });
  const buttons = options(node, ctx).map((opt) => {
    const button = h("button", { type: "button", class: "choice-button", "data-value": asText(opt.value),
      onclick: () => writeData(node.data, opt.value, ctx) }, opt.label);
    box.append(button);
    return [button, opt];
  });
  ctx.watch(() => {
    const v = readData(node.data, ctx);
    for (const [button, opt] of buttons) button.setAttribute("aria-pressed", String(same(v, opt.value)));
  });
  return box;
}

function checkbox(node, path, ctx) {
  const input = h("input", { type: "checkbox", onchange: () => writeData(node.data, input.checked, ctx) });
  if (readData(node.data, ctx) === undefined && !node.disabled) writeData(node.data, false, ctx);
  ctx.watch(() => { input.checked = Boolean(readData(node.data, ctx)); });
  return h("label", { class: "choice" }, input, " ", asText(resolve(node.label, ctx)));
}

function checkboxGroup(node, path, ctx) {
  const box = h("fieldset", { class: "cc-checkbox-group", ...groupName(node, path, ctx, "choices") });
  const inputs = options(node, ctx).map((opt) => {
    const input = h("input", { type: "checkbox", onchange: () => {
      const chosen = (readData(node.data, ctx) || []).filter((v) => !same(v, opt.value));
      if (input.checked) chosen.push(opt.value);
      writeData(node.data, chosen.length ? chosen : undefined, ctx);
    } });
    box.append(h("label", { class: "choice" }, input, " ", opt.label));
    return [input, opt];
  });
  ctx.watch(() => {
    const chosen = readData(node.data, ctx) || [];
    for (const [input, opt] of inputs) input.checked = chosen.some((v) => same(v, opt.value));
  });
  return box;
}

function textInput(tag) {
  return (node, path, ctx) => {
    const attrs = { placeholder: asText(resolve(node.placeholder, ctx)) || null, "aria-label": asText(resolve(node.label, ctx)) || "answer" };
    const input = tag === "textarea" ? h("textarea", { rows: node.rows || 3, ...attrs }) : h("input", { type: "text", ...attrs });
    input.addEventListener("input", () => writeData(node.data, input.value === "" ? undefined : input.value, ctx));
    ctx.watch(() => { const v = asText(readData(node.data, ctx)); if (input.value !== v) input.value = v; });
    return input;
  };
}

function select(node, path, ctx) {
  const opts = options(node, ctx);
  const el = h("select", { "aria-label": asText(resolve(node.label, ctx)) || "choice" },
    h("option", { value: "" }, asText(resolve(node.placeholder, ctx)) || "Choose…"),
    opts.map((opt, i) => h("option", { value: String(i) }, opt.label)));
  el.addEventListener("change", () => writeData(node.data, el.value === "" ? undefined : opts[Number(el.value)].value, ctx));
  ctx.watch(() => { const v = readData(node.data, ctx); const i = opts.findIndex((o) => same(o.value, v)); el.value = i < 0 ? "" : String(i); });
  return el;
}

export const FIELDS = {
  "field.radio-group": radioGroup,
  "field.button-radio-group": buttonRadioGroup,
  "field.checkbox": checkbox,
  "field.checkbox-group": checkboxGroup,
  "field.text": textInput("input"),
  "field.textarea": textInput("textarea"),
  "field.select": select,
  "field.media-file": mediaFile,
};

// plugin.hotkeys actions on one task.
export function runAction(action, ctx) {
  if (!action || typeof action !== "object") return false;
  if (action.type === "action.set") { writeData(action.data, resolve(action.payload, ctx), ctx); return true; }
  if (action.type === "action.toggle") { writeData(action.data, !readData(action.data, ctx), ctx); return true; }
  if (action.type === "action.bulk") { for (const a of action.payload || []) runAction(a, ctx); return true; }
  return false;
}
