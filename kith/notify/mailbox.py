"""Development email: every message saved as an .eml file under var/mail/, never sent.

Used when no mail server is configured (EMAIL_HOST unset, development only; production
refuses to start without one). A person reads the mail Kith would have sent, login codes
included, by opening the files with any mail program or a text editor, instead of scrolling
through thousands of lines of MIME in the terminal.

The terminal gets one line when a message is saved after a quiet moment (a login code shows
at once) and, during a burst (a survey wave to 300 people), one line every few seconds that
counts what was saved since.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

log = logging.getLogger(__name__)

# Within this many seconds of the last line, saved messages are counted into the next one.
SUMMARY_SECONDS = 5.0
_sequence = itertools.count(1)


def mail_directory() -> Path:
    return Path(getattr(settings, "EMAIL_FILE_PATH", "") or Path(settings.DATA_DIR) / "mail")


def _slug(text: str, limit: int) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "message"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _Summary:
    """Says what was saved: the first message at once, then a count per SUMMARY_SECONDS."""

    def __init__(self, seconds: float = SUMMARY_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._pending = 0
        self._latest: tuple[str, str, Path] | None = None
        self._timer: threading.Timer | None = None

    def saved(self, recipient: str, subject: str, path: Path) -> None:
        with self._lock:
            if self._timer is None:
                log.info("Email to %s saved in %s: “%s”", recipient, _shown(path), subject)
                self._start_timer()
                return
            self._pending += 1
            self._latest = (recipient, subject, path)

    def flush(self) -> None:
        with self._lock:
            self._timer = None
            if not self._pending or self._latest is None:
                return
            recipient, subject, path = self._latest
            if self._pending == 1:
                log.info("Email to %s saved in %s: “%s”", recipient, _shown(path), subject)
            else:
                log.info(
                    "%d more emails saved in %s/ (the latest to %s: “%s”)",
                    self._pending,
                    _shown(path.parent),
                    recipient,
                    subject,
                )
            self._pending, self._latest = 0, None
            self._start_timer()  # a burst goes on: the next line in SUMMARY_SECONDS at most

    def _start_timer(self) -> None:
        self._timer = threading.Timer(self.seconds, self.flush)
        self._timer.daemon = True
        self._timer.start()


summary = _Summary()


class SavedMailBackend(BaseEmailBackend):
    """Writes each message to EMAIL_FILE_PATH (var/mail/ by default) as its own .eml file."""

    def __init__(self, file_path: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.directory = Path(file_path) if file_path else mail_directory()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        saved = 0
        for message in email_messages:
            try:
                path = self.save(message)
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            saved += 1
            recipient = ", ".join(message.recipients()[:1]) or "nobody"
            log.debug("email to %s saved as %s", recipient, path)
            summary.saved(recipient, " ".join(str(message.subject).split()), path)
        return saved

    def save(self, message: EmailMessage) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        first = message.recipients()[:1]
        name = (
            f"{timezone.now():%Y%m%d-%H%M%S}-{os.getpid()}-{next(_sequence)}-"
            f"{_slug(first[0].split('@')[0] if first else '', 30)}-"
            f"{_slug(str(message.subject), 40)}.eml"
        )
        path = self.directory / name
        # Only this user may read them: login codes and personal links are inside.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(message.message().as_bytes(linesep="\n"))
        return path
