"""The application built from the environment, for `uvicorn baraza.asgi:app --workers N`."""

from baraza.app import create_app
from baraza.settings import Settings

app = create_app(Settings.from_env())
