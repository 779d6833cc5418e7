import pytest

from briefer.dedup import duplicate_groups, normalize_url

from .conftest import SEED


@pytest.mark.parametrize(
    "url,expected",
    [
        (
            "https://www.Example.org/a/b/?utm_source=rss&utm_medium=x&id=7#top",
            "https://example.org/a/b?id=7",
        ),
        ("http://example.org:80/a?b=2&a=1", "http://example.org/a?a=1&b=2"),
        ("https://example.org/a?fbclid=123&gclid=9", "https://example.org/a"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_exact_near_and_distinct_articles() -> None:
    seed = SEED.read_text()
    edited = seed.replace("Tuesday", "Wednesday").replace("very near future", "near future")
    half = seed[: len(seed) // 2]
    other = "A different story about a port operator hit by ransomware in Rotterdam. " * 5
    groups = duplicate_groups(
        [seed, other, edited, half, seed, other.upper()],
        [
            "https://a.example/x",
            "https://b.example/y",
            None,
            None,
            None,
            "https://b.example/y?utm_source=z",
        ],
    )
    # seed, its light edit and its exact copy are one; the case-changed copy of `other` shares
    # its URL once tracking is removed; half an article is not a duplicate at 0.8.
    assert groups == [[0, 2, 4], [1, 5], [3]]


def test_threshold_is_configurable() -> None:
    seed = SEED.read_text()
    half = seed[: len(seed) // 2]
    assert duplicate_groups([seed, half], threshold=0.4) == [[0, 1]]
    assert duplicate_groups([seed, half], threshold=0.9) == [[0], [1]]
