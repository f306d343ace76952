// Values and conditions of the task interface JSON: data.*, helper.*, condition.*.
// One context per task: {inputs, outputs, locals, refresh()}; `self` is the component asking
// (its `data` reference and whether its media was played).

export function getPath(obj, path) {
  let value = obj;
  for (const part of String(path ?? "").split(".").filter(Boolean)) {
    if (value === null || value === undefined) return undefined;
    value = value[part];
  }
  return value;
}

function setPath(obj, path, value) {
  const parts = String(path).split(".");
  let target = obj;
  for (const part of parts.slice(0, -1)) {
    if (typeof target[part] !== "object" || target[part] === null) target[part] = {};
    target = target[part];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
}

const kindOf = (node) => (node && typeof node === "object" && typeof node.type === "string" ? node.type.replace(/^@/, "") : null);

export function isDataRef(node) {
  return ["data.input", "data.output", "data.local"].includes(kindOf(node));
}

export function readData(ref, ctx) {
  const kind = kindOf(ref);
  const store = kind === "data.input" ? ctx.inputs : kind === "data.output" ? ctx.outputs : ctx.locals;
  const value = getPath(store, ref.path);
  return value === undefined ? ref.default : value;
}

export function writeData(ref, value, ctx) {
  const kind = kindOf(ref);
  if (kind === "data.output") setPath(ctx.outputs, ref.path, value);
  else if (kind === "data.local") setPath(ctx.locals, ref.path, value);
  else throw new Error(`cannot write to ${kind || "a constant"}`);
  ctx.refresh();
}

export function isEmpty(value) {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

export function asText(value) {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function resolve(node, ctx, self = {}) {
  if (Array.isArray(node)) return node.map((x) => resolve(x, ctx, self));
  const kind = kindOf(node);
  if (!kind) return node;
  if (isDataRef(node)) return readData(node, ctx);
  if (kind === "helper.join") {
    const by = node.by === undefined ? "" : asText(resolve(node.by, ctx, self));
    return (node.items || []).map((x) => asText(resolve(x, ctx, self))).join(by);
  }
  if (kind === "helper.if") {
    return evaluate(node.condition, ctx, self) ? resolve(node.then, ctx, self) : resolve(node.else, ctx, self);
  }
  if (kind.startsWith("condition.")) return evaluate(node, ctx, self);
  return node; // a component: drawn by the renderer
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function evaluate(cond, ctx, self = {}) {
  if (cond === undefined || cond === null) return true;
  if (typeof cond === "boolean") return cond;
  const kind = kindOf(cond);
  const subject = () => (cond.data !== undefined ? resolve(cond.data, ctx, self) : self.data ? readData(self.data, ctx) : undefined);
  switch (kind) {
    case "condition.required": return !isEmpty(subject());
    case "condition.empty": return isEmpty(subject());
    case "condition.played": return Boolean(self.played && self.played());
    case "condition.played-fully": return Boolean(self.playedFully && self.playedFully());
    case "condition.all": return (cond.conditions || []).every((c) => evaluate(c, ctx, self));
    case "condition.any": return (cond.conditions || []).some((c) => evaluate(c, ctx, self));
    case "condition.not": return !evaluate(cond.condition, ctx, self);
    case "condition.equals": return same(subject(), resolve(cond.to, ctx, self));
    default: throw new Error(`Unknown condition: ${cond && cond.type}`);
  }
}
