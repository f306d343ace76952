// Times in the reader's own zone and language: every <time datetime="…"> holding an ISO date-time
// (the server writes UTC with a Z) gets its text from Intl; the ISO stays in the attribute, and the
// full UTC value in the title. Exported for the pages that add <time> elements themselves.

const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function localTime(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? null : FORMAT.format(when);
}

export function timeElement(h, iso) {
  const shown = localTime(iso);
  return h("time", { datetime: iso, title: iso }, shown ?? iso);
}

export function localise(root = document) {
  for (const el of root.querySelectorAll("time[datetime]")) {
    const shown = localTime(el.getAttribute("datetime"));
    if (shown) { el.title = el.getAttribute("datetime"); el.textContent = shown; }
  }
}

localise();
