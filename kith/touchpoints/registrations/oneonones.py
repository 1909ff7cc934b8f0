from __future__ import annotations

PERSONAL_PATHS = (
    "/touchpoints/1on1/",
    "/touchpoints/meetings/",
    "/touchpoints/check-ins/",
    "/touchpoints/agenda/",
    "/touchpoints/actions/",
    "/api/v1/touchpoints/one-on-ones",
    "/api/v1/touchpoints/meetings",
    "/api/v1/touchpoints/check-ins",
)


def register(app_label: str) -> None:
    """1:1s and check-ins are the participants' own data: in their export, on the privacy
    page, and never cached by a browser or proxy."""
    from kith.core import registry
    from kith.core.sensitive import register_personal_path
    from kith.touchpoints.selectors import oneonones

    for prefix in PERSONAL_PATHS:
        register_personal_path(prefix)
    registry.register_export_section(
        app_label=app_label,
        key="one_on_ones_and_check_ins",
        build=registry.of_person(oneonones.my_touchpoints_data),
    )
    registry.register_privacy_section(
        app_label=app_label, template="touchpoints/_privacy_oneonones.html"
    )
