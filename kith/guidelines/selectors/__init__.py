"""Guidelines selectors, already authorised: the channel guide (guide.py) and boundaries
(boundaries.py)."""
