// The API reference page: the operations of /openapi.json as a plain list, built with text nodes only.
import { h } from "./dom.js";

const box = document.getElementById("operations");

function schemaText(schema) {
  return schema ? JSON.stringify(schema, null, 2) : "";
}

function operation(path, method, op) {
  const params = (op.parameters || []).map((p) => h("li", {}, `${p.name} (${p.in}${p.required ? ", required" : ""})`));
  const body = op.requestBody && op.requestBody.content ? op.requestBody.content["application/json"] : null;
  return h("details", { class: "operation" },
    h("summary", {}, h("code", {}, `${method.toUpperCase()} ${path}`), ` ${op.summary || ""}`),
    op.description ? h("p", {}, op.description) : "",
    params.length ? h("ul", {}, ...params) : "",
    body ? h("pre", {}, schemaText(body.schema)) : "");
}

try {
  const response = await fetch("/openapi.json", { credentials: "same-origin" });
  const spec = await response.json();
  const items = [];
  for (const [path, methods] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(methods)) items.push(operation(path, method, op));
  }
  box.replaceChildren(h("p", {}, `${items.length} operations, clipcrowd ${spec.info.version}`), ...items);
} catch (err) {
  box.replaceChildren(h("p", { class: "error" }, `Could not read /openapi.json: ${err.message}`));
}
