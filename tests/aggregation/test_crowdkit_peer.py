"""The peer tier: crowd-kit itself re-run on the real sets must still give the stored outputs
the fast tests compare against (tests/data/crowd/crowdkit_expected.*).

Deselected by default (minutes: crowd-kit's GLAD and MACE are slow); run with ``pytest -m peer``
or ``bench/aggregation.py --parity``, after ``make peer`` (crowd-kit is the ``peer`` extra, not ``dev``).
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from pathlib import Path
from types import ModuleType

import pytest

from .realdata import DATASETS, agreement, crowdkit_labels, crowdkit_meta, load

pytestmark = pytest.mark.peer
ROOT = Path(__file__).resolve().parents[2]


def recorder() -> ModuleType:
    """bench/crowdkit_expected.py, the one definition of how each stored run was made."""
    spec = importlib.util.spec_from_file_location("crowdkit_expected", ROOT / "bench" / "crowdkit_expected.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def crowdkit() -> ModuleType:
    """crowd-kit's aggregation package; a failure that says how to install it (never a skip)."""
    try:
        return importlib.import_module("crowdkit.aggregation")
    except ModuleNotFoundError:
        pytest.fail("crowd-kit is not installed: `make peer` installs the `peer` extra (crowd-kit 1.4.2)")


CASES = [(name, run) for run, info in crowdkit_meta()["runs"].items() for name in info["datasets"]]


@pytest.mark.parametrize(("name", "run"), CASES)
def test_stored_outputs_are_crowdkits(name: str, run: str) -> None:
    ck = crowdkit()
    module = recorder()
    answers, _ = load(name)
    order = crowdkit_meta()["mv_order"][name]
    with warnings.catch_warnings():  # scikit-learn 1.7 warns about crowd-kit's estimator tags
        warnings.simplefilter("ignore")
        assert module.mv_order(ck, answers)[0] == order
        live = module.runs(ck)[run][1](answers, order)
    assert agreement(live, crowdkit_labels(name, run)) == 1.0


@pytest.mark.parametrize("name", DATASETS)
def test_stored_ties_are_crowdkits(name: str) -> None:
    ck = crowdkit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tied = recorder().mv_order(ck, load(name)[0])[1].astype(int)
    assert agreement(tied, crowdkit_labels(name, "mv_tied")) == 1.0
