"""Shared fixtures: every test is offline and isolated from the user's environment."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_1786c7b9cbb94b69.txt"
# For tests of what a brief does with risks, not of which risks the offline model lists: the
# test stories are a paragraph long, and the shipped model (fitted on real pages) is unsure of
# most of their risks. This lists them.
STORY_RISK_CONFIDENCE = 0.5


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No API keys, no user config, an empty tiktoken cache, and no route off this machine."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFER_ENGINE", "BRIEFER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))

    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
            "127.0.0.1",
            "::1",
            "localhost",
        ):
            raise OSError(f"test tried to reach {host!r}: tests must stay on 127.0.0.1")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)

    # Host names never reach a DNS server from the tests: a fixed table answers instead.
    def resolve(host: str) -> list[str]:
        if host == "localhost":
            return ["127.0.0.1"]
        if host.endswith(".internal"):
            return ["10.20.30.40"]
        return ["93.184.216.34"]  # a public address; responses answers before any connect

    monkeypatch.setattr("briefer.fetch.resolve_host", resolve)


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A fake OpenAI-compatible server on 127.0.0.1, stopped after the test."""
    from .fake_llm import FakeLLM

    server = FakeLLM().start()
    yield server
    server.stop()
