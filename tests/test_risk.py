"""Offline risks, precision first: each false risk seen on real pages is pinned here with a
short synthetic article, next to a control that shows the same cues do fire when the article
states a risk."""

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from briefer.config import Settings
from briefer.engines.extractive import ExtractiveEngine
from briefer.models import Article, Risk
from briefer.risk import Candidate, candidates
from briefer.rules import builtin_languages, load_rules
from briefer.segmentation import sentences


def article(
    text: str, *, language: str = "en", published: str | None = None, title: str | None = None
) -> Article:
    return Article(
        id="x" * 64,
        text=text,
        source="test.txt",
        title=title,
        published=published,
        language=language,
    )


@pytest.fixture(scope="module")
def engine() -> ExtractiveEngine:
    return ExtractiveEngine(Settings(max_risks=20))


def risks(engine: ExtractiveEngine, text: str, **kw: Any) -> list[Risk]:
    return engine.analyze(article(text, **kw), [])[1]


def categories(engine: ExtractiveEngine, text: str, **kw: Any) -> list[str]:
    return sorted({r.category for r in risks(engine, text, **kw)})


def candidates_of(engine: ExtractiveEngine, text: str, **kw: Any) -> list[Candidate]:
    """What the rules put before the model: sentences with a counted cue of a rule."""
    item = article(text, **kw)
    rules = engine.rules.get(item.language)
    assert rules is not None
    spans = engine.risk_sentences(item, sentences(item.text, item.language))
    return candidates(item, spans, rules)[1]


def counted(engine: ExtractiveEngine, text: str, **kw: Any) -> list[str]:
    """The categories whose cues count somewhere in ``text`` (before the model decides)."""
    rules = engine.rules.get(kw.get("language", "en"))
    assert rules is not None
    return sorted({rules.rules[c.rule].category for c in candidates_of(engine, text, **kw)})


@pytest.fixture(scope="module")
def permissive() -> ExtractiveEngine:
    """Lists every candidate: for what a finding says, whatever the model thinks of it."""
    return ExtractiveEngine(Settings(max_risks=20, risk_confidence=0.001))


def test_english_and_german_rules_ship() -> None:
    assert {"en", "de"} <= set(builtin_languages())
    assert load_rules(language="de").language == "de"


# ---- the failures seen on real pages ---------------------------------------------------------


def test_a_film_title_in_an_awards_story_is_no_armed_conflict(engine: ExtractiveEngine) -> None:
    text = (
        "Those left out include immersive World War One film “1917,” the big winner at the "
        "Producers Guild Awards on Saturday, as well as “Joker” and “Little Women.”\n"
        "The ensemble prize went to a comedy about two families."
    )
    assert risks(engine, text) == []


def test_a_cue_inside_a_quoted_title_does_not_count(engine: ExtractiveEngine) -> None:
    quoted = "Crowds queued for hours on Sunday to see “Terror Attack Nine” at the city’s arena."
    plain = "Crowds fled on Sunday after a terror attack near the city’s arena."
    assert categories(engine, quoted) == []
    assert counted(engine, quoted) == []
    assert "terrorism" in counted(engine, plain)


def test_a_lowercase_cue_written_with_a_capital_inside_a_sentence_is_a_name(
    engine: ExtractiveEngine,
) -> None:
    assert categories(engine, "Veterans of the Great War met soldiers on parade in Leeds.") == []
    assert categories(engine, "Soldiers are dying as the war reaches Leeds.") == ["military"]


def test_the_energy_of_radio_bursts_is_no_energy_deal(engine: ExtractiveEngine) -> None:
    text = (
        "Repeat observations could allow scientists to learn about the environment from which "
        "a fast radio burst emerged, and to determine whether the blasts vary in energy or "
        "recur with any set pattern. The energy of one burst matched the Sun's output in a day."
    )
    assert risks(engine, text) == []
    deal = "In July 2022, Russia agreed to invest around $40 billion in the Iranian oil industry."
    assert categories(engine, deal, published="2023-05-01") == ["economic"]


