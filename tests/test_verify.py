from hypothesis import given
from hypothesis import strategies as st

from briefer.verify import find_span, locate

from .conftest import SEED


def test_verbatim_quote_is_found_exactly(seed_text: str) -> None:
    quote = "Ukraine reportedly caused “significant” damage"
    span = find_span(seed_text, quote)
    assert span is not None and seed_text[span.start : span.end] == quote


def test_normalized_quote_maps_back_to_the_original_characters(seed_text: str) -> None:
    quote = 'ukraine REPORTEDLY caused "significant"   damage'
    span = find_span(seed_text, quote)
    assert span is not None
    assert seed_text[span.start : span.end] == "Ukraine reportedly caused “significant” damage"


def test_fabricated_quote_is_not_found(seed_text: str) -> None:
    assert find_span(seed_text, "Russia signed the agreement on Tuesday") is None
    assert find_span(seed_text, "   ") is None


@given(st.text(min_size=1, max_size=200), st.data())
def test_any_substring_is_found_at_a_matching_place(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    span = find_span(text, quote)
    if quote.strip():
        assert span is not None
        assert text[span.start : span.end] == quote
    else:
        assert span is None


def test_fuzzy_match_finds_a_quote_with_one_word_changed(seed_text: str) -> None:
    quote = (
        "Israel is also worried about Russia’s offer to provide Iran with jets and new air "
        "defense systems."
    )
    span, how = locate(seed_text, quote)
    assert how == "fuzzy"
    assert span is not None
    assert seed_text[span.start : span.end].startswith(
        "Israel is also concerned about Russia’s offer"
    )
    assert seed_text[span.start : span.end].endswith("air defense systems.")


def test_fabricated_quotes_are_not_fuzzily_matched(seed_text: str) -> None:
    for quote in (
        "Russia signed the agreement on Tuesday in Tehran.",
        "Iran has bought the S-400 air defense system and deployed it.",
        "Hezbollah attacked Russian troops stationed in Lebanon.",
    ):
        assert locate(seed_text, quote) == (None, None), quote


@given(st.data())
def test_a_sentence_with_one_word_swapped_is_found_where_it_was(data: st.DataObject) -> None:
    from briefer.segmentation import sentences

    seed_text = SEED.read_text(encoding="utf-8")
    spans = [s for s in sentences(seed_text) if len(seed_text[s.start : s.end].split()) >= 15]
    target = data.draw(st.sampled_from(spans))
    words = seed_text[target.start : target.end].split(" ")
    i = data.draw(st.integers(1, len(words) - 2))
    words[i] = "zzzq"
    span, how = locate(seed_text, " ".join(words))
    assert how == "fuzzy"
    assert span is not None
    assert target.start <= span.start < span.end <= target.end
