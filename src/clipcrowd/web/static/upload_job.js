// A large task upload runs as a job: ask for this page again until the job is finished, then show
// its report in place (no timed reload of the whole page; the status line is a live region).

const RUNNING = new Set(["queued", "processing", "shards_missing"]);
// A file just past the inline size is done in well under a second: the first look comes soon, and the
// looks after it grow apart (x1.5, to one every 10 s) so a long job is not asked about on a short tick.
const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 10000;

async function poll(wait) {
  let fresh;
  try {
    const response = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    setTimeout(() => poll(Math.min(wait * 2, LONGEST_WAIT_MS)), wait);
    return;
  }
  const state = fresh.querySelector("[data-upload-job]");
  const status = state?.getAttribute("data-upload-job");
  if (state && RUNNING.has(status)) {
    const shown = document.querySelector("[data-upload-job]");
    if (shown && shown.getAttribute("data-upload-job") !== status) shown.replaceWith(document.importNode(state, true));
    setTimeout(() => poll(Math.min(wait * 1.5, LONGEST_WAIT_MS)), wait);
    return;
  }
  const card = fresh.querySelector("#upload-card");
  if (card) {
    document.querySelector("#upload-card").replaceWith(document.importNode(card, true));
    const notice = document.querySelector("#upload-card [role=status], #upload-card [role=alert]");
    if (notice) { notice.setAttribute("tabindex", "-1"); notice.focus(); }
  }
}

if (document.querySelector("[data-upload-job]")) setTimeout(() => poll(FIRST_WAIT_MS), FIRST_WAIT_MS);
