"""``clipcrowd mine``: candidate clips from a video, a folder of videos or a project's video assets.

Registered in :mod:`clipcrowd.cli`; errors a user can cause end in one line and exit code 2.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clipcrowd.cli_common import HomeOpt, TokenOpt, UrlOpt, console, fail, user_errors

if TYPE_CHECKING:
    from clipcrowd.client import Client
    from clipcrowd.mining.pipeline import MineOptions, MiningResult, Source


def mine(
    source: Annotated[str, typer.Argument(help="A video file, a folder of videos, or project:ID.")],
    scorer: Annotated[str, typer.Option(help="motion, scene, quality, onnx:MODEL.onnx, torch:MODEL.pt, "
                                             "python:module:function.")] = "motion",
    classes: Annotated[Path | None, typer.Option(help="Class names of the model, one per line.")] = None,
    label: Annotated[list[str] | None, typer.Option(help="Class to mine (repeat for several; default: the "
                                                         "scorer's first class).")] = None,
    clip_seconds: Annotated[float, typer.Option(help="Length of each candidate clip.")] = 10.0,
    sample_fps: Annotated[float, typer.Option(help="Frames scored per second of video.")] = 2.0,
    top_k: Annotated[int, typer.Option(help="Clips per video and label.")] = 1,
    min_score: Annotated[float | None, typer.Option(help="Skip moments scoring below this.")] = None,
    one_per_video: Annotated[bool, typer.Option(help="Keep only the best clip of each video.")] = False,
    drop_unusable: Annotated[bool, typer.Option(help="Never centre a clip on a dark, blown-out or blurred frame.")]
    = False,
    out: Annotated[Path, typer.Option(help="Output folder (must not exist or be empty).")] = Path("candidates"),
    pool: Annotated[str | None, typer.Option(help="Send the clips to this validation pool.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Videos mined at once (1: in this process; more: "
                                                             "worker processes, or Ray with CLIPCROWD_EXECUTOR).")] = 1,
    home: HomeOpt = None,
    url: UrlOpt = "http://127.0.0.1:8080",
    token: TokenOpt = None,
) -> None:
    """Mine candidate clips: stream-score frames, take the top moments, cut clips, drop duplicates."""
    from clipcrowd.client import Client
    from clipcrowd.client.validation import send_candidates
    from clipcrowd.mining.pipeline import MineOptions, check_output
    from clipcrowd.mining.scorers import make_scorer

    if (pool or source.startswith("project:")) and not token:
        fail("a requester token is needed for --pool and project:ID sources: --token or CLIPCROWD_TOKEN")
    with user_errors(url, out):
        check_output(out)
        made = make_scorer(scorer, classes)
        labels = tuple(label or made.classes[:1])
        made.check_labels(labels, f"the classes file {classes}" if classes else f"the {made.name} scorer's classes")
        if pool:  # before any work: a pool that cannot take the clips is an error now, not after mining
            _check_pool(Client(url, token or ""), pool)
        options = MineOptions(labels=labels, clip_seconds=clip_seconds, sample_fps=sample_fps, top_k=top_k,
                              min_score=min_score, one_per_video=one_per_video, drop_unusable=drop_unusable)
        result = _run(source, scorer, classes, options, out, url, token or "", home, workers)
    for failure in result.failed:
        console.print(f"[yellow]skipped[/yellow] {failure.source}: {failure.error}", highlight=False)
    typer.echo(f"{len(result.kept)} clips kept, {len(result.dropped)} dropped, {len(result.failed)} videos failed "
               f"-> {result.out / 'candidates.csv'}")
    if pool:
        try:
            with Client(url, token or "") as client:
                sent = send_candidates(client, pool, result.out)
        except Exception as exc:  # the clips are safe on disk: say so, whatever went wrong with the server
            fail(f"the clips are in {result.out} but could not be sent to pool {pool}: {exc}")
            return
        typer.echo(f"{len(sent)} clips sent to pool {pool} for validation")


def _check_pool(client: Client, pool: str) -> None:
    with client:
        project = client.get_project(client.get_pool(pool)["project_id"])
    if "clip" not in project.get("task_spec", {}).get("input_spec", {}):
        fail(f"pool {pool} is not a clip-validation pool (make its project with "
             "clipcrowd.client.validation.validation_project())")


def _run(source: str, spec: str, classes: Path | None, options: MineOptions, out: Path, url: str, token: str,
         home: Path | None, workers: int) -> MiningResult:
    """Mine as a ``mining.files`` job (a shard per video); ``project:ID`` videos are downloaded first."""
    from clipcrowd.client import Client
    from clipcrowd.client.validation import project_videos
    from clipcrowd.mining.pipeline import Source, sources_from_path

    if not source.startswith("project:"):
        return _run_job(sources_from_path(source), spec, classes, options, out, home, workers)
    with tempfile.TemporaryDirectory(prefix="clipcrowd-mine-") as tmp, Client(url, token) as client:
        pairs = project_videos(client, source.split(":", 1)[1], Path(tmp))
        return _run_job([Source(v, p) for v, p in pairs], spec, classes, options, out, home, workers)


def _run_job(sources: list[Source], spec: str, classes: Path | None, options: MineOptions, out: Path,
             home: Path | None, workers: int) -> MiningResult:
    """Submit the job to this machine's database, run its shards (here, or in ``workers`` processes or
    Ray tasks as ``CLIPCROWD_EXECUTOR`` says) with a progress bar, then de-duplicate and cut into ``out``."""
    import threading
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from clipcrowd.cli_common import load_settings, open_database
    from clipcrowd.jobs import counts, create_executor, run_pending, submit
    from clipcrowd.mining.errors import MiningError
    from clipcrowd.mining.pipeline import Failure, finish
    from clipcrowd.services import job_executor
    from clipcrowd.services.mining import FILES_KIND, files_request, files_results

    settings = load_settings(home=home)
    db = open_database(settings)
    try:
        kind, _, argument = spec.partition(":")
        if kind in ("onnx", "torch"):  # a worker process may run elsewhere: absolute paths only
            spec = f"{kind}:{Path(argument).resolve()}"
        request = files_request(sources, spec, str(classes.resolve()) if classes else None, options)
        with db.write() as conn:
            job_id = submit(conn, FILES_KIND, request)
        if workers > 1:
            executor = create_executor(settings.executor, db.url, job_executor.context(settings), processes=workers)
            executor.wake()
            runner = None
        else:
            runner = threading.Thread(target=run_pending, args=(db, job_executor.context(settings)),
                                      kwargs={"kinds": [FILES_KIND]}, daemon=True)
            runner.start()
        final = ("complete", "complete_with_errors", "failed", "cancelled")
        with Progress(TextColumn("mining"), BarColumn(), MofNCompleteColumn(), TextColumn("videos"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("videos", total=len(sources))
            try:
                while True:
                    with db.read() as conn:
                        c = counts(conn, [job_id])[job_id]
                    bar.update(task, completed=c["processed"] + c["failed"] + c["skipped"])
                    if job_executor.get(db, job_id)["status"] in final and (runner is None or not runner.is_alive()):
                        break
                    time.sleep(0.2)
            finally:
                if runner is None:
                    executor.stop()
        found, failures = files_results(db, job_id)
    finally:
        db.dispose()
    failed = [Failure(**f) for f in failures]
    if failed and len(failed) == len(sources):
        raise MiningError(failed[0].error if len(failed) == 1 else
                          f"no video could be mined ({len(failed)} failed; first: {failed[0].error})")
    return finish(found, failed, options, out)
