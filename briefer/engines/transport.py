"""How the LLM engine talks to the endpoint: structured-output modes, retries, backoff.

A mixin of LLMEngine, kept apart so that the engine module reads as the pipeline it is. This
and the engine are the only modules that catch the ``openai`` SDK's errors.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import openai

from ..config import Settings
from ..errors import LLMError
from ..models import Usage
from ..ratelimit import RateLimiter, backoff_delay, retry_after
from ..store import Store
from .calls import Budget, Call, ChunkFailed, Outcome, Unsupported, short

log = logging.getLogger(__name__)

MODES = ("json_schema", "json_object", "prompt")


class Transport:
    """Sending one chat-completions request well: mode, rate limit, budget, retries."""

    settings: Settings
    client: openai.OpenAI
    store: Store | None
    endpoint: str
    model: str
    schema: dict[str, Any]
    limiter: RateLimiter
    budget: Budget
    sleep: Callable[[float], None]
    _mode: str | None
    _mode_lock: threading.Lock
    _encoding: Any  # the tiktoken encoding, for estimates when a server reports no usage

    def count_tokens(self, messages: Any) -> int:  # provided by the engine
        raise NotImplementedError

    def cost(
        self, prompt_tokens: int, completion_tokens: int, *, batch: bool = False
    ) -> float | None:  # provided by the engine
        raise NotImplementedError

    def _with_schema_in_prompt(
        self, messages: list[dict[str, str]], call: Call | None = None
    ) -> list[dict[str, str]]:
        schema = call.schema if call is not None and call.schema is not None else self.schema
        system = messages[0]["content"] + (
            "\nThe JSON object must match this JSON Schema:\n" + json.dumps(schema) + "\n"
        )
        return [{"role": "system", "content": system}, *messages[1:]]

    def request_body(self, call: Call, messages: list[dict[str, str]], mode: str) -> dict[str, Any]:
        """The chat-completions request, the same for an interactive call and a batch line."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_output_tokens,
        }
        response_format = self._response_format(mode, call)
        if response_format is not None:
            body["response_format"] = response_format
        return body

    def _response_format(self, mode: str, call: Call) -> dict[str, Any] | None:
        schema = call.schema if call.schema is not None else self.schema
        if mode == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": call.schema_name, "strict": True, "schema": schema},
            }
        if mode == "json_object":
            # llama.cpp's server takes the schema inside json_object and enforces it.
            return {"type": "json_object", "schema": schema}
        return None

    def _send(
        self, call: Call, messages: list[dict[str, str]], outcome: Outcome
    ) -> tuple[Any, str]:
        if self._mode is not None:
            return self._request(call, messages, self._mode, outcome, detecting=False), self._mode
        with self._mode_lock:
            if self._mode is not None:
                mode = self._mode
                return self._request(call, messages, mode, outcome, detecting=False), mode
            remembered = (
                self.store.get_mode(self.endpoint, self.model) if self.store is not None else None
            )
            candidates = [remembered] if remembered in MODES else list(MODES)
            for mode in candidates:
                is_last = mode == candidates[-1]
                try:
                    sent = (
                        messages
                        if mode != "prompt"
                        else self._with_schema_in_prompt(messages, call)
                    )
                    response = self._request(call, sent, mode, outcome, detecting=not is_last)
                except Unsupported:
                    log.info(
                        "%s does not accept %s output; trying the next mode", self.endpoint, mode
                    )
                    continue
                self._mode = mode
                if self.store is not None and remembered != mode:
                    self.store.put_mode(self.endpoint, self.model, mode)
                log.info("structured output for %s: %s", self.endpoint, mode)
                return response, mode
        raise ChunkFailed("the endpoint accepted no structured-output mode")  # pragma: no cover

    def _request(
        self,
        call: Call,
        messages: list[dict[str, str]],
        mode: str,
        outcome: Outcome,
        *,
        detecting: bool,
    ) -> Any:
        tokens = self.count_tokens(messages)
        reserved = self.cost(tokens, self.settings.max_output_tokens) or 0.0
        last = ""
        body = self.request_body(call, messages, mode)
        for attempt in range(self.settings.max_retries + 1):
            if not self.budget.reserve(reserved):
                raise ChunkFailed(
                    f"not sent: it could take the run past --max-cost ${self.settings.max_cost:g}"
                )
            self.limiter.acquire(tokens + self.settings.max_output_tokens)
            outcome.usage = outcome.usage + Usage(calls=1)
            log.debug(
                "POST %s/chat/completions model=%s mode=%s input~%d tokens (%s, attempt %d)",
                self.endpoint,
                self.model,
                mode,
                tokens,
                call.label,
                attempt + 1,
            )
            wait_for: float | None = None
            try:
                response = self.client.chat.completions.create(**body)
            except openai.AuthenticationError as exc:
                self.budget.settle(reserved, 0.0)
                raise LLMError(
                    f"{self.endpoint} refused the API key (HTTP {exc.status_code}); "
                    "set OPENAI_API_KEY or pass --api-key"
                ) from None
            except openai.PermissionDeniedError as exc:
                self.budget.settle(reserved, 0.0)
                raise LLMError(
                    f"{self.endpoint} denied access (HTTP {exc.status_code}): "
                    f"{short(exc.message, self.settings.api_key)}"
                ) from None
            except openai.NotFoundError:
                self.budget.settle(reserved, 0.0)
                raise LLMError(
                    f"{self.endpoint} has no model {self.model!r} or no chat-completions route "
                    "(HTTP 404); check --model and --base-url (it usually ends in /v1)"
                ) from None
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                self.budget.settle(reserved, 0.0)
                if detecting:
                    raise Unsupported() from None
                raise ChunkFailed(
                    f"the endpoint rejected the request (HTTP {exc.status_code}): "
                    f"{short(exc.message, self.settings.api_key)}"
                ) from None
            except openai.RateLimitError as exc:
                self.budget.settle(reserved, 0.0)
                last = "rate limited (HTTP 429)"
                wait_for = retry_after(exc.response.headers)
            except openai.APIStatusError as exc:
                self.budget.settle(reserved, 0.0)
                if detecting and exc.status_code >= 500:
                    raise Unsupported() from None
                if exc.status_code < 500 and exc.status_code not in (408, 409):
                    raise ChunkFailed(
                        f"the endpoint answered HTTP {exc.status_code}: "
                        f"{short(exc.message, self.settings.api_key)}"
                    ) from None
                last = f"server error (HTTP {exc.status_code})"
                wait_for = retry_after(exc.response.headers)
            except openai.APITimeoutError:
                self.budget.settle(reserved, 0.0)
                last = f"no reply within {self.settings.request_timeout:g} s"
            except openai.APIConnectionError:
                self.budget.settle(reserved, 0.0)
                last = "could not connect"
            except openai.APIError as exc:  # e.g. a 200 whose body is not a completion
                self.budget.settle(reserved, 0.0)
                last = f"unusable response ({type(exc).__name__})"
            else:
                usage = getattr(response, "usage", None)
                estimated = usage is None or not getattr(usage, "prompt_tokens", None)
                if estimated or usage is None:
                    prompt_tokens = tokens
                    content = response.choices[0].message.content if response.choices else ""
                    completion_tokens = len(self._encoding.encode_ordinary(content or ""))
                else:
                    prompt_tokens = int(usage.prompt_tokens)
                    completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
                actual = self.cost(prompt_tokens, completion_tokens)
                self.budget.settle(reserved, actual or 0.0)
                outcome.usage = outcome.usage + Usage(
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    estimated=estimated,
                    cost=actual,
                )
                return response
            if attempt == self.settings.max_retries:
                break
            delay = backoff_delay(
                attempt, self.settings.retry_base_delay, self.settings.max_retry_wait
            )
            if wait_for is not None:
                delay = min(wait_for, self.settings.max_retry_wait)
            log.info("%s: %s; retrying in %.2f s", self.endpoint, last, delay)
            self.sleep(delay)
        raise ChunkFailed(f"gave up after {self.settings.max_retries + 1} attempts: {last}")
