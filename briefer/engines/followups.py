"""Calls after the chunk calls: consolidating a long article, and the executive summary."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from ..config import Settings
from ..grounding import SummaryAnswer
from ..merge import merge_risks
from ..models import Article, Chunk, EngineResult, KeyPoint, Risk
from ..prompts import Prompt, load_prompt, render_messages
from ..schema import SYNTHESIS_NAME, ChunkReply, SynthesisReply, parse_synthesis, synthesis_schema
from .calls import Attempt, Call, Outcome
from .replies import Replies
from .transport import Transport

log = logging.getLogger(__name__)

CONSOLIDATE_PROMPT = "consolidate_findings"
SYNTHESIS_PROMPT = "brief_synthesis"


class Asker(Protocol):
    """What a follow-up call needs from the engine that made the chunk calls."""

    settings: Settings
    today: str
    replies: Replies
    transport: Transport
    used_prompts: list[str]

    def key(self, prompt: Prompt, data: str, extra: object = None) -> str: ...

    def execute(self, calls: Sequence[Call]) -> dict[str, Outcome]: ...

    def convert(self, article: Article, reply: ChunkReply) -> tuple[list[KeyPoint], list[Risk]]: ...


def consolidate(
    engine: Asker, items: Sequence[tuple[Article, Sequence[Chunk]]], results: list[EngineResult]
) -> list[EngineResult]:
    """One more call per long article, merging its chunks' findings into one ranked set."""
    settings = engine.settings
    prompt = load_prompt(CONSOLIDATE_PROMPT, settings.prompts_dir)
    calls: dict[int, Call] = {}
    for i, ((article, chunks), result) in enumerate(zip(items, results, strict=True)):
        answered = len(chunks) - len(result.failed_chunks)
        if len(chunks) <= settings.consolidate_above or answered < 2:
            continue
        findings = json.dumps(
            {
                "key_points": [{"text": p.text, "evidence": p.evidence} for p in result.key_points],
                "risks": [
                    {
                        "title": r.title,
                        "category": r.category,
                        "severity": r.severity,
                        "likelihood": r.likelihood,
                        "rationale": r.rationale,
                        "evidence": r.evidence,
                    }
                    for r in result.risks
                ],
            },
            ensure_ascii=False,
            indent=1,
        )
        header = {"run_date": engine.today, "chunk_count": len(chunks)}
        messages, retry = engine.replies.chunk_call(prompt, article, header, findings)
        calls[i] = Call(
            article,
            None,
            len(chunks),
            messages,
            engine.key(prompt, findings, engine.replies.fields(article)),
            engine.transport.meter.count_tokens(messages),
            settings.max_output_tokens,
            prompt=prompt.label,
            retry=retry,
        )
    if not calls:
        return results
    if prompt.label not in engine.used_prompts:
        engine.used_prompts.append(prompt.label)
    outcomes = engine.execute(list(calls.values()))
    merged = list(results)
    for i, call in calls.items():
        outcome = outcomes[call.key]
        base = results[i]
        if outcome.reply is None:
            log.warning(
                "%s: consolidation failed (%s); keeping the merged findings",
                call.label,
                outcome.failure,
            )
            merged[i] = EngineResult(
                base.key_points,
                base.risks,
                base.usage + outcome.usage,
                base.failed_chunks,
                base.dropped,
            )
            continue
        points, risks = engine.convert(call.article, outcome.reply)
        merged[i] = EngineResult(
            tuple(points[: settings.max_key_points]),
            tuple(merge_risks([risks], settings.max_risks)),
            base.usage + outcome.usage,
            base.failed_chunks,
            base.dropped + tuple(f"consolidation: {note}" for note in outcome.reply.dropped),
        )
    return merged


def synthesize(
    engine: Asker,
    *,
    title: str,
    audience: str | None,
    findings: dict[str, Any],
    valid_stories: set[int],
    summary_items: int,
) -> SummaryAnswer | None:
    """Executive-summary lines written by the model from the stories' checked findings, each
    citing story numbers; None when the call fails (the offline summary is used)."""
    settings = engine.settings
    prompt = load_prompt(SYNTHESIS_PROMPT, settings.prompts_dir)
    static = {**engine.replies.static(), "audience": audience, "summary_items": summary_items}
    header = {"run_date": engine.today}
    data = json.dumps(findings, ensure_ascii=False, indent=1)
    messages = render_messages(prompt, static, header, data, {"brief": title})

    stories = max(valid_stories, default=0)
    schema = synthesis_schema(summary_items, stories)

    def parse(content: str | None) -> Any:
        return parse_synthesis(content, stories, summary_items)

    def retry(problem: str, attempt: int) -> Attempt:
        note = f"Your previous reply could not be used: {problem}. Reply again."
        again = render_messages(prompt, static, header, data, {"brief": title}, note=note)
        return Attempt(again, schema, parse)

    call = Call(
        Article(id="", text="", source=title),
        None,
        0,
        messages,
        engine.key(prompt, data, [audience, summary_items, title]),
        engine.transport.meter.count_tokens(messages),
        settings.max_output_tokens,
        schema_name=SYNTHESIS_NAME,
        schema=schema,
        model=SynthesisReply,
        parse=parse,
        prompt=prompt.label,
        retry=retry,
    )
    outcome = engine.execute([call])[call.key]
    if prompt.label not in engine.used_prompts:
        engine.used_prompts.append(prompt.label)
    if outcome.reply is None:
        log.warning(
            "the executive summary call failed (%s); using the offline summary", outcome.failure
        )
        return None
    reply: SynthesisReply = outcome.reply
    lines = [(line.text, tuple(sorted(set(line.stories)))) for line in reply.summary]
    return SummaryAnswer(
        lines, outcome.usage, prompt.label, tuple(reply.dropped), engine.transport.mode_description
    )
