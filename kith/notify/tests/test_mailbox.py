"""Development email: saved as .eml files under var/mail/, announced in a line or two."""

from __future__ import annotations

import email
import logging
import stat

import pytest
from django.core import mail

from kith.notify import mailbox
from kith.notify.mailbox import SavedMailBackend


@pytest.fixture(autouse=True)
def quiet_summary(monkeypatch):
    """A summary of its own per test, whose timer never fires after the test."""
    summary = mailbox._Summary(seconds=3600)
    monkeypatch.setattr(mailbox, "summary", summary)
    yield
    if summary._timer is not None:
        summary._timer.cancel()


def test_each_message_is_saved_as_a_readable_eml_file_only_its_owner_can_read(tmp_path):
    backend = SavedMailBackend(file_path=tmp_path / "mail")
    messages = [
        mail.EmailMessage("Your sign-in code", "Code: 123456", to=["ana@example.org"]),
        mail.EmailMessage("Kudos from Bea", "Thank you!", to=["bea@example.org"]),
    ]
    assert backend.send_messages(messages) == 2
    files = sorted((tmp_path / "mail").iterdir())
    assert len(files) == 2
    assert files[0].name.endswith("-ana-your-sign-in-code.eml")
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["Subject"] == "Your sign-in code"
    assert parsed["To"] == "ana@example.org"
    assert "Code: 123456" in parsed.get_payload(decode=True).decode()
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_the_settings_backend_writes_into_the_data_directory(settings, tmp_path):
    settings.EMAIL_BACKEND = "kith.notify.mailbox.SavedMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "var-mail"
    assert mail.send_mail("Hello", "Body", None, ["ana@example.org"]) == 1
    assert len(list((tmp_path / "var-mail").glob("*.eml"))) == 1


def test_one_line_at_once_then_one_line_per_burst(tmp_path, caplog):
    summary = mailbox._Summary(seconds=3600)  # flushed by hand below
    path = tmp_path / "a.eml"
    with caplog.at_level(logging.INFO, logger="kith.notify.mailbox"):
        summary.saved("ana@example.org", "Your sign-in code", path)
        assert len(caplog.records) == 1  # a login code shows at once
        assert "ana@example.org" in caplog.text and "Your sign-in code" in caplog.text
        for n in range(300):
            summary.saved(f"p{n}@example.org", "You are invited", path)
        assert len(caplog.records) == 1
        summary.flush()
        assert len(caplog.records) == 2
        assert "300 more emails saved" in caplog.records[-1].getMessage()
        assert summary._timer is not None  # the burst may go on: the window stays open
        summary._timer.cancel()
        summary.flush()  # nothing new: nothing said, and the window closes
        assert len(caplog.records) == 2
    assert summary._timer is None
