from __future__ import annotations

# The advisor's answers name a colleague, their distance and common free times: never kept
# by a browser or proxy.
PERSONAL_PATHS = (
    "/guidelines/advisor/",
    "/api/v1/guidelines/advice",
    "/api/v1/guidelines/propose-call",
)


def register(app_label: str) -> None:
    """The channel guide holds nothing about any person; the advisor stores nothing. Its
    pages are personal (no-store), and the privacy page says what a proposal sends."""
    from kith.core import registry
    from kith.core.sensitive import register_personal_path

    for prefix in PERSONAL_PATHS:
        register_personal_path(prefix)
    registry.register_privacy_section(
        app_label=app_label, template="guidelines/_privacy_guide.html"
    )
