"""Where the daily brief goes: dated files and latest.*, written all or nothing, then
delivered by email and webhook."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import requests

from .config import BriefConfig, Settings
from .errors import DeliveryError, RenderError, SourceError
from .models import Brief, Failure
from .publish import recover
from .redaction import public_settings
from .render import render_brief
from .store import Store

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


def repair(folder: Path, store: Store) -> None:
    """Undo or finish what killed runs left: their brief files (by the publication journal),
    their 'running' rows in the store, and stray temporaries. Call holding both run locks."""
    if folder.is_dir():

        def committed(store_path: str, run_id: int) -> bool:
            if Path(store_path) == store.path.resolve():
                return store.run_status(run_id) in ("ok", "partial")
            if not Path(store_path).is_file():
                return False
            with Store(Path(store_path)) as other:
                return other.run_status(run_id) in ("ok", "partial")

        recover(folder, committed)
    aborted = store.abort_stale_runs()
    if aborted:
        log.warning("marked %d interrupted run(s) as aborted in %s", aborted, store.path)
    if not folder.is_dir():
        return
    # A temporary left by a run killed before its journal existed; we hold the lock, so no
    # live run owns it.
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
    from .deliver import post_webhook, send_email

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
