"""Helpers for driving the answering pages like a phone's browser."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tests.core.helpers import one, read  # noqa: F401 - shared with the core's tests

SUBMISSION_RE = re.compile(r'name="submission_id" value="([^"]+)"')
SCREEN_RE = re.compile(r'name="screen" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def page_form(html: str) -> tuple[str, str, str]:
    """(csrf token, submission id, screen) of an answering page."""
    csrf = CSRF_RE.search(html)
    sub = SUBMISSION_RE.search(html)
    screen = SCREEN_RE.search(html)
    assert csrf and sub and screen, html[:2000]
    return csrf.group(1), sub.group(1), screen.group(1)


def open_screen(client: Any, survey_id: int, screen: str | None = None) -> Any:
    url = f"/surveys/{survey_id}/answer" + (f"?screen={screen}" if screen else "")
    response = client.get(url)
    assert response.status_code == 200, response.text[:1000]
    return response


def send_screen(client: Any, survey_id: int, fields: dict[str, Any] | list[tuple[str, Any]], *, screen: str | None = None,
                submission_id: str | None = None) -> Any:
    """Open the screen (for its token and id), then send `fields` like the browser would."""
    page = open_screen(client, survey_id, screen)
    csrf, sid, shown = page_form(page.text)
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    data: dict[str, list[str]] = {}
    for key, value in [*pairs, ("csrf_token", csrf), ("submission_id", submission_id or sid), ("screen", screen or shown)]:
        data.setdefault(key, []).extend(value if isinstance(value, list) else [str(value)])
    return client.post(f"/surveys/{survey_id}/answer", data=data)


def count(session: Session, table: str, where: str = "") -> int:
    value = session.execute(text(f'SELECT COUNT(*) FROM "{table}"' + (f" WHERE {where}" if where else ""))).scalar_one()
    session.commit()
    return int(value)


FIRST = {"q.colour": "blue", "q.foods": ["rice", "fish"]}
SECOND = {"q.mood": "4", "q.order.a": "2", "q.order.b": "1", "q.order.c": "3", "q.age": "17", "q.story": "We need a youth centre.",
          "q.service": "3", "q.service.reason": "Slow but kind."}


