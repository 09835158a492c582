"""A browser's form is parsed once: the CSRF middleware's parse (it needs the token first) is
the one the view reads (baraza/forms.py). The check stays as strict, and a view's limits on
fields and files apply the same whichever side parsed the body."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.formparsers import FormParser, MultiPartParser
from starlette.requests import Request

from baraza import security
from tests.conftest import get_csrf

TOO_MANY = "too many fields or files"


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every parse of a request body, by parser (the middleware's own for URL-encoded forms:
    "urlencoded")."""
    seen: list[str] = []
    for parser in (FormParser, MultiPartParser):
        original = parser.parse

        async def counted(self: Any, _original: Any = original, _name: str = parser.__name__) -> Any:
            seen.append(_name)
            return await _original(self)

        monkeypatch.setattr(parser, "parse", counted)
    fast = security._urlencoded_form

    def counted_fast(content_type: str, body: bytes) -> Any:
        form = fast(content_type, body)
        if form is not None:
            seen.append("urlencoded")
        return form

    monkeypatch.setattr(security, "_urlencoded_form", counted_fast)
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
    assert parses == ["urlencoded"]


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
    assert parses == ["urlencoded"]  # the middleware's parse, for the token; no other


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


# The middleware's own parse of a URL-encoded form (baraza.security._urlencoded_form) must read
# every body exactly as Starlette's parser does: the CSRF token and every field a view reads.
_BODY_BYTES = st.lists(
    st.sampled_from([b"&", b"=", b"+", b"%", b"%2", b"%26", b"%3D", b"%C3%A9", b"%ZZ", b"%e9", b"\xc3\xa9", b"\xff", b";", b" ", b"a", b"csrf_token", b"0"]),
    max_size=30,
).map(b"".join)
_CONTENT_TYPES = st.sampled_from([
    "application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded", " application/x-www-form-urlencoded\t",
    "application/x-www-form-urlencoded; charset=UTF-8", "application/x-www-form-urlencoded;charset=latin-1",
    'application/x-www-form-urlencoded"; a', "application/x-www-form-urlencodedx", "text/plain",
])


def _starlette_parse(content_type: str, body: bytes) -> list[tuple[str, Any]]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-type", content_type.encode("latin-1"))]}
    async def parse() -> list[tuple[str, Any]]:
        return (await Request(scope, receive).form()).multi_items()  # type: ignore[arg-type]

    return asyncio.run(parse())


@settings(max_examples=400, deadline=None)
@given(content_type=_CONTENT_TYPES, body=_BODY_BYTES)
def test_the_middlewares_urlencoded_parse_reads_what_starlettes_parser_reads(content_type, body):
    fast = security._urlencoded_form(content_type, body)
    if fast is not None:  # otherwise Starlette's parser reads it, as before
        assert fast.multi_items() == _starlette_parse(content_type, body)


def test_a_urlencoded_body_near_the_parsers_limits_is_left_to_the_parser():
    many = b"&".join(b"f=%d" % n for n in range(1001))
    assert security._urlencoded_form("application/x-www-form-urlencoded", many) is None
    assert security._urlencoded_form("application/x-www-form-urlencoded", b"f=" + b"x" * (1024 * 1024)) is None
    assert security._urlencoded_form("application/x-www-form-urlencoded", b"a=1&b=%C3%A9+x&&c").multi_items() == [("a", "1"), ("b", "é x"), ("c", "")]