def test_german_war_is_a_verb_not_a_conflict(engine: ExtractiveEngine) -> None:
    text = (
        "Und in dieser Version der Mail stand, dass der Reporter nicht dort war. Das war ein "
        "schwerer Fehler, sagte die Chefredaktion, und es war nicht der einzige."
    )
    assert risks(engine, text, language="de") == []
    # The same words read as English would be cues; German text never meets English rules.
    conflict = "Russische Truppen setzen den Krieg im Osten fort, Soldaten rücken weiter vor."
    assert categories(engine, conflict, language="de") == ["military"]


def test_a_colonial_era_event_is_history_not_a_risk(engine: ExtractiveEngine) -> None:
    text = (
        "Eventually recalled by the Reich for his excessive cruelty, the colonial governor was "
        "celebrated by the Nazi regime, which named a street after him in 1939."
    )
    assert risks(engine, text, published="2020-01-19") == []


def test_an_event_dated_years_before_the_article_is_history(engine: ExtractiveEngine) -> None:
    old = "In 1905, troops massacred civilians and the war against the rebels escalated."
    assert risks(engine, old, published="2020-01-19") == []
    recent = "In 2019, troops massacred civilians and the war against the rebels escalated."
    assert "military" in categories(engine, recent, published="2020-01-19")


def test_an_event_told_as_years_ago_is_history(engine: ExtractiveEngine) -> None:
    assert risks(engine, "Years ago, rebels attacked the town and troops shelled it.") == []
    assert risks(engine, "Damals rückten Truppen vor, der Krieg tobte.", language="de") == []
    assert "military" in categories(engine, "Rebels attacked the town and troops shelled it.")


def test_without_a_publication_date_the_latest_year_named_dates_the_article_but_not_a_target() -> (
    None
):
    from briefer.risk import reference_year

    text = "In 2019 the plan began. By 2030 emissions must fall, and until 2035 coal may burn."
    assert reference_year(article(text)) == 2019
    assert reference_year(article(text, published="2024-02-03T10:00:00")) == 2024


def test_a_sentence_after_a_dated_past_event_shares_its_time(engine: ExtractiveEngine) -> None:
    text = (
        "In 1998, agents bombed two embassies, killing more than 200 civilians. In retaliation, "
        "the president ordered a cruise missile strike against a factory."
    )
    assert risks(engine, text, published="2017-01-13") == []
    assert counted(engine, text, published="2017-01-13") == []
    # A new paragraph starts afresh, and a marker of now keeps a dated sentence current.
    current = (
        "In 1998, agents bombed two embassies.\nTroops still fire missiles at the border every "
        "night, and the war will go on."
    )
    assert "military" in counted(engine, current, published="2017-01-13")


def test_no_threat_and_ruled_out_are_not_risks(engine: ExtractiveEngine) -> None:
    assert risks(engine, "Officials said there was no threat of a terror attack this week.") == []
    assert risks(engine, "A military offensive was ruled out by the government on Monday.") == []
    assert risks(engine, "The ministry said the virus poses no health threat to residents.") == []
    negated = "Officials said there was no threat of a terror attack this week."
    assert "terrorism" not in counted(engine, negated)
    warned = "The ministry warned of a growing threat of a terror attack this week."
    assert "terrorism" in counted(engine, warned)


def test_fiction_is_not_a_risk(engine: ExtractiveEngine) -> None:
    assert risks(engine, "In the novel, terrorists plot a terror attack on the capital.") == []


# ---- the general mechanisms --------------------------------------------------------------------


def test_one_weak_cue_is_not_enough_two_or_one_strong_phrase_are(engine: ExtractiveEngine) -> None:
    lone = candidates_of(engine, "The troops paraded through the capital on Monday.")
    assert lone and all(c.strength == 0 for c in lone)
    assert risks(engine, "The troops paraded through the capital on Monday.") == []
    two = candidates_of(engine, "Troops crossed the border and fighting spread overnight.")
    assert max(c.strength for c in two) >= 2
    rules = engine.rules.get("en")
    assert rules is not None
    found = candidates_of(engine, "Ransomware hit the port.")
    (strong,) = [c for c in found if rules.rules[c.rule].category == "cyber"]
    assert strong.strength >= 2
    # The model weighs corroboration: the same sentence with a second cue is more probable.
    model = engine.model
    assert max(model.probability(c.features) for c in two) > max(
        model.probability(c.features) for c in lone
    )


