"""``clipcrowd mine``: candidate clips from a video, a folder of videos or a project's video assets.

Registered in :mod:`clipcrowd.cli`; errors a user can cause end in one line and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clipcrowd.cli import console, fail


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
    out: Annotated[Path, typer.Option(help="Output folder (must not exist or be empty).")] = Path("candidates"),
    pool: Annotated[str | None, typer.Option(help="Send the clips to this validation pool.")] = None,
    url: Annotated[str, typer.Option(envvar="CLIPCROWD_URL", help="Server URL.")] = "http://127.0.0.1:8080",
    token: Annotated[str | None, typer.Option(envvar="CLIPCROWD_TOKEN", help="Requester token.")] = None,
) -> None:
    """Mine candidate clips: stream-score frames, take the top moments, cut clips, drop duplicates."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from clipcrowd.media import MediaError
    from clipcrowd.mining.errors import MiningError
    from clipcrowd.mining.pipeline import MineOptions, Source, check_output, sources_from_path
    from clipcrowd.mining.pipeline import mine as run_mining
    from clipcrowd.mining.scorers import make_scorer

    if (pool or source.startswith("project:")) and not token:
        fail("a requester token is needed for --pool and project:ID sources: --token or CLIPCROWD_TOKEN")
        return
    try:
        check_output(out)
        made = make_scorer(scorer, classes)
        labels = tuple(label or made.classes[:1])
        where = f"the classes file {classes}" if classes else f"the {made.name} scorer's classes"
        made.check_labels(labels, where)
        options = MineOptions(labels=labels, clip_seconds=clip_seconds, sample_fps=sample_fps, top_k=top_k,
                              min_score=min_score, one_per_video=one_per_video)
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(), console=console,
                      transient=True) as bar:
            tasks: dict[str, int] = {}

            def progress(src: Source, done: float, total: float) -> None:
                if src.video not in tasks:
                    tasks[src.video] = bar.add_task(src.video[:40], total=total)
                bar.update(tasks[src.video], completed=done)

            if source.startswith("project:"):
                from clipcrowd.client.mining import project_videos

                with project_videos(url, token or "", source.split(":", 1)[1]) as sources:
                    result = run_mining(sources, made, options, out, progress)
            else:
                result = run_mining(sources_from_path(source), made, options, out, progress)
    except (MiningError, MediaError) as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
        return
    for failure in result.failed:
        console.print(f"[yellow]skipped[/yellow] {failure.source}: {failure.error}", highlight=False)
    typer.echo(f"{len(result.kept)} clips kept, {len(result.dropped)} dropped, {len(result.failed)} videos failed "
               f"-> {result.out / 'candidates.csv'}")
    if pool:
        from clipcrowd.client.mining import send_to_pool

        sent = send_to_pool(url, token or "", pool, result.out)
        typer.echo(f"{sent} clips sent to pool {pool} for validation")
