"""What the calendars app plugs into core: the busy source, the export, the privacy page and
the personal paths."""

from __future__ import annotations

from django.utils.translation import gettext_noop


def register(app_label: str) -> None:
    from kith.calendars.selectors import my_calendar_data
    from kith.calendars.services import busy_for_people
    from kith.core import calendars, registry
    from kith.core.sensitive import register_personal_path

    calendars.register_busy_source(busy_for_people, key=app_label)
    registry.register_export_section(
        app_label=app_label, key="calendar", build=registry.of_person(my_calendar_data)
    )
    registry.register_privacy_section(app_label=app_label, template="calendars/_privacy.html")
    register_personal_path("/calendars/")
    registry.register_integration(
        app_label=app_label,
        key="calendars",
        title=gettext_noop("Calendars"),
        description=gettext_noop(
            "Google Workspace and Microsoft 365 for the whole organisation; each "
            "person may also connect a CalDAV calendar. Kith reads busy or free only, so "
            "suggested meeting times avoid busy hours."
        ),
        url_name="calendars:settings",
        status=_status,
        order=20,
    )


def _status() -> tuple[bool, str]:
    from kith.calendars.models import CalendarConnection, ProviderSettings

    org = [p.get_provider_display() for p in ProviderSettings.objects.order_by("provider")]
    people = CalendarConnection.objects.count()
    detail = f"{people} {'person' if people == 1 else 'people'} connected a calendar."
    if org:
        detail = f"{' and '.join(org)} set up for everyone; {detail}"
    return bool(org) or people > 0, detail
