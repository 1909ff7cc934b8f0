"""A real Radicale CalDAV server for the calendars tests, and helpers for recorded HTTP
exchanges (Google, Microsoft) served from a local server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Radicale exited early: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (even with an error status): it is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Radicale did not answer: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def radicale_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Radicale server on a free port of 127.0.0.1, no authentication, its own folder."""
    folder = tmp_path_factory.mktemp("radicale")
    port = free_port()
    log = folder / "radicale.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--config",
                "",
                "--server-hosts",
                f"127.0.0.1:{port}",
                "--auth-type",
                "none",
                "--storage-filesystem-folder",
                str(folder / "collections"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_answering(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def local_calendars() -> Iterator[None]:
    """Test servers run on 127.0.0.1, which Kith refuses to call unless allowed."""
    with override_settings(KITH_CALENDARS_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        yield


# --- Recorded exchanges ----------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RecordedServer:
    """Answers each POST path with a recorded response, and keeps what Kith sent."""

    base_url: str
    responses: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def answer(self, path: str, body: dict[str, Any], status: int = 200) -> None:
        self.responses[path] = (status, body)

    def sent_to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture
def recorded_server() -> Iterator[RecordedServer]:
    server_box: dict[str, RecordedServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            recorded = server_box["server"]
            length = int(self.headers.get("Content-Length", 0))
            recorded.received.append(
                Received("POST", self.path, dict(self.headers.items()), self.rfile.read(length))
            )
            status, body = recorded.responses.get(self.path, (404, {"error": "unknown path"}))
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_box["server"] = RecordedServer(base_url=f"http://127.0.0.1:{httpd.server_port}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_box["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- Planted words ---------------------------------------------------------------------------


def database_text() -> str:
    """Every row of every table in the test database, as text: what a dump would show."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


Builder = Callable[..., Any]
