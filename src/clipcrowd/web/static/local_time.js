// Dates in the reader's own time zone: every <time data-local datetime="…"> gets its text rewritten
// (the server writes UTC, which stays when scripts are off).
const format = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
for (const el of document.querySelectorAll("time[data-local]")) {
  const when = new Date(el.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime())) el.textContent = format.format(when);
}
