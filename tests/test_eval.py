"""The offline engine on the hand-labelled evaluation set (tests/eval): its figures may not regress."""

from __future__ import annotations

import pytest

from tests.eval import score
from tests.eval.score import load_labels, overlaps, totals


def test_the_set_is_what_its_readme_promises() -> None:
    labels = load_labels()
    assert len(labels) >= 40
    assert sum(label.language != "en" for label in labels) >= 10
    assert sum(label.no_risk for label in labels) >= 10
    assert {label.split for label in labels} == {"tune", "holdout", "fresh", "confirm"}
    for label in labels:
        assert 3 <= len(label.facts) <= 6, label.stem
        assert (score.PAGES / f"{label.stem}.html").is_file(), label.stem
        assert label.no_risk == (not label.risks), label.stem
        for risk in label.risks:
            for anchor in (risk.anchor, *risk.also_anchors):
                assert 6 <= len(anchor.split()) <= 40, (label.stem, anchor)


def test_overlap_needs_a_shared_passage_not_shared_words() -> None:
    anchor = "Russia and Iran are expected to sign a new comprehensive cooperation agreement soon"
    assert overlaps(
        "“Russia and Iran are expected to sign a new comprehensive cooperation agreement soon.”",
        anchor,
    )
    assert overlaps(
        "Officials said Russia and Iran are expected to sign a new comprehensive deal", anchor
    )
    assert not overlaps("Iran and Russia signed an agreement in 2001.", anchor)
    assert not overlaps("", anchor)


@pytest.fixture(scope="module")
def offline_scores() -> list[score.PageScore]:
    return score.evaluate(load_labels())


# Measured when the rules last changed (make eval): all pages precision 0.70. Key-fact recall on the
# development pages (tune, holdout, fresh) 0.43 since the extractive engine weighs fact cues
# (figures up; questions, quotes, headings down) and counts shared words by their rarity; the
# confirm pages measure that change afterwards.
# These floors catch a regression; the targets themselves hold on the tune pages only (README).
PRECISION_FLOOR_ALL_PAGES = 0.65
FACT_RECALL_FLOOR = 0.42
DEVELOPMENT_SPLITS = ("tune", "holdout", "fresh")


def test_offline_engine_holds_its_figures(offline_scores: list[score.PageScore]) -> None:
    everything = totals(offline_scores)
    assert everything.failed == 0
    assert everything.no_risk_share >= score.TARGET_NO_RISK_SHARE
    assert everything.language_accuracy >= score.TARGET_LANGUAGE_ACCURACY
    assert everything.risk_precision >= PRECISION_FLOOR_ALL_PAGES
    development = totals([s for s in offline_scores if s.split in DEVELOPMENT_SPLITS])
    assert development.fact_recall >= FACT_RECALL_FLOOR
    tune = totals([s for s in offline_scores if s.split == "tune"])
    assert tune.risk_precision >= score.TARGET_RISK_PRECISION


def test_pages_never_tuned_on_list_no_false_risk_on_no_risk_articles(
    offline_scores: list[score.PageScore],
) -> None:
    unseen = totals([s for s in offline_scores if s.split != "tune"])
    assert unseen.no_risk_share >= score.TARGET_NO_RISK_SHARE


def test_the_shipped_risk_model_is_what_the_labels_give() -> None:
    """briefer/data/risk_model.json is reproduced by fitting on the development pages."""
    import json

    from briefer.risk_model import builtin_model
    from tests.eval import train_risk

    shipped = builtin_model()
    recorded = json.loads(train_risk.MODEL_PATH.read_text(encoding="utf-8"))
    pages, _ = train_risk.load_pages(train_risk.development_labels())
    assert recorded["fitted_on"]["pages"] == len(pages)
    again = train_risk.refit(pages, shipped.threshold)
    # Rounded to 6 places when written; a different BLAS may move the last one.
    assert again.weights.keys() == shipped.weights.keys()
    for name, weight in again.weights.items():
        assert weight == pytest.approx(shipped.weights[name], abs=1e-4), name
    assert again.bias == pytest.approx(shipped.bias, abs=1e-4)
    assert recorded["cross_validated"]["risk_precision"] >= score.TARGET_RISK_PRECISION
