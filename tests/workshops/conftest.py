from tests.consultations.conftest import _session_follows_requests  # noqa: F401 - autouse: the test's session sees the app's writes
from tests.e2e.conftest import _playwright, browser, laptop_page, live_server, nojs_page, phone_page  # noqa: F401 - the browser tests' fixtures
