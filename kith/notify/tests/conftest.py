from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kith.directory.models import Person
from kith.notify.tests.smtp import SmtpServer

_numbers = itertools.count(1)

ALWAYS_AT_WORK: dict[str, Any] = {
    "timezone": "UTC",
    "work_start": dt.time(0, 0),
    "work_end": dt.time(23, 59, 59, 999999),
    "work_days": [1, 2, 3, 4, 5, 6, 7],
}


@pytest.fixture
def make_person(db: None) -> Callable[..., Person]:
    """A person in Lisbon working 9–17, Monday to Friday, unless told otherwise."""

    def make(**fields: Any) -> Person:
        number = next(_numbers)
        values: dict[str, Any] = {
            "employee_id": f"N{number:05}",
            "full_name": f"Colleague {number}",
            "email": f"colleague{number}@example.org",
            "timezone": "Europe/Lisbon",
        }
        values.update(fields)
        return Person.objects.create(**values)

    return make


@pytest.fixture(scope="session")
def _smtp_server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    server = SmtpServer(Path(tmp_path_factory.mktemp("smtp")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server_process: SmtpServer, settings: Any) -> SmtpServer:
    """A real SMTP server (aiosmtpd, its own process) that Django now sends mail to."""
    _smtp_server_process.reset()
    for name, value in _smtp_server_process.django_settings().items():
        setattr(settings, name, value)
    return _smtp_server_process
