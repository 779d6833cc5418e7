from hypothesis import given
from hypothesis import strategies as st

from briefer.verify import find_span


def test_verbatim_quote_is_found_exactly(seed_text):
    quote = "Ukraine reportedly caused “significant” damage"
    span = find_span(seed_text, quote)
    assert span is not None and seed_text[span.start : span.end] == quote


def test_normalized_quote_maps_back_to_the_original_characters(seed_text):
    quote = 'ukraine REPORTEDLY caused "significant"   damage'
    span = find_span(seed_text, quote)
    assert span is not None
    assert seed_text[span.start : span.end] == "Ukraine reportedly caused “significant” damage"


def test_fabricated_quote_is_not_found(seed_text):
    assert find_span(seed_text, "Russia signed the agreement on Tuesday") is None
    assert find_span(seed_text, "   ") is None


@given(st.text(min_size=1, max_size=200), st.data())
def test_any_substring_is_found_at_a_matching_place(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    span = find_span(text, quote)
    if quote.strip():
        assert span is not None
        assert text[span.start : span.end] == quote
    else:
        assert span is None
