import gzip
import hashlib
from pathlib import Path

import pytest
import requests

from briefer.errors import ConfigError
from briefer.tokenizer import count_tokens, get_encoding, ranks_file


def test_encodings_load_offline_and_never_download(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("tiktoken tried to download its BPE file")

    monkeypatch.setattr(requests, "get", no_download)
    get_encoding.cache_clear()
    for name in ("o200k_base", "cl100k_base"):
        enc = get_encoding(name)
        assert enc.name == name
        assert enc.decode(enc.encode("Deputy Foreign Minister Andrei Rudenko")) == (
            "Deputy Foreign Minister Andrei Rudenko"
        )
    # Nothing was written to the tiktoken cache either: the ranks came from the package.
    assert not (tmp_path / "tiktoken-cache").exists()


def test_known_token_ids() -> None:
    # Reference ids for "hello world" in OpenAI's published encodings.
    assert get_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert get_encoding("cl100k_base").encode("hello world") == [15339, 1917]


def test_shipped_ranks_are_the_files_tiktoken_expects() -> None:
    # The loader checks tiktoken's own sha256; verify the same data independently here.
    expected = {
        "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    }
    for name, digest in expected.items():
        packed = ranks_file(name).read_bytes()
        assert hashlib.sha256(gzip.decompress(packed)).hexdigest() == digest


def test_special_token_text_is_counted_as_text() -> None:
    assert count_tokens("<|endoftext|>", "o200k_base") > 1


def test_unknown_encoding_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="o200k_base or cl100k_base"):
        get_encoding("p50k_base")
