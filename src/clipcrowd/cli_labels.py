"""``clipcrowd labels [JOB_ID] [OUTPUT_FILE]``: a camera import job's labels as JSON, CSV or XML.

Without JOB_ID the jobs are listed (and written to ``job_list.json``). The token comes from
``-a``, else ``CLIPCROWD_TOKEN``, else ``CAMIO_OAUTH_TOKEN``. The output is written to a temporary
file and renamed, so an interrupted download never leaves a truncated file. Exit 1 on a usage or
server error.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console(stderr=True)
MAX_WHITELIST = 10_000


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def _whitelist(inline: str | None, file: Path | None) -> list[str] | None:
    if inline is None and file is None:
        return None
    labels: list[Any] = []
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read -f {file}: {exc}")
        try:
            loaded = json.loads(text)
            labels += loaded if isinstance(loaded, list) else [loaded]
        except json.JSONDecodeError:
            labels += [line.strip() for line in text.splitlines() if line.strip()]
    if inline is not None:
        try:
            loaded = json.loads(inline)
        except json.JSONDecodeError as exc:
            _fail(f"-w must be a JSON list of labels: {exc.msg} at column {exc.colno}")
        if not isinstance(loaded, list):
            _fail("-w must be a JSON list of labels, e.g. '[\"dog\", \"car\"]'")
        labels += loaded
    if len(labels) > MAX_WHITELIST or not all(isinstance(x, str) for x in labels):
        _fail(f"the whitelist must hold at most {MAX_WHITELIST} strings")
    return [str(x) for x in labels]


def labels_command(
    job_id: Annotated[str | None, typer.Argument(help="The import job (none: list the jobs).")] = None,
    output_file: Annotated[Path | None, typer.Argument(help="Where to write (default {job_id}_results.<fmt>).")]
    = None,
    output: Annotated[Path | None, typer.Option("-o", "--output_file", "--output", help="Same as OUTPUT_FILE.")]
    = None,
    token: Annotated[str | None, typer.Option("-a", "--token", "--access_token", help="Requester token.")] = None,
    as_csv: Annotated[bool, typer.Option("-c", "--csv", help="CSV (long format).")] = False,
    as_xml: Annotated[bool, typer.Option("-x", "--xml", help="XML.")] = False,
    whitelist: Annotated[str | None, typer.Option("-w", help="JSON list: keep only these labels.")] = None,
    whitelist_file: Annotated[Path | None, typer.Option("-f", help="File with a JSON list (or one label a line).")]
    = None,
    include_internal: Annotated[bool, typer.Option("--include-internal", help="Keep _-prefixed and hash labels.")]
    = False,
    iso_z: Annotated[bool, typer.Option("--iso-z", help="Times end in Z instead of -0000.")] = False,
    server: Annotated[str, typer.Option("-t", "--server", envvar="CLIPCROWD_URL", help="clipcrowd server URL.")]
    = "http://127.0.0.1:8080",
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet")] = False,
) -> None:
    """Download the labels of a camera import job's motion events."""
    from clipcrowd.export import camera_labels
    from clipcrowd.ingest.camera.client import Server, ServerError

    logging.getLogger("clipcrowd").setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)
    if output_file is not None and output is not None:
        _fail("give the output file once: OUTPUT_FILE or -o, not both")
    if as_csv and as_xml:
        _fail("-c and -x exclude each other")
    fmt = "csv" if as_csv else "xml" if as_xml else "json"
    allowed = _whitelist(whitelist, whitelist_file)
    token = token or os.environ.get("CLIPCROWD_TOKEN") or os.environ.get("CAMIO_OAUTH_TOKEN")
    if not token:
        _fail("a requester token is needed: -a, CLIPCROWD_TOKEN or CAMIO_OAUTH_TOKEN")
    session = Server(server, token, tries=3)
    try:
        if job_id is None:
            listing = _jobs(session)
            camera_labels.write_atomic(Path("job_list.json"), json.dumps(listing, indent=2) + "\n")
            typer.echo(json.dumps(listing, indent=2))
            return
        job = session.call("GET", f"/api/v1/camera-imports/{job_id}")
        events = list(_events(session, job["job_id"]))
    except ServerError as exc:
        _fail(str(exc))
        return
    finally:
        session.close()
    doc = camera_labels.build(job, events, whitelist=allowed, include_internal=include_internal, iso_z=iso_z)
    target = output_file or output or Path(f"{job['job_id']}_results.{fmt}")
    try:
        camera_labels.write_atomic(target, camera_labels.RENDER[fmt](doc))
    except OSError as exc:
        _fail(f"cannot write {target}: {exc.strerror or exc}")
    if not quiet:
        console.print(f"job {job['job_id']}: {len(doc['labels'])} labelled event time(s) of {len(events)} event(s) "
                      f"written to {target}")
    typer.echo(str(target))


def _jobs(session: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cursor = None
    while True:
        params = {"limit": "500", **({"id_gt": cursor} if cursor else {})}
        page = session.call("GET", "/api/v1/camera-imports", params=params)
        for job in page["items"]:
            out[job["job_id"]] = {"start_time": job["request"].get("earliest_date"),
                                  "end_time": job["request"].get("latest_date"),
                                  "item_count": job["request"].get("item_count"), "status": job["status"],
                                  "shard_count": len(job["shard_map"])}
        if not page["has_more"] or not page["items"]:
            return out
        cursor = page["items"][-1]["job_id"]


def _events(session: Any, job_id: str) -> Any:
    cursor = None
    while True:
        params = {"job_id": job_id, "limit": "1000", **({"id_gt": cursor} if cursor else {})}
        page = session.call("GET", "/api/v1/events", params=params)
        yield from page["items"]
        if not page["has_more"] or not page["items"]:
            return
        cursor = page["items"][-1]["id"]
