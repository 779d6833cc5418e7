"""How the LLM engine talks to the endpoint: structured-output modes, retries, backoff.

The engine holds one Transport; with ``batch`` it is the only module that catches the
``openai`` SDK's errors.

Mode detection changes the mode only on a definitive answer: the endpoint rejects the request
(HTTP 400/422), or keeps answering 5xx to this mode through the detection retries. A single
transient 5xx or a timeout is retried in the same mode, and a mode is remembered only once a
request in it succeeded. A remembered mode that fails is detected again. ``modes`` keeps which
mode is settled or being tried; until one is settled, a remote endpoint gets a first wave of
requests at once in the mode being tried, a local one (a single-slot server, likely) one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import openai

from ..config import Settings
from ..defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_LOCAL_CONCURRENCY,
    DEFAULT_LOCAL_REQUEST_TIMEOUT,
    DEFAULT_REQUEST_TIMEOUT,
)
from ..errors import LLMError
from ..models import Usage
from ..ratelimit import RateLimiter, backoff_delay, retry_after
from ..redaction import redact_url
from ..store import Store
from .calls import (
    Budget,
    Call,
    ChunkFailed,
    Gate,
    Meter,
    NotSent,
    Outcome,
    Stopped,
    Unsupported,
    is_local,
    schema_in_prompt,
    short,
)
from .modes import ModeChoice

log = logging.getLogger(__name__)

DETECTION_RETRIES = 2  # 5xx answers to one mode, retried, before detection moves on
MAX_TIMEOUT_FACTOR = 4.0  # a retry after a timeout waits up to this many times longer
IDLE_WAIT_FACTOR = 2.0  # after a timeout, wait up to this many timeouts for the server to idle


class Transport:
    """Sending one chat-completions request well: mode, rate limit, budget, retries.

    It owns the client, the endpoint's limits and the structured-output mode; the engine
    owns what is asked (prompts, schema, cache).
    """

    def __init__(
        self,
        settings: Settings,
        schema: dict[str, Any],
        *,
        modes: Store | None,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.settings = settings
        self.schema = schema  # the default reply schema; a call may carry its own
        self.modes = modes  # where the detected mode is remembered (even with --no-cache)
        # Set when the run stops (an interrupt, an error): no request or retry goes out after
        # it, and a backoff or rate-limit wait ends at once (unless a test's sleep is given).
        self.stopped = threading.Event()
        self.sleep: Callable[[float], object] = sleep if sleep is not None else self.stopped.wait
        self.client = openai.OpenAI(
            api_key=settings.api_key or "no-key-needed",
            base_url=settings.base_url,
            max_retries=0,  # retries are ours: bounded, logged, honouring Retry-After
        )
        # Shown and stored (outputs, logs, cache modes, batches): never with its credentials.
        self.endpoint = redact_url(str(self.client.base_url).rstrip("/"))
        local = is_local(self.endpoint)
        self.timeout = settings.request_timeout or (
            DEFAULT_LOCAL_REQUEST_TIMEOUT if local else DEFAULT_REQUEST_TIMEOUT
        )
        self.concurrency = settings.concurrency or (
            DEFAULT_LOCAL_CONCURRENCY if local else DEFAULT_CONCURRENCY
        )
        self.gate = Gate(self.concurrency)
        self.model = settings.model
        self.meter = Meter.for_model(settings, local=local)
        self.limiter = RateLimiter(
            settings.requests_per_minute, settings.tokens_per_minute, sleep=self.pause
        )
        self.budget = Budget(settings.max_cost)
        self.choice = ModeChoice(settings.structured_output, modes, self.endpoint, self.model)
        self.local = local
        self._settling = threading.Lock()

    def pause(self, seconds: float) -> None:
        """Wait before a retry or for the rate limit; raise ``Stopped`` if the run stopped."""
        self.sleep(seconds)
        if self.stopped.is_set():
            raise Stopped("the run stopped; not sent")

    @property
    def mode(self) -> str | None:
        """The structured-output mode settled for this run, if any yet."""
        return self.choice.mode

    def request_body(
        self,
        call: Call,
        messages: list[dict[str, str]],
        mode: str,
        *,
        schema: dict[str, Any] | None = None,
        temperature: float | None = None,
    ) -> dict[str, Any]:
        """The chat-completions request, the same for an interactive call and a batch line."""
        schema = schema or call.schema or self.schema
        if mode == "prompt":
            messages = schema_in_prompt(messages, schema)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.settings.temperature if temperature is None else temperature,
            "max_tokens": self.settings.max_output_tokens,
        }
        if mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": call.schema_name, "strict": True, "schema": schema},
            }
        elif mode == "json_object":
            # llama.cpp's server takes the schema inside json_object and enforces it.
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    @property
    def mode_description(self) -> str | None:
        """The structured-output mode in use and how it was chosen, once known."""
        return self.choice.description

    def mode_outcome(self, ok: bool) -> None:
        """A chunk's outcome, for forgetting a mode its chunks keep failing in."""
        self.choice.outcome(ok)

    def send(
        self,
        call: Call,
        messages: list[dict[str, str]],
        outcome: Outcome,
        *,
        schema: dict[str, Any] | None = None,
        temperature: float | None = None,
    ) -> Any:
        """The reply to these messages, in the settled mode or, while none is, in the mode
        being tried: a local server settles it with one request while the others wait; any
        other endpoint gets a first wave of requests at once in the expected mode."""
        if self.choice.mode is None and self.local:
            with self._settling:  # a single-slot local server: one detecting request at a time
                if self.choice.mode is None:
                    return self._send(call, messages, outcome, schema, temperature)
        return self._send(call, messages, outcome, schema, temperature)

    def _send(
        self,
        call: Call,
        messages: list[dict[str, str]],
        outcome: Outcome,
        schema: dict[str, Any] | None,
        temperature: float | None,
    ) -> Any:
        refused: dict[str, str] = {}  # modes this call was refused in, and how
        while True:
            mode, definitive = self.choice.next(refused)
            try:
                response = self._request(
                    call,
                    messages,
                    mode,
                    outcome,
                    detecting=definitive,
                    schema=schema,
                    temperature=temperature,
                )
            except Unsupported as exc:
                refused[mode] = str(exc)
                self.choice.refused(mode, str(exc))
                continue
            except BaseException:
                self.choice.ended(mode)
                raise
            # Any reply, in the last mode left too, tells which mode works.
            self.choice.worked(mode, refused)
            return response

    def _request(
        self,
        call: Call,
        messages: list[dict[str, str]],
        mode: str,
        outcome: Outcome,
        *,
        detecting: bool,
        schema: dict[str, Any] | None = None,
        temperature: float | None = None,
    ) -> Any:
        body = self.request_body(call, messages, mode, schema=schema, temperature=temperature)
        tokens = self.meter.count_tokens(body["messages"])
        reserved = self.meter.cost(tokens, self.settings.max_output_tokens) or 0.0
        last = ""
        timeout = self.timeout
        server_errors = 0
        for attempt in range(self.settings.max_retries + 1):
            if self.stopped.is_set():
                raise Stopped("the run stopped; not sent")
            if not self.budget.reserve(reserved):
                raise NotSent(
                    "not sent: it could take the run past the max_cost setting "
                    f"${self.settings.max_cost:g}"
                )
            try:
                self.limiter.acquire(tokens + self.settings.max_output_tokens)
            except Stopped:
                self.budget.settle(reserved, 0.0)
                raise
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
            started = time.monotonic()
            try:
                with self.gate:
                    if self.stopped.is_set():  # it stopped while this call waited its turn
                        self.budget.settle(reserved, 0.0)
                        raise Stopped("the run stopped; not sent")
                    response = self.client.chat.completions.create(**body, timeout=timeout)
            except openai.AuthenticationError as exc:
                self.budget.settle(reserved, 0.0)
                raise LLMError(
                    f"{self.endpoint} refused the API key (HTTP {exc.status_code}); "
                    "set OPENAI_API_KEY or pass the api_key setting"
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
                    "(HTTP 404); check the model setting and the base_url setting "
                    "(it usually ends in /v1)"
                ) from None
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                self.budget.settle(reserved, 0.0)
                message = short(exc.message, self.settings.api_key)
                if detecting:  # a definitive "no": the request as sent is refused
                    raise Unsupported(f"HTTP {exc.status_code}: {message}") from None
                raise ChunkFailed(
                    f"the endpoint rejected the request (HTTP {exc.status_code}): {message}"
                ) from None
            except openai.RateLimitError as exc:
                self.budget.settle(reserved, 0.0)
                last = "rate limited (HTTP 429)"
                wait_for = retry_after(exc.response.headers)
            except openai.APIStatusError as exc:
                self.budget.settle(reserved, 0.0)
                if exc.status_code < 500 and exc.status_code not in (408, 409):
                    raise ChunkFailed(
                        f"the endpoint answered HTTP {exc.status_code}: "
                        f"{short(exc.message, self.settings.api_key)}"
                    ) from None
                last = f"server error (HTTP {exc.status_code})"
                server_errors += 1
                if detecting and server_errors > min(DETECTION_RETRIES, self.settings.max_retries):
                    # The same mode failed every time: some servers (llama.cpp) answer an
                    # unsupported response_format this way. Moving on is not remembered
                    # unless the next mode succeeds.
                    raise Unsupported(f"{server_errors} server errors in a row") from None
                wait_for = retry_after(exc.response.headers)
            except openai.APITimeoutError:
                self.budget.settle(reserved, 0.0)
                last = f"no reply within {timeout:g} s"
                # The server may still be working on this request: send fewer at once from
                # now on, send no retry until it is idle, and give the retry longer.
                limit = self.gate.shrink()
                log.warning(
                    "%s: %s (%s); at most %d request(s) at once from now on; waiting until "
                    "the server is idle before retrying",
                    self.endpoint,
                    last,
                    call.label,
                    limit,
                )
                if attempt < self.settings.max_retries and not self._wait_until_idle():
                    raise ChunkFailed(
                        f"{last}, and the server was still busy "
                        f"{IDLE_WAIT_FACTOR * self.timeout:g} s later; "
                        "not retried (raise the request_timeout setting for a slow local server)"
                    ) from None
                timeout = min(timeout * 2, self.timeout * MAX_TIMEOUT_FACTOR)
            except openai.APIConnectionError:
                self.budget.settle(reserved, 0.0)
                last = "could not connect"
            except openai.APIError as exc:  # e.g. a 200 whose body is not a completion
                self.budget.settle(reserved, 0.0)
                last = f"unusable response ({type(exc).__name__})"
            else:
                before = outcome.usage
                self._account(response, tokens, reserved, outcome)
                log.info(
                    "%s: reply in %.1f s (%s mode, %d prompt + %d completion tokens)",
                    call.label,
                    time.monotonic() - started,
                    mode,
                    outcome.usage.prompt_tokens - before.prompt_tokens,
                    outcome.usage.completion_tokens - before.completion_tokens,
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
            self.pause(delay)
        raise ChunkFailed(f"gave up after {self.settings.max_retries + 1} attempts: {last}")

    def _wait_until_idle(self) -> bool:
        """Wait, sending nothing else, until the server answers a cheap request (a model list);
        False when it does not within ``IDLE_WAIT_FACTOR`` request timeouts.

        A single-slot server such as llama-cpp-python's answers it only once it has finished
        the request it is working on, abandoned or not; others answer at once.
        """
        with self.gate:
            try:
                self.client.models.list(timeout=IDLE_WAIT_FACTOR * self.timeout)
            except openai.APITimeoutError:
                return False
            except openai.APIError:
                pass  # any answer, even an error, means the server is listening again
        return True

    def _account(self, response: Any, tokens: int, reserved: float, outcome: Outcome) -> None:
        usage = getattr(response, "usage", None)
        estimated = usage is None or not getattr(usage, "prompt_tokens", None)
        if estimated or usage is None:
            prompt_tokens = tokens
            content = response.choices[0].message.content if response.choices else ""
            completion_tokens = self.meter.tokens(content or "")
        else:
            prompt_tokens = int(usage.prompt_tokens)
            completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        actual = self.meter.cost(prompt_tokens, completion_tokens)
        self.budget.settle(reserved, actual or 0.0)
        outcome.usage = outcome.usage + Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            estimated=estimated,
            cost=actual,
        )
