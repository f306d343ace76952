"""The `clipcrowd` command: serve, demo, tokens, workers, simulate.

Errors a user can cause end with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from clipcrowd.cli_common import HomeOpt, console, fail, load_settings, open_database
from clipcrowd.cli_jobs import jobs_app

app = typer.Typer(help="clipcrowd: build video and audio datasets with people in the loop.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
workers_app = typer.Typer(help="Worker accounts.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")
app.add_typer(workers_app, name="workers")
app.add_typer(jobs_app, name="jobs")


@app.command()
def init(home: HomeOpt = None) -> None:
    """Create the data directory and bring the database schema up to date."""
    settings = load_settings(home=home)
    open_database(settings)
    console.print(f"database ready: {settings.resolved_database_url}")


@app.command()
def serve(
    home: HomeOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes (PostgreSQL only).")] = None,
) -> None:
    """Run the server (HTTP/1.1): migrations first, then the API and the pages."""
    import uvicorn

    from clipcrowd.server import create_app, freeze_start_up
    from clipcrowd.services import auth
    from clipcrowd.store.db import ConnectionBudgetExceeded

    settings = load_settings(home=home, host=host, port=port, workers=workers)
    db = open_database(settings)
    try:
        db.check_connection_budget(settings.workers, settings.job_workers)
    except ConnectionBudgetExceeded as exc:
        db.dispose()
        fail(str(exc))
    auth.ensure_requester(db)
    # no clean-up of "interrupted" work here: other servers may share the database; a shard whose
    # worker died is claimed again when its lease lapses (clipcrowd.jobs)
    console.print(f"clipcrowd on http://{settings.host}:{settings.port}  (API: /api/v1, docs: /docs)")
    if settings.workers > 1:
        db.dispose()
        os.environ.update({"CLIPCROWD_HOME": str(settings.home),
                           "CLIPCROWD_DATABASE_URL": settings.resolved_database_url})
        uvicorn.run("clipcrowd.server:app_from_environment", factory=True, host=settings.host, port=settings.port,
                    workers=settings.workers, log_level=settings.log_level, http="httptools", loop=_loop(),
                    timeout_keep_alive=settings.keep_alive_seconds)
    else:
        served = create_app(settings, db)
        freeze_start_up()
        uvicorn.run(served, host=settings.host, port=settings.port, log_level=settings.log_level,
                    http="httptools", loop=_loop(), timeout_keep_alive=settings.keep_alive_seconds)


def _loop() -> str:
    """uvloop where it is installed (Linux, macOS), asyncio's own loop elsewhere."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


