"""Would a fitted sentence model choose better key points than the engine's hand-set cues?

    python -m tests.eval.train_facts     # ten-fold cross-validated key-fact recall, both ways

The offline engine picks five key points by PageRank centrality times hand-set fact cues
(``engines/extractive.cue_weighted``). This script asks whether a logistic model over the
sentence features of ``sentence_features`` (centrality among them, none of them the sentence's
words: lexical features overfit on a set this size) would do better. Every candidate key point
of a development page is one example, positive when it quotes one of the page's labelled facts
(the scorer's own ``overlaps``). Two fits are tried: an L2 logistic regression over every
candidate (as ``train_risk`` fits), and the same model fitted within each page (a softmax over
the page's candidates, so long pages do not outweigh short ones and only the order inside a
page counts).

Cross-validation is grouped by page (``fitting.fold_of``, the folds ``train_risk`` uses): each
fold's pages get their key points from models fitted on the other folds, through the engine's
own selection (top five, repeats filtered), and are scored like ``make eval`` scores them; the
hand-set cues are scored on the same pages. Pages of ``fitting.HELD_OUT`` are never read here.

Measured (114 development pages, 663 labelled facts): hand-set cues 0.43 (283), fitted 0.41
(270), fitted within pages 0.43 (283); in-sample 0.42 and 0.43. Neither ships: these features
tell facts from other sentences no better than the cues already do. See tests/eval/README.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tests.eval import score
from tests.eval.fitting import FOLDS, development_labels, fit_logistic, fold_of, run_engine
from tests.eval.sentence_features import FEATURES, features

L2 = 1.0  # the prior's strength on every weight but the bias

Weights = Mapping[str, float]


@dataclass
class Page:
    label: score.Label
    digest: Any  # the offline engine's digest, for its article
    spans: list[Any]  # the article's sentences
    rows: list[dict[str, float]]  # one feature dict per candidate key point
    truth: list[bool]


def load_pages(labels: Sequence[score.Label]) -> tuple[list[Page], Any]:
    """Run the offline engine once over the pages and collect every candidate key point."""
    from briefer.segmentation import sentences

    digests, engine = run_engine(labels)
    pages = []
    for label, digest in zip(labels, digests, strict=True):
        article = digest.article
        spans = sentences(article.text, article.language)
        found = engine.key_point_candidates(article, spans)
        rows = features(found, article.language, article.text)
        truth = [any(score.overlaps(q, a) for a in label.facts) for q in found.quotes]
        pages.append(Page(label, digest, spans, rows, truth))
    return pages, engine


def fit(pages: Sequence[Page]) -> Weights:
    """Logistic weights over every candidate of ``pages`` (the bias orders nothing: dropped)."""
    rows = [r for p in pages for r in p.rows]
    truth = [t for p in pages for t in p.truth]
    weights, _ = fit_logistic(rows, truth, FEATURES, L2)
    return weights


def fit_within_pages(pages: Sequence[Page]) -> Weights:
    """Weights of a softmax over each page's candidates, by Newton's method (L2 as ``fit``)."""
    data = []
    for p in pages:
        y = np.array(p.truth, dtype=float)
        if 0 < y.sum() < len(y):
            data.append((np.array([[r.get(n, 0.0) for n in FEATURES] for r in p.rows]), y))
    w = np.zeros(len(FEATURES))
    for _ in range(50):
        gradient = -L2 * w
        hessian = np.eye(len(FEATURES)) * L2
        for x, y in data:
            z = x @ w
            share = np.exp(z - z.max())
            share /= share.sum()
            mean = share @ x
            gradient += y @ x - y.sum() * mean
            hessian += y.sum() * ((x.T * share) @ x - np.outer(mean, mean))
        step = np.linalg.solve(hessian, gradient)
        w += step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return {n: float(v) for n, v in zip(FEATURES, w, strict=True)}


def scored(page: Page, engine: Any, weights: Weights | None) -> score.PageScore:
    """The page scored as ``make eval`` does, its key points chosen by ``weights`` (None: the
    engine's own hand-set cues)."""
    article = page.digest.article

    def weigh(found: Any, language: str) -> list[float]:
        assert weights is not None
        rows = features(found, language, article.text)
        return [sum(weights.get(k, 0.0) * v for k, v in row.items()) for row in rows]

    points = engine.key_points(article, page.spans, weigh if weights is not None else None)
    return score.score_page(page.label, replace(page.digest, key_points=tuple(points)))


FITS: dict[str, Callable[[Sequence[Page]], Weights]] = {
    "fitted": fit,
    "within pages": fit_within_pages,
}


def cross_validate(pages: Sequence[Page], engine: Any) -> dict[str, list[score.PageScore]]:
    """Each page scored by the hand-set cues and by models not fitted on it, same folds."""
    out: dict[str, list[score.PageScore]] = {"hand cues": []}
    out.update({f"{name} (CV)": [] for name in FITS})
    for fold in range(FOLDS):
        train = [p for p in pages if fold_of(p.label.stem) != fold]
        test = [p for p in pages if fold_of(p.label.stem) == fold]
        models = {f"{name} (CV)": fitter(train) for name, fitter in FITS.items()}
        for page in test:
            out["hand cues"].append(scored(page, engine, None))
            for name, weights in models.items():
                out[name].append(scored(page, engine, weights))
    return out


def groups(scores: Sequence[score.PageScore]) -> list[tuple[str, list[score.PageScore]]]:
    """All pages, then per split, then per language (en, de, fr, the rest)."""
    out = [("all", list(scores))]
    for split in ("tune", "holdout", "fresh", "confirm"):
        out.append((f"split {split}", [s for s in scores if s.split == split]))
    for code in ("en", "de", "fr"):
        out.append((f"lang {code}", [s for s in scores if s.language == code]))
    out.append(("lang other", [s for s in scores if s.language not in ("en", "de", "fr")]))
    return out


def recall(scores: Sequence[score.PageScore]) -> tuple[float, int, int]:
    found = sum(s.facts_found for s in scores)
    facts = sum(s.facts for s in scores)
    return (found / facts if facts else 0.0), found, facts


def table(columns: Mapping[str, Sequence[score.PageScore]]) -> str:
    """Key-fact recall per group for each column of page scores."""
    names = list(columns)
    lines = [f"{'pages':16} {'n':>4} " + " ".join(f"{n:>16}" for n in names)]
    grouped = {n: dict(groups(s)) for n, s in columns.items()}
    for group in grouped[names[0]]:
        cells = []
        for n in names:
            r, found, facts = recall(grouped[n][group])
            cells.append(f"{r:5.2f} ({found:3d}/{facts:3d})")
        lines.append(f"{group:16} {len(grouped[names[0]][group]):4d} " + " ".join(cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    pages, engine = load_pages(development_labels())
    examples = sum(len(p.rows) for p in pages)
    positives = sum(sum(p.truth) for p in pages)
    print(f"{len(pages)} pages, {examples} candidates, {positives} of them quote a labelled fact")
    print(f"{FOLDS}-fold cross-validation by page, key-fact recall at five points:")
    print(table(cross_validate(pages, engine)))
    print("in-sample (fitted on every page, scored on the same pages):")
    in_sample = {f"{name} (in)": fitter(pages) for name, fitter in FITS.items()}
    print(table({n: [scored(p, engine, w) for p in pages] for n, w in in_sample.items()}))
    for name, weights in in_sample.items():
        print(f"{name} weights: " + ", ".join(f"{k} {v:+.2f}" for k, v in weights.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
