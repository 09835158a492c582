from tests.consultations.conftest import _session_follows_requests  # noqa: F401 - autouse: the test's session sees the app's writes
