"""Claim support: numbers, names, dates, negations and hedges of a claim against its evidence,
and evidence that is navigation rather than article text."""

import pytest

from briefer.support import boilerplate, checks_for, claim_support, grounded

EXPECTED = (
    "Russia and Iran are expected to sign a new comprehensive cooperation agreement soon, "
    "according to the Russian Foreign Ministry."
)
YEARS = "In 2001, Russia and the Iranian regime signed a 20-year strategic agreement."


@pytest.mark.parametrize(
    "claim",
    [
        EXPECTED,
        "Russia and Iran are expected to sign a comprehensive cooperation agreement soon.",
        "Russian officials expect to sign an agreement with Iran soon.",
        "In 2001 Russia and Iran signed a 20-year strategic agreement.",
    ],
)
def test_faithful_claims_are_supported(claim: str) -> None:
    evidence = EXPECTED if "soon" in claim else YEARS
    assert claim_support(claim, evidence).supported, claim_support(claim, evidence).issues


@pytest.mark.parametrize(
    ("claim", "evidence", "issue"),
    [
        ("In 20,010 Russia and Iran signed a 20-year agreement.", YEARS, "number 20010"),
        ("Russia and Iran will sign a new agreement soon.", EXPECTED, "hedge dropped"),
        ("Russia and Turkey are expected to sign an agreement.", EXPECTED, "name turkey"),
        ("In March 2001, Russia and Iran signed an agreement.", YEARS, "date march"),
        ("Russia and Iran did not sign an agreement in 2001.", YEARS, "negation added"),
        ("Iran signed the deal.", "Iran has not signed the deal.", "negation dropped"),
        ("Iran signed the deal.", "Iran didn’t sign the deal.", "negation dropped"),
        ("Iran won't sign the deal.", "Iran will sign the deal.", "negation added"),
        ("Some 6,000 drones were built.", "At least 6.000 drones could be built.", "hedge"),
    ],
)
def test_a_claim_that_changes_the_evidence_is_not_supported(
    claim: str, evidence: str, issue: str
) -> None:
    verdict = claim_support(claim, evidence)
    assert not verdict.supported and any(issue in i for i in verdict.issues), verdict.issues


def test_numbers_in_other_notations_and_words_match() -> None:
    assert claim_support(
        "It will cost 1000 euros, said 5 officials.",
        "Es soll 1.000 Euro kosten, sagten fünf Beamte.",
        language="de",
        same_language=False,
    ).supported
    assert claim_support("Five officials met.", "5 officials met.").supported


def test_may_the_month_is_not_a_hedge_and_title_case_is_not_names() -> None:
    assert claim_support("The talks ended on 5 May.", "The talks ended on 5 May.").supported
    assert claim_support("Talks End In May", "The talks ended in May last year.").supported
    verdict = claim_support("Drone Production For Russia", "Iran builds drones for Russia.")
    assert verdict.supported, verdict.issues


def test_likelihood_must_not_overstate_a_hedged_risk() -> None:
    verdict = claim_support(
        "Drone factory", "The factory was expected to open.", likelihood="almost certain"
    )
    assert verdict.issues == ("likelihood 'almost certain' but the evidence says 'expected to'",)
    assert claim_support(
        "Drone factory", "The factory was expected to open.", likelihood="likely"
    ).supported


def test_hedges_and_negations_are_checked_only_where_the_words_are_known() -> None:
    assert "hedges" in checks_for("de") and "only" in checks_for("fa")
    assert claim_support("Iran signed it.", "Iran has not signed it.", language="fa").supported


def test_navigation_and_captions_are_not_article_text() -> None:
    text = (
        "Title of the page\nThe minister said talks would resume on Monday.\n"
        "Read more: Talks in Vienna\nPhoto: Reuters\nThe sanctions stay.\n"
    )

    def why(quote: str) -> str | None:
        start = text.index(quote)
        return boilerplate(text, start, start + len(quote), quote)

    assert why("The minister said talks would resume on Monday.") is None
    assert why("The sanctions stay.") is None
    assert "navigation" in str(why("Read more: Talks in Vienna"))
    assert "navigation" in str(why("Photo: Reuters"))
    assert "heading, caption or link" in str(why("Title of the page"))
    assert "navigation" in str(why("Talks in Vienna"))  # a part of the navigation line


def test_navigation_is_told_by_the_readers_rules_in_the_articles_language() -> None:
    # One list of boilerplate for reading and for checking quotes: a sentence that merely
    # starts with "Watch" is article text; "Lesen Sie auch:" is German navigation.
    text = "Watch out: the storm hits the coast on Monday, officials said.\n"
    quote = text.strip()
    assert boilerplate(text, 0, len(quote), quote) is None
    german = "Der Minister sprach am Montag.\nLesen Sie auch: Gespräche in Wien\n"
    start = german.index("Gespräche in Wien")
    end = start + len("Gespräche in Wien")
    assert "navigation" in str(boilerplate(german, start, end, "Gespräche in Wien", "de"))


def test_a_summary_line_may_say_only_what_its_findings_say() -> None:
    findings = "Russia and Iran are expected to sign an agreement soon.\nIn 2001 they signed one."
    assert grounded("Russia and Iran are expected to sign an agreement soon.", findings).supported
    for line, issue in [
        ("Russia and Iran will sign in 2024.", "number 2024"),
        ("Russia, Iran and China are expected to sign.", "name china"),
        ("The agreement may provide military support to proxies.", "'may'"),
        ("Tehran welcomes sweeping financial support for terror proxies abroad.", "content words"),
    ]:
        verdict = grounded(line, findings)
        assert not verdict.supported and any(issue in i for i in verdict.issues), (
            line,
            verdict.issues,
        )


def test_evidence_about_something_else_does_not_support_a_key_point() -> None:
    verdict = claim_support(
        "The festival offers readings, concerts and guided walks through the quarter.",
        "One of the NGOs involved with the project is the Initiative of Black People.",
    )
    assert not verdict.supported and "about something else" in verdict.issues[0]


def test_a_hedge_on_an_amount_does_not_make_a_certain_risk_doubtful() -> None:
    evidence = "The strike killed at least 12 soldiers near the border on Monday."
    certain = claim_support("Armed conflict", evidence, likelihood="almost certain")
    assert certain.supported, certain.issues
    doubtful = claim_support(
        "Armed conflict", "At least 12 soldiers may have been killed.", likelihood="almost certain"
    )
    assert doubtful.issues == ("likelihood 'almost certain' but the evidence says 'may'",)
