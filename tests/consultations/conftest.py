from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient


@pytest.fixture(autouse=True)
def _session_follows_requests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test's `session` ends its read transaction before each request (SQLite takes the
    write lock at BEGIN IMMEDIATE) and forgets what it loaded after, so it sees the app's writes."""
    if "session" not in request.fixturenames:
        yield
        return
    session = request.getfixturevalue("session")
    original = TestClient.request

    def request_then_refresh(self: TestClient, *args: Any, **kwargs: Any) -> Any:
        if session.in_transaction():
            session.commit()
        try:
            return original(self, *args, **kwargs)
        finally:
            session.expire_all()

    monkeypatch.setattr(TestClient, "request", request_then_refresh)
    yield
