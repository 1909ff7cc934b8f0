"""A real Synapse homeserver for the Matrix contract tests.

`make synapse` installs Synapse into its own virtualenv (`.venv-synapse` at the repository's
root; `KITH_SYNAPSE_PYTHON` names another interpreter). `Synapse.start` generates a config in
a temporary directory the way an operator would (`--generate-config`), then lays a second
config file over it (Synapse merges `-c` files key by key): SQLite, one client listener on
127.0.0.1 and a free port, no federation listener and no key servers (the tests run offline),
rate limits raised, a known registration shared secret. Users are registered through the
shared-secret admin API, exactly as `register_new_matrix_user` does.

Plain standard library on purpose (urllib): the harness must not depend on the client code it
tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60.0  # seconds; a first start on SQLite creates the schema (about 10 s)
_UNLIMITED = {"per_second": 10000, "burst_count": 100000}


class SynapseMissing(Exception):
    """Synapse is not installed (run `make synapse`)."""


def synapse_python() -> Path:
    configured = os.environ.get("KITH_SYNAPSE_PYTHON", "")
    python = Path(configured) if configured else REPO_ROOT / ".venv-synapse" / "bin" / "python"
    if not python.exists():
        raise SynapseMissing(
            f"Synapse is not installed: {python} does not exist (run `make synapse`, "
            "or set KITH_SYNAPSE_PYTHON to a Python that has matrix-synapse)."
        )
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _overrides(directory: Path, port: int, shared_secret: str) -> dict[str, Any]:
    limits: dict[str, Any] = {
        name: dict(_UNLIMITED)
        for name in (
            "rc_message",
            "rc_registration",
            "rc_admin_redaction",
            "rc_joins_per_room",
            "rc_room_creation",
            "rc_3pid_validation",
            "rc_profile",
            "rc_user_directory",
            "rc_delayed_event_mgmt",
            "rc_key_requests",
        )
    }
    limits["rc_login"] = {k: dict(_UNLIMITED) for k in ("address", "account", "failed_attempts")}
    limits["rc_joins"] = {k: dict(_UNLIMITED) for k in ("local", "remote")}
    limits["rc_invites"] = {k: dict(_UNLIMITED) for k in ("per_room", "per_user", "per_issuer")}
    return {
        "server_name": "localhost",
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "federation_domain_whitelist": [],
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "report_stats": False,
        "enable_registration": False,
        "registration_shared_secret": shared_secret,
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        "bcrypt_rounds": 4,  # test passwords: registering and logging in stay fast
        **limits,
    }


@dataclass
class MatrixUser:
    user_id: str
    access_token: str
    password: str


class Synapse:
    """One homeserver process (`start`, `stop`) and small client helpers for the tests."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = 0
        self.shared_secret = secrets.token_urlsafe(32)
        self.process: subprocess.Popen[bytes] | None = None
        self._syncs = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        python = synapse_python()
        self.directory.mkdir(parents=True, exist_ok=True)
        generated = self.directory / "homeserver.yaml"
        subprocess.run(
            [
                str(python),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                "localhost",
                "--config-path",
                str(generated),
                "--generate-config",
                "--report-stats=no",
            ],
            cwd=self.directory,
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.port = free_port()
        override = self.directory / "kith-tests.yaml"  # JSON is YAML
        override.write_text(json.dumps(_overrides(self.directory, self.port, self.shared_secret)))
        log = (self.directory / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [
                str(python),
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(generated),
                "-c",
                str(override),
            ],
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited at start; see {self.directory}/stdout.log")
            with contextlib.suppress(OSError, urllib.error.URLError):
                self.api("GET", "/_matrix/client/versions")
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Synapse did not answer within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None

    # --- Client helpers ------------------------------------------------------------------------

    def api(
        self, method: str, path: str, *, token: str = "", body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One client-server API call; raises urllib.error.HTTPError on an error status."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer

    def register(self, localpart: str, *, admin: bool = False) -> MatrixUser:
        """A new account through `/_synapse/admin/v1/register` (HMAC with the shared secret)."""
        password = secrets.token_urlsafe(16)
        nonce = self.api("GET", "/_synapse/admin/v1/register")["nonce"]
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": _registration_mac(self.shared_secret, nonce, localpart, password, admin),
        }
        answer = self.api("POST", "/_synapse/admin/v1/register", body=body)
        return MatrixUser(answer["user_id"], answer["access_token"], password)

    def sync(self, user: MatrixUser, since: str = "") -> dict[str, Any]:
        # A room's whole (short) timeline, not the last ten events. Synapse answers the same
        # request (user, since, filter) from a cache for two minutes: a limit of its own makes
        # each call fresh.
        self._syncs += 1
        limit = 100 + self._syncs
        room_filter = urllib.parse.quote(json.dumps({"room": {"timeline": {"limit": limit}}}))
        query = f"?timeout=0&filter={room_filter}"
        query += f"&since={urllib.parse.quote(since)}" if since else ""
        return self.api("GET", "/_matrix/client/v3/sync" + query, token=user.access_token)

    def join(self, user: MatrixUser, room_id: str) -> None:
        self.api(
            "POST",
            f"/_matrix/client/v3/join/{urllib.parse.quote(room_id)}",
            token=user.access_token,
            body={},
        )

    def send_text(self, user: MatrixUser, room_id: str, text: str) -> str:
        return self._send(user, room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    def react(self, user: MatrixUser, room_id: str, event_id: str, key: str) -> str:
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return self._send(user, room_id, "m.reaction", {"m.relates_to": relates})

    def _send(self, user: MatrixUser, room_id: str, kind: str, content: dict[str, Any]) -> str:
        path = (
            f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/send/{kind}/"
            f"{secrets.token_hex(8)}"
        )
        return str(self.api("PUT", path, token=user.access_token, body=content)["event_id"])


def _registration_mac(secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join(p.encode() for p in (nonce, user, password)))
    mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()
