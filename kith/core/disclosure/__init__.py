"""Kith's one disclosure-control layer (docs/privacy.md, decision 0007).

Every aggregate about people that any app publishes is a *cell* over a *population* (the
people it describes). `engine` decides, with pure numpy, which candidate cells may be added
to what is already published; `ledger` records what was published, keyed by stable identity,
and asks each app (through a registry) for the populations of its recorded cells.
"""
