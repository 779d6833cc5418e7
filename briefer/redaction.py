"""URLs and settings as they may be shown or stored: without credentials.

One function for every place a URL leaves the process's memory — messages, logs, JSON output,
the engine's description, the settings echoed in an output, and the store.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

if TYPE_CHECKING:
    from .config import Settings

REDACTED = "REDACTED"
_SECRET_SETTINGS = frozenset({"api_key"})  # never shown, not even redacted
# Query parameters that carry credentials in practice: API keys, tokens, signatures, passwords.
_SECRET_PARAM = re.compile(
    r"(^|[_.-])(api[_-]?key|key|token|access[_-]?token|auth|authorization|password|passwd|pwd|"
    r"secret|client[_-]?secret|signature|sig|credential|session|sessionid)$",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """``url`` without its user:password part and with secret-looking query values replaced."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # Not parseable as a URL: show nothing of it that could be a credential.
        return url.split("@")[-1] if "@" in url else url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = parts.hostname or ""
        if ":" in netloc:
            netloc = f"[{netloc}]"
        if port is not None:
            netloc = f"{netloc}:{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAM.search(name) for name, _ in pairs):
            query = urlencode(
                [(n, REDACTED if _SECRET_PARAM.search(n) else v) for n, v in pairs], safe="/:"
            )
    return parts._replace(netloc=netloc, query=query).geturl()


def public_settings(settings: Settings) -> dict[str, Any]:
    """Settings that explain an output, JSON-ready; secrets are left out."""
    data: dict[str, Any] = {}
    for f in fields(settings):
        if f.name in _SECRET_SETTINGS:
            continue
        value = getattr(settings, f.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(v) for v in value]
        elif f.name == "base_url" and value is not None:
            value = redact_url(value)
        elif f.name == "prices":
            value = {m: {"input": p.input, "output": p.output} for m, p in value.items()}
        data[f.name] = value
    return data
