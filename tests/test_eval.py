"""The offline engine on the hand-labelled evaluation set (tests/eval): its figures may not regress."""

from __future__ import annotations

import pytest

from tests.eval import score
from tests.eval.fitting import HELD_OUT, development_labels
from tests.eval.score import load_labels, overlaps, totals


def test_the_set_is_what_its_readme_promises() -> None:
    labels = load_labels()
    assert len(labels) >= 40
    assert sum(label.language != "en" for label in labels) >= 10
    assert sum(label.no_risk for label in labels) >= 10
    assert {label.split for label in labels} == {"tune", "holdout", "fresh", "confirm", "test"}
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


# Measured with the fitted risk model (make eval): precision 1.00 on every split, 14 risks listed
# over 156 pages; key-fact recall 0.42 on all pages. The development pages (every split but
# "test") are the ones the model was fitted on, so their precision is in-sample; the "test" pages
# were labelled blind after the model was settled and never fitted on. These floors catch a
# regression; the figures a reader should trust are the cross-validated ones (README).
FACT_RECALL_FLOOR = 0.40


def test_offline_engine_holds_its_figures(offline_scores: list[score.PageScore]) -> None:
    everything = totals(offline_scores)
    assert everything.failed == 0
    assert everything.no_risk_share >= score.TARGET_NO_RISK_SHARE
    assert everything.language_accuracy >= score.TARGET_LANGUAGE_ACCURACY
    assert everything.risk_precision >= score.TARGET_RISK_PRECISION
    assert everything.fact_recall >= FACT_RECALL_FLOOR
    assert everything.risks_emitted >= 10  # precision is not bought by listing nothing


def test_pages_never_fitted_on_list_no_risk_on_no_risk_articles(
    offline_scores: list[score.PageScore],
) -> None:
    # Their risk precision is reported (make eval), not held here: it rests on a handful of
    # findings, and a floor on it would invite tuning against the pages kept for checking.
    unseen = totals([s for s in offline_scores if s.split in HELD_OUT])
    assert unseen.pages >= 40
    assert unseen.no_risk_share >= score.TARGET_NO_RISK_SHARE
    assert unseen.language_accuracy >= score.TARGET_LANGUAGE_ACCURACY


def test_the_shipped_risk_model_is_what_the_labels_give() -> None:
    """briefer/data/risk_model.json is reproduced by fitting on the development pages."""
    import json

    from briefer.risk_model import builtin_model
    from tests.eval import train_risk

    shipped = builtin_model()
    recorded = json.loads(train_risk.MODEL_PATH.read_text(encoding="utf-8"))
    pages, _ = train_risk.load_pages(development_labels())
    assert recorded["fitted_on"]["pages"] == len(pages)
    again = train_risk.refit(pages, shipped.threshold)
    # Rounded to 6 places when written; a different BLAS may move the last one.
    assert again.weights.keys() == shipped.weights.keys()
    for name, weight in again.weights.items():
        assert weight == pytest.approx(shipped.weights[name], abs=1e-4), name
    assert again.bias == pytest.approx(shipped.bias, abs=1e-4)
    assert recorded["cross_validated"]["risk_precision"] >= score.TARGET_RISK_PRECISION


def test_sentence_features_describe_every_candidate_key_point() -> None:
    """The features train_facts fits on: one row per candidate, in article order."""
    from briefer.config import Settings
    from briefer.engines.extractive import ExtractiveEngine
    from briefer.segmentation import sentences
    from briefer.sources import build_article
    from tests.conftest import SEED
    from tests.eval.sentence_features import FEATURES, features

    article = build_article(SEED.read_bytes(), str(SEED), "text")
    engine = ExtractiveEngine(Settings())
    found = engine.key_point_candidates(article, sentences(article.text, article.language))
    rows = features(found, article.language, article.text)
    assert len(rows) == len(found.quotes) > 5
    assert all(set(row) <= set(FEATURES) for row in rows)
    assert [row["first"] for row in rows[:2]] == [1.0, 0.0]
    assert sum(row["most_central"] for row in rows) == 1.0
    assert rows[0]["headline_share"] > 0
    assert rows[0]["paragraph_start"] == 1.0
