"""A browser's form is parsed once: the CSRF middleware's parse (it needs the token first) is
the one the view reads (baraza/forms.py). The check stays as strict, and a view's limits on
fields and files apply the same whichever side parsed the body."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.formparsers import FormParser, MultiPartParser

from tests.conftest import get_csrf

TOO_MANY = "too many fields or files"


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every parse of a request body, by parser."""
    seen: list[str] = []
    for parser in (FormParser, MultiPartParser):
        original = parser.parse

        async def counted(self: Any, _original: Any = original, _name: str = parser.__name__) -> Any:
            seen.append(_name)
            return await _original(self)

        monkeypatch.setattr(parser, "parse", counted)
    return seen


def _multipart(fields: list[tuple[str, str]], files: int) -> bytes:
    parts = [f'--XYZ\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in fields]
    parts += [f'--XYZ\r\nContent-Disposition: form-data; name="f{i}"; filename="f{i}.txt"\r\n\r\nabc\r\n' for i in range(files)]
    return ("".join(parts) + "--XYZ--\r\n").encode()


def test_a_form_post_is_parsed_once_and_the_view_reads_it(client, parses):
    token = get_csrf(client)
    parses.clear()
    response = client.post("/language", data={"lang": "ar", "csrf_token": token, "next": "/"})
    assert response.status_code == 303
    assert "baraza_lang=ar" in response.headers["set-cookie"]  # the view read the field
    assert parses == ["FormParser"]


def test_a_multipart_form_is_parsed_once(client, parses):
    token = get_csrf(client)
    parses.clear()
    body = _multipart([("csrf_token", token), ("lang", "es")], files=1)
    response = client.post("/language", content=body, headers={"Content-Type": "multipart/form-data; boundary=XYZ"})
    assert response.status_code == 303
    assert "baraza_lang=es" in response.headers["set-cookie"]
    assert parses == ["MultiPartParser"]


def test_htmx_sends_its_token_in_a_header_and_the_view_parses_the_form(client, parses):
    token = get_csrf(client)
    parses.clear()
    response = client.post("/language", data={"lang": "fr", "next": "/"}, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.status_code == 204
    assert "baraza_lang=fr" in response.headers["set-cookie"]
    assert parses == ["FormParser"]


def test_a_refused_token_is_still_refused_and_nothing_reaches_the_view(client, parses):
    get_csrf(client)
    parses.clear()
    response = client.post("/language", data={"lang": "ar", "csrf_token": "0" * 64})
    assert response.status_code == 403
    assert "baraza_lang" not in response.headers.get("set-cookie", "")
    assert parses == ["FormParser"]  # the middleware's parse, for the token; no other


@pytest.mark.parametrize("token_in_header", [False, True])
def test_a_views_file_limit_holds_whichever_side_parsed_the_form(client, token_in_header):
    # /language takes the default 5 files; 6 is one too many, the token in the form or not.
    token = get_csrf(client)
    fields = [("lang", "ar")] if token_in_header else [("csrf_token", token), ("lang", "ar")]
    headers = {"Content-Type": "multipart/form-data; boundary=XYZ"}
    if token_in_header:
        headers["X-CSRF-Token"] = token
    refused = client.post("/language", content=_multipart(fields, files=6), headers=headers)
    assert refused.status_code == 400
    assert TOO_MANY in refused.text
    assert "baraza_lang" not in refused.headers.get("set-cookie", "")
    accepted = client.post("/language", content=_multipart(fields, files=5), headers=headers)
    assert accepted.status_code == 303
    assert "baraza_lang=ar" in accepted.headers["set-cookie"]
