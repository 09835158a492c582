"""The application built from the environment, for `uvicorn baraza.asgi:app --workers N`."""

from baraza.app import create_app
from baraza.cli import configure_logging
from baraza.settings import Settings

configure_logging()
app = create_app(Settings.from_env())
