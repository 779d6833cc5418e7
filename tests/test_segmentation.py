from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from briefer.segmentation import Segment, paragraph_starts, paragraphs, sentences


def texts(text: str, spans: Iterable[Segment]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def test_sentences_respect_abbreviations_initials_and_decimals() -> None:
    text = (
        'Mr. Smith met Dr. Jones at 3 p.m. in the U.S. capital. He said: "It works." '
        "Then John F. Kennedy left! Why? Prices rose 3.5 percent."
    )
    assert texts(text, sentences(text)) == [
        "Mr. Smith met Dr. Jones at 3 p.m. in the U.S. capital.",
        'He said: "It works."',
        "Then John F. Kennedy left!",
        "Why?",
        "Prices rose 3.5 percent.",
    ]


def test_closing_curly_quote_stays_with_its_sentence() -> None:
    text = "“We expect it soon.” Officials agreed. "
    assert texts(text, sentences(text)) == ["“We expect it soon.”", "Officials agreed."]


def test_a_quoted_question_or_exclamation_inside_a_sentence_does_not_end_it() -> None:
    text = (
        "\"Are there any calm fans?\" he asked on Twitter. The study timed the 'a-ha!' moment "
        "in the brain. Is it over? No one knows!"
    )
    assert texts(text, sentences(text)) == [
        '"Are there any calm fans?" he asked on Twitter.',
        "The study timed the 'a-ha!' moment in the brain.",
        "Is it over?",
        "No one knows!",
    ]
    french = "« Pourquoi ? » a-t-il demandé. Personne ne sait."
    assert texts(french, sentences(french, "fr")) == [
        "« Pourquoi ? » a-t-il demandé.",
        "Personne ne sait.",
    ]


def test_one_line_per_paragraph_text_splits_at_each_newline(seed_text: str) -> None:
    paras = texts(seed_text, paragraphs(seed_text))
    assert paras[0] == "Iran, Russia expected to sign new strategic comprehensive agreement"
    assert len(paras) == len([ln for ln in seed_text.splitlines() if ln.strip()])


def test_hard_wrapped_text_splits_only_at_blank_lines() -> None:
    line = "word " * 13
    wrapped = "\n".join([line.strip()] * 4) + "\n\n" + "\n".join([line.strip()] * 4)
    paras = paragraphs(wrapped)
    assert len(paras) == 2
    # A sentence may run across the wrapped lines of its paragraph.
    assert "\n" in wrapped[paras[0].start : paras[0].end]


def test_spans_map_back_exactly(seed_text: str) -> None:
    for span in sentences(seed_text):
        piece = seed_text[span.start : span.end]
        assert piece == piece.strip() and piece


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b.", " ", "\n", "\n\n", "\t", " \n", "x y", "w" * 30]), max_size=60
    )
)
def test_paragraph_starts_agree_with_paragraphs(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert paragraph_starts(text) == [p.start for p in paragraphs(text)[1:]]
