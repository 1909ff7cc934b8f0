from __future__ import annotations


def register(app_label: str) -> None:
    """What this part plugs into core (export, privacy page, disclosure sources, hooks)."""
    from kith.core import registry
    from kith.core.sensitive import register_personal_path
    from kith.directory.hooks import register_people_added
    from kith.touchpoints.selectors.journeys import my_journey_data
    from kith.touchpoints.services.journeys import on_people_added

    # A journey is one person's first months: never kept by a browser or a proxy.
    register_personal_path("/touchpoints/journeys/")
    register_personal_path("/api/v1/touchpoints/journeys")
    registry.register_export_section(
        app_label=app_label, key="onboarding_journey", build=registry.of_person(my_journey_data)
    )
    registry.register_privacy_section(
        app_label=app_label, template="touchpoints/journeys/_privacy.html"
    )
    # New people from an import get their journey once the import commits; the daily sweep
    # (tasks/journeys.py) catches anyone this misses.
    register_people_added(on_people_added, key="touchpoints.journeys")
