"""E-mail leaves through the SMTP relay of BARAZA_SMTP_URL (TLS, or STARTTLS that must be
offered); without one it is written to var/outbox/. A relay without TLS is for development."""

from __future__ import annotations

import dataclasses
import smtplib
import socketserver
import threading
from collections.abc import Iterator

import pytest

from baraza.accounts import services as svc
from baraza.accounts.roles import ANONYMOUS
from baraza.mail import send_mail
from baraza.settings import Settings, SettingsError
from tests.factories import make_user


class _Relay(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server, without STARTTLS: it keeps every message it is given."""

    def handle(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        self.wfile.write(b"220 relay ready\r\n")
        while line := self.rfile.readline():
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-relay\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    data += part
                server.messages.append(data.decode())
                self.wfile.write(b"250 kept\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    messages: list[str]


@pytest.fixture
def relay() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Relay)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_reset_link_goes_through_the_relay_and_nothing_is_left_in_the_outbox(session, settings, relay):
    port = relay.server_address[1]
    relayed = dataclasses.replace(settings, smtp_url=f"smtp+insecure://127.0.0.1:{port}", mail_from="Baraza <baraza@example.org>")
    user = make_user(session, role="analyst")
    outbox = settings.var_dir / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    svc.do_request_password_reset(session, ANONYMOUS, relayed, user.email, lambda token: f"https://baraza.example.org/r?token={token}")
    assert len(relay.messages) == 1
    message = relay.messages[0]
    assert f"To: {user.email}" in message and "From: Baraza <baraza@example.org>" in message
    assert "https://baraza.example.org/r?token=" in message
    assert (set(outbox.glob("*.eml")) if outbox.exists() else set()) == before  # nothing written instead


def test_a_relay_that_offers_no_starttls_is_refused_and_nothing_goes_in_the_clear(settings, relay):
    port = relay.server_address[1]
    strict = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
    with pytest.raises(smtplib.SMTPNotSupportedError):
        send_mail(strict, "someone@example.org", "Subject", "A reset link")
    assert relay.messages == []


def test_without_a_relay_mail_is_written_to_the_outbox(settings):
    path = send_mail(settings, "someone@example.org", "Subject", "Body")
    assert path is not None and path.parent == settings.var_dir / "outbox" and oct(path.stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize(
    ("url", "environment"),
    [("smtp+insecure://relay:25", "production"), ("http://relay", "development"), ("relay.example.org", "development")],
)
def test_a_relay_address_that_is_not_safe_or_not_smtp_is_refused(url, environment, tmp_path):
    env = {"BARAZA_SMTP_URL": url, "BARAZA_ENV": environment, "BARAZA_VAR_DIR": str(tmp_path),
           "BARAZA_SECRET_KEY": "x" * 40, "BARAZA_FIELD_KEY": "y" * 44, "BARAZA_PUBLIC_URL": "https://baraza.example.org"}
    with pytest.raises(SettingsError, match="BARAZA_SMTP_URL"):
        Settings.from_env(env)


def test_a_relay_that_is_down_changes_nothing_the_reset_page_says(make_app, session, caplog):
    """SECURITY 31: the same answer whether or not the account exists, even when the mail for
    an existing one cannot leave (a 500 there would say the address has an account)."""
    from starlette.testclient import TestClient

    from tests.conftest import post_form
    from tests.core.helpers import main_of

    user = make_user(session, role="analyst")
    app = make_app(smtp_url="smtp+insecure://127.0.0.1:1")  # nothing listens on port 1
    with TestClient(app, follow_redirects=False) as client:
        known = post_form(client, "/password-reset", {"email": user.email}, token_from="/password-reset")
        unknown = post_form(client, "/password-reset", {"email": "nobody@example.org"}, token_from="/password-reset")
    assert known.status_code == unknown.status_code == 200
    assert main_of(known.text) == main_of(unknown.text)
    assert "could not be sent" in caplog.text
