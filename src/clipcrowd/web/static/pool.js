// The pool page: while an aggregation run it started is RUNNING, poll its operation and reload the
// page when it ends (the server then draws the outcome and the stored results).

import { apiJson } from "./dom.js";

const state = document.querySelector("[data-testid=aggregation-state][data-status=RUNNING]");

async function watch(id) {
  try {
    const op = await apiJson(`/api/v1/operations/${encodeURIComponent(id)}`);
    if (op.status !== "RUNNING" && op.status !== "PENDING") { window.location.reload(); return; }
  } catch (err) {
    state.append(` (could not check: ${err.message})`);
    return;
  }
  setTimeout(() => watch(id), 500);
}

if (state) watch(state.dataset.operation);
document.body.dataset.ready = "1";
