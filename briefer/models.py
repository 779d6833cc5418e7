"""The values that flow through the pipeline: frozen dataclasses, plain data only."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEVERITIES = ("low", "medium", "high", "critical")
LIKELIHOODS = ("unlikely", "possible", "likely", "almost certain")
# How long work reports itself: (done, total, what is being done now).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Article:
    """One cleaned article; ``id`` is the sha256 of its normalized text."""

    id: str
    text: str
    source: str
    title: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None
    site: str | None = None
    kind: str = "text"  # "text", "markdown" or "html": what the source was before cleaning
    language: str = "und"  # ISO 639-1 code detected offline (briefer.language); "und" if unsure
    # "extraction may be incomplete: …" when the page's text looked too short for the page
    extraction_note: str | None = None

    @property
    def word_count(self) -> int:
        from .text import count_words  # bounded memory, however long the text

        return count_words(self.text)


@dataclass(frozen=True)
class Chunk:
    """A token-bounded slice of an article: ``article.text[start:end] == text``."""

    article_id: str
    index: int
    text: str
    start: int
    end: int
    tokens: int


@dataclass(frozen=True)
class Span:
    """Character offsets of a quote inside its article's text."""

    start: int
    end: int


@dataclass(frozen=True)
class KeyPoint:
    """A claim with the verbatim evidence it rests on and where that evidence sits."""

    text: str
    evidence: str
    article_id: str
    span: Span | None
    verified: bool
    score: float = 0.0
    match: str | None = "exact"  # how the evidence was found: exact, normalized, fuzzy or None
    supported: bool = True  # the evidence is article text and backs the claim (briefer.support)
    issues: tuple[str, ...] = ()  # why the claim is not supported


@dataclass(frozen=True)
class Risk:
    """A risk assessment tied to an evidence quote from the article."""

    title: str
    category: str
    severity: str
    likelihood: str
    rationale: str
    evidence: str
    article_id: str
    span: Span | None
    verified: bool
    cues: tuple[str, ...] = ()
    score: float = 0.0
    match: str | None = "exact"
    supported: bool = True
    issues: tuple[str, ...] = ()

    @property
    def rank_value(self) -> int:
        """Severity times likelihood on 1-based ordinal scales (1..16)."""
        return (SEVERITIES.index(self.severity) + 1) * (LIKELIHOODS.index(self.likelihood) + 1)


@dataclass(frozen=True)
class EngineInfo:
    """Which engine produced a digest, so every output can say so."""

    name: str
    description: str
    model: str | None = None
    endpoint: str | None = None
    prompts: tuple[str, ...] = ()  # name@version of each prompt used
    structured_output: str | None = None  # the mode an LLM engine used, and how it was chosen


