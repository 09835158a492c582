"""The live endpoints: the event stream, and polling for clients that cannot hold one.

`GET /live/{kind}/{key}` authorises the viewer once, in a short worker-thread call with a
database session (the same actor loaders, language and error pages as every `@view`), reads
where the stream starts, and then streams from the process's hub with neither a session nor
a thread held. A channel of an unknown kind, or one the viewer may not follow, is a 404, the
same answer as a channel that does not exist.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from jinja2 import pass_context
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from baraza.errors import NotFound
from baraza.i18n import LANGUAGES
from baraza.live.hub import Hub
from baraza.live.services import latest_id, start_of
from baraza.refs import KIND_NAME, Ref
from baraza.web import actor, db, path_for, query_int, state, view

CHANNEL_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
# How often a client without a stream should ask (the JSON says so; the page may ignore it).
POLL_SECONDS = 5


def _hub(request: Request) -> Hub | None:
    return getattr(request.app.state, "live_hub", None)


def _ref(request: Request) -> Ref:
    kind, key = request.path_params["kind"], request.path_params["key"]
    if not KIND_NAME.match(kind) or not CHANNEL_KEY.match(key):
        raise NotFound()
    return Ref(kind, key)


def _authorise(request: Request) -> Ref:
    """The channel, if the viewer may follow it; NotFound otherwise. Checked once per stream."""
    ref = _ref(request)
    channel = state(request).registry.channels.get(ref.kind)
    if channel is None or not channel.authorise(db(request), actor(request), ref.id):
        raise NotFound()
    return ref


def _language(request: Request) -> str | None:
    """The page's language when it says one (`?lang=`): events' parts are then sent in it alone."""
    language = request.query_params.get("lang")
    return language if language in LANGUAGES else None


def _resume_point(request: Request) -> int | None:
    """Last-Event-ID (a browser reconnecting) or `?after=` (the page's own point): an id."""
    for raw in (request.headers.get("last-event-id"), request.query_params.get("after")):
        if raw and raw.isdigit() and len(raw) < 19:
            return int(raw)
    return None


@view()
def _open(request: Request) -> Response:
    ref = _authorise(request)
    request.state.live_start = start_of(db(request), str(ref), _resume_point(request))
    return Response(status_code=204)  # never sent: the stream replaces it


async def stream(request: Request) -> Response:
    hub = _hub(request)
    if hub is None:  # the application was not started with its lifespan
        raise HTTPException(503)
    try:
        channel = str(_ref(request))
    except NotFound:
        channel = ""
    # Subscribe first, then read the start: an event committed in between is not missed.
    # The page's language, when it says (`?lang=`): an event's parts are then sent in it alone.
    sub = hub.subscribe(channel, _language(request)) if channel else None
    try:
        response = await _open(request)
    except BaseException:
        if sub is not None:
            hub.unsubscribe(sub)
        raise
    start = getattr(request.state, "live_start", None)
    if sub is None or start is None:
        if sub is not None:
            hub.unsubscribe(sub)
        return response  # the error page (404) the view rendered
    hub.begin(sub, start)
    # The request's state lives as long as the stream: drop the closed session (and the rows
    # it loaded), the actor and the form, so an open stream holds none of them.
    for name in ("db", "actor", "form", "live_start"):
        request.scope.get("state", {}).pop(name, None)
    return hub.response(sub, start)


@view()
def poll(request: Request) -> Response:
    """New events as JSON, for a client that cannot hold a stream: `?after=<last_id>`.
    Without `after`, only where to start (`last_id`). With `?lang=`, as the stream: an event's
    parts in that language alone."""
    ref = _authorise(request)
    after = query_int(request, "after")
    language = _language(request)
    start = start_of(db(request), str(ref), None if after is None else max(after, 0))
    return JSONResponse(
        {"last_id": start.latest, "events": [row.as_json(language) for row in start.backlog], "poll_seconds": POLL_SECONDS},
    )


@pass_context
def live_url(context: Any, kind: str, key: Any) -> str:
    """The stream's address for a page being rendered, starting after the channel's newest
    event, so nothing published between this render and the browser connecting is missed.
    A Jinja global: `sse-connect="{{ live_url('consultation', consultation.id) }}"`."""
    request: Request = context["request"]
    ref = Ref(kind, key)
    path = path_for(request, "live:stream", kind=ref.kind, key=ref.id)
    session = getattr(request.state, "db", None)
    if session is None:
        return path
    return f"{path}?after={quote(str(latest_id(session, str(ref))))}"


def routes() -> list[BaseRoute]:
    return [
        Route("/{kind:str}/{key:str}", stream, name="stream"),
        Route("/{kind:str}/{key:str}/poll", poll, name="poll"),
    ]
