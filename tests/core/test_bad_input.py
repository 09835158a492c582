"""Bad input of any kind gets a clear 4xx and a friendly page, never a 500 or a stack trace."""

from __future__ import annotations

import pytest
from sqlmodel import select

from baraza.accounts.models import Context, Organisation
from tests.conftest import get_csrf, login, post_form
from tests.core.helpers import main_of, page_text, read
from tests.factories import PASSWORD, make_context, make_organisation, make_user


def _friendly(response) -> str:
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    assert response.headers["content-type"].startswith("text/html")
    return page_text(main_of(response.text))


@pytest.fixture
def admin_client(client, session):
    org = make_organisation(session)
    make_context(session, org)
    admin = make_user(session, organisation=org, role="admin", scope="all")
    login(client, admin.email, PASSWORD)
    client.org = org  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/abc",
        "/admin/users/1.5",
        "/admin/users/-1",
        "/admin/users/%00",
        "/admin/contexts/1e9",
        "/admin/organisations/0x10",
        "/admin/users/99999999999999999999999999",  # an integer no database column holds
        "/admin/contexts/9223372036854775808",
        "/admin/organisations/2147483648",
        "/no/such/page",
    ],
)
def test_bad_ids_in_paths_are_not_found(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 404
    assert "Not found" in _friendly(response)


def test_huge_ids_in_a_post_path_are_not_found(admin_client):
    response = post_form(admin_client, "/admin/users/99999999999999999999999/active", {})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "field,value",
    [
        ("age_of_consent", "abc"),
        ("age_of_consent", "12.5"),
        ("age_of_consent", "-3"),
        ("age_of_consent", "99999999999999999999999"),
        ("organisation_id", "abc"),
        ("organisation_id", "99999999999999999999999"),
        ("organisation_id", ""),
        ("country", "Kenya"),
        ("languages", "xx"),
        ("default_language", "ar"),
        ("name", ""),
        ("name", "x" * 5000),
    ],
)
def test_wrong_values_in_a_form_are_a_clear_400(admin_client, session, field, value):
    data = {"organisation_id": str(admin_client.org.id), "name": "Kisumu", "country": "KE", "languages": "en",
            "default_language": "en", "age_of_consent": "16"}
    data[field] = value
    response = post_form(admin_client, "/admin/contexts", data)
    assert response.status_code in {400, 404}
    text = _friendly(response)
    assert response.status_code == 404 or "Please check" in text or "Add a context" in text
    assert read(session, select(Context).where(Context.name == "Kisumu")) == []


def test_form_errors_are_shown_next_to_their_field(admin_client):
    data = {"organisation_id": str(admin_client.org.id), "name": "Kisumu", "country": "Kenya", "languages": "en",
            "default_language": "en", "age_of_consent": "16"}
    response = post_form(admin_client, "/admin/contexts", data)
    assert response.status_code == 400
    assert 'id="country-error"' in response.text
    assert 'aria-describedby="country-error"' in response.text
    assert "Choose the country from the list." in response.text


def test_repeated_fields_and_lists_where_text_is_expected(admin_client, session):
    response = post_form(admin_client, "/admin/organisations", [("name", "A"), ("name", "B"), ("kind", "ngo"), ("kind", "gov")])
    assert response.status_code in {303, 400}
    names = {o.name for o in read(session, select(Organisation))}
    assert "A" in names or names == {admin_client.org.name}


def test_an_unknown_organisation_kind_is_refused(admin_client, session):
    response = post_form(admin_client, "/admin/organisations", {"name": "Odd", "kind": "cartel"})
    assert response.status_code == 400
    assert "what kind of organisation" in response.text
    assert read(session, select(Organisation).where(Organisation.name == "Odd")) == []


def test_a_duplicate_name_is_a_clear_400(admin_client):
    response = post_form(admin_client, "/admin/organisations", {"name": admin_client.org.name.upper(), "kind": "ngo"})
    assert response.status_code == 400
    assert "exists already" in response.text


