"""Outgoing e-mail. Without an SMTP relay configured, messages are written to var/outbox/ (0600).

Staff receive password resets. Young participants receive exactly one kind of e-mail, and only
when they asked for it: with their follow-up consent they may give an address, and the job
`core.follow_up` (baraza/updates/sending.py) then tells them "there is news on Baraza about
<consultation>" with a link, never what anyone said. The address is deleted when they withdraw
that consent or leave. Nothing else is ever sent to a young person.
"""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from pathlib import Path

from baraza.db import utcnow
from baraza.settings import Settings


def send_mail(settings: Settings, to: str, subject: str, body: str) -> Path:
    message = EmailMessage()
    message["To"] = to
    message["From"] = "Baraza <no-reply@baraza.invalid>"
    message["Subject"] = subject
    message.set_content(body)
    outbox = settings.var_dir / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)
    return path
