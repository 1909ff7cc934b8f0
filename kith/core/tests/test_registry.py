"""kith.core imports no domain app (DESIGN §2): what it shows for every app — the personal
data export, the privacy page, the person behind a login, the page header — is registered by
the apps themselves (kith.core.registry)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test import Client

from kith.core import registry

CORE = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (type-checking blocks and functions too),
    plus any `import_module("…")` or `__import__("…")` of a literal name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_core_imports_no_domain_app():
    sources = [p for p in CORE.rglob("*.py") if "tests" not in p.relative_to(CORE).parts]
    assert len(sources) > 5  # the walk found core's code
    offending = [
        f"{path.relative_to(CORE.parent.parent)}:{line} imports {module}"
        for path in sources
        for line, module in _imported_modules(path)
        if (module == "kith" or module.startswith("kith."))
        and not (module == "kith.core" or module.startswith("kith.core."))
    ]
    assert offending == []


def test_the_import_check_would_catch_a_domain_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from kith.directory.models import Person\n"
        "def f():\n    import kith.notify.selectors\n"
        "    return importlib.import_module('kith.pulse.results')\n"
    )
    modules = [m for _, m in _imported_modules(sample)]
    assert {"kith.directory.models", "kith.notify.selectors", "kith.pulse.results"} <= set(modules)


@pytest.mark.django_db
def test_the_export_lists_every_registered_section(employee_client):
    data = employee_client.get("/me/export.json").json()
    assert list(data) == [s.key for s in registry.export_sections()]
    assert {"account", "directory_entry", "notifications", "communities", "events"} <= set(data)


@pytest.mark.django_db
def test_a_login_without_a_person_gets_only_the_sections_about_the_login(db):
    from kith.accounts.models import User

    client = Client()
    client.force_login(User.objects.create_user("robot@example.com", "pw-long-enough-1"))
    data = client.get("/me/export.json").json()
    assert list(data) == [s.key for s in registry.export_sections() if not s.needs_person]


def _holds_personal_data(model: type[models.Model]) -> bool:
    people = {settings.AUTH_USER_MODEL.lower(), "directory.person"}
    return model._meta.label_lower in people or any(
        f.is_relation
        and f.related_model is not None
        and f.related_model._meta.label_lower in people
        for f in model._meta.get_fields()
        if f.concrete
    )


def test_every_app_that_holds_personal_data_adds_its_section_to_the_export():
    registered = {s.app_label for s in registry.export_sections()}
    holding = {
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("kith.")
        and config.label != "core"  # the audit log is HR's record, not a person's data
        and any(_holds_personal_data(m) for m in config.get_models())
    }
    assert holding  # the walk found the apps
    assert holding - registered == set()


@pytest.mark.django_db
def test_the_privacy_page_shows_every_registered_section(employee_client):
    html = employee_client.get("/privacy/").content.decode()
    sections = registry.privacy_sections()
    assert {s.app_label for s in sections} >= {"directory", "pulse", "communities"}
    assert "Employee id, employment type, exact start date" in html  # directory
    assert 'id="pulse"' in html and 'id="communities"' in html


def test_a_section_belongs_to_one_app():
    with pytest.raises(ImproperlyConfigured, match="both 'communities' and 'intruder'"):
        registry.register_export_section(
            app_label="intruder", key="communities", build=lambda viewer: {}
        )


def test_an_app_registered_later_appears_in_the_export(monkeypatch, employee_client, employee):
    monkeypatch.setattr(registry, "_export_sections", dict(registry._export_sections))
    registry.register_export_section(
        app_label="later", key="later", build=lambda viewer: {"id": viewer.person.pk}
    )
    data = employee_client.get("/me/export.json").json()
    assert data["later"] == {"id": employee.pk} and list(data)[-1] == "later"
