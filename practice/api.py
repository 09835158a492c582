"""The JSON endpoint for stakeholder systems: `POST /practice/api/check`.

    curl -X POST https://baraza.example/practice/api/check \\
      -H "Authorization: Bearer bzp_..." -H "Content-Type: application/json" \\
      -d '{"data_kinds": ["location"], "users": ["tech_company"], "purposes": ["advertise"], "retention": "5y"}'

Authenticated by a per-organisation token an administrator issues for one consultation (only
its sha256 is stored); rate limited per token (429 with Retry-After); every call audited.
Refusals are JSON too: 401 no or revoked token, 400 unreadable JSON, 422 words outside the
vocabulary (with a message per field), 429 too many. No cookie is read: a browser cannot be
made to send the Authorization header to another site, so the endpoint needs no CSRF token
(baraza/security.py lets a request carrying one through).
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from baraza import errors
from baraza.web import state
from practice import services

MAX_BODY = 16 * 1024


def _refusal(status: int, message: str, *, retry_after: int | None = None, fields: dict[str, str] | None = None) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


def _answer(request: Request, raw: bytes) -> Response:
    app = state(request)
    with Session(app.engine, expire_on_commit=False) as session:
        try:
            token = services.authenticate(session, request.headers.get("authorization"))
            if "application/json" not in request.headers.get("content-type", ""):
                raise services.ApiRefusal(415, "Send the practice as application/json.")
            try:
                body = json.loads(raw.decode() or "null")
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise services.ApiRefusal(400, "The body is not valid JSON.") from exc
            answer = services.do_check_by_token(session, services.token_actor(token), app.settings, token, body)
            return JSONResponse(answer, headers={"Cache-Control": "no-store"})
        except services.ApiRefusal as exc:
            session.rollback()
            return _refusal(exc.status, exc.message, retry_after=exc.retry_after, fields=exc.errors)
        except errors.TooManyRequests as exc:
            session.commit()  # the refusal's own count stays (a recorded refusal)
            return _refusal(429, "Too many checks; try again in a minute.", retry_after=exc.retry_after)
        except errors.NotFound:
            session.rollback()
            return _refusal(404, "The consultation of this token is gone.")
        except errors.BarazaError as exc:
            session.rollback()
            return _refusal(exc.status_code, "The practice could not be checked.")


async def check(request: Request) -> Response:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return _refusal(413, "The body is too large.")
    return await run_in_threadpool(_answer, request, raw)