MALFORMED_MULTIPART = [
    b'--XYZ\r\nContent-Disposition: form-data; name="lang"\r\n\r\nar',  # never ends
    b'--XYZ\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nabc',  # a file that never ends
    b"--XYZ\r\nBroken header\r\n\r\nx\r\n--XYZ--\r\n",
    b"--XYZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XYZ--\r\n",  # a part without a name
    b"\xff\xfe--XYZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XYZ--\r\n",
]


@pytest.mark.parametrize("body", MALFORMED_MULTIPART)
@pytest.mark.parametrize("token_in_header", [True, False])
def test_malformed_multipart_is_a_clear_400(client, body, token_in_header):
    token = get_csrf(client)
    headers = {"Content-Type": "multipart/form-data; boundary=XYZ"}
    if token_in_header:
        headers["X-CSRF-Token"] = token
    response = client.post("/language", content=body, headers=headers)
    assert response.status_code == 400
    assert "could not be read" in _friendly(response)
    assert "baraza_lang" not in response.headers.get("set-cookie", "")


def test_a_well_formed_multipart_form_is_accepted(client):
    token = get_csrf(client)
    body = (
        b'--XYZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode()
        + b'\r\n--XYZ\r\nContent-Disposition: form-data; name="lang"\r\n\r\nar\r\n--XYZ--\r\n'
    )
    response = client.post("/language", content=body, headers={"Content-Type": "multipart/form-data; boundary=XYZ"})
    assert response.status_code == 303
    assert "baraza_lang=ar" in response.headers["set-cookie"]


def test_multipart_without_a_boundary_is_a_clear_4xx(client):
    token = get_csrf(client)
    response = client.post("/language", content=b"garbage", headers={"Content-Type": "multipart/form-data", "X-CSRF-Token": token})
    assert response.status_code == 400


def test_a_body_that_is_not_a_form_is_ignored_not_a_crash(client):
    token = get_csrf(client)
    response = client.post("/language", content=b'{"lang": "ar"}', headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    assert response.status_code == 303
    assert "baraza_lang" not in response.headers.get("set-cookie", "")


def test_huge_bodies_are_refused_with_413(make_app):
    from starlette.testclient import TestClient

    app = make_app(max_body_bytes=10_000)
    with TestClient(app, follow_redirects=False) as client:
        token = get_csrf(client)
        big = client.post("/language", data={"lang": "ar", "csrf_token": token, "padding": "x" * 20_000})
        assert big.status_code == 413
        assert "too large: send at most 10 KB." in _friendly(big)

        def chunks():  # no Content-Length: the limit is counted while reading
            for _ in range(30):
                yield b"x" * 1000

        streamed = client.post("/language", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token})
        assert streamed.status_code == 413


def test_too_many_form_fields_is_a_clear_400(client):
    token = get_csrf(client)
    response = client.post("/language", data={"f": [str(i) for i in range(1500)], "csrf_token": token})
    assert response.status_code == 400
    assert "could not be read" in _friendly(response)


@pytest.mark.parametrize("path", ["/healthz", "/"])
def test_unusual_methods_are_answered_cleanly(client, path):
    for method in ("PUT", "DELETE", "PATCH"):
        response = client.request(method, path)
        assert response.status_code in {403, 405}
    assert client.request("OPTIONS", path).status_code in {200, 405}


def test_healthz_reports_the_database(client, engine):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {"status": "ok", "database": "ok", "database_kind": engine.dialect.name}


def test_healthz_reports_an_unreachable_database(make_app, tmp_path):
    from starlette.testclient import TestClient

    app = make_app(database_url=f"sqlite:///{tmp_path}/missing-dir/nope.sqlite3")
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_an_unexpected_error_is_a_friendly_500_without_details(make_app, tmp_path):
    from starlette.testclient import TestClient

    app = make_app(database_url=f"sqlite:///{tmp_path}/missing-dir/nope.sqlite3")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.cookies.set("baraza_session", "a" * 43)  # reading the session needs the database
        response = client.get("/")
    assert response.status_code == 500
    text = _friendly(response)
    assert "Something went wrong on our side" in text
    assert "OperationalError" not in response.text and "nope.sqlite3" not in response.text
