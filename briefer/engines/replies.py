"""Getting a usable reply for one call: salvage first, then repair turns that ask for less.

A reply keeps its valid items (``schema.parse_reply``); only a reply with nothing usable, or
without a required part, or cut off, or refused, gets a repair turn. The
repair turn is not the same call again: it names what failed, asks for half as many items
under a narrower schema, samples at a higher temperature, and sends only the instructions and
the article again, never the failed reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..config import Settings
from ..models import LIKELIHOODS, SEVERITIES, Article
from ..prompts import Prompt, render_messages
from ..schema import ReplyError, ReplySpec
from ..support import language_name
from .calls import Attempt, Call, ChunkFailed, NotSent, Outcome, short
from .transport import Transport

log = logging.getLogger(__name__)

REPAIR_TEMPERATURE_STEP = 0.3  # each repair turn samples a little more freely than the last
_REPAIR = (
    "Your previous reply could not be used: {problem}. Reply again with at most {points} key "
    "point(s) and {risks} risk(s), each evidence copied exactly from the article."
)


class Replies:
    """The messages of a call, its repair turns, and the loop that gets a usable reply."""

    def __init__(
        self,
        settings: Settings,
        transport: Transport,
        spec: ReplySpec,
        remember: Callable[[Call, Outcome], None],
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.spec = spec
        self.remember = remember  # caches a validated reply

    def static(self, spec: ReplySpec | None = None) -> dict[str, Any]:
        """The values of the system prompt: the same for every call of a run."""
        spec = spec or self.spec
        return {
            "max_key_points": spec.max_key_points,
            "max_risks": spec.max_risks,
            "categories": list(spec.categories),
            "severities": list(SEVERITIES),
            "likelihoods": list(LIKELIHOODS),
            "language": language_name(self.settings.language) if self.settings.language else "",
        }

    @staticmethod
    def fields(article: Article) -> dict[str, object]:
        """The article's metadata: untrusted, so it goes inside the data block."""
        return {
            "title": article.title or "(untitled)",
            "site": article.site,
            "author": article.author,
            "url": article.url,
            "published": article.published or "unknown",
            "language": article.language,
        }

    def narrower(self, attempt: int) -> ReplySpec:
        """The ask of a repair turn: half the items of the turn before, at least one point."""
        factor = 2**attempt
        return ReplySpec(
            self.spec.categories,
            max(1, -(-self.spec.max_key_points // factor)),
            -(-self.spec.max_risks // factor),
        )

    def chunk_call(
        self, prompt: Prompt, article: Article, header: dict[str, Any], body: str
    ) -> tuple[list[dict[str, str]], Callable[[str, int], Attempt]]:
        """The first messages of a call, and how to build its repair turns."""
        fields = self.fields(article)
        messages = render_messages(prompt, self.static(), header, body, fields)

        def retry(problem: str, attempt: int) -> Attempt:
            spec = self.narrower(attempt)
            note = _REPAIR.format(problem=problem, points=spec.max_key_points, risks=spec.max_risks)
            again = render_messages(prompt, self.static(spec), header, body, fields, note=note)
            return Attempt(again, spec.json_schema(), spec.parse)

        return messages, retry

    def run(self, call: Call) -> Outcome:
        """The call answered (its reply cached), or its failure: never raised."""
        outcome = Outcome()
        try:
            reply = self._complete(call, outcome)
        except ChunkFailed as exc:
            outcome.failure = str(exc)
            log.warning("%s: %s", call.label, exc)
            if not isinstance(exc, NotSent):
                self.transport.mode_outcome(ok=False)
            return outcome
        self.transport.mode_outcome(ok=True)
        notes = getattr(reply, "dropped", None)
        if notes:
            log.warning(
                "%s: kept the valid items, dropped %d: %s", call.label, len(notes), "; ".join(notes)
            )
        outcome.reply = reply
        self.remember(call, outcome)
        return outcome

    def _complete(self, call: Call, outcome: Outcome) -> BaseModel:
        """A usable reply: the first answer salvaged, else repair turns that ask for less."""
        messages, schema = call.messages, call.schema
        parse = call.parse or self.spec.parse
        temperature = self.settings.temperature
        problem = ""
        attempts = self.settings.repair_retries + 1
        for attempt in range(attempts):
            if attempt:
                if call.retry is None:
                    break
                repair = call.retry(problem, attempt)
                messages, schema, parse = repair.messages, repair.schema, repair.parse
                temperature = min(
                    1.0, self.settings.temperature + REPAIR_TEMPERATURE_STEP * attempt
                )
                log.info("%s: %s; asking again for less (repair %d)", call.label, problem, attempt)
            response = self.transport.send(
                call, messages, outcome, schema=schema, temperature=temperature
            )
            choice = response.choices[0] if response.choices else None
            if choice is None:
                problem = "the reply had no choices"
                continue
            refusal = getattr(choice.message, "refusal", None)
            if refusal:
                problem = f"the model refused ({short(refusal, None, 120)})"
            elif choice.finish_reason == "length":
                problem = "the reply was cut off at the output token limit"
            else:
                try:
                    return parse(choice.message.content)
                except ReplyError as exc:
                    problem = str(exc)
        raise ChunkFailed(f"no valid reply after {attempt + 1} attempt(s): {problem}")
