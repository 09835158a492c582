"""Requests are routed by the shape of their path (baraza.routes.route_by_shape): the same route
answers every address as Starlette's own search would, with the same 404, 405 and redirects."""

from __future__ import annotations

import itertools
import uuid

from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.testclient import TestClient

from baraza.routes import RouteIndex


def _routers(router: Router, prefix: str = ""):
    yield prefix, router
    for route in router.routes:
        if isinstance(route, Mount) and isinstance(route.app, Router):
            yield from _routers(route.app, prefix + route.path)


VALUES = {"IntegerConvertor": "7", "FloatConvertor": "1.5", "UUIDConvertor": str(uuid.UUID(int=7)), "StringConvertor": "x.y"}


def _address(route: BaseRoute) -> str:
    if isinstance(route, Mount):
        path = route.path + "/anything/deeper"
    else:
        path = route.path  # type: ignore[attr-defined]
    for name, convertor in route.param_convertors.items():  # type: ignore[attr-defined]
        if name != "path" or not isinstance(route, Mount):
            path = path.replace("{" + name + ":" + _kind(path, name) + "}", VALUES.get(type(convertor).__name__, "p/q")).replace(
                "{" + name + "}", VALUES.get(type(convertor).__name__, "x")
            )
    return path


def _kind(path: str, name: str) -> str:
    start = path.find("{" + name + ":")
    return path[start + len(name) + 2 : path.find("}", start)] if start >= 0 else ""


def _addresses(router: Router) -> list[str]:
    addresses = {"/", "", "//", "/nothing-here", "/a/b/c/d/e/f/g/h", "/static", "/static/", "/join/", "/p/", "/p/7", "/p/abc/"}
    for route in router.routes:
        if not hasattr(route, "path"):
            continue
        path = _address(route)
        segments = path.split("/")
        addresses.update({path, path.upper(), path + "/", path.rstrip("/"), path + "/more", path + "x", "/" + "/".join(segments[2:])})
        addresses.update("/".join(segments[:n]) or "/" for n in range(1, len(segments)))
    return sorted(addresses)


def _matching(routes, path: str, method: str) -> list[tuple[BaseRoute, Match]]:
    scope = {"type": "http", "path": path, "root_path": "", "method": method, "path_params": {}}
    return [(route, match) for route in routes if (match := route.matches(scope)[0]) is not Match.NONE]


def test_the_index_keeps_every_route_that_can_match_in_order(app):
    """Soundness: for every router of the application and many addresses (every route's own,
    with a slash more or less, a segment more or less, unknown ones), the routes the index
    offers match exactly as the whole list does, in the same order."""
    checked = 0
    for _prefix, router in _routers(app.router):
        index = RouteIndex(router.routes)
        for path, method in itertools.product(_addresses(router), ("GET", "POST")):
            assert _matching(index.candidates(path), path, method) == _matching(router.routes, path, method), path
            checked += 1
    assert checked > 1000


def test_a_vote_tries_one_pattern_per_router(app):
    top = RouteIndex(app.router.routes)
    assert [r.path for r in top.candidates("/workshops/12/vote/34")] == ["/workshops"]  # type: ignore[attr-defined]
    workshops = next(r for r in app.router.routes if isinstance(r, Mount) and r.name == "workshops")
    inner = RouteIndex(workshops.app.routes)  # type: ignore[attr-defined]
    assert [r.path for r in inner.candidates("/12/vote/34")] == ["/{workshop_id:int}/vote/{activity_id:int}"]  # type: ignore[attr-defined]


def test_the_remembered_shapes_are_bounded(app):
    index = RouteIndex(app.router.routes)
    for n in range(3000):
        index.candidates("/" + "/".join(["x"] * (n % 40)) + f"/{n}")
        index.candidates(f"/p/{n}/" + "a/" * (n % 50))
    assert len(index.found) <= 1024


def test_every_route_answers_at_its_address(app, client: TestClient):
    """Over HTTP: every GET page of the core answers with its own endpoint's status, never
    Starlette's 404 or 405 (a page may send a visitor to sign in, or say not found for id 7)."""
    for route in app.router.routes:
        if isinstance(route, Route) and "GET" in (route.methods or ()) and "{" not in route.path:
            response = client.get(route.path, follow_redirects=False)
            assert response.status_code in (200, 303), (route.path, response.status_code)


def test_not_found_wrong_method_and_slash_redirects_are_starlettes(app, client: TestClient):
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/workshops/7/no-such-page").status_code == 404
    assert client.get("/p/abc/").status_code == 404  # not an id: no route
    refused = client.get("/logout")  # POST only
    assert refused.status_code == 405 and refused.headers["allow"]
    vote = client.get("/workshops/7/vote/8")
    assert vote.status_code == 405 and "POST" in vote.headers["allow"]
    moved = client.get("/admin", follow_redirects=False)  # Starlette's slash redirect
    assert moved.status_code in (307, 308) and moved.headers["location"].endswith("/admin/")
    assert client.get("/static/css/baraza.css").status_code == 200


def test_a_route_added_after_start_is_routed(app, client: TestClient):
    from starlette.responses import PlainTextResponse

    async def late(request):
        return PlainTextResponse("late")

    assert client.get("/late-addition").status_code == 404
    app.add_route("/late-addition", late)
    answer = client.get("/late-addition")
    assert answer.status_code == 200 and answer.text == "late"
    app.router.routes.insert(0, Route("/", late))  # first in the list: answers before the home page
    assert client.get("/").text == "late"
