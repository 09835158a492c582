"""The ASGI application the survey load benchmark serves: Baraza plus one bare Starlette route.

`uvicorn bench.ceiling:app` serves `GET /_bench/bare` from a plain Starlette application (its
router and default middleware, a `PlainTextResponse`, nothing of Baraza's) and hands every
other request, and the lifespan, to `baraza.asgi:app` unchanged. The bare route is the
benchmark's ceiling: what this uvicorn, this Python and this machine serve when the
application does nothing, measured in the same run as Baraza's pages, so the figures are
fractions of it rather than machine-dependent absolutes.

This lives in bench/ and only here: the product never serves /_bench/.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from baraza.asgi import app as baraza_app

BARE_PATH = "/_bench/bare"


async def _bare(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


bare_app = Starlette(routes=[Route(BARE_PATH, _bare)])


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http" and scope["path"] == BARE_PATH:
        await bare_app(scope, receive, send)
    else:
        await baraza_app(scope, receive, send)