@app.command()
def demo(
    home: HomeOpt = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Set up a demo project and pool (once), print the token and URLs, then serve."""
    from clipcrowd.demo import ensure_demo

    settings = load_settings(home=home, port=port)
    db = open_database(settings)
    info = ensure_demo(db, settings)
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"requester token : {info['token']}")
    console.print(f"demo pool       : {info['pool_id']} (project {info['project_id']})")
    console.print(f"demo worker     : login {info['worker_login']} password {info['worker_password']}")
    console.print(f"API             : {base}/api/v1  (docs {base}/docs)")
    console.print(f"worker pages    : {base}/w   (sign in as the demo worker)")
    console.print(f"requester desk  : {base}/desk   (sign in with the requester token)")
    console.print(f"try             : clipcrowd simulate {info['pool_id']} --workers 10 --url {base} --token <token>")
    db.dispose()
    serve(home=home, host=None, port=port, workers=None)


@tokens_app.command("create")
def tokens_create(
    home: HomeOpt = None,
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "",
    expires_days: Annotated[int | None, typer.Option(min=1, help="Expire after this many days.")] = None,
) -> None:
    """Make a requester token and print it (it is stored hashed and cannot be shown again)."""
    from datetime import timedelta

    from clipcrowd.domain.timeutil import utcnow
    from clipcrowd.services import auth

    db = open_database(load_settings(home=home))
    requester_id = auth.ensure_requester(db)
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    typer.echo(auth.create_token(db, "requester", requester_id=requester_id, name=name, expires=expires))


@tokens_app.command("revoke")
def tokens_revoke(token: str, home: HomeOpt = None) -> None:
    """Revoke a token (requester or worker); it stops working at once, in every server process."""
    from clipcrowd.services import auth

    db = open_database(load_settings(home=home))
    if not auth.revoke(db, token.strip()):
        fail("no such token, or it was already revoked")
    typer.echo("revoked")


@workers_app.command("create")
def workers_create(
    login: str,
    home: HomeOpt = None,
    password: Annotated[str | None, typer.Option(help="Password for the web pages (8+ characters).")] = None,
    languages: Annotated[str, typer.Option(help="Comma-separated language codes.")] = "EN",
    client_type: Annotated[str, typer.Option(help="BROWSER or TOLOKA_APP.")] = "BROWSER",
) -> None:
    """Create a worker account; prints its API token."""
    from clipcrowd.domain.errors import ClipcrowdError
    from clipcrowd.services import workers

    db = open_database(load_settings(home=home))
    try:
        made = workers.create(db, {"login": login, "password": password, "client_type": client_type,
                                   "languages": [x.strip() for x in languages.split(",") if x.strip()]})
    except ClipcrowdError as exc:
        fail(exc.message)
        return
    typer.echo(f"worker {made['id']} ({made['login']}) token: {made['token']}")


@app.command()
def simulate(
    pool_id: str,
    workers: Annotated[int, typer.Option(min=1, max=5000, help="How many simulated workers.")] = 10,
    accuracy: Annotated[float, typer.Option(min=0.0, max=1.0, help="Chance of a true answer.")] = 0.9,
    spammers: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share answering at random.")] = 0.0,
    fast: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share submitting at once.")] = 0.0,
    think: Annotated[float, typer.Option(min=0.0, help="Seconds a normal worker spends per suite.")] = 0.0,
    timeout: Annotated[float, typer.Option(min=1.0, help="Give up after this many seconds.")] = 600.0,
    url: Annotated[str, typer.Option(envvar="CLIPCROWD_URL", help="Server URL.")] = "http://127.0.0.1:8080",
    token: Annotated[str | None, typer.Option(envvar="CLIPCROWD_TOKEN", help="Requester token.")] = None,
) -> None:
    """Dry-run a pool: simulated workers take suites through the worker API until it closes."""
    import aiohttp
    import httpx

    from clipcrowd.client.errors import ApiError
    from clipcrowd.sim import simulate as run

    if not token:
        fail("a requester token is needed: --token or CLIPCROWD_TOKEN")
        return
    try:
        report = run(url, token, pool_id, workers=workers, accuracy=accuracy, spammers=spammers, fast=fast,
                     think_seconds=think, timeout=timeout)
    except ApiError as exc:
        fail(f"{exc.code}: {exc.message}")
        return
    except (httpx.HTTPError, aiohttp.ClientError) as exc:
        fail(f"cannot reach {url}: {exc}")
        return
    stopped = ", ".join(f"{k} {v}" for k, v in sorted(report.stopped.items()))
    typer.echo(f"pool {pool_id}: {report.pool_status}; {report.round_trips} suites submitted by "
               f"{len(report.submitted)} workers in {report.seconds:.1f} s; workers stopped: {stopped}")


OUTPUT_FORMATS = (".csv", ".json", ".parquet")  # as clipcrowd.export.labels writes them


@app.command()
def aggregate(
    pool_id: str,
    method: Annotated[str, typer.Option(help="Aggregation method: ds, mv, wawa, glad, mace, ...")] = "ds",
    out: Annotated[Path, typer.Option(help="Labels file; .csv, .json or .parquet.")] = Path("labels.csv"),
    field: Annotated[str | None, typer.Option(help="Output field (default: the only label field).")] = None,
    include_submitted: Annotated[bool, typer.Option(help="Also use answers not yet accepted.")] = False,
    url: Annotated[str, typer.Option(envvar="CLIPCROWD_URL", help="Server URL.")] = "http://127.0.0.1:8080",
    token: Annotated[str | None, typer.Option(envvar="CLIPCROWD_TOKEN", help="Requester token.")] = None,
) -> None:
    """Aggregate a pool's answers on the server and write one label per task (task, label, confidence)."""
    import httpx

    from clipcrowd.client import ApiError, Client

    suffix = out.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        fail(f"cannot write {out.name!r}: the file name must end in one of {', '.join(OUTPUT_FORMATS)}")
        return
    if not token:
        fail("a requester token is needed: --token or CLIPCROWD_TOKEN")
        return
    try:
        with Client(url, token) as client:
            labels = client.aggregate(pool_id, method=method, field=field, include_submitted=include_submitted)
    except ApiError as exc:
        fail(f"{exc.code}: {exc.message}")
        return
    except httpx.HTTPError as exc:
        fail(f"cannot reach {url}: {exc}")
        return
    from clipcrowd.export.labels import write_labels

    try:
        write_labels(labels, out)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
        return
    typer.echo(f"pool {pool_id}: {len(labels)} labels by {method} written to {out}")


def _register_groups() -> None:
    """The command groups of their own modules (imported here: `clipcrowd serve` need not load them)."""
    from clipcrowd.cli_export import export_app
    from clipcrowd.cli_import import UsageExitsOne, import_command
    from clipcrowd.cli_labels import labels_command
    from clipcrowd.cli_mine import mine

    app.command("mine")(mine)
    app.add_typer(export_app, name="export")
    app.command("import", cls=UsageExitsOne)(import_command)
    app.command("labels", cls=UsageExitsOne)(labels_command)


_register_groups()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
