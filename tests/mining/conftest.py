"""Generated videos, a tiny ONNX model and its classes file, written once per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from . import _media as gen


@dataclass(frozen=True)
class Corpus:
    folder: Path
    squares: dict[str, list[tuple[float, float]]]  # video id -> square intervals (empty: never shown)


@pytest.fixture(scope="session")
def mining_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mining")


@pytest.fixture(scope="session")
def model(mining_dir: Path) -> Path:
    return gen.write_red_model(mining_dir / "red.onnx")


@pytest.fixture(scope="session")
def classes(mining_dir: Path) -> Path:
    return gen.write_classes(mining_dir / "classes.txt")


S = gen.Segment
#: Each corpus: video id -> its segments ``(seconds, background seed, square shown?)``.
PLANS: dict[str, dict[str, list[gen.Segment]]] = {
    # three videos show the square once, at different times; one never does
    "videos": {
        "early": [S(2, 11), S(3, 12, True), S(9, 13)],
        "middle": [S(6, 21), S(4, 22, True), S(4, 23)],
        "late": [S(9, 31), S(2.5, 32, True), S(1.5, 33)],
        "never": [S(7, 41), S(7, 42)],
    },
    # two videos share a 4 s segment showing the square (seed 99); a third has its own square
    "shared": {
        "first": [S(5, 51), S(4, 99, True), S(5, 52)],
        "second": [S(8, 53), S(4, 99, True), S(3, 54)],
        "other": [S(3, 55), S(4, 77, True), S(6, 56)],
    },
}


def _write(mining_dir: Path, name: str) -> Corpus:
    folder = mining_dir / name
    folder.mkdir()
    plans = PLANS[name]
    return Corpus(folder, {video: gen.write_video(folder / f"{video}.mp4", plan) for video, plan in plans.items()})


@pytest.fixture(scope="session")
def corpus(mining_dir: Path) -> Corpus:
    return _write(mining_dir, "videos")


@pytest.fixture(scope="session")
def shared(mining_dir: Path) -> Corpus:
    return _write(mining_dir, "shared")
