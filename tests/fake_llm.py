"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for the tests.

Replies are scripted: each queued step answers one request; with the queue empty, the server
answers with findings built from the article it was sent, quoting it verbatim. It records
every request body, and can play servers that reject some structured-output modes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ARTICLE = re.compile(r"<<<ARTICLE\n(.*)\nARTICLE>>>", re.S)
_FIELD = re.compile(r"\A(?:[a-z_]+: [^\n]*\n)+\n")


def article_body(user: str) -> str:
    """The data block of a user message without its metadata lines (title, url, ...)."""
    match = ARTICLE.search(user)
    block = match.group(1) if match else ""
    return _FIELD.sub("", block, count=1)


RESET = object()
FAULTS = ("429", "500", "reset", "timeout", "truncated", "schema", "length", "refusal")


@dataclass
class Step:
    """One scripted answer: a status, a JSON body (or raw bytes), headers, and a delay."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def completion(
    content: str, *, finish_reason: str = "stop", usage: bool = True, refusal: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    return body


def findings_for(article: str) -> dict[str, Any]:
    """A valid reply that quotes the article: its first full sentence as key point and risk."""
    pieces = [p.strip() for p in re.split(r"(?<=[.!?])\s|\n", article) if p.strip()]
    first = next((p for p in pieces if p[-1] in ".!?"), pieces[0] if pieces else "")
    return {
        "key_points": [{"text": first, "evidence": first}],
        "risks": [
            {
                "title": "Risk named in the text",
                "category": "political",
                "severity": "medium",
                "likelihood": "possible",
                "rationale": "The sentence describes it.",
                "evidence": first,
            }
        ],
    }


def summary_for(findings_json: str) -> dict[str, Any]:
    """A valid executive summary: the first key point of the first two stories, citing them."""
    stories = json.loads(findings_json)["stories"]
    return {
        "summary": [
            {"text": (s["key_points"] or [s["title"]])[0], "stories": [s["story"]]}
            for s in stories[:2]
        ]
    }


class FakeLLM:
    """Start with ``start()``; ``base_url`` then points at it; ``stop()`` shuts it down."""

    def __init__(self) -> None:
        self.steps: deque[Step] = deque()
        self.requests: list[dict[str, Any]] = []
        self.reject_json_schema = False  # like llama.cpp's server: 500 on json_schema
        self.reject_response_format = False  # a server that knows no response_format: 400
        self.reject_modes: set[str] = set()  # response_format types answered with a 400
        # Hold the first replies until this many requests are in flight at once (or 10 s
        # passed): a client that sends one at a time shows as a single request in flight.
        self.hold_until_in_flight = 0
        self._held = threading.Event()
        self.responder: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        # With a seeded generator: every reply is a random value valid under the schema sent.
        self.conforming: random.Random | None = None
        self.delay = 0.0
        # Fault injection: this share of requests gets a fault, chosen from `faults` by a hash
        # of the request body and how often that body was seen, so that the outcome does not
        # depend on how concurrent requests interleave.
        self.fault_rate = 0.0
        self.faults = FAULTS
        self.stall_seconds = 1.0
        self.fault_counts: dict[str, int] = {}
        self._seen_bodies: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        # Like llama-cpp-python's server: GET /models waits until no completion is running.
        self.single_slot = False
        self.events: list[tuple[str, float]] = []  # ("start" | "end" | "models", time)
        # Batch API: uploaded files, batches, and how many status polls a batch stays busy.
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls_in_progress = 2
        self.batch_line_error: Callable[[dict[str, Any]], bool] | None = None
        self.batch_requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ---- scripting ----
    def reply(self, content: Any, **kwargs: Any) -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        self.steps.append(Step(body=completion(text, **kwargs)))

    def error(self, status: int, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        body = {"error": {"message": f"scripted {status}", "type": "test", "code": status}}
        self.steps.append(Step(status=status, body=body, headers=headers or {}, delay=delay))

    def stall(self, seconds: float) -> None:
        self.steps.append(Step(delay=seconds, body=None))

    # ---- server ----
    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeLLM:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send_json(self, status: int, body: Any) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.endswith("/models"):
                    while fake.single_slot and fake.in_flight:
                        time.sleep(0.01)
                    fake.events.append(("models", time.monotonic()))
                    # The client may have stopped waiting for the server to be idle.
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self._send_json(200, {"object": "list", "data": []})
                    return
                status, body = fake._batch_api("GET", self.path, b"", dict(self.headers))
                self._send_json(status, body)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                if "/files" in self.path or "/batches" in self.path:
                    raw = self.rfile.read(length)
                    status, body = fake._batch_api("POST", self.path, raw, dict(self.headers))
                    self._send_json(status, body)
                    return
                raw = self.rfile.read(length)
                try:
                    request = json.loads(raw)
                except ValueError:  # a client killed mid-request leaves a partial body
                    request = {"partial_body": len(raw)}
                with fake._lock:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    fake.requests.append({"path": self.path, "headers": headers, **request})
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    fake.events.append(("start", time.monotonic()))
                try:
                    fake._hold()
                    status, body, headers, delay = fake._answer(self.path, request)
                    time.sleep(delay)
                    if body is None:  # a stall: the client gives up first
                        return
                    if body is RESET:  # drop the connection without a word
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    data = body if isinstance(body, bytes) else json.dumps(body).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with fake._lock:
                        fake.in_flight -= 1
                        fake.events.append(("end", time.monotonic()))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _hold(self) -> None:
        if not self.hold_until_in_flight or self._held.is_set():
            return
        with self._lock:
            if self.in_flight >= self.hold_until_in_flight:
                self._held.set()
        self._held.wait(10.0)
        self._held.set()  # once released (or given up), replies are never held again

    def _answer(self, path: str, request: dict[str, Any]) -> tuple[int, Any, dict[str, str], float]:
        if not path.endswith("/chat/completions"):
            return 404, {"error": {"message": "no such route"}}, {}, 0.0
        if "messages" not in request:
            return 400, {"error": {"message": "incomplete request"}}, {}, 0.0
        fmt = (request.get("response_format") or {}).get("type")
        if fmt and self.reject_response_format:
            return 400, {"error": {"message": "response_format is not supported"}}, {}, 0.0
        if fmt in self.reject_modes:
            return 400, {"error": {"message": f"{fmt} is not supported"}}, {}, 0.0
        if fmt == "json_schema" and self.reject_json_schema:
            return 500, {"error": {"message": "json_schema is not supported"}}, {}, 0.0
        with self._lock:
            step = self.steps.popleft() if self.steps else None
        if step is not None:
            return step.status, step.body, step.headers, step.delay
        fault = self._fault(request)
        if fault is not None:
            return fault
        user = next(m["content"] for m in request["messages"] if m["role"] == "user")
        article = article_body(user)
        if self.conforming is not None:
            from .schema_replies import instance

            fmt_body = request.get("response_format") or {}
            schema = fmt_body.get("schema") or fmt_body.get("json_schema", {}).get("schema")
            content = instance(schema, self.conforming)
        elif self.responder:
            content = self.responder(request)
        elif "executive summary" in request["messages"][0]["content"]:
            content = summary_for(article)
        else:
            content = findings_for(article)
        return 200, completion(json.dumps(content)), {}, self.delay

    def _fault(self, request: dict[str, Any]) -> tuple[int, Any, dict[str, str], float] | None:
        if not self.fault_rate:
            return None
        # The article block and the turn count identify a request; the run date, which the
        # prompt also carries, must not change which requests fail from one day to the next.
        messages = request.get("messages") or []
        user = messages[1]["content"] if len(messages) > 1 else ""
        block = ARTICLE.search(user)
        body = f"{block.group(1) if block else user}|{len(messages)}"
        with self._lock:
            seen = self._seen_bodies.get(body, 0)
            self._seen_bodies[body] = seen + 1
        digest = hashlib.sha256(f"{body}|{seen}".encode()).digest()
        if digest[0] / 256 >= self.fault_rate:
            return None
        with self._lock:
            # Faults take turns, so that a handful of them covers every kind.
            kind = self.faults[sum(self.fault_counts.values()) % len(self.faults)]
            self.fault_counts[kind] = self.fault_counts.get(kind, 0) + 1
        valid = json.dumps(findings_for("Officials met."))
        if kind == "429":
            return 429, {"error": {"message": "slow down"}}, {"Retry-After": "0"}, 0.0
        if kind == "500":
            return 500, {"error": {"message": "boom"}}, {}, 0.0
        if kind == "reset":
            return 200, RESET, {}, 0.0
        if kind == "timeout":
            return 200, None, {}, self.stall_seconds
        if kind == "truncated":
            return 200, completion(valid[: len(valid) // 2]), {}, 0.0
        if kind == "schema":
            return 200, completion(json.dumps({"key_points": [{"claim": "x"}]})), {}, 0.0
        if kind == "length":
            return 200, completion(valid[:20], finish_reason="length"), {}, 0.0
        return 200, completion("", refusal="I cannot help with that."), {}, 0.0

    # ---- Batch API ----

    def _batch_api(
        self, method: str, path: str, raw: bytes, headers: dict[str, str]
    ) -> tuple[int, Any]:
        with self._lock:
            self.batch_requests.append((method, path))
        if method == "POST" and path.endswith("/files"):
            content = _multipart_file(
                raw, headers.get("Content-Type") or headers.get("content-type") or ""
            )
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = content
            return 200, {
                "id": file_id,
                "object": "file",
                "bytes": len(content),
                "created_at": 0,
                "filename": "input.jsonl",
                "purpose": "batch",
                "status": "processed",
            }
        if method == "GET" and path.endswith("/content"):
            file_id = path.split("/")[-2]
            return 200, self.files.get(file_id, b"")
        if method == "POST" and path.endswith("/batches"):
            request = json.loads(raw)
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "input": request["input_file_id"],
                "polls": 0,
                "status": "validating",
            }
            return 200, self._batch_object(batch_id)
        if method == "POST" and path.endswith("/cancel"):
            batch_id = path.split("/")[-2]
            self.batches[batch_id]["status"] = "cancelled"
            return 200, self._batch_object(batch_id)
        if method == "GET" and "/batches/" in path:
            batch_id = path.rstrip("/").split("/")[-1]
            batch = self.batches[batch_id]
            if batch["status"] not in ("completed", "cancelled"):
                batch["polls"] += 1
                if batch["polls"] > self.batch_polls_in_progress:
                    self._run_batch(batch_id)
                else:
                    batch["status"] = "in_progress"
            return 200, self._batch_object(batch_id)
        return 404, {"error": {"message": f"no route {method} {path}"}}

    def _run_batch(self, batch_id: str) -> None:
        batch = self.batches[batch_id]
        results, errors = [], []
        for line in self.files[batch["input"]].decode().splitlines():
            record = json.loads(line)
            if self.batch_line_error and self.batch_line_error(record):
                errors.append(
                    {
                        "id": "r",
                        "custom_id": record["custom_id"],
                        "response": None,
                        "error": {"code": "server_error", "message": "scripted failure"},
                    }
                )
                continue
            status, body, _, _ = self._answer("/v1/chat/completions", record["body"])
            results.append(
                {
                    "id": "r",
                    "custom_id": record["custom_id"],
                    "response": {"status_code": status, "request_id": "q", "body": body},
                    "error": None,
                }
            )
        out_id, err_id = f"file-out-{batch_id}", f"file-err-{batch_id}"
        self.files[out_id] = "".join(json.dumps(r) + "\n" for r in results).encode()
        self.files[err_id] = "".join(json.dumps(r) + "\n" for r in errors).encode()
        batch.update(
            status="completed",
            output=out_id,
            errors=err_id if errors else None,
            done=len(results),
            failed=len(errors),
        )

    def _batch_object(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        total = len(self.files.get(batch["input"], b"").splitlines())
        return {
            "id": batch_id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": batch["input"],
            "completion_window": "24h",
            "status": batch["status"],
            "created_at": 0,
            "output_file_id": batch.get("output"),
            "error_file_id": batch.get("errors"),
            "request_counts": {
                "total": total,
                "completed": batch.get("done", 0),
                "failed": batch.get("failed", 0),
            },
        }


def _multipart_file(raw: bytes, content_type: str) -> bytes:
    """The file part of a multipart/form-data upload."""
    from email.parser import BytesParser
    from email.policy import default

    message = BytesParser(policy=default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    for part in message.iter_parts():
        if part.get_filename():
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) and payload else b""
    return b""
