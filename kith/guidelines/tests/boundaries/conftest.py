from __future__ import annotations

# The real SMTP server and the person factory of notify's tests.
from kith.notify.tests.conftest import _smtp_server_process, make_person, smtp_server

__all__ = ["_smtp_server_process", "make_person", "smtp_server"]
