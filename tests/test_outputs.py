"""HTML, PDF, SVG and JSON outputs of the brief, and delivery by email and webhook.

The SMTP server (aiosmtpd) and the webhook receiver are real servers on 127.0.0.1, started and
stopped by the tests.
"""

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default as default_policy
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

import jsonschema
import pypdf
import pytest

from briefer.charts import category_bars, risk_matrix
from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.deliver import EmailTarget, WebhookTarget
from briefer.outcome import DailyResult
from briefer.pdf import html_to_pdf
from briefer.render import brief_json_schema, render_brief

from .conftest import SEED

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
STORIES = Path(__file__).parent / "data" / "stories"
HOSTILE = (
    "Officials warn of <script>alert('x')</script> drone attacks\n"
    "The ministry said drones <img src=x onerror=alert(1)> struck the port, see "
    '[here](javascript:alert(1)) and <a href="http://evil.example/">this</a> for details.\n'
    "Analysts said the attack on the port was a significant threat to shipping in the region.\n"
)


class Server:
    """A tiny HTTP server on 127.0.0.1 that records requests and answers with a status."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(outer.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = _answer  # noqa: N815

        self.status = status
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def brief_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[DailyResult, Path]:
    tmp = tmp_path_factory.mktemp("brief")
    hostile = tmp / "hostile.txt"
    hostile.write_text(HOSTILE)
    config = BriefConfig(
        title="Morning <b>brief</b>",
        output_dir=tmp / "out",
        formats=("md", "json", "html", "pdf"),
        sources=(
            SourceSpec("path", (str(SEED),)),
            SourceSpec("path", (str(STORIES),)),
            SourceSpec("path", (str(hostile),)),
        ),
    )
    result = run_daily(config, Settings(cache_path=tmp / "s.db", use_cache=False), now=NOW)
    assert result.status == "ok", result.failures
    return result, tmp / "out"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str | None] = []
        self.tags: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.scripts += tag == "script"
        self.hrefs += [v for k, v in attrs if k in ("href", "src")]
        assert not any(k.startswith("on") for k, _ in attrs), (tag, attrs)


def test_html_escapes_article_text_and_links_only_http(
    brief_files: tuple[DailyResult, Path],
) -> None:
    _, out = brief_files
    html = (out / "latest.html").read_text()
    parser = Links()
    parser.feed(html)
    assert parser.scripts == 0 and "img" not in parser.tags
    assert "&lt;script&gt;" in html and "Morning &lt;b&gt;brief&lt;/b&gt;" in html
    for href in parser.hrefs:
        assert str(href).startswith(("#", "http://", "https://")), href
    assert not any("evil.example" in str(h) for h in parser.hrefs)
    assert 'class="risk-matrix"' in html and "<style>" in html and "<link" not in html


def test_pdf_contains_key_points_and_risk_titles(brief_files: tuple[DailyResult, Path]) -> None:
    result, out = brief_files
    reader = pypdf.PdfReader(out / "latest.pdf")
    assert 3 <= len(reader.pages) <= 30
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert result.brief is not None
    for item in result.brief.top_risks[:5]:
        assert item.risk.title in text
    assert "Russia and Iran are expected to sign a new comprehensive cooperation agreement" in text
    assert (
        "Page 1 of" in text and "Morning <b>brief</b> — 2026-11-29" in text
    )  # as text, not markup

    def titles(items: list[Any]) -> Iterator[str]:
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    outline = list(titles(reader.outline))
    assert "Top risks" in outline and "Stories" in outline


def test_markdown_and_json_agree_and_json_matches_its_schema(
    brief_files: tuple[DailyResult, Path],
) -> None:
    result, out = brief_files
    data = json.loads((out / "latest.json").read_text())
    jsonschema.validate(data, brief_json_schema())
    md = (out / "latest.md").read_text()
    for risk in data["top_risks"]:
        assert risk["risk"]["title"] in md
    assert "\\<script\\>" in md and "<script>" not in md


def test_schema_rejects_a_broken_export(brief_files: tuple[DailyResult, Path]) -> None:
    _, out = brief_files
    data = json.loads((out / "latest.json").read_text())
    data["top_risks"][0]["risk"]["severity"] = "apocalyptic"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, brief_json_schema())


def test_risk_matrix_cells_hold_the_counts() -> None:
    pairs = [("high", "likely")] * 3 + [("low", "unlikely"), ("critical", "almost certain")]
    svg = risk_matrix(pairs)
    cells = {}
    for chunk in svg.split("<rect ")[1:]:
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', chunk.split("/>")[0]))
        cells[(attrs["data-severity"], attrs["data-likelihood"])] = int(attrs["data-count"])
    assert len(cells) == 16
    assert cells[("high", "likely")] == 3 and cells[("low", "unlikely")] == 1
    assert cells[("critical", "almost certain")] == 1 and sum(cells.values()) == 5
    bars = category_bars(["cyber", "cyber", "military<x>"])
    assert 'data-category="cyber" data-count="2"' in bars and "military&lt;x&gt;" in bars


def test_rendering_fetches_nothing_remote() -> None:
    server = Server()
    try:
        html = f'<html><body><img src="{server.url}/pixel.png"><link rel="stylesheet" href="{server.url}/s.css"><p>x</p></body></html>'
        assert html_to_pdf(html).startswith(b"%PDF")
        assert server.requests == []
    finally:
        server.stop()


def test_persian_arabic_and_cjk_render_in_the_pdf(tmp_path: Path) -> None:
    text = tmp_path / "u.txt"
    text.write_text(
        "Diplomats meet in Tehran\nForeign ministers met in Tehran (تهران) on Monday; the statement said "
        "«همکاری راهبردی» would continue, while Tokyo (東京) and Beijing (北京) officials observed drones.\n"
    )
    config = BriefConfig(
        output_dir=tmp_path / "o", formats=("pdf",), sources=(SourceSpec("path", (str(text),)),)
    )
    run_daily(config, Settings(cache_path=tmp_path / "s.db"), now=NOW)
    pdf = (tmp_path / "o" / "latest.pdf").read_bytes()
    extracted = " ".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(pdf)).pages)
    assert "東京" in extracted and "北京" in extracted and "تهران" in extracted
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
        assert "Droid-Sans-Fallback" in fonts or "Noto" in fonts


def test_pdf_without_its_libraries_names_the_packages_and_keeps_other_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if the import failed
    config = BriefConfig(
        output_dir=tmp_path / "o",
        formats=("md", "html", "pdf"),
        sources=(SourceSpec("path", (str(SEED),)),),
    )
    result = run_daily(config, Settings(cache_path=tmp_path / "s.db"), now=NOW)
    assert result.status == "partial" and result.exit_code == 3
    [failure] = result.failures
    assert failure.source == "PDF output" and "libpango-1.0-0" in failure.reason
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "2026-11-29.html",
        "2026-11-29.md",
        "latest.html",
        "latest.md",
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Any, list[Any]]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, received
    controller.stop()


def test_email_delivery_sends_html_and_the_pdf(
    smtp_server: tuple[Any, list[Any]], tmp_path: Path
) -> None:
    controller, received = smtp_server
    config = BriefConfig(
        title="Morning brief",
        output_dir=tmp_path / "o",
        formats=("md", "html"),
        sources=(SourceSpec("path", (str(SEED),)),),
        email=EmailTarget(
            host="127.0.0.1",
            port=controller.port,
            sender="briefer@test.local",
            to=("desk@test.local",),
            starttls=False,
        ),
    )
    result = run_daily(config, Settings(cache_path=tmp_path / "s.db"), now=NOW)
    assert result.status == "ok", result.failures
    [message] = received
    parsed = message_from_bytes(message.as_bytes(), policy=default_policy)
    assert parsed["Subject"] == "Morning brief — 2026-11-29"
    assert parsed["To"] == "desk@test.local"
    body = parsed.get_body(preferencelist=("html",))
    assert body is not None
    html = body.get_content()
    assert "<h1" in html and "Russia and Iran are expected to sign" in html
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "brief-2026-11-29.pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_email_over_starttls_with_a_private_ca(tmp_path: Path) -> None:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    received = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    controller = Controller(
        Keep(), hostname="127.0.0.1", port=free_port(), tls_context=tls, require_starttls=True
    )
    controller.start()
    try:
        port = controller.port
        config = BriefConfig(
            output_dir=tmp_path / "o",
            formats=("md",),
            sources=(SourceSpec("path", (str(SEED),)),),
            email=EmailTarget(
                host="127.0.0.1",
                port=port,
                to=("desk@test.local",),
                cafile=str(cert),
                attach_pdf=False,
            ),
        )
        result = run_daily(config, Settings(cache_path=tmp_path / "s.db"), now=NOW)
        assert result.status == "ok", result.failures
        assert len(received) == 1
        # Without the private CA the certificate is refused, and the brief is still on disk.
        untrusted = config.with_(
            email=EmailTarget(host="127.0.0.1", port=port, to=("d@test.local",)),
            output_dir=tmp_path / "o2",
        )
        again = run_daily(untrusted, Settings(cache_path=tmp_path / "s2.db"), now=NOW)
        assert again.status == "partial"
        assert "TLS failed" in again.failures[0].reason and (tmp_path / "o2" / "latest.md").exists()
    finally:
        controller.stop()


def test_webhook_gets_summary_and_top_risks_and_failures_keep_the_brief(tmp_path: Path) -> None:
    server = Server()
    try:
        config = BriefConfig(
            output_dir=tmp_path / "o",
            formats=("md",),
            sources=(SourceSpec("path", (str(SEED),)),),
            webhook=WebhookTarget(f"{server.url}/services/T000/B000/secret-token"),
        )
        result = run_daily(config, Settings(cache_path=tmp_path / "s.db"), now=NOW)
        assert result.status == "ok"
        [(method, path, body)] = server.requests
        payload = json.loads(body)
        assert method == "POST" and path == "/services/T000/B000/secret-token"
        assert payload["blocks"][0]["text"]["text"] == "Daily brief — 2026-11-29"
        assert "Russia and Iran are expected to sign" in payload["blocks"][1]["text"]["text"]
        assert "*Top risks*" in payload["blocks"][2]["text"]["text"]
        server.status = 500
        failed = run_daily(
            config.with_(output_dir=tmp_path / "o2"),
            Settings(cache_path=tmp_path / "s2.db"),
            now=NOW,
        )
        assert failed.status == "partial" and failed.exit_code == 3
        assert failed.failures[0].reason == "webhook 127.0.0.1 answered HTTP 500"
        assert "secret-token" not in failed.failures[0].reason
        assert (tmp_path / "o2" / "latest.md").exists()
    finally:
        server.stop()


def test_letter_pages_and_template_overrides(
    brief_files: tuple[DailyResult, Path], tmp_path: Path
) -> None:
    result, _ = brief_files
    assert result.brief is not None
    pdf = render_brief(result.brief, "pdf", page_size="Letter")
    assert isinstance(pdf, bytes)
    letter = pypdf.PdfReader(BytesIO(pdf))
    box = letter.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    (tmp_path / "brief.html.j2").write_text(
        "<p>{{ brief.title }} has {{ brief.stories | length }} stories</p>\n"
    )
    html = render_brief(result.brief, "html", templates_dir=tmp_path)
    assert (
        html == f"<p>Morning &lt;b&gt;brief&lt;/b&gt; has {len(result.brief.stories)} stories</p>\n"
    )
