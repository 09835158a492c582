"""How uvicorn serves Baraza: the HTTP protocol `baraza serve` hands it, in every worker process.

With `--workers N` uvicorn binds the listening socket itself as `socket.socket(family)`, whose
protocol number is 0 rather than TCP, and asyncio only sets `TCP_NODELAY` on accepted sockets
it knows to be TCP. Without it, a response written in two pieces (headers, then body) on a
kept-alive connection waits for the browser's delayed ACK: about 40 ms on every request after
the first (bench/README.md measured it, even on a bare route). One worker is not affected,
because asyncio's own server creates the socket; setting the option again there is harmless.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Send small writes at once on this connection (TCP only; anything else is left alone)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # a socket already closed by the peer: nothing to send anyway
        pass


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's own HTTP/1.1 protocol (httptools if installed, else h11) with TCP_NODELAY."""

    def connection_made(self, transport: Any) -> None:
        set_nodelay(transport)
        super().connection_made(transport)
