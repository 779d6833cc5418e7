"""Assemble the daily brief: stories from clusters, ranked risks, numbered sources, a summary.

Every statement carries the numbers of the sources behind it, so a reader can go from any line
of the brief to the articles it rests on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .config import BriefConfig
from .grounding import (
    Summarizer,
    findings,
    grounded_summary,
    offline_line,
)
from .models import (
    SEVERITIES,
    ArticleDigest,
    Brief,
    BriefRisk,
    Changes,
    Cited,
    EngineInfo,
    Failure,
    KeyPoint,
    Risk,
    SourceRef,
    Story,
    Usage,
    evidence_counts,
    support_counts,
)
from .records import BriefItem
from .text import SAME_POINT_ACROSS_OUTLETS, entities, same_point, word_set

NAMES_PER_STORY = 12
CONTINUES = 0.3  # name-set Jaccard from which a story continues one of the previous brief


@dataclass(frozen=True)
class Origin:
    """Where one copy of an article came from (the article itself or a duplicate of it)."""

    location: str
    title: str | None
    outlet: str | None
    url: str | None
    published: str | None
    note: str | None = None  # e.g. the page failed and the feed's summary stood in


@dataclass(frozen=True)
class Entry:
    """A summarized article with every source that carried it."""

    digest: ArticleDigest
    origins: tuple[Origin, ...]


def risk_key(risk: Risk) -> str:
    """Identity of a risk across articles and days: category plus the words of its title."""
    return f"{risk.category}|{' '.join(sorted(word_set(risk.title)))}"


def _story_importance(entries: Sequence[Entry]) -> float:
    risks = sorted((r.rank_value for e in entries for r in e.digest.risks), reverse=True)
    outlets = {o.outlet or o.location for e in entries for o in e.origins}
    return 2.0 * sum(risks[:3]) + 3.0 * len(outlets)


def _story_names(entries: Sequence[Entry]) -> tuple[str, ...]:
    counts: Counter[str] = Counter()
    for e in entries:
        a = e.digest.article
        counts.update(entities(f"{a.title or ''}.\n{' '.join(a.text.split()[:150])}", a.language))
    return tuple(sorted(name for name, _ in counts.most_common(NAMES_PER_STORY)))


def build(
    entries: Sequence[Entry],
    groups: Sequence[Sequence[int]],
    config: BriefConfig,
    *,
    date: str,
    generated_at: str,
    engine: EngineInfo,
    usage: Usage,
    failures: Sequence[Failure],
    previous: Sequence[BriefItem] | None,
    previous_date: str | None,
    max_key_points: int,
    previous_time: str | None = None,
    summarizer: Summarizer | None = None,
    stats: dict[str, int] | None = None,
) -> Brief:
    """The brief for these summarized articles, grouped into stories."""
    ordered = sorted(
        (list(g) for g in groups),
        key=lambda g: (-_story_importance([entries[i] for i in g]), min(g)),
    )[: config.max_stories]
    sources: list[SourceRef] = []
    numbers: dict[int, tuple[int, ...]] = {}
    for group in ordered:
        for i in group:
            entry = entries[i]
            mine = []
            for origin in entry.origins:
                sources.append(
                    SourceRef(
                        number=len(sources) + 1,
                        title=origin.title or entry.digest.article.title or origin.location,
                        outlet=origin.outlet,
                        url=origin.url,
                        published=origin.published,
                        article_id=entry.digest.article.id,
                        location=origin.location,
                        note=origin.note,
                        language=entry.digest.article.language,
                        extraction_note=entry.digest.article.extraction_note,
                        risk_note=entry.digest.risk_note,
                    )
                )
                mine.append(len(sources))
            numbers[i] = tuple(mine)

    stories = [
        _story([entries[i] for i in g], [numbers[i] for i in g], max_key_points) for g in ordered
    ]
    stories = _mark_continuing(stories, previous)
    top = _top_risks(stories, config.max_top_risks)
    top_stories = stories[: config.summary_items]
    answer = None
    if summarizer is not None and stories:
        answer = summarizer(findings(top_stories), set(range(1, len(top_stories) + 1)))
    dropped: tuple[str, ...] = ()
    method = "offline"
    if answer is not None:
        usage = usage + answer.usage
        if answer.prompt not in engine.prompts:
            engine = replace(engine, prompts=(*engine.prompts, answer.prompt))
        if answer.structured_output and not engine.structured_output:
            engine = replace(engine, structured_output=answer.structured_output)
        summary, dropped = grounded_summary(answer, top_stories)
        dropped = answer.dropped + dropped
        if any(line.evidence is None for line in summary):
            method = "llm"
    else:
        summary = tuple(line for s in top_stories if (line := offline_line(s)) is not None)
    return Brief(
        title=config.title,
        audience=config.audience,
        date=date,
        generated_at=generated_at,
        executive_summary=summary,
        summary_method=method,
        stories=tuple(stories),
        top_risks=tuple(top),
        changes=_changes(stories, top, previous, previous_date, previous_time),
        sources=tuple(sources),
        failures=tuple(failures),
        engine=engine,
        usage=usage,
        evidence=evidence_counts(e.digest for e in entries),
        stats=dict(stats or {}),
        supported=support_counts(e.digest for e in entries)[0],
        dropped=dropped,
        left_out=tuple(
            f"{e.digest.article.title or e.digest.article.source}: {note}"
            for e in entries
            for note in e.digest.dropped
        ),
    )


def _story(entries: Sequence[Entry], cites: Sequence[tuple[int, ...]], limit: int) -> Story:
    points: list[Cited] = []
    point_words: list[frozenset[str]] = []
    depth = max((len(e.digest.key_points) for e in entries), default=0)
    for rank in range(depth):  # round-robin: each outlet's best point before anyone's second
        for entry, numbers in zip(entries, cites, strict=True):
            if rank >= len(entry.digest.key_points):
                continue
            kp: KeyPoint = entry.digest.key_points[rank]
            mine = word_set(kp.text)
            for j, other in enumerate(point_words):
                if same_point(mine, other, SAME_POINT_ACROSS_OUTLETS):
                    merged = tuple(sorted(set(points[j].sources) | set(numbers)))
                    points[j] = replace(points[j], sources=merged)
                    break
            else:
                if len(points) < limit:
                    points.append(
                        Cited(
                            kp.text,
                            tuple(numbers),
                            kp.evidence,
                            kp.verified,
                            kp.supported,
                            kp.issues,
                        )
                    )
                    point_words.append(mine)
    risks: dict[str, BriefRisk] = {}
    title = entries[0].digest.article.title or entries[0].digest.article.source
    for entry, numbers in zip(entries, cites, strict=True):
        for risk in entry.digest.risks:
            key = risk_key(risk)
            if key in risks:
                old = risks[key]
                keep = risk if risk.rank_value > old.risk.rank_value else old.risk
                risks[key] = BriefRisk(keep, tuple(sorted(set(old.sources) | set(numbers))), title)
            else:
                risks[key] = BriefRisk(risk, tuple(numbers), title)
    ranked = sorted(risks.values(), key=lambda r: (-r.risk.rank_value, -len(r.sources)))
    all_sources = tuple(n for numbers in cites for n in numbers)
    return Story(
        title=title,
        key_points=tuple(points),
        risks=tuple(ranked),
        sources=all_sources,
        importance=round(_story_importance(entries), 2),
        names=_story_names(entries),
    )


def _top_risks(stories: Sequence[Story], limit: int) -> list[BriefRisk]:
    """Every story's risks, most serious first; ties go to the more important story.

    Risks are not merged across stories: two stories may raise risks of the same kind, and
    each stays tied to its own event and sources.
    """
    ranked = [
        (-item.risk.rank_value, position, -len(item.sources), item)
        for position, story in enumerate(stories)
        for item in story.risks
    ]
    ranked.sort(key=lambda t: t[:3])
    return [t[3] for t in ranked[:limit]]


def _mark_continuing(stories: list[Story], previous: Sequence[BriefItem] | None) -> list[Story]:
    if not previous:
        return stories
    earlier = [frozenset(p["names"]) for p in previous if p["kind"] == "story"]
    out = []
    for story in stories:
        names = frozenset(story.names)
        continues = any(
            names and old and len(names & old) / len(names | old) >= CONTINUES for old in earlier
        )
        out.append(Story(**{**story.__dict__, "continues": continues}))
    return out


def _changes(
    stories: Sequence[Story],
    top: Sequence[BriefRisk],
    previous: Sequence[BriefItem] | None,
    previous_date: str | None,
    previous_time: str | None,
) -> Changes:
    if previous is None:
        return Changes(previous_date=None)
    before: dict[str, int] = {}
    titles: dict[str, str] = {}
    for p in previous:
        severity = p["severity"]
        if p["kind"] == "risk" and severity in SEVERITIES:
            key = p["key"]
            before[key] = max(before.get(key, 0), SEVERITIES.index(severity))
            titles.setdefault(key, p["title"] or key)
    now: dict[str, tuple[int, str]] = {}
    for item in top:  # the most serious instance of each kind of risk
        key = risk_key(item.risk)
        level = SEVERITIES.index(item.risk.severity)
        if key not in now or level > now[key][0]:
            now[key] = (level, item.risk.title)
    new, raised, lowered = [], [], []
    for key, (level, title) in now.items():
        if key not in before:
            new.append(title)
        elif level > before[key]:
            raised.append(f"{title} ({SEVERITIES[before[key]]} → {SEVERITIES[level]})")
        elif level < before[key]:
            lowered.append(f"{title} ({SEVERITIES[before[key]]} → {SEVERITIES[level]})")
    return Changes(
        previous_date=previous_date,
        new_risks=tuple(new),
        raised=tuple(raised),
        lowered=tuple(lowered),
        continuing=tuple(s.title for s in stories if s.continues),
        dropped=tuple(titles[key] for key in before if key not in now),
        previous_time=previous_time,
    )


def state_items(brief: Brief) -> list[BriefItem]:
    """What the store keeps of a brief, for the next brief's "changes" section."""
    items = [
        BriefItem(
            kind="risk",
            key=risk_key(r.risk),
            title=r.risk.title,
            category=r.risk.category,
            severity=r.risk.severity,
            likelihood=r.risk.likelihood,
            names=[],
        )
        for r in brief.top_risks
    ]
    items += [
        BriefItem(
            kind="story",
            key=s.title,
            title=s.title,
            category=None,
            severity=None,
            likelihood=None,
            names=list(s.names),
        )
        for s in brief.stories
    ]
    return items
