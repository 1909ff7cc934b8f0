"""One module per part; each registers what it shows in core (export, privacy page…)."""

from kith.places.registrations import days, offices


def register_all(app_label: str) -> None:
    offices.register(app_label)
    days.register(app_label)
