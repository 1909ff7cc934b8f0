from __future__ import annotations

PERSONAL_PATHS = (
    "/places/days/",
    "/places/leave/",
    "/api/v1/places/office-days",
    "/api/v1/places/leave",
    # Answers that name people: who will be in an office on a day, and teams' anchor days.
    "/api/v1/places/who-is-there",
    "/api/v1/places/anchor-days",
)


def register(app_label: str) -> None:
    """Office days, leave and nudges are the person's own data: in their export, on the
    privacy page, and never cached by a browser or proxy; nor is any answer naming people
    (who is there, anchor days)."""
    from kith.core import registry
    from kith.core.sensitive import register_personal_path
    from kith.places.selectors import days

    for prefix in PERSONAL_PATHS:
        register_personal_path(prefix)
    registry.register_export_section(
        app_label=app_label,
        key="office_days",
        build=registry.of_person(days.my_office_days_data),
    )
    registry.register_privacy_section(app_label=app_label, template="places/days/_privacy.html")
