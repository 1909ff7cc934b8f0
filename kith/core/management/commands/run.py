"""`kith run`: web server, task worker and scheduler together, for a single-machine install.

Production runs the three as separate processes (docs/deploy.md); this command supervises
them as children and stops all of them when one dies or on Ctrl-C / SIGTERM.

What the terminal shows: the children's lines, each once, as they come; then, once the web
server answers a request and the worker and scheduler have started, "Kith is up" with the
address, where development emails are saved, and the demo logins (when there are any) as the
last lines of the start.
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from kith.core.env import base_url_for_bind, env_int

# Seconds one readiness request may wait: a request queued while gunicorn's workers still load
# Django is answered as soon as one has.
PROBE_TIMEOUT = 60.0
# Past this, "still starting" is said once; Kith keeps waiting (a loaded laptop can take long).
SLOW_START_SECONDS = 60.0
# Once the web server answers, how long to wait for the worker's and scheduler's first line.
STARTED_LINE_SECONDS = 30.0


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a unix socket (gunicorn bound to unix:/path)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def probe_connection(
    bind: str, timeout: float = PROBE_TIMEOUT
) -> http.client.HTTPConnection | None:
    """A connection to where gunicorn listens, or None when `bind` is not an address Kith can
    reach by itself (a file descriptor handed over by systemd)."""
    if bind.startswith("unix:"):
        return UnixHTTPConnection(bind.removeprefix("unix:"), timeout)
    if bind.startswith("fd://"):
        return None
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        host, port = bind, "8000"  # gunicorn's default port
    host = host.strip("[]")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return http.client.HTTPConnection(host, int(port), timeout=timeout)


def web_answers(bind: str, host_header: str) -> bool:
    """True when a web worker answers a request (any status: a worker has loaded Kith)."""
    connection = probe_connection(bind)
    if connection is None:
        return True
    try:
        connection.request("GET", "/healthz", headers={"Host": host_header})
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return True


def address_in_use(bind: str) -> bool:
    """True when another program already listens on the TCP address gunicorn would bind
    (so a server answering there is not Kith). A unix socket or a systemd socket is not
    checked."""
    if bind.startswith(("unix:", "fd://")):
        return False
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        host, port = bind, "8000"
    host = host.strip("[]") or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError:
            return True
    return False


def shown_path(path: Path) -> str:
    """A path as a person would type it: relative to here when it is below here."""
    try:
        return f"{path.relative_to(Path.cwd())}/"
    except ValueError:
        return f"{path}/"


class Relay:
    """Copies a child's output to ours line by line (each line once, never interleaved
    mid-line), and notes when the child printed its first line: it has started."""

    def __init__(self, name: str, stream: IO[str], write: Callable[[str], None]) -> None:
        self.name = name
        self.started = threading.Event()
        self._stream = stream
        self._write = write
        self._thread = threading.Thread(target=self._copy, name=f"relay-{name}", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        for line in self._stream:
            self.started.set()
            self._write(line)
        self.started.set()  # it ended: nothing more to wait for

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class Command(BaseCommand):
    help = "Start Kith: gunicorn web server, background worker and scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("KITH_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=env_int("KITH_WEB_WORKERS", 2, minimum=1)
        )

    def handle(self, *args: Any, bind: str, workers: int, **options: Any) -> None:
        if "KITH_BASE_URL" not in os.environ:
            # Links the web server, worker and scheduler write follow the address they serve.
            os.environ["KITH_BASE_URL"] = base_url_for_bind(bind)
        base_url = os.environ["KITH_BASE_URL"].rstrip("/")
        self._lock = threading.Lock()
        if address_in_use(bind):
            raise CommandError(
                f"{bind} is already in use by another program: stop it, or start Kith on "
                "another address with KITH_BIND=127.0.0.1:8101 (or kith run --bind)."
            )
        self.say(f"Starting Kith on {base_url}/ (web server, worker and scheduler)…")
        children = self.start_children(bind, workers)
        relays = [
            Relay(name, child.stdout, self.relay_line)
            for name, child in children.items()
            if child.stdout is not None
        ]

        def stop(*_: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            logins = self.demo_logins()
            if self.wait_until_up(bind, base_url, children, relays):
                self.announce(base_url, logins)
            exit_code = self.supervise(children)
        except KeyboardInterrupt:
            pass
        finally:
            # A second Ctrl-C while the children stop must not leave any of them running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self.stop_children(children)
            for relay in relays:
                relay.join(timeout=2)
        if exit_code:
            raise SystemExit(exit_code)

    def start_children(self, bind: str, workers: int) -> dict[str, subprocess.Popen[str]]:
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "--config",
                "python:config.gunicorn",
                "config.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
            ],
            # No autoreloader: it would start a second copy of the worker and watch files.
            "worker": [python, "-m", "kith.cli", "db_worker", "--interval", "1", "--no-reload"],
            "scheduler": [python, "-m", "kith.cli", "scheduler"],
        }
        # Lines reach the terminal as they are written, not when a buffer fills.
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return {
            name: subprocess.Popen(
                cmd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                bufsize=1,
            )
            for name, cmd in commands.items()
        }

    def relay_line(self, line: str) -> None:
        with self._lock:
            self.stdout.write(line, ending="")
            self.stdout.flush()

    def say(self, text: str) -> None:
        self.relay_line(f"{text}\n")

    def wait_until_up(
        self,
        bind: str,
        base_url: str,
        children: dict[str, subprocess.Popen[str]],
        relays: Iterable[Relay],
    ) -> bool:
        """Wait until the web server answers and the others have started; False when a child
        died first (supervise() then reports it)."""
        host_header = urlsplit(base_url).netloc or "localhost"
        started = time.monotonic()
        said_slow = False
        while not web_answers(bind, host_header):
            if any(child.poll() is not None for child in children.values()):
                return False
            if not said_slow and time.monotonic() - started > SLOW_START_SECONDS:
                self.say("Kith is still starting (loading takes a while on a busy machine)…")
                said_slow = True
            time.sleep(0.25)
        # The worker and the scheduler each print a line when they start; a quiet one (a log
        # level above INFO) is not waited for long.
        deadline = time.monotonic() + STARTED_LINE_SECONDS
        for relay in relays:
            while not relay.started.wait(0.25) and time.monotonic() < deadline:
                if children[relay.name].poll() is not None:
                    return False
        return all(child.poll() is None for child in children.values())

    def announce(self, base_url: str, logins: list[str]) -> None:
        lines = [
            "",
            self.style.SUCCESS(f"Kith is up: {base_url}/"),
            "Web server, worker and scheduler are running; Ctrl-C stops them.",
        ]
        if settings.EMAIL_BACKEND == "kith.notify.mailbox.SavedMailBackend":
            mail_dir = shown_path(Path(settings.EMAIL_FILE_PATH))
            lines.append(
                f"Emails are not sent (no EMAIL_HOST): each one is saved in {mail_dir} "
                "as an .eml file that any mail program opens."
            )
        if logins:
            lines.append("Demo logins (password login, or ask for a one-time code by email):")
            lines += logins
        self.say("\n".join(lines))

    @staticmethod
    def demo_logins() -> list[str]:
        """The demo organisation's logins, to print again after the start's chatter.

        Asked of the `demo_logins` command by name (the directory's, when installed): `kith
        run` supervises the whole product, but the demo accounts are the directory's to know."""
        if settings.PRODUCTION or "demo_logins" not in get_commands():
            return []
        out = io.StringIO()
        try:
            call_command("demo_logins", stdout=out)
        except DatabaseError:  # an unmigrated database: nothing to print
            return []
        finally:
            connections.close_all()  # the supervisor holds no connection while it waits
        return [line for line in out.getvalue().splitlines() if line.strip()]

    def supervise(self, children: dict[str, subprocess.Popen[str]]) -> int:
        while True:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    self.say(f"The {name} process exited with status {code}; stopping Kith.")
                    return code or 1
            time.sleep(0.5)

    @staticmethod
    def stop_children(children: dict[str, subprocess.Popen[str]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=25)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