def test_a_rule_with_requires_needs_its_subject_and_an_action(engine: ExtractiveEngine) -> None:
    # "oil" and "gas" are both subjects of the energy rule: neither says anything happens.
    assert risks(engine, "Oil and gas prices were steady in quiet trading on Friday.") == []


def test_a_phrase_to_ignore_swallows_the_cue_inside_it(engine: ExtractiveEngine) -> None:
    text = "The price war between the two airlines drew troops of bargain hunters."
    assert risks(engine, text) == []


def test_severity_words_count_only_near_the_cue(permissive: ExtractiveEngine) -> None:
    engine = permissive
    near = "A catastrophic ransomware attack hit the port operator on Monday."
    far = (
        "Ransomware hit the port operator on Monday, officials said in a long statement that "
        "also recalled the catastrophic storm which flooded the old harbour."
    )
    (hit,) = [r for r in risks(engine, near) if r.category == "cyber"]
    (miss,) = [r for r in risks(engine, far) if r.category == "cyber"]
    assert hit.severity == "high" and "raised by “catastrophic”" in hit.rationale
    assert miss.severity == "medium"


def test_evidence_is_the_exact_sentence(permissive: ExtractiveEngine) -> None:
    text = "Markets were calm. Hackers have stolen data from the ministry, officials confirmed."
    (risk,) = [r for r in risks(permissive, text) if r.category == "cyber"]
    assert risk.span is not None
    assert text[risk.span.start : risk.span.end] == risk.evidence
    assert risk.evidence.startswith("Hackers have stolen data")
    assert risk.likelihood == "almost certain"


def test_a_language_without_rules_is_not_assessed_and_says_so(engine: ExtractiveEngine) -> None:
    french = "Les terroristes ont menacé une nouvelle attaque, et la guerre continue au nord."
    item = article(french, language="fr")
    key_points, found = engine.analyze(item, [])
    assert found == [] and key_points
    assert engine.risk_note(item) == "risks not assessed (language: fr)"
    (result,) = engine.analyze_all([(item, [])])
    assert result.risk_note == "risks not assessed (language: fr)"
    english = dataclasses.replace(item, language="en")
    assert engine.risk_note(english) is None


def test_a_german_rules_file_extends_german_only(tmp_path: Path) -> None:
    extra = tmp_path / "de.toml"
    extra.write_text(
        'language = "de"\n[[rule]]\nid = "streik"\ncategory = "economic"\n'
        'title = "Streik"\nstrong = ["Streik*"]\n'
    )
    engine = ExtractiveEngine(Settings(rules=(extra,)))
    text = "Die Gewerkschaft kündigt einen Streik bei der Bahn an."
    assert [r.title for r in risks(engine, text, language="de")] == ["Streik"]
    assert risks(engine, "Der Streik (Streik) dauert an.", language="en") == []


@pytest.mark.parametrize(
    "text",
    [
        "The Lakers attacked the basket and fired 15 three-pointers in a battle that ended 110-98.",
        "The startup will invest $200 million in new gas turbines and oil refinery software.",
        "Doctors said the patient suffered a heart attack and is recovering in hospital.",
        "The company faces a fierce price war with its rivals, and its shares crashed.",
        "Engineers launched the rocket from Florida and put a weather satellite into orbit.",
        "Apple fixed a vulnerability in Safari; researchers found no evidence it was exploited.",
        "Hackers at the university built a robot that folds laundry.",
        "The new vaccine protects against the virus, and health officials said flu was mild.",
    ],
)
def test_everyday_stories_that_use_risk_words_list_no_risk(
    engine: ExtractiveEngine, text: str
) -> None:
    assert risks(engine, text, published="2024-05-01") == []


