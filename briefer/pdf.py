"""HTML to PDF with weasyprint, fetching nothing: the brief is rendered from itself alone."""

from __future__ import annotations

import logging
from typing import Any

from .errors import RenderError

log = logging.getLogger(__name__)

DEBIAN_PACKAGES = (
    "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core "
    "fonts-dejavu-extra fonts-droid-fallback"
)


def _offline_fetcher() -> Any:
    """A url_fetcher that refuses every URL: no image, font or stylesheet is loaded."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # older weasyprint: a plain function is the fetcher

        def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
            raise ValueError(f"briefer renders offline; not fetching {url[:80]}")

        return refuse

    class Offline(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"briefer renders offline; not fetching {url[:80]}")

    return Offline()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a standalone HTML document; RenderError says what to install if it cannot."""
    try:
        import weasyprint
    except ImportError as exc:
        raise RenderError(
            f"PDF output needs weasyprint and its system libraries ({exc}); install them with "
            f"`make` or: pip install weasyprint && apt-get install {DEBIAN_PACKAGES}"
        ) from None
    except OSError as exc:  # weasyprint is there, but Pango or HarfBuzz is not
        raise RenderError(
            f"PDF output needs the Debian packages {DEBIAN_PACKAGES} ({exc}); "
            f"install them with: apt-get install {DEBIAN_PACKAGES}"
        ) from None
    try:
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_offline_fetcher())
        pdf = document.write_pdf()
    except OSError as exc:
        raise RenderError(
            f"PDF rendering failed ({exc}); check the Debian packages {DEBIAN_PACKAGES}"
        ) from None
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without a target
        raise RenderError("weasyprint returned no PDF")
    return pdf
