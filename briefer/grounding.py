"""The executive summary's lines: what the model is shown, and which of its lines stand.

The model sees only the top stories' supported findings, numbered. Each line it writes cites
the stories it summarizes; a line whose numbers, names, dates, hedges or negations are not in
those stories' supported findings is dropped, and the story's offline line (its first
supported key point) takes its place, so that every top story is covered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .models import Cited, Story, Usage
from .support import grounded

SummaryLines = list[tuple[str, tuple[int, ...]]]


@dataclass(frozen=True)
class SummaryAnswer:
    """A model's executive summary: lines citing story numbers, usage, the prompt used."""

    lines: SummaryLines
    usage: Usage
    prompt: str
    dropped: tuple[str, ...] = ()
    structured_output: str | None = None  # the mode the call used (known even when every
    # chunk reply came from the cache)


# Given the stories' checked findings and the valid story numbers: the model's summary.
Summarizer = Callable[[dict[str, object], set[int]], SummaryAnswer | None]


def findings(stories: Sequence[Story]) -> dict[str, object]:
    """What the summary may rest on: each top story's supported findings, numbered."""
    return {
        "stories": [
            {
                "story": number,
                "title": s.title,
                "key_points": [p.text for p in s.key_points if p.supported],
                "risks": [
                    {
                        "title": r.risk.title,
                        "severity": r.risk.severity,
                        "likelihood": r.risk.likelihood,
                        "rationale": r.risk.rationale,
                    }
                    for r in s.risks
                    if r.risk.supported
                ],
            }
            for number, s in enumerate(stories, 1)
        ]
    }


def _story_text(story: Story) -> str:
    """The text a summary line about this story may draw on: its supported findings (not its
    title, which is the outlet's wording, unchecked)."""
    parts: list[str] = []
    for p in story.key_points:
        if p.supported:
            parts += [p.text, p.evidence or ""]
    for r in story.risks:
        if r.risk.supported:
            parts += [r.risk.title, r.risk.rationale, r.risk.evidence]
    return "\n".join(parts)


def offline_line(story: Story) -> Cited | None:
    """The line the offline summary gives a story: its first supported key point."""
    points = [p for p in story.key_points if p.supported] or list(story.key_points)
    return points[0] if points else None


def grounded_summary(
    answer: SummaryAnswer, stories: Sequence[Story]
) -> tuple[tuple[Cited, ...], tuple[str, ...]]:
    """The model's lines that its cited stories' supported findings bear out, one line per
    top story: a story whose line was dropped, or that no line covers, gets its offline line."""
    kept: dict[int, Cited] = {}  # first cited story -> line
    covered: set[int] = set()
    dropped: list[str] = []
    for text, cited in answer.lines:
        numbers = [n for n in cited if 1 <= n <= len(stories)]
        if not numbers:
            continue
        source = "\n".join(_story_text(stories[n - 1]) for n in numbers)
        verdict = grounded(text, source)
        if not verdict.supported:
            dropped.append(f"summary line {text[:80]!r}: {'; '.join(verdict.issues)}")
            continue
        if numbers[0] in kept or set(numbers) <= covered:
            continue
        sources = tuple(sorted({n for k in numbers for n in stories[k - 1].sources}))
        kept[numbers[0]] = Cited(text, sources)
        covered.update(numbers)
    lines: list[Cited] = []
    for number, story in enumerate(stories, 1):
        if number in kept:
            lines.append(kept[number])
        elif number not in covered and (line := offline_line(story)) is not None:
            lines.append(line)
    return tuple(lines), tuple(dropped)
