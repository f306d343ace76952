"""``clipcrowd import FOLDER [HOOKS_MODULE] [HOST]``: camera folders in, with the legacy importer's options.

Exit codes: 0 done (or nothing new), 1 usage, configuration or hooks-module error, 2 some files
failed or were skipped, 3 another run holds the state store's lock. The last stdout line is
``job <JOB_ID>``; logs and progress bars go to stderr.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand

if TYPE_CHECKING:  # the importer loads media and the database layer: only `clipcrowd import` pays for them
    from clipcrowd.ingest.camera import errors


class UsageExitsOne(TyperCommand):
    """Usage errors end with exit code 1, as the import contract says (click's default is 2)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:  # typer may vendor its own click: match the usage error by its exit code
            if getattr(exc, "exit_code", None) == 2:
                exc.exit_code = 1  # type: ignore[attr-defined]
            raise


def _logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log = logging.getLogger("clipcrowd.import")
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def import_command(
    folder: Annotated[Path, typer.Argument(help="Root folder to scan.")],
    hooks_module: Annotated[str | None, typer.Argument(help="Hooks: a .py file or a dotted module "
                                                            "(default: post to the clipcrowd server).")] = None,
    host_arg: Annotated[str | None, typer.Argument(metavar="[HOST]", help="Same as --host.")] = None,
    regex: Annotated[str | None, typer.Option("-r", "--regex", help="Named groups camera, epoch, datetime, lat, lng "
                                                 "(default: the legacy importer's CAMERA-...-EPOCH.mp4).")] = None,
    hook_data_json: Annotated[str | None, typer.Option("-d", "--hook_data_json", help="Inline hook data JSON.")] = None,
    hook_data_json_file: Annotated[Path | None, typer.Option("-f", "--hook_data_json_file",
                                                             help="Hook data JSON file.")] = None,
    storage: Annotated[Path | None, typer.Option("-s", "--storage", help="State store (SQLite).")] = None,
    camera_name_suffix: Annotated[str, typer.Option("--camera_name_suffix", help="Appended to camera names.")] = "",
    csv: Annotated[bool, typer.Option("-c", "--csv", help="Print the state table as CSV and exit.")] = False,
    port: Annotated[int | None, typer.Option("-p", "--port", help="Passed to the hooks.")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Passed to the hooks.")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet")] = False,
    server: Annotated[str, typer.Option("--server", envvar="CLIPCROWD_URL", help="clipcrowd server URL.")]
    = "http://127.0.0.1:8080",
    token: Annotated[str | None, typer.Option("-a", "--token", envvar="CLIPCROWD_TOKEN", help="Requester token.")]
    = None,
    project: Annotated[str | None, typer.Option("--project", help="Project the videos become assets of.")] = None,
    pool: Annotated[str | None, typer.Option("--pool", help="Pool where each motion event becomes a task.")] = None,
    ext: Annotated[str | None, typer.Option("--ext", help="Extensions, e.g. .mp4,.mov (case-insensitive).")] = None,
    no_recursive: Annotated[bool, typer.Option("--no-recursive")] = False,
    follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks")] = False,
    force: Annotated[bool, typer.Option("--force", help="Post files already uploaded again.")] = False,
    only_camera: Annotated[str | None, typer.Option("--only-camera")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Scan, hash and report; call no hooks.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first name the regex does not match.")]
    = False,
    tz: Annotated[str, typer.Option("--tz", help="Zone of datetime groups.")] = "UTC",
    tz_ambiguous: Annotated[str | None, typer.Option("--tz-ambiguous", help="earliest or latest.")] = None,
    epoch_unit: Annotated[str, typer.Option("--epoch-unit", help="auto, s, ms, us or ns.")] = "auto",
    datetime_format: Annotated[str, typer.Option("--datetime-format")] = "%Y%m%d%H%M%S",
    timestamp_style: Annotated[str, typer.Option("--timestamp-style", help="utc, legacy-local or iso-z.")] = "utc",
    missing_epoch: Annotated[str, typer.Option("--missing-epoch", help="skip, mtime, ctime or container.")]
    = "skip",
    settle_seconds: Annotated[float, typer.Option("--settle-seconds", min=0)] = 0.0,
    max_failures: Annotated[int | None, typer.Option("--max-failures", min=1)] = None,
    fail_fast: Annotated[bool, typer.Option("--fail-fast")] = False,
    job_max_items: Annotated[int | None, typer.Option("--job-max-items", min=1)] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Parallel hashing and probing.")] = 2,
    legacy_merge: Annotated[bool, typer.Option("--legacy-merge", help="Shallow-merge -d over -f.")] = False,
    allow_unprobed: Annotated[bool, typer.Option("--allow-unprobed")] = False,
) -> None:
    """Import camera folders: camera and time from each name, motion events on the server, one job."""
    from clipcrowd.ingest.camera import errors, hooks
    from clipcrowd.ingest.camera.names import DEFAULT_REGEX
    from clipcrowd.ingest.camera.run import Options, iter_problems, run

    _logging(verbose, quiet)
    console = Console(stderr=True)
    choices = {"--missing-epoch": (missing_epoch, ("skip", "mtime", "ctime", "container")),
               "--tz-ambiguous": (tz_ambiguous, (None, "earliest", "latest"))}
    for flag, (value, allowed) in choices.items():
        if value not in allowed:
            _stop(console, errors.ConfigError(f"{flag} must be one of {', '.join(a for a in allowed if a)}"))
    opts = Options(folder=folder, hooks_module=hooks_module, host=host or host_arg, port=port,
                   regex=DEFAULT_REGEX if regex is None else regex,
                   hook_data_json=hook_data_json, hook_data_json_file=hook_data_json_file, storage=storage,
                   camera_name_suffix=camera_name_suffix, csv=csv, ext=ext, recursive=not no_recursive,
                   follow_symlinks=follow_symlinks, force=force, only_camera=only_camera, retry_failed=retry_failed,
                   dry_run=dry_run, strict=strict, tz=tz, tz_ambiguous=tz_ambiguous, epoch_unit=epoch_unit,
                   datetime_format=datetime_format, timestamp_style=timestamp_style, missing_epoch=missing_epoch,
                   workers=workers, max_failures=max_failures, fail_fast=fail_fast, settle_seconds=settle_seconds,
                   job_max_items=job_max_items, legacy_merge=legacy_merge, allow_unprobed=allow_unprobed,
                   server=server, token=token, project=project, pool=pool)
    session: Any = None
    try:
        if hooks_module:
            module: Any = hooks.load(hooks_module)
        else:
            from clipcrowd.ingest.camera.client import Server
            from clipcrowd.ingest.camera.server_hooks import ServerHooks

            session = Server(server, token)
            module = ServerHooks(session, project=project, pool=pool)
        report = run(opts, module, console)
    except errors.ImportStop as exc:
        _stop(console, exc)
        return
    except Exception as exc:  # a fault of ours or of the machine: one line (the traceback with -v), exit 1
        logging.getLogger("clipcrowd.import").debug("unexpected error", exc_info=True)
        _stop(console, errors.ImportStop(f"{type(exc).__name__}: {exc}"))
        return
    finally:
        if session is not None:
            session.close()
    if csv:
        return
    problems = ", ".join(iter_problems(report))
    console.print(f"posted {report.posted}, failed {report.failed}" + (f"; {problems}" if problems else ""))
    for job_id in report.job_ids:
        typer.echo(f"job {job_id}")
    if not report.job_ids:
        typer.echo("job -")
    sys.stdout.flush()
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _stop(console: Console, exc: errors.ImportStop) -> None:
    console.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
    sys.stdout.flush()
    raise typer.Exit(exc.exit_code)
