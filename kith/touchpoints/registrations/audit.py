from __future__ import annotations


def register(app_label: str) -> None:
    """What this part plugs into core (export, privacy page, disclosure sources, hooks)."""
    from kith.core import registry
    from kith.core.disclosure import ledger
    from kith.core.sensitive import register_personal_path
    from kith.touchpoints.selectors.audit import my_audit_data
    from kith.touchpoints.services.audit import SOURCE, population_of

    # Published "did this feel human?" figures: each describes a step's respondents.
    ledger.register_source(SOURCE, population_of)
    registry.register_privacy_section(
        app_label=app_label, template="touchpoints/audit/_privacy.html"
    )
    registry.register_export_section(
        app_label=app_label,
        key="human_touch_feedback",
        build=registry.of_person(my_audit_data),
    )
    # The feedback page and its API say which steps the signed-in person answered.
    register_personal_path("/touchpoints/audit/feedback")
    register_personal_path("/api/v1/touchpoints/audit/feedback")