def test_an_army_on_parade_is_not_a_conflict(engine: ExtractiveEngine) -> None:
    parade = "Die Armee feierte ihr Jubiläum mit einer Parade, Soldaten marschierten durch Berlin."
    assert risks(engine, parade, language="de") == []


def test_pressure_on_the_press_and_harm_to_ecosystems_are_risks(engine: ExtractiveEngine) -> None:
    press = "The union fears the new law would crush investigative journalism."
    assert categories(engine, press) == ["political"]
    assert risks(engine, "Journalists from ten countries met in Vienna for an award.") == []
    trees = "A fungal disease is killing the island's oldest trees and threatening its forests."
    assert categories(engine, trees) == ["environment"]
    assert risks(engine, "Volunteers planted 300 trees along the river on Sunday.") == []
    german = "Die Korallen im Roten Meer sind durch die Erwärmung bedroht."
    assert categories(engine, german, language="de") == ["environment"]


# ---- time frame, confidence and one finding per sentence -----------------------------------------


def test_a_sentence_told_in_the_past_tense_is_over_unless_it_is_recent(
    engine: ExtractiveEngine,
) -> None:
    assert counted(engine, "It was the deadliest terror attack in the country in a decade.") == []
    assert counted(engine, "It is the deadliest terror attack in the country in a decade.") == [
        "terrorism"
    ]
    assert counted(engine, "Hackers had stolen data from the ministry.") == []
    # News tells the events of the last few days in the past tense: they are current.
    recent = "Hackers had stolen data from the ministry on Monday."
    assert counted(engine, recent) == ["cyber"]


def test_relative_past_times_are_history(engine: ExtractiveEngine) -> None:
    assert risks(engine, "Last year, troops shelled the town and fighting spread.") == []
    assert risks(engine, "Two months ago, militants attacked a hotel and took hostages.") == []
    assert (
        risks(engine, "Im vergangenen Jahr rückten Truppen vor, der Krieg tobte.", language="de")
        == []
    )
    assert categories(engine, "Troops shelled the town and fighting spread.") == ["military"]


def test_an_event_dated_two_years_before_the_article_is_history(engine: ExtractiveEngine) -> None:
    text = "In 2013, a political crisis toppled the government."
    assert risks(engine, text, published="2015-03-19") == []
    assert categories(engine, text, published="2014-03-19") == ["political"]


def test_a_crisis_named_as_a_point_in_time_is_background(engine: ExtractiveEngine) -> None:
    assert risks(engine, "Since the financial crisis, the bank has hired 300 staff.") == []
    assert risks(engine, "The bank has hired 300 staff after the 2008 financial crisis.") == []
    german = "Seit dem Bürgerkrieg hat die Stadt 300 neue Schulen gebaut."
    assert risks(engine, german, language="de") == []
    assert categories(engine, "The country is sliding into a financial crisis.") == ["economic"]


def test_an_alarm_in_the_sentence_makes_a_finding_more_probable(engine: ExtractiveEngine) -> None:
    plain = "Militants took hostages in the north and attacked a convoy."
    alarmed = "Militants took hostages in the north and officials fear more attacks."
    rules = engine.rules.get("en")
    assert rules is not None

    def terrorism(text: str) -> float:
        found = candidates_of(engine, text)
        terror = [c for c in found if rules.rules[c.rule].category == "terrorism"]
        return max(engine.model.probability(c.features) for c in terror)

    assert terrorism(alarmed) > terrorism(plain)


def test_a_users_rule_keeps_the_documented_test(tmp_path: Path) -> None:
    """Two plain cues need a marker of now or an alarm, in or next to the sentence."""
    rules = tmp_path / "mine.toml"
    rules.write_text(
        '[[rule]]\nid = "hostages"\ncategory = "terrorism"\ntitle = "Hostage taking"\n'
        'cues = ["militants", "hostages"]\n',
        encoding="utf-8",
    )
    engine = ExtractiveEngine(Settings(max_risks=20, rules=(rules,)))
    titles = [r.title for r in risks(engine, "Militants took hostages in the north.")]
    assert "Hostage taking" not in titles
    held = risks(engine, "Militants are holding hostages in the north.")
    assert "Hostage taking" in [r.title for r in held]
    passage = "Militants took hostages in the north. Officials fear more attacks."
    (risk,) = [r for r in risks(engine, passage) if r.title == "Hostage taking"]
    assert risk.evidence == "Militants took hostages in the north."
    assert "Confidence" not in risk.rationale


