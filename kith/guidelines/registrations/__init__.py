"""One module per part; each registers what it shows in core (export, privacy page…)."""

from kith.guidelines.registrations import boundaries, guide


def register_all(app_label: str) -> None:
    guide.register(app_label)
    boundaries.register(app_label)
