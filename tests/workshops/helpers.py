"""Helpers for driving workshop pages like a browser (or like htmx)."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from tests.conftest import csrf_from
from tests.core.helpers import read  # noqa: F401 - shared with the core's tests

CLIENT_ID_RE = re.compile(r'name="client_id" value="([^"]+)"')
HTMX = {"HX-Request": "true"}


def token(client: Any, path: str = "/") -> str:
    return csrf_from(client.get(path).text)


def client_id_from(html: str) -> str:
    match = CLIENT_ID_RE.search(html)
    assert match, html[:2000]
    return match.group(1)


def control(client: Any, workshop_id: int, action: str, activity_id: int | None = None, *, htmx: bool = False, csrf: str | None = None) -> Any:
    """Press a console control like the browser (CSRF token from the console page)."""
    csrf = csrf or token(client, f"/workshops/{workshop_id}/console")
    data: dict[str, Any] = {"csrf_token": csrf}
    if activity_id is not None:
        data["activity"] = str(activity_id)
    return client.post(f"/workshops/{workshop_id}/console/{action}", data=data, headers=HTMX if htmx else None)


def fresh(session: Session, model: Any, row_id: Any) -> Any:
    rows = read(session, select(model).where(model.id == row_id))
    return rows[0] if rows else None


def count(session: Session, model: Any, *where: Any) -> int:
    return len(read(session, select(model).where(*where)))


def own_parts_out(html: str, *, seat: bool = False) -> str:
    """A phone's block without what differs between two renders of it for the same person: its
    CSRF token, the client ids the page made, the thanks after a sending, the stream's resume
    point (a later render starts after later events); with `seat`, its seat number too (the
    shared block has none)."""
    html = re.sub(r'name="(csrf_token|client_id)" value="[^"]*"', r'name="\1" value=""', html)
    html = re.sub(r'<p class="flash" role="status">.*?</p>', "", html)
    if seat:
        html = re.sub(r'<p class="ws-seat">.*?</p>', "", html)
    return re.sub(r"\?after=\d+", "", html).strip()
