"""ASGI middleware for the rules every response obeys.

- Security headers (SECURITY 29) and `Cache-Control: no-store` on every dynamic response
  (SECURITY 15): pages carry personal data often enough that caching none of them is the
  rule; static assets are cached.
- CSRF (SECURITY 28): a signed double-submit token. The browser holds a random value in an
  HttpOnly cookie; forms carry `csrf_token` = HMAC(secret, value) and htmx sends the same in
  an `X-CSRF-Token` header (set with `hx-headers` on <body>). A foreign Origin is refused too.
- A body size limit, so nothing can exhaust memory with one request.

A form POST's body is parsed here once, for its token; the parse is handed on to the view
(baraza/forms.py), which does not parse the body again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from starlette.datastructures import FormData, MutableHeaders, UploadFile
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baraza.forms import keep_parsed_form
from baraza.i18n import N_

CSRF_COOKIE = "baraza_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Polled by load balancers, never by a browser, never rendering a form: no CSRF cookie (a random
# value, an HMAC and a Set-Cookie header) is minted for them on every poll.
NO_CSRF_COOKIE_PATHS = frozenset({"/healthz"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


STATIC_CACHE = [(b"cache-control", b"public, max-age=604800")]
NO_STORE = [(b"cache-control", b"no-store")]


def csrf_token_for(secret: str, cookie_value: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https
        # Built once: every response carries them (set as raw pairs, not one header at a time).
        headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            # Not "no-referrer": under it browsers send `Origin: null` with every form POST,
            # which the CSRF origin check must refuse. "same-origin" still sends nothing to
            # other sites.
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if https:
            headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        self.headers = headers
        self.names = frozenset(name for name, _value in headers)
        self.headers_with_csp = [(b"content-security-policy", CSP.encode()), *headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")
        names, with_csp, without_csp = self.names, self.headers_with_csp, self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # One pass over what the view set: ours replace any value a view set (a
                # download sets its own nosniff); what decides the rest is noted on the way.
                raw: list[tuple[bytes, bytes]] = []
                csp = cookie = cache = public = False
                for pair in message.get("headers", ()):
                    name = pair[0].lower()
                    if name in names:
                        continue
                    raw.append(pair)
                    if name == b"cache-control":
                        cache = True
                        public = public or pair[1].startswith(b"public")
                    elif name == b"set-cookie":
                        cookie = True
                    elif name == b"content-security-policy":
                        csp = True
                # A view may relax the CSP for one page (the chart library needs inline styles).
                extra = without_csp if csp else with_csp
                if static:
                    if not cache:
                        extra = extra + STATIC_CACHE
                elif not (public and not cookie):
                    # A page a view marked `Cache-Control: public` (the tracker's public
                    # transparency page: aggregates anyone may read, rendered without a form or
                    # a cookie) keeps its header only while it sets no cookie; everything else
                    # is `no-store`.
                    if cache:
                        raw = [pair for pair in raw if pair[0].lower() != b"cache-control"]
                    extra = extra + NO_STORE
                message["headers"] = raw + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CSRFMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: str,
        https: bool,
        max_body_bytes: int,
        reject: Callable[[Scope, int, str], Awaitable[Response]] | None = None,
    ) -> None:
        self.app = app
        self.reject = reject
        self.secret = secret
        self.https = https
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"] in SAFE_METHODS and scope["path"] in NO_CSRF_COOKIE_PATHS):
            await self.app(scope, receive, send)
            return
        headers = _request_headers(scope)
        # Starlette's parser (as `request.cookies`): lenient, and a tenth of SimpleCookie's cost.
        cookie_header = headers.get(b"cookie", b"").decode("latin-1")
        cookie_value = cookie_parser(cookie_header).get(CSRF_COOKIE, "")
        new_cookie = ""
        if len(cookie_value) != 43:
            cookie_value = new_cookie = secrets.token_urlsafe(32)
        token = csrf_token_for(self.secret, cookie_value)
        scope.setdefault("state", {})["csrf_token"] = token
        form: FormData | None = None

        method = scope["method"]
        if method not in SAFE_METHODS:
            length = _header(headers, b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
                await self._refuse(scope, receive, send, 413, self._too_large())
                return
            body = await _read_body(receive, self.max_body_bytes)
            if body is None:
                await self._refuse(scope, receive, send, 413, self._too_large())
                return
            if not self._origin_ok(_header(headers, b"origin"), _header(headers, b"host") or ""):
                await self._refuse(scope, receive, send, 403, N_("This form came from another site and was refused."))
                return
            content_type = _header(headers, b"content-type") or ""
            if not _multipart_complete(content_type, body):
                await self._refuse(scope, receive, send, 400, N_("The form could not be read. Please send it again."))
                return
            api_call = (_header(headers, b"authorization") or "").startswith("Bearer ") or (
                not cookie_header and content_type.startswith("application/json")
            )
            if api_call:
                # An API call (the practice check's endpoint), authenticated by its own token:
                # no browser attaches an Authorization header, or sends JSON, to another site
                # without a CORS preflight we never grant, and a call without cookies rides on
                # no session, so there is nothing for CSRF to protect. The endpoint itself
                # refuses a missing token with a 401.
                await self.app(scope, _replay(body), send)
                return
            sent = _header(headers, CSRF_HEADER.encode())
            if not sent:
                sent, form = await _form_token(scope, body, content_type)
            if sent is None:
                await self._refuse(scope, receive, send, 400, N_("The form could not be read. Please send it again."))
                return
            if new_cookie or not sent or not hmac.compare_digest(sent, token):
                if form is not None:
                    await form.close()
                await self._refuse(
                    scope,
                    receive,
                    send,
                    403,
                    N_("This form has expired or was not sent from Baraza. Go back, reload the page and try again."),
                    set_cookie=self._cookie_header(new_cookie) if new_cookie else None,
                )
                return
            receive = _replay(body)
            if form is not None:
                # The view reads this parse instead of parsing the body again (baraza/forms.py).
                keep_parsed_form(scope, form)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_cookie:
                response_headers = MutableHeaders(scope=message)
                # A public, cacheable page carries no form: no token to mint, no cookie to cache.
                if not response_headers.get("cache-control", "").startswith("public"):
                    response_headers.append("set-cookie", self._cookie_header(new_cookie))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie if new_cookie else send)
        finally:
            if form is not None:
                await form.close()  # its uploaded files, once the response is sent

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, text: str, set_cookie: str | None = None
    ) -> None:
        if self.reject is None:
            await _plain(send, status, text, set_cookie)
            return
        response = await self.reject(scope, status, text)
        if set_cookie:
            response.headers.append("set-cookie", set_cookie)
        await response(scope, _replay(b""), send)

    def _too_large(self) -> str:
        """What was sent is over the limit: say the limit, so the person knows what will do."""
        limit = self.max_body_bytes
        size = f"{round(limit / 1048576, 1):g} MB" if limit >= 1048576 else f"{max(1, round(limit / 1024))} KB"
        return N_("The upload is too large: send at most %(size)s.", size=size)

    def _cookie_header(self, value: str) -> str:
        secure = "; Secure" if self.https else ""
        return f"{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"

    @staticmethod
    def _origin_ok(origin: str | None, host: str) -> bool:
        if not origin or origin == "null":
            return origin is None
        return urlsplit(origin).netloc == host


def _request_headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by (lower-case, as servers send them) name, the first of each as
    Starlette's `Headers.get` answers: gathered in one pass, where each `Headers.get` scanned
    the whole list again (eight times per form POST)."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name not in found:
            found[name] = value
    return found


def _header(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _multipart_complete(content_type: str, body: bytes) -> bool:
    """A multipart body must end its last part. A truncated one would leave the parser's
    temporary file for the unfinished part open, and is never what a browser sends."""
    if not content_type.startswith("multipart/form-data"):
        return True
    match = re.search(r'boundary="?([^";]{1,200})"?', content_type)
    if match is None:
        return False
    closing: bytes = b"--" + match.group(1).encode("latin-1") + b"--"
    return closing in body


async def _form_token(scope: Scope, body: bytes, content_type: str) -> tuple[str | None, FormData | None]:
    """The token sent in the form ("" when there is none, None when the form cannot be read),
    and the parsed form (None when the body is not a form or cannot be read)."""
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return "", None
    form = _urlencoded_form(content_type, body)
    if form is None:
        request = Request(scope, _replay(body))
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 - a malformed body is the sender's error
            return None, None
    value: Any = form.get(CSRF_FIELD, "")
    return (value if isinstance(value, str) else ""), form


# Starlette's form parser (python-multipart's, field by field through callbacks) refuses a
# field over 1 MB or more than 1,000 fields; a body that could reach either is left to it.
_MAX_FIELD_BYTES = 1024 * 1024
_MAX_FIELDS = 1000


def _urlencoded_form(content_type: str, body: bytes) -> FormData | None:
    """A URL-encoded body parsed as Starlette's parser parses it, in a tenth of its time (a
    vote's form cost 40 us there): fields split at "&", empty ones skipped, the name up to
    the first "=" (a field without one has an empty value), each decoded as latin-1 and then
    `unquote_plus`, exactly as `starlette.formparsers.FormParser` does. None when the body is
    not URL-encoded by its media type (as Starlette reads it), or is large enough for that
    parser's limits to matter: Starlette then parses it, and refuses it, as before."""
    media = content_type.partition(";")[0]  # the media type, as python-multipart reads it
    if '"' in media or media.strip(" \t").lower() != "application/x-www-form-urlencoded":
        return None
    if len(body) > _MAX_FIELD_BYTES or body.count(b"&") >= _MAX_FIELDS:
        return None
    items: list[tuple[str, str | UploadFile]] = []
    for field in body.split(b"&"):
        if field:
            name, _equals, value = field.partition(b"=")
            items.append((unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1"))))
    return FormData(items)


async def _plain(send: Send, status: int, text: str, set_cookie: str | None = None) -> None:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Baraza</title>"
        f"<main><h1>{status}</h1><p>{text}</p><p><a href=/>Home</a></p></main></html>"
    ).encode()
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if set_cookie:
        headers.append((b"set-cookie", set_cookie.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
