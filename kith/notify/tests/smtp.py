"""A real SMTP server for tests: aiosmtpd in its own process, dropping each message in a folder.

    python -m aiosmtpd -n -l 127.0.0.1:PORT -c kith.notify.tests.smtp.MailDrop FOLDER

While FOLDER/refuse exists, the server refuses recipients with 550, like a mail server that
will not take the message: those listed in the file, or everyone when it is empty.

This module imports nothing from Django, so the server process starts fast.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

REFUSE_FLAG = "refuse"


class MailDrop:
    """aiosmtpd handler: each accepted message becomes NAME.eml plus NAME.json (envelope)."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    @classmethod
    def from_cli(cls, parser: Any, *args: str) -> MailDrop:
        if len(args) != 1:
            parser.error("MailDrop needs one argument: the folder to drop messages in")
        return cls(args[0])

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        flag = self.folder / REFUSE_FLAG
        if flag.exists() and (not (refused := flag.read_text().split()) or address in refused):
            return "550 5.7.1 Mailbox unavailable (refused by the test server)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}-{uuid.uuid4().hex}"
        (self.folder / f"{name}.eml").write_bytes(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "peer": list(session.peer),  # the client's address: one per SMTP connection
        }
        partial = self.folder / f"{name}.json.part"
        partial.write_text(json.dumps(meta))
        partial.rename(self.folder / f"{name}.json")  # readers only look at complete messages
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    peer: tuple[str, int]
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())

    @property
    def attachments(self) -> list[EmailMessage]:
        return list(self.message.iter_attachments())


class SmtpServer:
    """The test's handle on a running MailDrop server process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.host = "127.0.0.1"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> None:
        command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{self.host}:{self.port}"]
        command += ["-c", f"{__name__}.MailDrop", str(self.folder)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy()
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"the SMTP test server exited: {stderr}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as probe:
                    if probe.recv(3) == b"220":
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the SMTP test server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def reset(self) -> None:
        self.refuse(False)
        for path in self.folder.iterdir():
            path.unlink()

    def refuse(self, refusing: bool = True, *, only: tuple[str, ...] = ()) -> None:
        """Refuse every recipient (or `only` these addresses) until told otherwise."""
        flag = self.folder / REFUSE_FLAG
        if refusing:
            flag.write_text("\n".join(only))
        else:
            flag.unlink(missing_ok=True)

    def messages(self) -> list[ReceivedMail]:
        received = []
        for meta_path in sorted(self.folder.glob("*.json")):
            meta = json.loads(meta_path.read_text())
            raw = meta_path.with_suffix(".eml").read_bytes()
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            peer = (meta["peer"][0], meta["peer"][1])
            received.append(ReceivedMail(meta["mail_from"], meta["rcpt_tos"], peer, message))
        return received

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """The messages, once at least `count` have arrived (SMTP is done when send returns,
        so this rarely waits; it guards against slow file systems)."""
        deadline = time.monotonic() + timeout
        while len(received := self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return received

    def django_settings(self) -> dict[str, Any]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
