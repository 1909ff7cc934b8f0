"""What gatherings plug into core: the personal export, the privacy page, personal paths.

A gathering's pages show the viewer's own group and, to its organiser, people's travel
distances: never stored by a browser or proxy. The only aggregate about people it feeds is
Insights' "met someone at a gathering" share, which Insights publishes through the
disclosure layer (kith/insights/facts.py); no disclosure source is registered here."""

from __future__ import annotations


def register(app_label: str) -> None:
    from kith.core import registry
    from kith.core.sensitive import register_personal_path
    from kith.gatherings.selectors import gatherings_data_of_person

    register_personal_path("/gatherings/")
    register_personal_path("/api/v1/gatherings")
    registry.register_export_section(
        app_label=app_label,
        key="gatherings",
        build=registry.of_person(gatherings_data_of_person),
    )
    registry.register_privacy_section(app_label=app_label, template="gatherings/_privacy.html")
