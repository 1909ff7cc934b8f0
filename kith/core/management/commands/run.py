"""`kith run`: web server, task worker and scheduler together, for a single-machine install.

Production runs the three as separate processes (docs/deploy.md); this command supervises
them as children and stops all of them when one dies or on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kith.core.env import base_url_for_bind, env_int


class Command(BaseCommand):
    help = "Start Kith: gunicorn web server, background worker and scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("KITH_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=env_int("KITH_WEB_WORKERS", 2, minimum=1)
        )

    def handle(self, *args: Any, bind: str, workers: int, **options: Any) -> None:
        python = sys.executable
        if "KITH_BASE_URL" not in os.environ:
            # Links the web server, worker and scheduler write follow the address they serve.
            os.environ["KITH_BASE_URL"] = base_url_for_bind(bind)
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
            "worker": [python, "-m", "kith.cli", "db_worker", "--interval", "1"],
            "scheduler": [python, "-m", "kith.cli", "scheduler"],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            f"Kith is up on http://{bind}/ (web, worker, scheduler). Ctrl-C stops it."
        )

        def stop(*_: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while True:
                for name, child in children.items():
                    code = child.poll()
                    if code is not None:
                        self.stderr.write(f"{name} exited with status {code}; stopping Kith.")
                        exit_code = code or 1
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=25)
                except subprocess.TimeoutExpired:
                    child.kill()
        if exit_code:
            raise SystemExit(exit_code)
