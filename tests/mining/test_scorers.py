"""The frame-scorer interface, the registry and every implementation on known pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clipcrowd.mining.errors import MiningError
from clipcrowd.mining.scorers import (
    SCORERS,
    CallableScorer,
    InputSpec,
    MotionEnergy,
    OnnxScorer,
    Quality,
    SceneChange,
    load_classes,
    make_scorer,
)

from . import _media as gen


def test_registry_names_every_implementation() -> None:
    assert {"motion", "scene", "quality", "onnx", "torch", "python"} <= set(SCORERS)
    assert isinstance(make_scorer("motion"), MotionEnergy)
    assert isinstance(make_scorer("scene"), SceneChange)
    assert isinstance(make_scorer("quality"), Quality)
    with pytest.raises(MiningError, match="unknown scorer 'nope'"):
        make_scorer("nope")
    with pytest.raises(MiningError, match="takes no argument"):
        make_scorer("motion:x")


def test_input_spec_prepares_colour_layout_and_normalisation() -> None:
    frames = np.zeros((2, 4, 6, 3), np.uint8)
    frames[..., 0] = 255  # pure red
    spec = InputSpec(width=6, height=4, colour="bgr", layout="nchw", mean=(0.5,), std=(0.25,))
    x = spec.prepare(frames)
    assert x.shape == (2, 3, 4, 6) and x.dtype == np.float32
    assert np.allclose(x[:, 2], (1 - 0.5) / 0.25) and np.allclose(x[:, 0], (0 - 0.5) / 0.25)  # red is last in BGR
    assert spec.frame_spec.width == 6 and spec.frame_spec.format == "rgb24"
    assert InputSpec(width=8, colour="gray", height=None).frame_spec.format == "gray"
    with pytest.raises(MiningError):
        InputSpec(width=None, height=None)
    with pytest.raises(MiningError):
        InputSpec(std=(0.0,))


def test_onnx_scorer_reads_size_from_the_model_and_scores_red(model: Path, classes: Path) -> None:
    scorer = make_scorer(f"onnx:{model}", classes)
    assert isinstance(scorer, OnnxScorer)
    assert (scorer.input.width, scorer.input.height, scorer.input.layout) == (32, 32, "nchw")
    assert scorer.classes == gen.CLASSES
    grey = np.full((3, 32, 32, 3), 128, np.uint8)
    red = grey.copy()
    red[:, 8:24, 8:24] = (230, 20, 20)
    scores = scorer.score(np.concatenate([grey, red]))
    assert scores.shape == (6, 2)
    assert (scores[:3, 0] < 0.1).all() and (scores[3:, 0] > 0.9).all()
    assert np.allclose(scores.sum(axis=1), 1.0, atol=1e-5)


def test_onnx_scorer_refuses_bad_models(tmp_path: Path, model: Path, classes: Path) -> None:
    text = tmp_path / "model.onnx"
    text.write_text("this is not a model")
    with pytest.raises(MiningError, match="not an ONNX model"):
        make_scorer(f"onnx:{text}", classes)
    three = gen.write_classes(tmp_path / "three.txt", ["a", "b", "c"])
    with pytest.raises(MiningError, match=r"classes file has 3 names but red\.onnx outputs 2"):
        make_scorer(f"onnx:{model}", three)
    with pytest.raises(MiningError, match="model file not found"):
        make_scorer(f"onnx:{tmp_path / 'missing.onnx'}", classes)
    with pytest.raises(MiningError, match="needs --classes"):
        make_scorer(f"onnx:{model}")


def test_classes_file_rules(tmp_path: Path) -> None:
    ok = tmp_path / "ok.txt"
    ok.write_text("making pizza\nabseiling\n\n")
    assert load_classes(ok) == ("making pizza", "abseiling")
    repeated = tmp_path / "rep.txt"
    repeated.write_text("a\nb\na\n")
    with pytest.raises(MiningError, match="appears on lines 1 and 3"):
        load_classes(repeated)
    blank = tmp_path / "blank.txt"
    blank.write_text("a\n\nb\n")
    with pytest.raises(MiningError, match="line 2 is blank"):
        load_classes(blank)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(MiningError, match="UTF-8"):
        load_classes(binary)


def test_label_check_names_the_classes(model: Path, classes: Path) -> None:
    scorer = make_scorer(f"onnx:{model}", classes)
    scorer.check_labels(["red square"])
    with pytest.raises(MiningError, match="label 'making pizza' is not in"):
        scorer.check_labels(["making pizza"])


def test_callable_scorer_checks_what_the_function_returns() -> None:
    spec = InputSpec(width=8, height=8, dtype="uint8")
    red = CallableScorer(lambda x: x[..., 0].mean(axis=(1, 2)) / 255, ["red"], spec)
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    frames[1, ..., 0] = 255
    assert red.score(frames)[:, 0].tolist() == [0.0, 1.0]
    wrong = CallableScorer(lambda x: np.zeros((len(x), 3)), ["a", "b"], spec)
    with pytest.raises(MiningError, match="outputs 3 scores per frame but there are 2 class names"):
        wrong.score(frames)
    nan = CallableScorer(lambda x: np.full((len(x), 1), np.nan), ["a"], spec)
    with pytest.raises(MiningError, match="non-finite"):
        nan.score(frames)


def test_python_scorer_by_name(tmp_path: Path) -> None:
    names = gen.write_classes(tmp_path / "c.txt", ["red"])
    scorer = make_scorer("python:tests.mining._media:red_share", names)
    frames = np.zeros((1, 16, 16, 3), np.uint8)
    frames[0, :8, :, 0] = 255
    assert scorer.score(frames)[0, 0] == pytest.approx(0.5)
    with pytest.raises(MiningError, match="cannot be imported"):
        make_scorer("python:tests.mining._media:nothing_here", names)


def test_torch_scorer_without_torch_says_how_to_get_it(model: Path, classes: Path) -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(MiningError, match=r"pip install 'clipcrowd\[torch\]'"):
            make_scorer(f"torch:{model}", classes)
    else:  # with torch installed an ONNX file is not TorchScript
        with pytest.raises(MiningError, match="not a TorchScript model"):
            make_scorer(f"torch:{model}", classes)


def test_motion_and_scene_compare_with_the_previous_frame() -> None:
    still = np.full((3, 20, 20), 100, np.uint8)
    motion = MotionEnergy()
    assert motion.score(still)[:, 0].tolist() == [0.0, 0.0, 0.0]
    moved = still.copy()
    moved[2, :10] = 200  # half the picture changes on the third frame
    motion.reset()
    assert motion.score(moved)[:, 0].tolist() == [0.0, 0.0, 0.5]
    # state carries across batches of one video, and is forgotten on reset
    assert motion.score(still[:1])[0, 0] == 0.5
    motion.reset()
    assert motion.score(still[:1])[0, 0] == 0.0
    scene = SceneChange()
    cut = np.stack([np.full((20, 20), 30, np.uint8), np.full((20, 20), 30, np.uint8), np.full((20, 20), 220, np.uint8)])
    assert scene.score(cut)[:, 0].tolist() == [0.0, 0.0, 1.0]


def test_quality_flags_dark_and_blurred_frames() -> None:
    rng = np.random.default_rng(0)
    sharp = rng.integers(30, 220, (40, 40)).astype(np.uint8)
    dark = (sharp // 20).astype(np.uint8)
    flat = np.full((40, 40), 128, np.uint8)
    scores = Quality().score(np.stack([sharp, dark, flat]))
    brightness, sharpness, usable = scores.T
    assert brightness[1] < 0.08 < brightness[0]
    assert sharpness[0] > 0.5 > sharpness[2]
    assert usable.tolist() == [1.0, 0.0, 0.0]
