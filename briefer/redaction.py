"""URLs as they may be shown or stored: without credentials.

One function for every place a URL leaves the process's memory — messages, logs, JSON output,
the engine's description, the settings echoed in an output, and the store.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

REDACTED = "REDACTED"
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
