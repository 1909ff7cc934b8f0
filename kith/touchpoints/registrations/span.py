from __future__ import annotations


def register(app_label: str) -> None:
    """What this part plugs into core (export, privacy page, disclosure sources, hooks).

    A manager's own span page holds their own figures: never stored by a browser or proxy.
    HR's note on a manager's span is data about them, so it is in their personal export.
    Spans publish no aggregate about people (they are facts of the org chart, and the team
    scores shown beside them are Pulse's and Insights' published cells), so no disclosure
    source is registered."""
    from kith.core import registry
    from kith.core.sensitive import register_personal_path
    from kith.touchpoints.selectors.span import span_data_of_person

    register_personal_path("/touchpoints/span/mine/")
    register_personal_path("/api/v1/touchpoints/span/mine")
    registry.register_export_section(
        app_label=app_label,
        key="span_of_control",
        build=registry.of_person(span_data_of_person),
    )
    registry.register_privacy_section(
        app_label=app_label, template="touchpoints/span/_privacy.html"
    )
