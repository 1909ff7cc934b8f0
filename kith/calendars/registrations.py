"""What the calendars app plugs into core: the busy source, the export, the privacy page and
the personal paths."""

from __future__ import annotations


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
