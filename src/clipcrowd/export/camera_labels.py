"""A camera import job's labels as JSON, CSV or XML, in the shapes the legacy label download wrote.

JSON: ``{job_id, earliest_date, latest_date, labels: {"<start>": {camera, cameras, labels}}}`` with
keys = event start in UTC with milliseconds and a ``-0000`` offset (``Z`` with ``iso_z``), sorted.
Two cameras with an event at the same millisecond share one key and both appear under ``cameras``
(the singular ``camera`` is the first of them, as the legacy script emitted); ``labels`` is the
sorted union. CSV is long format, one row per (event, camera, label). XML nests
``job/event/camera/label``. Events without labels are left out; internal labels (``_``-prefixed,
40-hex hashes) are dropped unless asked for; a whitelist keeps only the labels it names.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMATS = ("json", "csv", "xml")
CSV_HEADER = ("job_id", "timestamp", "camera_name", "camera_id", "label")
_HASH = re.compile(r"^[0-9a-f]{40}$")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def stamp(value: str, iso_z: bool = False) -> str:
    """An ISO time (naive = UTC) as ``YYYY-mm-ddTHH:MM:SS.fff-0000`` (or ``...Z``)."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    text = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}"
    return text + ("Z" if iso_z else "-0000")


def keep(label: str, whitelist: set[str] | None, include_internal: bool) -> bool:
    if not include_internal and (label.startswith("_") or _HASH.match(label)):
        return False
    return whitelist is None or label in whitelist


def build(job: Mapping[str, Any], events: Iterable[Mapping[str, Any]], *, whitelist: Iterable[str] | None = None,
          include_internal: bool = False, iso_z: bool = False) -> dict[str, Any]:
    """The JSON document for ``job`` (its request has the time window) and its ``events``."""
    allowed = set(whitelist) if whitelist is not None else None
    request = job.get("request", {})
    by_time: dict[str, dict[str, Any]] = {}
    for event in events:
        labels = sorted({str(x) for x in event.get("labels", []) if keep(str(x), allowed, include_internal)})
        if not labels:
            continue
        key = stamp(event["start"], iso_z)
        camera = event["camera"]
        slot = by_time.setdefault(key, {"camera": {"name": camera["name"], "camera_id": camera["camera_id"]},
                                        "cameras": {}, "labels": []})
        mine = slot["cameras"].setdefault(camera["name"], {"name": camera["name"], "camera_id": camera["camera_id"],
                                                           "labels": []})
        mine["labels"] = sorted(set(mine["labels"]) | set(labels))
        slot["labels"] = sorted(set(slot["labels"]) | set(labels))
    return {"job_id": job["job_id"],
            "earliest_date": stamp(request["earliest_date"], iso_z) if request.get("earliest_date") else None,
            "latest_date": stamp(request["latest_date"], iso_z) if request.get("latest_date") else None,
            "labels": dict(sorted(by_time.items()))}


def to_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_csv(doc: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for when, slot in doc["labels"].items():
        for name, camera in sorted(slot["cameras"].items()):
            for label in camera["labels"]:
                writer.writerow([doc["job_id"], when, name, camera["camera_id"], label])
    return out.getvalue()


def _clean(text: Any) -> str:
    return _XML_ILLEGAL.sub("", "" if text is None else str(text))


def to_xml(doc: Mapping[str, Any]) -> str:
    root = ET.Element("job", {"id": _clean(doc["job_id"]), "earliest_date": _clean(doc["earliest_date"]),
                              "latest_date": _clean(doc["latest_date"])})
    for when, slot in doc["labels"].items():
        event = ET.SubElement(root, "event", {"timestamp": _clean(when)})
        for name, camera in sorted(slot["cameras"].items()):
            node = ET.SubElement(event, "camera", {"name": _clean(name), "camera_id": _clean(camera["camera_id"])})
            for label in camera["labels"]:
                ET.SubElement(node, "label").text = _clean(label)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


RENDER = {"json": to_json, "csv": to_csv, "xml": to_xml}


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) next to ``path`` and rename it there: a failed run leaves no half file."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
