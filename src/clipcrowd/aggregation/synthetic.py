"""Seeded synthetic answers with known truth, for tests and benchmarks.

Workers come in three kinds: good (accuracy uniform in [0.8, 0.95]), mediocre ([0.55, 0.75]) and
spammers (uniformly random labels). Every task gets ``overlap`` answers from distinct workers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["make_answers"]


def make_answers(
    n_answers: int,
    n_labels: int = 2,
    overlap: int = 3,
    seed: int = 0,
    string_ids: bool = True,
    kinds: tuple[float, float, float] = (0.5, 0.3, 0.2),
    answers_per_worker: int = 200,
) -> tuple[pd.DataFrame, pd.Series]:
    """(answers, truth): ``answers`` has `task`, `worker`, `label` (ints ``0..n_labels-1``);
    ``truth`` is indexed by task. ``kinds`` are the shares of good, mediocre and spamming workers.

    Example:
        >>> from clipcrowd.aggregation.synthetic import make_answers
        >>> answers, truth = make_answers(300, n_labels=5, overlap=3, seed=1)
        >>> len(answers), len(truth), answers["label"].max() < 5
        (300, 100, np.True_)
    """
    rng = np.random.default_rng(seed)
    n_tasks = max(n_answers // overlap, 1)
    n_workers = max(n_answers // answers_per_worker, overlap * 4)
    kind = rng.choice(3, size=n_workers, p=np.asarray(kinds) / sum(kinds))
    accuracy = np.where(
        kind == 0, rng.uniform(0.8, 0.95, n_workers), rng.uniform(0.55, 0.75, n_workers)
    )
    truth = rng.integers(n_labels, size=n_tasks)
    task = np.repeat(np.arange(n_tasks), overlap)
    step = max(n_workers // overlap, 1)  # distinct workers per task
    first = rng.integers(n_workers, size=n_tasks)
    worker = ((first[:, None] + np.arange(overlap) * step) % n_workers).ravel()
    true_label = truth[task]
    wrong = (true_label + rng.integers(1, max(n_labels, 2), size=task.size)) % n_labels
    label = np.where(rng.random(task.size) < accuracy[worker], true_label, wrong)
    spam = kind[worker] == 2
    label[spam] = rng.integers(n_labels, size=int(spam.sum()))
    task_ids: np.ndarray = np.arange(n_tasks)
    worker_ids: np.ndarray = np.arange(n_workers)
    if string_ids:
        task_ids = np.array([f"task-{i:08d}" for i in range(n_tasks)], dtype=object)
        worker_ids = np.array([f"worker-{i:06d}" for i in range(n_workers)], dtype=object)
    answers = pd.DataFrame(
        {"task": task_ids[task], "worker": worker_ids[worker], "label": label}
    ).iloc[:n_answers]
    truth_series = pd.Series(truth, index=pd.Index(task_ids, name="task"), name="true_label")
    return answers.reset_index(drop=True), truth_series
