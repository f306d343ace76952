"""``clipcrowd mine``: candidate clips from a video, a folder of videos or a project's video assets.

Registered in :mod:`clipcrowd.cli`; errors a user can cause end in one line and exit code 2.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clipcrowd.cli import TokenOpt, UrlOpt, console, fail, user_errors

if TYPE_CHECKING:
    from rich.progress import TaskID

    from clipcrowd.client import Client
    from clipcrowd.mining.pipeline import MineOptions, MiningResult
    from clipcrowd.mining.scorers import FrameScorer


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
        result = _run(source, made, options, out, url, token or "")
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


def _run(source: str, scorer: FrameScorer, options: MineOptions, out: Path, url: str, token: str) -> MiningResult:
    """Mine with a progress bar per video; ``project:ID`` videos are downloaded to a temporary folder first."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from clipcrowd.client import Client
    from clipcrowd.client.validation import project_videos
    from clipcrowd.mining.pipeline import Source, mine, sources_from_path

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(), console=console,
                  transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(src: Source, done: float, total: float) -> None:
            if src.video not in tasks:
                tasks[src.video] = bar.add_task(src.video[:40], total=total)
            bar.update(tasks[src.video], completed=done)

        if not source.startswith("project:"):
            return mine(sources_from_path(source), scorer, options, out, progress)
        with tempfile.TemporaryDirectory(prefix="clipcrowd-mine-") as tmp, Client(url, token) as client:
            pairs = project_videos(client, source.split(":", 1)[1], Path(tmp))
            return mine([Source(v, p) for v, p in pairs], scorer, options, out, progress)
