"""The values the LLM engine passes around: planned calls, outcomes, the cost budget."""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from ..config import Price, Settings
from ..errors import ConfigError
from ..models import Article, Chunk, Usage
from ..schema import SCHEMA_NAME, SYNTHESIS_NAME, ChunkReply
from ..tokenizer import get_encoding

_MESSAGE_OVERHEAD_TOKENS = 4  # role and separators around each message


class ChunkFailed(Exception):
    """This chunk cannot be analyzed; the run goes on without it."""


class NotSent(ChunkFailed):
    """The call was not sent (it could pass --max-cost): no sign of how the endpoint is doing."""


class Stopped(Exception):
    """The run is stopping (interrupted, or failed elsewhere): no further request or retry."""


class Unsupported(Exception):
    """The endpoint rejected this structured-output mode (a definitive answer)."""


@dataclass(frozen=True)
class Attempt:
    """A repair attempt: its messages, the (narrower) schema and the parser that goes with it."""

    messages: list[dict[str, str]]
    schema: dict[str, Any] | None
    parse: Callable[[str | None], BaseModel]


@dataclass
class Call:
    """One planned chunk call: what a dry run prints and a real run sends."""

    article: Article
    chunk: Chunk | None  # None for the consolidation call over a whole article
    chunk_count: int
    messages: list[dict[str, str]]
    key: str
    input_tokens: int
    max_output_tokens: int
    cached: bool = False
    cost_bound: float | None = None
    # What the reply must be: its schema and a parser; the chunk-findings ones by default.
    schema_name: str = SCHEMA_NAME
    schema: dict[str, Any] | None = None
    model: type[BaseModel] = ChunkReply
    parse: Callable[[str | None], BaseModel] | None = None
    prompt: str = ""  # name@version of the prompt, stored with the cached reply
    # Builds a repair attempt from what failed and the attempt number: a narrower ask.
    retry: Callable[[str, int], Attempt] | None = None

    @property
    def label(self) -> str:
        if self.schema_name == SYNTHESIS_NAME:
            return f"{self.article.source}: executive summary"
        where = "consolidation" if self.chunk is None else f"chunk {self.chunk.index + 1}"
        return f"{self.article.source} {where}"


@dataclass
class Outcome:
    reply: Any = None  # the validated pydantic reply
    usage: Usage = field(default_factory=Usage)
    failure: str | None = None


class Budget:
    """Money reserved before each call and settled after it, so --max-cost is never passed."""

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.spent = 0.0
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        with self._lock:
            if self.limit is not None and self.spent + amount > self.limit + 1e-12:
                return False
            self.spent += amount
            return True

    def settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self.spent += actual - reserved


class Meter:
    """Token estimates and prices: what a request costs, known before it is sent."""

    def __init__(self, price: Price | None, tokenizer: str, batch_factor: float) -> None:
        self.price = price
        self.batch_factor = batch_factor
        self._encoding = get_encoding(tokenizer)

    @classmethod
    def for_model(cls, settings: Settings, *, local: bool) -> Meter:
        """The meter of the settings' model; a server on this machine or network is free."""
        price = settings.prices.get(settings.model)
        if price is None and local:
            price = Price(0.0, 0.0)
        if settings.max_cost is not None and price is None:
            raise ConfigError(
                f"the max_cost setting needs a price for model {settings.model!r}: add "
                f'[prices."{settings.model}"] with input and output (USD per million tokens) '
                "to briefer.toml"
            )
        return cls(price, settings.tokenizer, settings.batch_price_factor)

    def tokens(self, text: str) -> int:
        return len(self._encoding.encode_ordinary(text))

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        """A tiktoken estimate of a request's input tokens."""
        return sum(self.tokens(m["content"]) + _MESSAGE_OVERHEAD_TOKENS for m in messages)

    def cost(
        self, prompt_tokens: int, completion_tokens: int, *, batch: bool = False
    ) -> float | None:
        """USD for these tokens at the model's price; None when the price is unknown."""
        if self.price is None:
            return None
        factor = self.batch_factor if batch else 1.0
        return (
            factor
            * (prompt_tokens * self.price.input + completion_tokens * self.price.output)
            / 1e6
        )


def is_local(url: str) -> bool:
    """An endpoint on this machine or a private network: likely one local model server.

    Only literal addresses and localhost count; no name is resolved for this.
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def short(text: object, secret: str | None, limit: int = 200) -> str:
    message = " ".join(str(text).split())
    if secret:
        message = message.replace(secret, "***")
    return message[:limit]


def schema_in_prompt(
    messages: list[dict[str, str]], schema: dict[str, Any]
) -> list[dict[str, str]]:
    """The messages with the reply's JSON Schema spelled out in the system prompt."""
    system = messages[0]["content"] + (
        "\nThe JSON object must match this JSON Schema:\n" + json.dumps(schema) + "\n"
    )
    return [{"role": "system", "content": system}, *messages[1:]]


class Gate:
    """At most ``limit`` requests in flight. A timeout halves the limit for the rest of the
    run: the server is still busy with the abandoned request, and more parallel requests
    would only queue behind it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self._cond = threading.Condition()

    def __enter__(self) -> Gate:
        with self._cond:
            while self.active >= self.limit:
                self._cond.wait()
            self.active += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self.active -= 1
            self._cond.notify_all()

    def shrink(self) -> int:
        with self._cond:
            self.limit = max(1, self.limit // 2)
            return self.limit
