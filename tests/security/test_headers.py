"""SECURITY 15, 16, 29: security headers on every response, no-store on dynamic pages,
cached static assets, nothing loaded from another origin."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.conftest import login
from tests.factories import PASSWORD, make_user


def _csp(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/login", "/password-reset", "/healthz", "/no-such-page", "/admin/users/abc"])
def test_every_response_has_the_security_headers(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["script-src"] == "script-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["default-src"] == "default-src 'self'"
    assert "'unsafe-inline'" not in csp["style-src"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert "strict-transport-security" not in response.headers
    assert response.headers["cache-control"] == "no-store"


def test_refusals_carry_the_headers_too(client):
    """The CSRF refusal and the body-size refusal are answered by middleware, before any view."""
    refused = client.post("/language", data={"lang": "ar"})
    assert refused.status_code == 403
    assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]
    assert refused.headers["cache-control"] == "no-store"


def test_hsts_only_over_tls(make_app):
    app = make_app(https=True)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = client.get("/login")
        hsts = response.headers["strict-transport-security"]
        assert "max-age=" in hsts and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000


def test_pages_with_personal_data_are_not_stored(client, session):
    admin = make_user(session, role="admin")
    login(client, admin.email, PASSWORD)
    for path in ("/admin/users", f"/admin/users/{admin.id}", "/admin/"):
        assert client.get(path).headers["cache-control"] == "no-store"


def test_static_assets_are_cached_and_typed(client):
    page = client.get("/").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any("htmx.min.js" in a for a in assets) and any("baraza.css" in a for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert "max-age=" in response.headers["cache-control"], asset
        assert "no-store" not in response.headers["cache-control"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "?v=" in asset  # a new version changes the address, so long caching is safe


def test_every_app_s_own_assets_are_cached_and_versioned(client, app):
    """Each app's CSS and scripts (its `static_dir`) are served under /static/<app>/ like the
    core's: a phone on a poor connection fetches a workshop's script once, not on every page."""
    from jinja2 import Environment

    registry = app.state.baraza.registry
    version = app.state.baraza.static_version
    served = 0
    for spec in registry.apps.values():
        if spec.static_dir is None:
            continue
        for path in sorted(spec.static_dir.iterdir()):
            response = client.get(f"/static/{spec.name}/{path.name}?v={version}")
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "public, max-age=604800", path
            assert response.content == path.read_bytes()
            served += 1
    assert served >= 8  # workshops, insights and tracker each have theirs
    # Nothing links an app's asset the old way (unversioned, under the app's mount).
    templates = [p for spec in registry.apps.values() if spec.templates_dir for p in spec.templates_dir.rglob("*.html")]
    assert not [p for p in templates if "static', path=" in p.read_text()]
    assert isinstance(app.state.baraza.jinja, Environment)


def test_pages_load_nothing_from_another_origin(client, session):
    """SECURITY 16: no CDN, no third-party script, font or tracker; no inline script or style."""
    admin = make_user(session, role="admin", scope="all")
    pages = ["/", "/login", "/password-reset"]
    login(client, admin.email, PASSWORD)
    pages += ["/", "/admin/", "/admin/users", "/admin/contexts", "/admin/organisations"]
    for path in pages:
        html = client.get(path).text
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
            assert url.startswith(("/", "#")), (path, url)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path  # no inline script
        assert not re.search(r"\sstyle=", html), path  # no inline style
        assert not re.search(r"\son[a-z]+=", html), path  # no inline handler


def test_method_not_allowed_is_a_friendly_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "<h1" in response.text and "Traceback" not in response.text
