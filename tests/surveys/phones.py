"""A minimal phone for tests and benchmarks against a real server: stdlib http.client only,
cookies kept by hand, only ever talking to 127.0.0.1."""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
SUBMISSION_RE = re.compile(r'name="submission_id" value="([^"]+)"')
SCREEN_RE = re.compile(r'name="screen" value="([^"]+)"')


class Phone:
    def __init__(self, port: int, cookies: dict[str, str] | None = None, timeout: float = 30.0) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.timeout = timeout

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    jar = SimpleCookie()
                    jar.load(value)
                    for key, morsel in jar.items():
                        self.cookies[key] = morsel.value
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self._request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        body = urlencode(fields).encode()
        return self._request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def open_screen(self, survey_id: int, screen: str | None = None) -> tuple[str, str, str]:
        """(csrf token, submission id, screen name) of the survey's current or given screen."""
        status, _headers, body = self.get(f"/surveys/{survey_id}/answer" + (f"?screen={screen}" if screen else ""))
        html = body.decode()
        if status != 200:
            raise RuntimeError(f"screen page answered {status}")
        csrf, sid, name = CSRF_RE.search(html), SUBMISSION_RE.search(html), SCREEN_RE.search(html)
        assert csrf and sid and name
        return csrf.group(1), sid.group(1), name.group(1)

    def send(self, survey_id: int, csrf: str, submission_id: str, screen: str, answers: dict[str, Any]) -> tuple[int, str]:
        fields: list[tuple[str, str]] = [("csrf_token", csrf), ("submission_id", submission_id), ("screen", screen)]
        for key, value in answers.items():
            for item in value if isinstance(value, list) else [value]:
                fields.append((key, str(item)))
        status, headers, _body = self.post(f"/surveys/{survey_id}/answer", fields)
        return status, headers.get("location", "")
