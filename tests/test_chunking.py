import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefer.chunking import chunk_text
from briefer.errors import ConfigError
from briefer.models import Chunk
from briefer.tokenizer import get_encoding
from briefer.tokenspans import TokenSpans

WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    min_size=1,
    max_size=12,
)
PUNCT = st.sampled_from(["", "", "", ".", ",", "!", "?", ".”", ";"])
SPACE = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\t", " \n "])


@st.composite
def documents(draw: st.DrawFn, max_words: int = 300) -> str:
    words = draw(st.lists(st.tuples(WORD, PUNCT, SPACE), min_size=1, max_size=max_words))
    lead = draw(st.sampled_from(["", " ", "\n"]))
    return lead + "".join(w + p + s for w, p, s in words)


LIMITS = st.tuples(st.integers(16, 200), st.integers(0, 100)).map(
    lambda t: (t[0], min(t[1], t[0] // 2))
)
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_invariants(
    text: str, chunks: list[Chunk], max_tokens: int, encoding: str = "o200k_base"
) -> None:
    enc = get_encoding(encoding)
    assert chunks, "a non-empty text has at least one chunk"
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.tokens == len(enc.encode_ordinary(chunk.text)) <= max_tokens
    for before, after in zip(chunks, chunks[1:]):
        # In order, no gap, and each chunk moves forward.
        assert before.start < after.start <= before.end < after.end


@FAST
@given(documents(), LIMITS)
def test_chunks_cover_text_in_order_within_limit(text: str, limits: tuple[int, int]) -> None:
    max_tokens, overlap = limits
    chunks = chunk_text(text, max_tokens=max_tokens, overlap=overlap)
    check_invariants(text, chunks, max_tokens)


@FAST
@given(documents(), st.integers(16, 120))
def test_chunks_never_split_inside_a_word(text: str, max_tokens: int) -> None:
    # Words here are at most 12 ASCII characters, so each fits in a chunk on its own.
    chunks = chunk_text(text, max_tokens=max_tokens, overlap=0)
    for chunk in chunks:
        for edge in (chunk.start, chunk.end):
            if 0 < edge < len(text):
                assert text[edge - 1].isspace() or text[edge].isspace(), (
                    edge,
                    text[edge - 5 : edge + 5],
                )


@FAST
@given(documents(), LIMITS)
def test_without_overlap_chunks_partition_the_text(text: str, limits: tuple[int, int]) -> None:
    max_tokens, _ = limits
    chunks = chunk_text(text, max_tokens=max_tokens, overlap=0)
    assert "".join(c.text for c in chunks) == text


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=400), st.integers(16, 64))
def test_any_unicode_text_keeps_the_invariants(text: str, max_tokens: int) -> None:
    chunks = chunk_text(
        text, max_tokens=max_tokens, overlap=max_tokens // 4, tokenizer="cl100k_base"
    )
    if text:
        check_invariants(text, chunks, max_tokens, "cl100k_base")


def test_short_article_is_one_chunk(seed_text: str) -> None:
    chunks = chunk_text(seed_text, article_id="abc")
    assert len(chunks) == 1
    assert chunks[0].text == seed_text and chunks[0].article_id == "abc"


def test_paragraph_boundaries_are_preferred(seed_text: str) -> None:
    chunks = chunk_text(seed_text, max_tokens=120, overlap=0)
    check_invariants(seed_text, chunks, 120)
    # Every paragraph of the seed fits in 120 tokens, so every cut falls at a line break.
    for chunk in chunks[:-1]:
        assert chunk.text.endswith("\n")


def test_overlap_repeats_whole_sentences(seed_text: str) -> None:
    chunks = chunk_text(seed_text, max_tokens=100, overlap=40)
    check_invariants(seed_text, chunks, 100)
    overlapping = [(a, b) for a, b in zip(chunks, chunks[1:]) if b.start < a.end]
    assert overlapping, "some consecutive chunks share text"
    for a, b in overlapping:
        shared = seed_text[b.start : a.end]
        assert len(get_encoding("o200k_base").encode_ordinary(shared)) <= 40
        assert shared[0].isupper() or shared[0] in '“"', shared  # starts a sentence


def test_a_word_longer_than_the_limit_is_cut_between_tokens() -> None:
    text = "x" * 3000 + " tail"
    chunks = chunk_text(text, max_tokens=20, overlap=0)
    check_invariants(text, chunks, 20)
    assert len(chunks) > 10


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("") == []


@pytest.mark.parametrize("max_tokens,overlap", [(8, 0), (100, 51), (100, -1)])
def test_invalid_limits_are_rejected(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ConfigError):
        chunk_text("some text", max_tokens=max_tokens, overlap=overlap)


SPAN_PIECES = [*"abcXYZ019 \t\n\r.,'’/-", "  ", "'s", "é", "中文", "😀", "\u0301", "\xa0", "Next "]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(SPAN_PIECES), max_size=300).map("".join),
    st.data(),
    st.sampled_from(["o200k_base", "cl100k_base"]),
)
def test_span_counts_from_one_encode_are_exact(text: str, data: st.DataObject, name: str) -> None:
    spans = TokenSpans(text, name)
    encode = get_encoding(name).encode_ordinary
    assert spans.total == len(encode(text))
    for _ in range(5):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, len(text)))
        assert spans.count(start, end) == len(encode(text[start:end]))


def test_a_long_text_is_tokenized_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counting a chunk re-encodes only its edges: everything encoded apart from the single
    # whole-text encode adds up to a small share of the text.
    text = "\n".join(
        f"Paragraph {i} says the port reopened. Officials expect delays to last a week." * 3
        for i in range(400)
    )
    encoding = get_encoding("o200k_base")
    seen: list[int] = []
    real = encoding.encode_ordinary

    def recording(piece: str) -> list[int]:
        seen.append(len(piece))
        return real(piece)

    monkeypatch.setattr(encoding, "encode_ordinary", recording)
    chunks = chunk_text(text, max_tokens=500, overlap=50)
    assert len(chunks) > 20
    assert sum(seen) < len(text) * 0.05, (len(seen), sum(seen))
    check_invariants(text, chunks, 500)
