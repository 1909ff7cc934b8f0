from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from kith.core.permissions import Viewer


def _wellness_banner(request: HttpRequest, viewer: Viewer) -> dict[str, Any]:
    """Every page says when the organisation has logged off (in the viewer's own date)."""
    from kith.guidelines.selectors.boundaries import local_today, wellness_week_now

    if not request.user.is_authenticated:
        return {}
    return {"wellness_week": wellness_week_now(local_today(viewer))}


def register(app_label: str) -> None:
    """Quiet periods and pauses for notify, connect and touchpoints (through core), the
    banner, the export and privacy parts of the personal preferences."""
    from kith.core import boundaries, registry
    from kith.core.sensitive import register_personal_path
    from kith.guidelines.selectors.boundaries import (
        my_boundaries_data,
        organisation_paused_on,
        quiet_periods_for,
        wellness_week_name_on,
    )

    boundaries.register_quiet_periods(app_label=app_label, source=quiet_periods_for)
    boundaries.register_pause_check(app_label=app_label, check=organisation_paused_on)
    boundaries.register_pause_name(app_label=app_label, name_of=wellness_week_name_on)
    # Keyed apart from the channel guide's own page context, should it register one.
    registry.register_page_context(app_label=f"{app_label}.boundaries", build=_wellness_banner)
    registry.register_export_section(
        app_label=app_label, key="contact_preferences", build=registry.of_person(my_boundaries_data)
    )
    registry.register_privacy_section(
        app_label=app_label, template="guidelines/boundaries/_privacy.html"
    )
    register_personal_path("/guidelines/boundaries/")
    # The whole boundaries API: my preferences, the tech-free hours that apply to me or that I
    # manage (with their teams), my pause on my own date. Wellness weeks go along: harmless.
    register_personal_path("/api/v1/guidelines/boundaries/")
