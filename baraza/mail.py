"""Outgoing e-mail, through the SMTP relay of BARAZA_SMTP_URL. Without one configured,
messages are written to var/outbox/ (0600) for an operator to deliver or read.

Staff receive password resets. Young participants receive exactly one kind of e-mail, and only
when they asked for it: with their follow-up consent they may give an address, and the job
`core.follow_up` (baraza/updates/sending.py) then tells them "there is news on Baraza about
<consultation>" with a link, never what anyone said. The address is deleted when they withdraw
that consent or leave. Nothing else is ever sent to a young person.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from baraza.db import utcnow
from baraza.settings import Settings


def send_mail(settings: Settings, to: str, subject: str, body: str) -> Path | None:
    """Send one message through BARAZA_SMTP_URL, or, without a relay, write it to
    var/outbox/ (0600) and return its path. A relay that refuses raises (the job that sent it
    tries again; a reset page still answers the same)."""
    message = EmailMessage()
    message["To"] = to
    message["From"] = settings.mail_from
    message["Subject"] = subject
    message.set_content(body)
    if settings.smtp_url:
        _relay(settings.smtp_url, message)
        return None
    outbox = settings.var_dir / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)
    return path


def _relay(url: str, message: EmailMessage) -> None:
    """smtps:// (TLS from the start), smtp:// (STARTTLS, refused if the relay offers none) or
    smtp+insecure:// (development only: Settings.check)."""
    parts = urlsplit(url)
    host, user, password = parts.hostname or "localhost", unquote(parts.username or ""), unquote(parts.password or "")
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=15, context=context)
    else:
        client = smtplib.SMTP(host, parts.port or (587 if parts.scheme == "smtp" else 25), timeout=15)
    with client:
        if parts.scheme == "smtp":
            client.starttls(context=context)
        if user:
            client.login(user, password)
        client.send_message(message)
