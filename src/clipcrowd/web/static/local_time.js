// Dates the server writes in UTC (<time datetime="…Z" data-local>) shown in the reader's own time zone.

for (const el of document.querySelectorAll("time[data-local]")) {
  const d = new Date(el.getAttribute("datetime"));
  if (Number.isNaN(d.getTime())) continue;
  el.title = el.textContent;
  el.textContent = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
