"""Where each app plugs in the parts of what core assembles for every app.

`kith.core` imports no domain app (DESIGN §2). Whatever core shows on behalf of every app —
the personal data export, the sections of the privacy page, the person behind a login, the
context every page template gets — is built here from parts that each app registers in its
`AppConfig.ready()`. Adding an app therefore never means editing core or accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.http import HttpRequest

    from kith.core.permissions import Viewer


@dataclass(frozen=True)
class ExportSection:
    """One top-level key of a person's data export, and the app that fills it in."""

    app_label: str
    key: str
    build: Callable[[Viewer], Any]
    needs_person: bool = True  # left out for a login with no directory entry behind it


@dataclass(frozen=True)
class PrivacySection:
    """A template included in the privacy page (/privacy/), in registration order."""

    app_label: str
    template: str


_export_sections: dict[str, ExportSection] = {}
_privacy_sections: dict[str, PrivacySection] = {}
_page_context: dict[str, Callable[[HttpRequest, Viewer], dict[str, Any]]] = {}
_person_lookup: list[Callable[[Any], Any]] = []


def _claim(registry: dict[str, Any], key: str, app_label: str, what: str) -> None:
    """A key belongs to one app; registering it again from the same app (a second `ready()`
    in tests) replaces it."""
    current = registry.get(key)
    if current is not None and getattr(current, "app_label", app_label) != app_label:
        raise ImproperlyConfigured(
            f"{what} {key!r} is registered by both {current.app_label!r} and {app_label!r}."
        )


# --- Personal data export -----------------------------------------------------------------------


def register_export_section(
    *, app_label: str, key: str, build: Callable[[Viewer], Any], needs_person: bool = True
) -> None:
    """Add `key` to every person's export (/me/export.json): `build(viewer)` returns what the
    app holds about the viewer and nobody else. Sections appear in registration order, which
    is the order of INSTALLED_APPS."""
    _claim(_export_sections, key, app_label, "Export section")
    _export_sections[key] = ExportSection(app_label, key, build, needs_person)


def of_person(build: Callable[[Any], Any]) -> Callable[[Viewer], Any]:
    """An app's `build(person)` as a section: sections that need a person are built only
    when a directory entry is behind the login."""

    def section(viewer: Viewer) -> Any:
        return build(viewer.person)

    return section


def export_sections() -> list[ExportSection]:
    return list(_export_sections.values())


def personal_data_for_viewer(viewer: Viewer) -> dict[str, Any]:
    """All that Kith holds about the viewer, one section per registered app part."""
    return {
        section.key: section.build(viewer)
        for section in _export_sections.values()
        if viewer.person is not None or not section.needs_person
    }


# --- Privacy page --------------------------------------------------------------------------------


def register_privacy_section(*, app_label: str, template: str) -> None:
    """Include `template` in /privacy/: what the app holds and who sees it, in plain words."""
    _claim(_privacy_sections, template, app_label, "Privacy section")
    _privacy_sections[template] = PrivacySection(app_label, template)


def privacy_sections() -> list[PrivacySection]:
    return list(_privacy_sections.values())


# --- Every page's template context --------------------------------------------------------------


def register_page_context(
    *, app_label: str, build: Callable[[HttpRequest, Viewer], dict[str, Any]]
) -> None:
    """Variables every page template gets (the unread notification count in the header)."""
    _page_context[app_label] = build


def page_context(request: HttpRequest, viewer: Viewer) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for build in _page_context.values():
        context.update(build(request, viewer))
    return context


# --- The person behind a login ------------------------------------------------------------------


def register_person_lookup(lookup: Callable[[Any], Any]) -> None:
    """The directory says which person a login belongs to (one lookup; the last one wins)."""
    _person_lookup[:] = [lookup]


def person_for_login(user: Any) -> Any:
    """The directory entry behind a signed-in login, or None (no directory app, no entry)."""
    return _person_lookup[0](user) if _person_lookup else None


# --- Integrations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Integration:
    """One entry of HR's integrations page (/integrations/): what it connects, where it is set
    up, and whether it is connected now (`status()` → (connected?, one short line))."""

    app_label: str
    key: str
    title: str
    description: str
    url_name: str
    status: Callable[[], tuple[bool, str]]
    order: int = 100


_integrations: dict[str, Integration] = {}


def register_integration(
    *,
    app_label: str,
    key: str,
    title: str,
    description: str,
    url_name: str,
    status: Callable[[], tuple[bool, str]],
    order: int = 100,
) -> None:
    _claim(_integrations, key, app_label, "Integration")
    _integrations[key] = Integration(app_label, key, title, description, url_name, status, order)


def integrations() -> list[Integration]:
    return sorted(_integrations.values(), key=lambda i: (i.order, i.title))


# --- Needs you now (the home page of HR and managers) --------------------------------------------


@dataclass(frozen=True)
class Need:
    """One card on the home page: something the viewer can act on now, and where to do it.

    `title` says what needs them ("2 survey waves are open"); `lines` name up to a few of
    them; `url` and `action` are the link that starts the work. A card shows only counts of
    the viewer's own actionable items or figures the app already publishes to this viewer
    (DESIGN §4): never a count about people that the disclosure layer would withhold."""

    app_label: str
    title: str
    url: str
    action: str
    lines: tuple[str, ...] = ()
    urgent: bool = False
    order: int = 100


NeedsBuilder = Callable[["Viewer"], "list[Need]"]
_needs: dict[str, tuple[str, NeedsBuilder]] = {}
_needs_discovered = False


def register_needs(*, app_label: str, key: str, build: NeedsBuilder) -> None:
    """Add `build(viewer)` to the home page's "needs you now": it returns the cards for this
    viewer ([] when nothing needs them, or they may not see it). Apps register from their
    `needs.py`, which core imports on first use (autodiscover_modules("needs"))."""
    _needs[key] = (app_label, build)


def _discover_needs() -> None:
    global _needs_discovered
    if not _needs_discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("needs")
        _needs_discovered = True


def needs_for_viewer(viewer: Viewer) -> list[Need]:
    """Every registered app's cards for the viewer, urgent ones first, then by `order`."""
    _discover_needs()
    cards: list[Need] = []
    for _app, build in _needs.values():
        cards.extend(build(viewer))
    return sorted(cards, key=lambda c: (not c.urgent, c.order))
