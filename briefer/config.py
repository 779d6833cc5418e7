"""Settings and their defaults. Precedence (flag > env > file > default) is applied by callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

DEFAULT_ENGINE = "extractive"
ENGINES = ("auto", "extractive")
DEFAULT_TOKENIZER = "o200k_base"
TOKENIZERS = ("o200k_base", "cl100k_base")
DEFAULT_MAX_TOKENS = 2000
DEFAULT_OVERLAP = 100
MIN_MAX_TOKENS = 16
DEFAULT_MAX_KEY_POINTS = 5
DEFAULT_MAX_RISKS = 10
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_REDIRECTS = 5
SOURCE_EXTENSIONS = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class Settings:
    """Everything a summarize run can be told; defaults are the named constants above."""

    engine: str = DEFAULT_ENGINE
    tokenizer: str = DEFAULT_TOKENIZER
    max_tokens: int = DEFAULT_MAX_TOKENS
    overlap: int = DEFAULT_OVERLAP
    max_key_points: int = DEFAULT_MAX_KEY_POINTS
    max_risks: int = DEFAULT_MAX_RISKS
    max_bytes: int = DEFAULT_MAX_BYTES
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    rules: tuple[Path, ...] = field(default_factory=tuple)
    replace_rules: bool = False
    templates_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if self.tokenizer not in TOKENIZERS:
            raise ConfigError(
                f"unknown tokenizer {self.tokenizer!r}: choose one of {', '.join(TOKENIZERS)}"
            )
        if self.max_tokens < MIN_MAX_TOKENS:
            raise ConfigError(
                f"max tokens must be at least {MIN_MAX_TOKENS}, got {self.max_tokens}"
            )
        if not 0 <= self.overlap <= self.max_tokens // 2:
            raise ConfigError(
                f"overlap must be between 0 and half of max tokens ({self.max_tokens // 2}), "
                f"got {self.overlap}"
            )
        if self.max_key_points < 1 or self.max_risks < 0:
            raise ConfigError("max key points must be at least 1 and max risks at least 0")
        if self.max_bytes < 1:
            raise ConfigError(f"max bytes must be positive, got {self.max_bytes}")
        if self.replace_rules and not self.rules:
            raise ConfigError("replacing the built-in risk rules needs at least one rules file")
