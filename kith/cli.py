"""The `kith` command: Django's management commands with Kith's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from kith.core.env import ImproperlyConfiguredEnv

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfiguredEnv as exc:
        sys.stderr.write(f"kith: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
