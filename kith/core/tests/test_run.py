"""`kith run`'s terminal: "up" only once the web server answers, each line once, no
traceback for an ordinary 403/404, the demo logins last."""

from __future__ import annotations

import io
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied

from kith.core.management.commands import run as run_module
from kith.core.management.commands.run import Command, Relay, probe_connection, web_answers


@pytest.mark.parametrize(
    ("bind", "host", "port"),
    [
        ("127.0.0.1:8150", "127.0.0.1", 8150),
        ("0.0.0.0:8101", "127.0.0.1", 8101),
        ("[::]:8101", "::1", 8101),
        ("[::1]:8102", "::1", 8102),
        ("localhost", "localhost", 8000),
    ],
)
def test_the_probe_goes_where_gunicorn_listens(bind, host, port):
    connection = probe_connection(bind)
    assert connection is not None
    assert (connection.host, connection.port) == (host, port)


def test_a_unix_socket_is_probed_over_the_socket():
    connection = probe_connection("unix:/tmp/kith.sock")
    assert isinstance(connection, run_module.UnixHTTPConnection)
    assert connection.socket_path == "/tmp/kith.sock"
    assert probe_connection("fd://3") is None  # handed over by systemd: nothing to probe


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_up_means_a_request_is_answered_not_just_a_port_open():
    port = free_port()
    assert not web_answers(f"127.0.0.1:{port}", "localhost")  # nobody listens

    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hosts.append(self.headers["Host"])
            self.send_response(400)  # any answer: a worker has loaded Kith
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert web_answers(f"127.0.0.1:{port}", "kith.example.org")
    finally:
        server.shutdown()
        server.server_close()
    assert hosts == ["kith.example.org"]  # the public name, which ALLOWED_HOSTS accepts


def test_the_relay_copies_each_line_once_and_notices_the_start():
    lines: list[str] = []
    relay = Relay("worker", io.StringIO("Starting worker\nTask done\n"), lines.append)
    relay.join(timeout=5)
    assert relay.started.is_set()
    assert lines == ["Starting worker\n", "Task done\n"]


def command() -> tuple[Command, io.StringIO]:
    out = io.StringIO()
    cmd = Command(stdout=out)
    cmd._lock = threading.Lock()
    return cmd, out


def test_the_announcement_ends_with_the_demo_logins(settings, tmp_path):
    settings.EMAIL_BACKEND = "kith.notify.mailbox.SavedMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    cmd, out = command()
    login = "  Employee  miguel.costa@example.com  password: pw  (Miguel Costa)"
    cmd.announce("http://127.0.0.1:8150", [login])
    lines = out.getvalue().splitlines()
    assert "Kith is up: http://127.0.0.1:8150/" in lines[1]
    assert any(f"saved in {tmp_path / 'mail'}/" in line for line in lines)
    assert lines[-2].startswith("Demo logins")
    assert "miguel.costa@example.com" in lines[-1] and "(Miguel Costa)" in lines[-1]


def test_no_mail_line_when_a_mail_server_is_configured(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    cmd, out = command()
    cmd.announce("http://127.0.0.1:8150", [])
    assert "Emails are not sent" not in out.getvalue()
    assert "Demo logins" not in out.getvalue()


def test_production_prints_no_demo_logins(settings):
    settings.PRODUCTION = True
    assert Command.demo_logins() == []


@pytest.mark.django_db
def test_demo_logins_of_an_empty_directory_are_none():
    assert Command.demo_logins() == []


def console_handler() -> logging.Handler:
    [handler] = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    return handler


def record(name: str, status: int, level: int = logging.WARNING) -> logging.LogRecord:
    try:
        raise PermissionDenied("not yours")
    except PermissionDenied:
        exc_info = sys.exc_info()
    entry = logging.LogRecord(name, level, __file__, 1, "Forbidden: %s", ("/x/",), exc_info)
    entry.status_code = status
    return entry


def test_a_403_is_one_line_without_a_traceback():
    handler = console_handler()
    entry = record("django.request", 403)
    assert handler.filter(entry)
    text = handler.format(entry)
    assert "Forbidden: /x/" in text
    assert "Traceback" not in text and "\n" not in text


def test_a_server_error_keeps_its_traceback():
    handler = console_handler()
    entry = record("django.request", 500, logging.ERROR)
    assert handler.filter(entry)
    assert "Traceback" in handler.format(entry)


def test_routine_task_lines_stay_out_of_the_terminal_but_failures_show():
    handler = console_handler()
    started = logging.LogRecord("django_tasks", logging.INFO, __file__, 1, "RUNNING", (), None)
    failed = logging.LogRecord("django_tasks", logging.ERROR, __file__, 1, "FAILED", (), None)
    ours = logging.LogRecord("kith.connect", logging.INFO, __file__, 1, "drew", (), None)
    assert not handler.filter(started)
    assert handler.filter(failed)
    assert handler.filter(ours)


def test_an_address_another_program_holds_is_refused_before_anything_starts():
    """A server already on the port would answer the health check: Kith must not call
    itself up there."""
    import socket as socket_module

    from kith.core.management.commands.run import address_in_use

    with socket_module.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert address_in_use(f"127.0.0.1:{port}")
    assert not address_in_use(f"127.0.0.1:{port}")
    assert not address_in_use("unix:/tmp/kith.sock")
