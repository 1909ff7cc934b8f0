"""`kith messages [ROOT ...]`: extract, merge and compile the translation catalogues.

Each Kith app keeps its own catalogue (kith/<app>/locale/<lang>/LC_MESSAGES/django.po, and
djangojs.po when the app has JavaScript); the shared templates in kith/templates keep theirs in
kith/templates/locale. With no ROOT, every catalogue root is done.

`--check` changes nothing: it extracts into a scratch copy and fails, naming the file and the
message, when a string in the code has no entry, an entry is untranslated or fuzzy, a format
placeholder differs, or the compiled .mo is not the .po's (CI runs it through a test).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib  # type: ignore[import-untyped]
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

KITH_DIR = Path(__file__).resolve().parents[3]
# Kept out of every catalogue: tests, migrations, the vendored or built static files.
IGNORED = [
    *(f"{d}/*" for d in ("tests", "migrations", "management", "vendor")),
    *(f"*/{d}/*" for d in ("tests", "migrations", "management", "vendor")),
    "*.min.js",
]
# Apps with nothing a person reads (no catalogue needed).
NO_CATALOGUE = {"jobs"}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalogue_roots() -> list[Path]:
    """Every directory that owns a catalogue: each app under kith/, and kith/templates."""
    roots = [
        path
        for path in sorted(KITH_DIR.iterdir())
        if path.is_dir() and (path / "apps.py").exists() and path.name not in NO_CATALOGUE
    ]
    return [*roots, KITH_DIR / "templates"]


def has_javascript(root: Path) -> bool:
    static = root / "static"
    return static.is_dir() and any(
        "vendor" not in js.parts and not js.name.endswith(".min.js") for js in static.rglob("*.js")
    )


@contextlib.contextmanager
def working_dir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def extract(root: Path, langs: list[str]) -> None:
    """makemessages for every language and domain of one root (merging into its .po files)."""
    (root / "locale").mkdir(exist_ok=True)
    domains = ["django", *(["djangojs"] if has_javascript(root) else [])]
    with working_dir(root):
        for domain in domains:
            call_command(
                "makemessages",
                locale=langs,
                domain=domain,
                ignore_patterns=IGNORED,
                no_obsolete=True,
                add_location="file",
                verbosity=0,
            )


def compile_catalogues(root: Path) -> None:
    for po_path in sorted((root / "locale").glob("*/LC_MESSAGES/*.po")):
        subprocess.run(
            ["msgfmt", "--check-format", "-o", str(po_path.with_suffix(".mo")), str(po_path)],
            check=True,
        )


def problems(root: Path, langs: list[str]) -> list[str]:
    """What is wrong with one root's catalogues, without changing them."""
    found: list[str] = []
    rel = root.relative_to(KITH_DIR.parent)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / root.name
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        extract(copy, langs)
        for po_path in sorted((copy / "locale").glob("*/LC_MESSAGES/*.po")):
            where = rel / po_path.relative_to(copy)
            committed = root / po_path.relative_to(copy)
            if not committed.exists():
                found.append(f"{where}: missing (run: kith messages {rel})")
                continue
            merged = polib.pofile(str(po_path))
            known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(committed))}
            for entry in merged:
                if entry.obsolete:
                    continue
                if (entry.msgctxt, entry.msgid) not in known:
                    found.append(f"{where}: not in the catalogue: {entry.msgid!r}")
                elif "fuzzy" in entry.flags:
                    found.append(f"{where}: fuzzy: {entry.msgid!r}")
                elif not entry.translated():
                    found.append(f"{where}: untranslated: {entry.msgid!r}")
            check = subprocess.run(
                ["msgfmt", "--check-format", "-o", os.devnull, str(committed)],
                capture_output=True,
                text=True,
            )
            if check.returncode:
                found.append(f"{where}: {check.stderr.strip()}")
            found.extend(_stale_mo(committed, where))
    return found


def _stale_mo(po_path: Path, where: Path) -> list[str]:
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [f"{where.with_suffix('.mo')}: missing (run: kith messages)"]
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path))
    }
    wanted = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(po_path))
        if e.translated() and not e.obsolete and "fuzzy" not in e.flags
    }
    compiled.pop((None, ""), None)
    if compiled != wanted:
        return [f"{where.with_suffix('.mo')}: out of date with its .po (run: kith messages)"]
    return []


class Command(BaseCommand):
    help = "Extract and compile the translation catalogues (or --check them) of Kith's apps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "roots", nargs="*", help="App directories such as kith/pulse (default: all)"
        )
        parser.add_argument(
            "--check", action="store_true", help="change nothing; fail on any missing entry"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if shutil.which("xgettext") is None or shutil.which("msgfmt") is None:
            raise CommandError(
                "GNU gettext is not installed (xgettext, msgfmt): apt-get install gettext"
            )
        roots = [self._root(r) for r in options["roots"]] or catalogue_roots()
        langs = languages()
        if options["check"]:
            found = [line for root in roots for line in problems(root, langs)]
            for line in found:
                self.stdout.write(line)
            if found:
                raise CommandError(f"{len(found)} translation problem(s); see above.")
            self.stdout.write(f"{len(roots)} catalogue root(s) complete for {', '.join(langs)}.")
            return
        for root in roots:
            extract(root, langs)
            compile_catalogues(root)
            self.stdout.write(f"{root.relative_to(KITH_DIR.parent)}: extracted and compiled")

    def _root(self, given: str) -> Path:
        path = Path(given).resolve()
        if path not in {root.resolve() for root in catalogue_roots()}:
            raise CommandError(
                f"{given}: not a catalogue root; use an app directory such as kith/pulse "
                "or kith/templates"
            )
        return path
