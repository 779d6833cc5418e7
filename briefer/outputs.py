"""Where the daily brief goes: dated files and latest.*, written all or nothing, then
delivered by email and webhook."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import requests

from .config import BriefConfig, Settings
from .errors import RenderError, SourceError
from .models import Brief, Failure
from .pipeline import public_settings
from .render import render_brief, write_atomic

log = logging.getLogger(__name__)


def output_paths(config: BriefConfig, brief_date: date, formats: tuple[str, ...]) -> list[Path]:
    """Dated paths that do not overwrite an earlier brief of the same day."""
    base = config.output_dir / brief_date.isoformat()
    for n in range(1, 1000):
        stem = base if n == 1 else base.with_name(f"{base.name}.{n}")
        paths = [stem.with_name(f"{stem.name}.{fmt}") for fmt in formats]
        if not any(p.exists() for p in paths):
            return paths
    raise SourceError(str(config.output_dir), "more than 999 briefs for one day")


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files left by a run that was killed mid-write; we hold the lock, so no live
    run owns them."""
    if not folder.is_dir():
        return
    for stale in folder.glob(".*.tmp"):
        try:
            stale.unlink()
            log.info("removed %s, left by an interrupted run", stale.name)
        except OSError:
            pass


def deliver(
    brief: Brief,
    config: BriefConfig,
    settings: Settings,
    texts: dict[str, str | bytes],
    session: requests.Session | None,
) -> list[Failure]:
    """Email and webhook, as configured; each failure is reported, none undoes the brief."""
    from .deliver import DeliveryError, post_webhook, send_email

    failures: list[Failure] = []
    if config.email is not None:

        def text_of(fmt: str) -> str | bytes:
            if fmt in texts:
                return texts[fmt]
            return render_brief(
                brief,
                fmt,
                settings=public_settings(settings),
                templates_dir=settings.templates_dir,
                page_size=config.page_size,
            )

        try:
            pdf: bytes | None = None
            if config.email.attach_pdf:
                try:
                    rendered = text_of("pdf")
                    pdf = rendered if isinstance(rendered, bytes) else None
                except RenderError as exc:
                    log.warning("email goes without the PDF: %s", exc)
            send_email(
                brief, config.email, html=str(text_of("html")), text=str(text_of("md")), pdf=pdf
            )
        except DeliveryError as exc:
            failures.append(Failure("email delivery", str(exc)))
            log.error("%s", exc)
    if config.webhook is not None:
        try:
            post_webhook(brief, config.webhook, session=session)
        except DeliveryError as exc:
            failures.append(Failure("webhook delivery", str(exc)))
            log.error("%s", exc)
    return failures


def write_all(
    paths: list[Path], folder: Path, formats: tuple[str, ...], texts: dict[str, str | bytes]
) -> None:
    """Dated files first, then latest.*; if any write fails, remove this run's dated files."""
    written: list[Path] = []
    try:
        for path, fmt in zip(paths, formats, strict=True):
            write_atomic(path, texts[fmt])
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for fmt in formats:
        write_atomic(folder / f"latest.{fmt}", texts[fmt])
