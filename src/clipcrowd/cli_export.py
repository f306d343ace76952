"""``clipcrowd export ...``: datasets out of a server's pools as files (today: Kinetics-style clips)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from clipcrowd.cli_common import TokenOpt, UrlOpt, need_token, user_errors

export_app = typer.Typer(help="Export datasets from pools.", no_args_is_help=True)


@export_app.command("kinetics")
def kinetics(
    pool_id: str,
    out: Annotated[Path, typer.Option(help="Output folder (must not exist or be empty).")] = Path("kinetics"),
    split: Annotated[str, typer.Option(help="The split column's value and the CSV's name.")] = "train",
    k: Annotated[int, typer.Option(help="Yes answers needed to accept a clip.")] = 3,
    n: Annotated[int, typer.Option(help="Answers counted per clip.")] = 5,
    url: UrlOpt = "http://127.0.0.1:8080",
    token: TokenOpt = None,
) -> None:
    """Accepted clips of a validation pool as a Kinetics-style CSV, the clip files and every vote."""
    from clipcrowd.client import Client
    from clipcrowd.export.kinetics import export_kinetics

    key = need_token(token)
    with user_errors(url, out), Client(url, key) as client:
        found = export_kinetics(client, pool_id, out, split=split, k=k, n=n)
    counts = Counter(v.status for v in found)
    typer.echo(f"pool {pool_id}: {counts['accepted']} clips accepted, {counts['rejected']} rejected, "
               f"{counts['pending']} pending -> {out / (split + '.csv')}")
