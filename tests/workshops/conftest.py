import pytest

from tests.consultations.conftest import _session_follows_requests  # noqa: F401 - autouse: the test's session sees the app's writes
from tests.workshops.factories import as_participant, make_consultation, make_participant, make_workshop


@pytest.fixture
def phone_room(client, session, settings):
    """A consultation, its workshop, and a participant whose phone (the `client`) has joined:
    (consultation, workshop, participant, cookie)."""
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    return consultation, workshop, participant, cookie
