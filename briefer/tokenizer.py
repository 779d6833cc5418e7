"""tiktoken encodings that work offline, built from ranks shipped in an installed package.

tiktoken fetches its BPE files over the network on first use (with no timeout), which fails or
hangs on an offline machine. The ``bpe-openai`` package ships ``o200k_base`` and ``cl100k_base``
rank files; tiktoken's own constructors are run with their loader pointed at those files, so the
regex and special tokens stay tiktoken's and the sha256 tiktoken expects is still checked.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import importlib.util
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import tiktoken

_RANKS_PACKAGE = "bpe_openai"
_lock = threading.Lock()


def ranks_file(name: str) -> Path:
    """Where the installed ``bpe-openai`` package keeps the named rank file."""
    # find_spec locates the package without importing it: its import costs half a second.
    spec = importlib.util.find_spec(_RANKS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(_RANKS_PACKAGE)
    return Path(list(spec.submodule_search_locations)[0]) / "data" / f"{name}.tiktoken.gz"


def _offline_ranks(name: str) -> Any:
    def load(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        try:
            packed = ranks_file(name).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError) as exc:
            raise ConfigError(
                f"the {name} token ranks are missing: reinstall briefer's dependencies "
                "(pip install bpe-openai)"
            ) from exc
        data = gzip.decompress(packed)
        if expected_hash and hashlib.sha256(data).hexdigest() != expected_hash:
            raise ConfigError(
                f"the installed {name} token ranks do not match tiktoken's checksum; "
                "reinstall bpe-openai and tiktoken"
            )
        # One "token rank" pair a line: split the whole file at once, decode in C.
        fields = data.split()
        return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2])))

    return load


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """Return the named tiktoken encoding without touching the network."""
    # Imported here: loading tiktoken and its ranks is the slowest part of starting up, and
    # most commands (help, config checks, batch status) never tokenize.
    import tiktoken
    from tiktoken_ext import openai_public

    constructor = openai_public.ENCODING_CONSTRUCTORS.get(name)
    if constructor is None or name not in ("o200k_base", "cl100k_base"):
        raise ConfigError(f"unknown tokenizer {name!r}: choose o200k_base or cl100k_base")
    with _lock:
        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = _offline_ranks(name)
        try:
            spec = constructor()
        finally:
            openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**spec)


@cache
def token_byte_lengths(name: str) -> npt.NDArray[np.uint8]:
    """The length in bytes of each token id of the named encoding (0 for unused ids)."""
    import numpy as np

    encoding = get_encoding(name)
    ranks = encoding._mergeable_ranks
    # One byte each: no token is longer than 128 bytes, and a huge text's gather stays small.
    lengths = np.zeros(encoding.n_vocab, dtype=np.uint8)
    ids = np.fromiter(ranks.values(), dtype=np.int64, count=len(ranks))
    lengths[ids] = np.fromiter(map(len, ranks), dtype=np.uint8, count=len(ranks))
    return lengths


def count_tokens(text: str, name: str) -> int:
    """Number of tokens in ``text`` under the named encoding (special tokens treated as text)."""
    return len(get_encoding(name).encode_ordinary(text))
