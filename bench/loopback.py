"""A small asyncio HTTP/1.1 client for the benchmarks: keep-alive connections to 127.0.0.1 only.

Standard library only. It exists because a thread per client (http.client) costs the client
more CPU than the server's cheapest route, on the same two cores, so the ceiling would measure
the client. One event loop driving many connections stays well below the server's cost.
It understands what uvicorn sends: Content-Length bodies, chunked bodies, `Connection: close`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "127.0.0.1"  # never anything else


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes


@dataclass
class Client:
    """One connection (opened on first use, reopened after the server closes it) and a cookie jar."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self._reader = self._writer = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        return await asyncio.wait_for(self._request(method, path, body, headers or {}), self.timeout)

    async def get(self, path: str) -> Reply:
        return await self.request("GET", path)

    async def post_form(self, path: str, fields: list[tuple[str, str]]) -> Reply:
        return await self.request("POST", path, urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def encode(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method not in {"GET", "HEAD"}:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def send_raw(self, data: bytes) -> Reply:
        """Send prepared request bytes on a connection (opened now if need be) and read the reply."""
        return await asyncio.wait_for(self._exchange(data), self.timeout)

    async def _request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Reply:
        return await self._exchange(self.encode(method, path, body, headers))

    async def _exchange(self, data: bytes) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        assert self._reader is not None
        self._writer.write(data)
        await self._writer.drain()
        reply, keep = await _read_reply(self._reader)
        for raw in reply.set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        if not keep:
            await self.close()
        return reply


async def _read_reply(reader: asyncio.StreamReader) -> tuple[Reply, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    set_cookies: list[str] = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            set_cookies.append(value)
        headers[name] = value
    keep = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body = await reader.read()
        keep = False
    return Reply(status, headers, set_cookies, body), keep