def test_one_sentence_is_one_finding_of_the_rule_it_supports_most(engine: ExtractiveEngine) -> None:
    text = "Troops are fighting rebels as arms shipments arrive at the front line."
    (risk,) = risks(engine, text)
    assert risk.title == "Armed conflict and troop exposure"


def test_the_strongest_sentence_is_the_evidence_wherever_it_stands(
    engine: ExtractiveEngine,
) -> None:
    text = (
        "Troops could attack the rebels. Troops and rebels are fighting a civil war that is "
        "raging across the north."
    )
    (risk,) = risks(engine, text)
    assert risk.evidence.startswith("Troops and rebels are fighting a civil war")


def test_sanctions_are_a_risk_where_they_hit_an_energy_industry(engine: ExtractiveEngine) -> None:
    assert risks(engine, "The country will face new sanctions next year.") == []
    assert risks(engine, "Die Regierung wird neue Sanktionen verhängen.", language="de") == []
    hit = "New sanctions on the oil industry will cut its exports."
    assert categories(engine, hit) == ["economic"]


def test_a_cue_in_singular_and_plural_is_named_once(permissive: ExtractiveEngine) -> None:
    text = "An attack drone hit the depot on Monday, and more attack drones struck the port."
    (risk,) = [r for r in risks(permissive, text) if r.title == "Arms and drone transfers"]
    named = [c.lower() for c in risk.cues]
    assert len([c for c in named if c.startswith("attack drone")]) == 1, risk.cues


def test_a_users_rule_does_not_move_the_built_in_findings(tmp_path: Path) -> None:
    """The model was fitted with the built-in rules: a user's rule that shares their cues (or
    adds a category) leaves the built-in candidates' probabilities and findings as they were."""
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[categories]\nspace = "Space"\n\n'
        '[[rule]]\nid = "space"\ncategory = "space"\ntitle = "Space race"\n'
        'cues = ["Iran*", "Russia*", "drone*"]\n\n'
        '[[rule]]\nid = "mil"\ncategory = "military"\ntitle = "Never listed"\n'
        'requires = ["zeppelin"]\ncues = ["war", "troops", "factory"]\n',
        encoding="utf-8",
    )
    from .conftest import SEED

    text = SEED.read_text(encoding="utf-8")
    plain = ExtractiveEngine(Settings(max_risks=20))
    extended = ExtractiveEngine(Settings(max_risks=20, rules=(mine,)))

    def builtin(engine: ExtractiveEngine) -> dict[tuple[str, int], float]:
        rules = engine.rules.get("en")
        assert rules is not None
        return {
            (rules.rules[c.rule].id, c.position): round(engine.model.probability(c.features), 9)
            for c in candidates_of(engine, text)
            if not rules.rules[c.rule].user
        }

    assert builtin(extended) == builtin(plain)
    before = {r.title for r in risks(plain, text)}
    after = {r.title for r in risks(extended, text)}
    # A user's rule may win a sentence from a built-in one; it moves nothing else.
    assert before <= after | {"Strategic alignment between states"}


def test_a_broken_model_file_is_a_clear_error() -> None:
    import json

    from briefer.errors import ConfigError
    from briefer.risk_model import MODEL_FILE, feature_names, model_from

    from .conftest import ROOT

    good = json.loads((ROOT / "briefer" / "data" / MODEL_FILE).read_text(encoding="utf-8"))
    assert set(good["weights"]) == set(feature_names())
    cases = {
        "missing weights": {k: v for k, v in good.items() if k != "weights"},
        "do not match": {**good, "weights": {}},
        "not a finite number": {**good, "bias": float("nan")},
        "threshold must be": {**good, "threshold": 1.5},
    }
    for said, data in cases.items():
        with pytest.raises(ConfigError, match=said):
            model_from(data, "risk_model.json")
