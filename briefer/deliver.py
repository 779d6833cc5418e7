"""Deliver a written brief: email over SMTP and a Slack-compatible webhook.

Delivery happens after the brief is on disk; a failure is reported and changes nothing there.
Credentials come from the environment only and are never logged.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

from .errors import DeliveryError
from .models import Brief

log = logging.getLogger(__name__)

SMTP_USER_ENV = "BRIEFER_SMTP_USER"
SMTP_PASSWORD_ENV = "BRIEFER_SMTP_PASSWORD"
WEBHOOK_TIMEOUT = (10.0, 30.0)
SMTP_TIMEOUT = 30.0
MAX_WEBHOOK_RISKS = 5


@dataclass(frozen=True)
class EmailTarget:
    host: str
    port: int = 587
    sender: str = "briefer@localhost"
    to: tuple[str, ...] = ()
    starttls: bool = True
    ssl: bool = False  # implicit TLS (port 465)
    subject: str = "{title} — {date}"
    cafile: str | None = None  # a private CA for the SMTP server's certificate
    attach_pdf: bool = True


@dataclass(frozen=True)
class WebhookTarget:
    url: str


def send_email(
    brief: Brief,
    target: EmailTarget,
    *,
    html: str,
    text: str,
    pdf: bytes | None,
    env: dict[str, str] | None = None,
) -> None:
    """Send the brief as an HTML email with a plain-text part and the PDF attached."""
    env = dict(os.environ) if env is None else env
    if not target.to:
        raise DeliveryError("email: no recipients; set delivery.email.to")
    message = EmailMessage()
    message["Subject"] = target.subject.format(title=brief.title, date=brief.date)
    message["From"] = target.sender
    message["To"] = ", ".join(target.to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="briefer.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if pdf is not None and target.attach_pdf:
        message.add_attachment(
            pdf, maintype="application", subtype="pdf", filename=f"brief-{brief.date}.pdf"
        )
    context = ssl.create_default_context(cafile=target.cafile)
    user, password = env.get(SMTP_USER_ENV), env.get(SMTP_PASSWORD_ENV)
    where = f"{target.host}:{target.port}"
    try:
        smtp: smtplib.SMTP
        if target.ssl:
            smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
        with smtp:
            smtp.ehlo()
            if target.starttls and not target.ssl:
                smtp.starttls(context=context)
                smtp.ehlo()
            if user and password:
                smtp.login(user, password)
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(
            f"email via {where}: login refused; check {SMTP_USER_ENV} and {SMTP_PASSWORD_ENV}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(
            f"email via {where}: the server offers no STARTTLS; set delivery.email.starttls = "
            "false only if the connection is otherwise protected"
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"email via {where}: TLS failed ({exc.reason or exc}); set delivery.email.cafile "
            "for a private certificate authority"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"email via {where} failed: {type(exc).__name__}: {exc}") from None
    if refused:
        raise DeliveryError(f"email via {where}: refused for {', '.join(sorted(refused))}")
    log.info("brief emailed to %d recipient(s) via %s", len(target.to), where)


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_payload(brief: Brief) -> dict[str, object]:
    """Slack-compatible JSON: a header, the executive summary, the top risks."""
    summary = (
        "\n".join(
            f"• {_slack(line.text)} {''.join(f'[{n}]' for n in line.sources)}"
            for line in brief.executive_summary
        )
        or "Nothing to summarize."
    )
    risks = (
        "\n".join(
            f"{i}. *{_slack(r.risk.title)}* ({r.risk.severity}, {r.risk.likelihood}): "
            f"{_slack(r.story)}"
            for i, r in enumerate(brief.top_risks[:MAX_WEBHOOK_RISKS], start=1)
        )
        or "No risks found."
    )
    title = f"{brief.title} — {brief.date}"
    return {
        "text": f"{title}: {len(brief.stories)} stories, {len(brief.top_risks)} ranked risks",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": summary[:3000]}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": ("*Top risks*\n" + risks)[:3000]},
            },
        ],
    }


def post_webhook(
    brief: Brief, target: WebhookTarget, *, session: requests.Session | None = None
) -> None:
    """POST the summary and top risks to a Slack-compatible webhook."""
    from urllib.parse import urlsplit

    # Webhook URLs carry their secret in the path: name only the host.
    where = urlsplit(target.url).hostname or "(invalid URL)"
    try:
        response = (session or requests).post(
            target.url, json=webhook_payload(brief), timeout=WEBHOOK_TIMEOUT
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"webhook {where} failed: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {where} answered HTTP {response.status_code}")
    log.info("brief posted to the webhook")
