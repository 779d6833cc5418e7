"""What the training scripts share: the pages they may read, the engine run, folds, the fit.

``train_risk`` and ``train_facts`` both fit an L2-regularised logistic regression on examples
drawn from the development pages through the offline engine's own code path, and both measure
it by cross-validation grouped by page (a page's examples are never split between folds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tests.eval import score

HELD_OUT = ("test",)  # labelled blind after the models were settled: scored, never fitted on
FOLDS = 10


def development_labels() -> list[score.Label]:
    """The labelled pages a model may be fitted on."""
    return [lb for lb in score.load_labels() if lb.split not in HELD_OUT]


def fold_of(stem: str, repeat: int = 0) -> int:
    """The page's fold in the ``repeat``-th dealing of the pages: fixed by its name, so every
    script and run deals the same folds."""
    key = stem if repeat == 0 else f"{repeat}:{stem}"
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % FOLDS


def run_engine(labels: Sequence[score.Label]) -> tuple[list[Any], Any]:
    """The offline engine's digest of each page (in order), and an engine to re-run steps."""
    import briefer
    from briefer.engines.extractive import ExtractiveEngine

    settings = briefer.Settings(engine="extractive", use_cache=False)
    paths = [str(score.PAGES / f"{label.stem}.html") for label in labels]
    run = briefer.summarize(paths, settings)
    by_source = {d.article.source: d for d in run.digests}
    digests = []
    for label, path in zip(labels, paths, strict=True):
        digest = by_source.get(path)
        if digest is None:
            raise SystemExit(f"{label.stem}: the engine failed on this page; fix it first")
        digests.append(digest)
    return digests, ExtractiveEngine(settings)


def fit_logistic(
    rows: Sequence[Mapping[str, float]],
    truth: Sequence[bool],
    names: Sequence[str],
    l2: float,
    weights: Sequence[float] | None = None,
) -> tuple[dict[str, float], float]:
    """L2 logistic regression by Newton's method (exact and repeatable): weights and bias.

    ``weights`` weighs each example (all 1 by default); the bias is not penalised.
    """
    x = np.array([[1.0] + [r.get(n, 0.0) for n in names] for r in rows])
    y = np.array([1.0 if t else 0.0 for t in truth])
    s = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (s * (p - y)) + penalty * w
        hessian = (x.T * (s * p * (1 - p))) @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    fitted = {n: round(float(v), 6) for n, v in zip(names, w[1:], strict=True)}
    return fitted, round(float(w[0]), 6)
