from __future__ import annotations


def register(app_label: str) -> None:
    """Coverage publishes figures about groups of people: its cells go into the disclosure
    ledger, which resolves them to people through this source."""
    from kith.core.disclosure import ledger
    from kith.touchpoints.services.coverage import SOURCE, population_of

    ledger.register_source(SOURCE, population_of)