@dataclass(frozen=True)
class Usage:
    """What the model calls cost: requests sent, cache hits, tokens and money."""

    calls: int = 0  # HTTP requests sent, retries and repairs included
    cached: int = 0  # chunks answered from the cache, at no cost
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False  # some counts are tiktoken estimates: the server sent no usage
    cost: float | None = None  # USD; None when no price is known for the model

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost is None and other.cost is None
            else ((self.cost or 0.0) + (other.cost or 0.0))
        )
        return Usage(
            calls=self.calls + other.calls,
            cached=self.cached + other.cached,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            estimated=self.estimated or other.estimated,
            cost=cost,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class EngineResult:
    """An engine's findings for one article, before merging into a digest."""

    key_points: tuple[KeyPoint, ...]
    risks: tuple[Risk, ...]
    usage: Usage = field(default_factory=Usage)
    failed_chunks: tuple[str, ...] = ()  # one reason per chunk that could not be analyzed
    dropped: tuple[str, ...] = ()  # invalid items left out of the model's replies, and why
    risk_note: str | None = None  # why risks were not assessed, e.g. no rules for the language


@dataclass(frozen=True)
class PlannedCall:
    """One model call a run would make: what a dry run prints."""

    source: str
    chunk: int  # 1-based; 0 for a call over a whole article
    chunks: int
    input_tokens: int
    max_output_tokens: int
    cached: bool
    cost_bound: float | None


@dataclass(frozen=True)
class BatchExport:
    """A batch request file written to be run elsewhere: the run stops there, on purpose."""

    path: Path
    count: int  # requests written
    cached: int  # chunk calls already answered by the cache, not written

    @property
    def message(self) -> str:
        return (
            f"Wrote {self.count} batch request(s) to {self.path} ({self.cached} chunk(s) already "
            f"cached). Run them elsewhere, e.g. `vllm run-batch -i {self.path} -o results.jsonl "
            "--model MODEL`, then rerun with the batch_import setting set to results.jsonl."
        )


@dataclass(frozen=True)
class ArticleDigest:
    """What the pipeline learned about one article."""

    article: Article
    chunks: tuple[Chunk, ...]
    key_points: tuple[KeyPoint, ...]
    risks: tuple[Risk, ...]
    engine: EngineInfo
    tokenizer: str
    usage: Usage = field(default_factory=Usage)
    failed_chunks: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # invalid items left out of the model's replies, and why
    risk_note: str | None = None  # set when risks were not assessed: "no risks" would mislead

    @property
    def tokens(self) -> int:
        """Tokens across all chunks: what an LLM engine would be sent (overlap counted)."""
        return sum(c.tokens for c in self.chunks)


@dataclass(frozen=True)
class Failure:
    """An input that could not be summarized, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class SummaryRun:
    """The result of one ``summarize`` call: digests in input order, plus failures."""

    digests: tuple[ArticleDigest, ...]
    failures: tuple[Failure, ...]
    engine: EngineInfo
    generated_at: str
    settings: dict[str, Any] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def evidence_verified(self) -> tuple[int, int]:
        """(verified, total) evidence quotes across all digests."""
        return evidence_counts(self.digests)

    @property
    def claims_supported(self) -> tuple[int, int]:
        """(supported, total) claims across all digests."""
        return support_counts(self.digests)


def evidence_counts(digests: Iterable[ArticleDigest]) -> tuple[int, int]:
    """(verified, total) evidence quotes of key points and risks across digests."""
    verified = total = 0
    for digest in digests:
        flags = [p.verified for p in digest.key_points] + [r.verified for r in digest.risks]
        verified, total = verified + sum(flags), total + len(flags)
    return verified, total


def support_counts(digests: Iterable[ArticleDigest]) -> tuple[int, int]:
    """(supported, total) claims of key points and risks across digests."""
    supported = total = 0
    for digest in digests:
        flags = [p.supported for p in digest.key_points] + [r.supported for r in digest.risks]
        supported, total = supported + sum(flags), total + len(flags)
    return supported, total


def to_data(value: Any) -> Any:
    """Convert nested dataclasses to JSON-ready dicts and lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    return value


# ---- the daily brief -----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRef:
    """A numbered source of the brief: what [n] points to."""

    number: int
    title: str
    outlet: str | None
    url: str | None
    published: str | None
    article_id: str
    location: str  # the file, URL or feed item it came from
    note: str | None = None  # how it was read, when not as expected (the feed's summary only)
    language: str = "und"  # the article's detected language
    extraction_note: str | None = None  # "extraction may be incomplete: …", if it may be
    risk_note: str | None = None  # e.g. "risks not assessed (language: fr)"


@dataclass(frozen=True)
class Cited:
    """A statement of the brief with the numbers of the sources that back it."""

    text: str
    sources: tuple[int, ...]
    evidence: str | None = None
    verified: bool = True
    supported: bool = True
    issues: tuple[str, ...] = ()


@dataclass(frozen=True)
class BriefRisk:
    """A risk as the brief ranks it, citing every source that raised it."""

    risk: Risk
    sources: tuple[int, ...]
    story: str


@dataclass(frozen=True)
class Story:
    """One event, possibly reported by several outlets, with what they say about it."""

    title: str
    key_points: tuple[Cited, ...]
    risks: tuple[BriefRisk, ...]
    sources: tuple[int, ...]
    importance: float
    names: tuple[str, ...]
    continues: bool = False  # the previous brief had a story about the same event


@dataclass(frozen=True)
class Changes:
    """What moved since the previous brief."""

    previous_date: str | None
    new_risks: tuple[str, ...] = ()
    raised: tuple[str, ...] = ()
    lowered: tuple[str, ...] = ()
    continuing: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # top risks of the previous brief that this one does not have
    # "HH:MM UTC" when the previous brief is of the same date as this one (a second run)
    previous_time: str | None = None


@dataclass(frozen=True)
class Brief:
    """The daily brief, ready to render."""

    title: str
    audience: str | None
    date: str
    generated_at: str
    executive_summary: tuple[Cited, ...]
    summary_method: str  # "llm" or "offline"
    stories: tuple[Story, ...]
    top_risks: tuple[BriefRisk, ...]
    changes: Changes
    sources: tuple[SourceRef, ...]
    failures: tuple[Failure, ...]
    engine: EngineInfo
    usage: Usage
    evidence: tuple[int, int]  # (verified, total)
    stats: dict[str, int] = field(default_factory=dict)
    supported: int = 0  # claims whose evidence supports them, out of evidence[1]
    dropped: tuple[str, ...] = ()  # summary lines left out, and why
    left_out: tuple[str, ...] = ()  # invalid items left out of the model's replies, and why
