"""The keep-alive race: a server closes an idle connection just as a client sends a request on it.

`ClosingServer` plays the server's side of the race deterministically: it answers the first request
of a connection and keeps the connection open, then takes the next request on that connection and
closes it without an answer, as a server whose keep-alive timer fired while the request was in
flight does. Fresh connections are answered normally. No timing is involved.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clipcrowd.client import AsyncWorkerClient, Client, WorkerClient
from clipcrowd.client.transport import KEEP_ALIVE_SECONDS, async_session
from clipcrowd.settings import Settings
from tests.support import fresh_sqlite, live_server


class ClosingServer:
    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: list[tuple[int, str]] = []  # (connection number, request line)
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn, self.connections), daemon=True).start()

    def _connection(self, conn: socket.socket, number: int) -> None:
        with conn, conn.makefile("rb") as stream:
            for answered in (True, False):
                line = stream.readline().decode().strip()
                if not line:
                    return
                length = 0
                while (header := stream.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                stream.read(length)
                self.requests.append((number, line))
                if not answered:
                    return  # the keep-alive timer won: closed, no answer
                body = json.dumps({"id": "1", "items": [], "has_more": False}).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def closing_server() -> Iterator[ClosingServer]:
    server = ClosingServer()
    yield server
    server.close()


def test_the_race_breaks_a_plain_client(closing_server: ClosingServer) -> None:
    """Without the repeat, the second request on the kept connection fails as the issue reported."""
    with httpx.Client(base_url=closing_server.url) as http:
        assert http.get("/api/v1/pools/1").status_code == 200
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            http.get("/api/v1/pools/1")


def test_requester_client_repeats_an_idempotent_request_once(closing_server: ClosingServer) -> None:
    with Client(closing_server.url, "token") as client:
        assert client.get_pool("1")["id"] == "1"
        assert client.get_pool("1")["id"] == "1"
    assert closing_server.requests == [(1, "GET /api/v1/pools/1 HTTP/1.1"), (1, "GET /api/v1/pools/1 HTTP/1.1"),
                                       (2, "GET /api/v1/pools/1 HTTP/1.1")]


def test_a_post_is_never_repeated(closing_server: ClosingServer) -> None:
    """The server may have acted on a POST it did not answer: the error reaches the caller, once."""
    with Client(closing_server.url, "token") as client:
        client.get_pool("1")
        with pytest.raises(httpx.RemoteProtocolError):
            client.create_skill("fast")
    assert [line for _, line in closing_server.requests] == ["GET /api/v1/pools/1 HTTP/1.1",
                                                             "POST /api/v1/skills HTTP/1.1"]


def test_worker_clients_repeat_idempotent_requests(closing_server: ClosingServer) -> None:
    worker = WorkerClient(closing_server.url, "token")
    try:
        assert worker.pools() == [] and worker.pools() == []
    finally:
        worker.close()
    assert closing_server.connections == 2

    async def twice() -> list[object]:
        async with async_session(closing_server.url, connections=1) as session:
            client = AsyncWorkerClient(session, "token")
            return [await client._call("GET", "/api/v1/worker/pools") for _ in range(2)]

    assert asyncio.run(twice()) == [{"id": "1", "items": [], "has_more": False}] * 2
    # its own connection (3) took both GETs; the unanswered second one went out again on a new one
    assert [number for number, _ in closing_server.requests[3:]] == [3, 3, 4]


def test_server_keeps_idle_connections_longer_than_clients() -> None:
    assert Settings().keep_alive_seconds > KEEP_ALIVE_SECONDS


def test_server_closes_idle_connections_after_its_setting(tmp_path: Path) -> None:
    """The setting reaches uvicorn: with one second, the server ends an idle connection by itself."""
    db = fresh_sqlite(tmp_path)
    with live_server(db, tmp_path, keep_alive_seconds=1) as live:
        host, port = live.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"GET /api/v1/requester HTTP/1.1\r\nHost: x\r\nAuthorization: OAuth " + live.token.encode()
                         + b"\r\n\r\n")
            received = b""
            while chunk := sock.recv(65536):  # returns b"" when the server closes: no clock involved
                received += chunk
    db.dispose()
    assert received.startswith(b"HTTP/1.1 200") and received.count(b"HTTP/1.1") == 1
