from __future__ import annotations

import pytest

from tests.consultations.conftest import _session_follows_requests  # noqa: F401 - autouse fixture
from tests.participation.fake_app import FakeApp


@pytest.fixture
def fake(app):
    """A stand-in app installed in the test app's registry."""
    return FakeApp().install(app.state.baraza.registry)
