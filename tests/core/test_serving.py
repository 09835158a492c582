"""`baraza serve` hands uvicorn a protocol that sets TCP_NODELAY, which its --workers mode
leaves off (baraza/serving.py). How much that saves is measured in bench/, not here."""

from __future__ import annotations

import argparse
import socket

import uvicorn

from baraza import cli
from baraza.serving import NoDelayHTTPProtocol, set_nodelay


class _Transport:
    def __init__(self, sock: socket.socket | None) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> object:
        return self.sock if name == "socket" else None


def test_accepted_connection_of_a_workers_style_socket_gets_nodelay():
    # Bound the way uvicorn's --workers mode binds it: protocol number 0, not IPPROTO_TCP.
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as _client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
                set_nodelay(_Transport(accepted))  # type: ignore[arg-type]
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_non_tcp_connections_are_left_alone():
    left, right = socket.socketpair()
    with left, right:
        set_nodelay(_Transport(left))  # type: ignore[arg-type]
    set_nodelay(_Transport(None))  # type: ignore[arg-type]


def test_serve_passes_the_protocol_with_one_worker_and_with_several(monkeypatch, settings):
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    cli.cmd_serve(argparse.Namespace(workers=1))
    cli.cmd_serve(argparse.Namespace(workers=2))
    assert [c["http"] for c in calls] == [NoDelayHTTPProtocol, NoDelayHTTPProtocol]
    assert calls[1]["workers"] == 2


def test_a_running_app_keeps_its_start_up_objects_out_of_the_collector(make_app):
    """While the app runs, what start-up built is frozen (a full collection under a room of
    phones scans only what requests made); at shutdown it is given back, so stopped apps can
    be collected."""
    import gc

    from starlette.testclient import TestClient

    gc.unfreeze()
    with TestClient(make_app()) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0
