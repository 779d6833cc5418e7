"""Fetch one web page with requests: bounded in time, size and redirects."""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

from ._version import __version__
from .config import FetchLimits
from .deadline import Watchdog, watched_session
from .defaults import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_FETCH_TIMEOUT,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_READ_TIMEOUT,
)
from .errors import SourceError
from .redaction import redact_url as redact

log = logging.getLogger(__name__)

USER_AGENT = f"briefer/{__version__} (automated briefing summarizer)"
_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Download:
    """A fetched response body with what the server said about it."""

    url: str
    content: bytes
    media_type: str
    charset: str | None
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """The server said 304: nothing changed since the ETag / date we sent."""
        return self.status == 304


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def resolve_host(host: str) -> list[str]:
    """The addresses a host name resolves to ([] when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def check_address(url: str, label: str) -> None:
    """Refuse URLs whose host is, or resolves to, a loopback, private or link-local address.

    A page or feed must not be able to point briefer at the machine it runs on or at the
    private network around it (cloud metadata services live on link-local addresses).
    """
    host = (urlsplit(url).hostname or "").strip("[]")
    if not host:
        raise SourceError(label, "the URL has no host; check the address")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolve_host(host)]
    for address in addresses:
        if not address.is_global:
            raise SourceError(
                label,
                f"{host} is a {_kind(address)} address ({address}); to fetch from this machine "
                "or a private network, use the allow_private setting (allow_private = true in "
                "the source's [[source]] or in [fetch])",
            )


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "non-public"


def fetch(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    session: requests.Session | None = None,
    headers: dict[str, str] | None = None,
    accept: str = "text/html,text/plain;q=0.9,*/*;q=0.5",
    allow_private: bool = False,
    deadline: float = DEFAULT_FETCH_TIMEOUT,
) -> Download:
    """GET ``url`` and return its body; raise SourceError naming the URL on any failure.

    ``deadline`` bounds the whole fetch (redirects, headers and body) in wall-clock seconds,
    however slowly the server sends.
    """
    label = redact(url)
    own_session = session is None
    session = session or watched_session()
    watchdog = Watchdog(deadline)
    end = time.monotonic() + deadline
    try:
        with watchdog:
            return _follow(
                session, url, label, max_bytes, (connect_timeout, read_timeout), max_redirects,
                {"User-Agent": USER_AGENT, "Accept": accept, **(headers or {})},
                allow_private, lambda: watchdog.expired or time.monotonic() > end,
            )  # fmt: skip
    except (requests.exceptions.RequestException, OSError) as exc:
        if watchdog.expired or time.monotonic() > end:
            raise _too_slow(label, deadline) from None
        if not isinstance(exc, requests.exceptions.RequestException):
            raise SourceError(label, f"the download failed ({exc.strerror or exc})") from None
        raise _request_error(exc, label, connect_timeout, read_timeout) from None
    finally:
        if own_session:
            session.close()


def _too_slow(label: str, deadline: float) -> SourceError:
    return SourceError(
        label,
        f"the download did not finish within {deadline:g} s (the server is too slow or never "
        "stops sending); try again later or raise the fetch_timeout setting",
    )


def _request_error(
    exc: requests.exceptions.RequestException,
    label: str,
    connect_timeout: float,
    read_timeout: float,
) -> SourceError:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return SourceError(
            label, f"could not connect within {connect_timeout:g} s; check the address or network"
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return SourceError(
            label, f"the server sent nothing for {read_timeout:g} s; try again later"
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        return SourceError(label, "could not connect; check the address and your network")
    return SourceError(label, f"the request failed ({type(exc).__name__})")


def _follow(
    session: requests.Session,
    url: str,
    label: str,
    max_bytes: int,
    timeout: tuple[float, float],
    max_redirects: int,
    headers: dict[str, str],
    allow_private: bool,
    expired: Callable[[], bool],
) -> Download:
    current = url
    for _hop in range(max_redirects + 1):
        # Every hop is checked: a public page may redirect to a private address.
        if urlsplit(current).scheme.lower() not in ("http", "https"):
            raise SourceError(label, "only http and https URLs can be fetched")
        if not allow_private:
            check_address(current, label)
        log.debug("fetching %s", redact(current))
        with session.get(
            current, stream=True, allow_redirects=False, timeout=timeout, headers=headers
        ) as resp:
            if resp.is_redirect and resp.headers.get("Location"):
                current = urljoin(current, resp.headers["Location"])
                continue
            return _read(resp, current, label, max_bytes, expired)
    raise SourceError(label, f"more than {max_redirects} redirects; check the address")


def fetch_url(
    url: str,
    limits: FetchLimits,
    *,
    session: requests.Session | None = None,
    headers: dict[str, str] | None = None,
    accept: str = "text/html,text/plain;q=0.9,*/*;q=0.5",
) -> Download:
    """``fetch`` with the size, timeouts and address policy of ``limits``."""
    return fetch(
        url,
        max_bytes=limits.max_bytes,
        connect_timeout=limits.connect_timeout,
        read_timeout=limits.read_timeout,
        max_redirects=limits.max_redirects,
        allow_private=limits.allow_private,
        deadline=limits.fetch_timeout,
        session=session,
        headers=headers,
        accept=accept,
    )


def _read(
    resp: requests.Response, url: str, label: str, max_bytes: int, expired: Callable[[], bool]
) -> Download:
    if resp.status_code == 304:
        return Download(
            redact(url), b"", "", None, 304,
            resp.headers.get("ETag"), resp.headers.get("Last-Modified"),
        )  # fmt: skip
    if resp.status_code >= 400:
        raise SourceError(
            label,
            f"the server answered HTTP {resp.status_code} {resp.reason or ''}".rstrip()
            + "; check the address or try again later",
        )
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(
            label,
            f"the page is {_mb(int(declared))}, over the {_mb(max_bytes)} limit; "
            "raise the max_bytes setting to read it",
        )
    body = bytearray()
    for piece in resp.iter_content(_CHUNK_BYTES):
        body.extend(piece)
        if len(body) > max_bytes:
            raise SourceError(
                label,
                f"the page is over the {_mb(max_bytes)} limit; "
                "raise the max_bytes setting to read it",
            )
        if expired():
            break  # the caller reports the deadline
    if expired():
        # A watchdog shutdown can look like a normal end of a body without Content-Length.
        raise requests.exceptions.Timeout("deadline")
    media_type, charset = _content_type(resp.headers.get("Content-Type", ""))
    return Download(
        redact(url),
        bytes(body),
        media_type,
        charset,
        resp.status_code,
        resp.headers.get("ETag"),
        resp.headers.get("Last-Modified"),
    )


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return media_type.strip().lower(), charset
