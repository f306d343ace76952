"""`clipcrowd jobs`: list and inspect jobs on a server, or run a job worker on this machine.

`list`, `show` and `items` speak to a server (`--url`, `--token`); `work` runs shards straight from
the database (`CLIPCROWD_DATABASE_URL`), as a dedicated worker machine next to the servers would.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from datetime import timedelta
from typing import Annotated, Any

import typer

from clipcrowd.cli_common import TokenOpt, UrlOpt, need_token, user_errors

jobs_app = typer.Typer(help="Jobs: long work split into shards (list, show, items, cancel, work).",
                       no_args_is_help=True)

DEFAULT_URL = "http://127.0.0.1:8080"


def _call(url: str, token: str | None, what: Any) -> Any:
    """Run ``what(client)``; a refusal or an unreachable server is one line and exit code 2."""
    from clipcrowd.client import Client  # here, not above: `clipcrowd jobs work` and other commands need no client

    with user_errors(url), Client(url, need_token(token)) as client:
        return what(client)


@jobs_app.command("list")
def list_jobs(
    kind: Annotated[str | None, typer.Option(help="Only jobs of this kind.")] = None,
    status: Annotated[str | None, typer.Option(help="Only these statuses (comma-separated).")] = None,
    url: UrlOpt = DEFAULT_URL, token: TokenOpt = None,
) -> None:
    """One line per job: id, kind, status, items processed/failed of expected, created."""
    found = _call(url, token, lambda c: c.get_jobs(kind=kind, status=status))
    for job in found:
        c = job["counts"]
        typer.echo(f"{job['job_id']}  {job['kind']:<24} {job['status']:<20} {c['processed']}/{c['expected']} done"
                   f"  {c['failed']} failed  {job.get('created_at', '')}")


@jobs_app.command()
def show(job_id: str, url: UrlOpt = DEFAULT_URL, token: TokenOpt = None) -> None:
    """The job object (request, shard map, status, counts) as JSON."""
    typer.echo(json.dumps(_call(url, token, lambda c: c.get_job(job_id)), indent=1))


@jobs_app.command()
def cancel(job_id: str, url: UrlOpt = DEFAULT_URL, token: TokenOpt = None) -> None:
    """Stop a job: shards not yet finished never run, a running one stops at its next item."""
    job = _call(url, token, lambda c: c.cancel_job(job_id))
    typer.echo(f"{job['job_id']}  {job['kind']}  {job['status']}")


@jobs_app.command()
def items(
    job_id: str,
    status: Annotated[str | None, typer.Option(help="pending, done, failed or skipped (comma-separated).")] = None,
    url: UrlOpt = DEFAULT_URL, token: TokenOpt = None,
) -> None:
    """A job's items, one JSON object per line."""
    for item in _call(url, token, lambda c: c.get_job_items(job_id, status=status)):
        typer.echo(json.dumps(item))


@jobs_app.command()
def work(
    home: Annotated[str | None, typer.Option("--home", help="Data directory (CLIPCROWD_HOME).")] = None,
    until_idle: Annotated[bool, typer.Option(help="Leave once no shard is left to claim.")] = False,
) -> None:
    """Run shards from the database in this process until interrupted (or, with --until-idle, done)."""
    from clipcrowd.cli_common import load_settings, open_database
    from clipcrowd.jobs import run_pending, worker
    from clipcrowd.services import job_executor

    settings = load_settings(home=home)
    db = open_database(settings)
    context = job_executor.context(settings)
    lease = timedelta(seconds=settings.job_lease_seconds)
    if until_idle:
        ran = run_pending(db, context, lease=lease)
        db.dispose()
        typer.echo(f"{ran} shard(s) run")
        return
    db.dispose()
    stop, wake = threading.Event(), threading.Event()

    def leave(*_: object) -> None:  # SIGTERM: finish the shard in hand, then stop
        stop.set()
        wake.set()

    signal.signal(signal.SIGTERM, leave)
    with contextlib.suppress(KeyboardInterrupt):
        worker.run(settings.resolved_database_url, context, stop, wake, lease_seconds=lease.total_seconds())
