"""Helpers for the core's HTTP-level tests: reading the database fresh, audit entries, pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from baraza.audit.models import AuditEntry, AuditRecordRef


def read(session: Session, statement: Any) -> list[Any]:
    """Rows as the database holds them now, ending the read transaction at once.

    On SQLite every transaction begins IMMEDIATE, so a test that kept one open would block
    the application's writes; and objects already loaded would otherwise come back stale.
    (Not `expire_all()`: a later attribute access on a factory's object would then open a
    transaction behind the test's back.)
    """
    rows = list(session.exec(statement.execution_options(populate_existing=True)).all())
    session.commit()
    return rows


def one(session: Session, statement: Any) -> Any:
    rows = read(session, statement)
    assert len(rows) == 1, rows
    return rows[0]


def audit_actions(session: Session) -> list[str]:
    return [e.action for e in read(session, select(AuditEntry).order_by(col(AuditEntry.seq)))]


def audit_entries(session: Session, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.seq))
    if action:
        query = query.where(AuditEntry.action == action)
    return read(session, query)


def audit_refs(session: Session, seq: int) -> list[tuple[str, str]]:
    return [(r.record_type, r.record_id) for r in read(session, select(AuditRecordRef).where(AuditRecordRef.entry_seq == seq))]


def last_audit(session: Session) -> AuditEntry:
    entries = audit_entries(session)
    assert entries, "no audit entry was written"
    return entries[-1]


def count(session: Session, table: str) -> int:
    value = session.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()
    session.commit()
    return int(value)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def main_of(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "no <main> in the page"
    return match.group(0)


def wait_until_serving(base: str, process: Any, what: str = "the server", timeout: float = 60) -> None:
    """Wait for a server process started by a test to answer /healthz; fail with its last words."""
    import time

    import httpx2

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"{what} stopped: " + process.stderr.read().decode()[-2000:])
        try:
            if httpx2.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not answer within {timeout:.0f} s")
        time.sleep(0.1)


def run_whole_demo(monkeypatch: Any, capsys: Any, settings: Any) -> str:
    """`baraza demo` (the whole loop, not the browser tests' small one) on the test's own
    database, keys and folder; returns what it printed."""
    from baraza.cli import main

    monkeypatch.setenv("BARAZA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("BARAZA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("BARAZA_FIELD_KEY", settings.field_key)
    monkeypatch.delenv("BARAZA_ENV", raising=False)
    assert main(["demo"]) == 0
    return str(capsys.readouterr().out)
