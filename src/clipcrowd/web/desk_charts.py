"""The desk's charts as SVG images: `/desk/pools/{id}/charts/{name}.svg` and
`/desk/projects/{id}/charts/{name}.svg` (the same four across a project's pools).

The figures come from `services.desk_charts` (counted by the database); this module only words
them — titles, axis names, the text alternative listing every value — and hands them to `charts`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clipcrowd.domain.errors import NotFound
from clipcrowd.http.deps import object_id
from clipcrowd.services import desk_charts
from clipcrowd.services.desk_charts import Scope
from clipcrowd.store.db import Database
from clipcrowd.web import charts
from clipcrowd.web._session import PageRequester

router = APIRouter(prefix="/desk", include_in_schema=False)
DASH = "\u2013"  # an en dash between the ends of a range
SVG_CSP = "default-src 'none'; frame-ancestors 'self'"  # an image: nothing to load, nothing to run


def _svg(body: str) -> Response:
    return Response(body, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "private, max-age=15"})


@router.get("/pools/{pool_id}/charts/{name}.svg")
def pool_chart(request: Request, _: PageRequester, pool_id: str, name: str) -> Response:
    db = request.app.state.db
    return _svg(draw(db, desk_charts.scope(db, "pool", object_id(pool_id, "pool")), name))


@router.get("/projects/{project_id}/charts/{name}.svg")
def project_chart(request: Request, _: PageRequester, project_id: str, name: str) -> Response:
    db = request.app.state.db
    return _svg(draw(db, desk_charts.scope(db, "project", object_id(project_id, "project")), name))


def draw(db: Database, scope: Scope, name: str) -> str:
    if name not in DRAW:
        raise NotFound(f"no chart {name[:40]!r}; charts: {', '.join(desk_charts.CHARTS)}")
    return DRAW[name](desk_charts.FIGURES[name](db, scope), scope)


def _where(scope: Scope) -> str:
    return f"pool {scope.name}" if scope.kind == "pool" else f"all pools of project {scope.name}"


def _seconds(width: int) -> str:
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if width >= size and width % size == 0:
            n = width // size
            return f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''}"
    return f"{width} s"


def _listing(pairs: list[tuple[str, str]], limit: int = 30) -> str:
    shown = "; ".join(f"{label}: {value}" for label, value in pairs[:limit])
    return shown + (f"; and {len(pairs) - limit} more" if len(pairs) > limit else "")


def _completion(data: dict[str, Any], scope: Scope) -> str:
    wanted, width = data["wanted"], data["width"]
    buckets: list[tuple[datetime, int]] = data["buckets"]
    days = len({start.date() for start, _ in buckets}) > 1
    fmt = "%d %b" if width >= 86400 else ("%d %b %H:%M" if days else "%H:%M")
    labels, values, total = [], [], 0
    for start, n in buckets:
        total += n
        labels.append(start.strftime(fmt))
        values.append(round(min(100.0, 100.0 * total / wanted), 1) if wanted else 0.0)
    summary = (f"{data['answers']} answers of {wanted} wanted received, {values[-1] if values else 0}% complete"
               + (f"; share complete at the end of each {_seconds(width)} (UTC): " if buckets else "; no answers yet"))
    return charts.line(charts.Chart(
        title=f"Completion over time, {_where(scope)}", desc=summary + _listing(
            [(label, f"{v}%") for label, v in zip(labels, values, strict=True)]),
        x_label="time (UTC)", y_label="% complete", labels=labels, series=[charts.Series("complete", values)],
        y_max=100, unit="%"))


def _answers_per_worker(data: dict[str, Any], scope: Scope) -> str:
    if "named" in data:
        labels = [login for login, _ in data["named"]]
        values = [n for _, n in data["named"]]
        x_label = "worker (most answers first)"
        listing = [(login, str(n)) for login, n in data["named"]]
    else:
        labels = [f"{low}{DASH}{high - 1}" if high - low > 1 else str(low) for low, high, _ in data["bins"]]
        values = [k for _, _, k in data["bins"]]
        x_label = "answers given (workers per range)"
        listing = [(f"{label} answers", f"{k} workers") for label, k in zip(labels, values, strict=True)]
    return charts.bars(charts.Chart(
        title=f"Answers per worker, {_where(scope)}",
        desc=f"{data['workers']} workers answered. " + _listing(listing), x_label=x_label,
        y_label="answers" if "named" in data else "workers", labels=labels, series=[charts.Series("answers", values)]))


def _quality(data: dict[str, Any], scope: Scope) -> str:
    bins = len(data["golden"])
    labels = [f"{100 * i // bins}{DASH}{100 * (i + 1) // bins}%" for i in range(bins)]
    series = [charts.Series("golden accuracy", data["golden"])]
    text = f"Workers by golden accuracy: {_listing(list(zip(labels, map(str, data['golden']), strict=True)))}."
    if data["aggregated"] is not None:
        name = f"{data['method']} quality ({data['field']})"
        series.append(charts.Series(name, data["aggregated"]))
        text += f" Workers by {name}, the latest aggregation run: " + _listing(
            list(zip(labels, map(str, data["aggregated"]), strict=True))) + "."
    else:
        text += " No aggregation run has rated the workers yet."
    return charts.bars(charts.Chart(
        title=f"Worker quality, {_where(scope)}", desc=text, x_label="quality", y_label="workers",
        labels=labels, series=series))


def _submit_times(data: dict[str, Any], scope: Scope) -> str:
    width = data["width"]
    bins = data["bins"]
    unit, size = next(((u, n) for u, n in (("d", 86400), ("h", 3600), ("min", 60)) if width >= n and width % n == 0),
                      ("s", 1))
    labels = [f"{low // size}{DASH}{high // size} {unit}" for low, high, _ in bins]
    markers = [charts.Marker(t / width, f"fast < {t:g} s") for t in data["thresholds"][:3]] if width else []
    if data["thresholds"]:
        rule = "fast-submit threshold " + ", ".join(f"{t:g} s" for t in data["thresholds"]) + " (quality rules)"
    else:
        rule = "no fast-submit rule"
    return charts.bars(charts.Chart(
        title=f"Time to submit a suite, {_where(scope)}",
        desc=f"{data['suites']} suites submitted; {rule}. Suites per {_seconds(width) if width else ''} range: "
             + _listing([(label, str(n)) for label, (_, _, n) in zip(labels, bins, strict=True)]),
        x_label="time from taking to submitting", y_label="suites", labels=labels,
        series=[charts.Series("suites", [n for _, _, n in bins])], markers=markers))


DRAW = {"completion": _completion, "answers-per-worker": _answers_per_worker, "quality": _quality,
        "submit-times": _submit_times}
