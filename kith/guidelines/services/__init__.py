"""Guidelines services: the channel guide (guide.py) and boundaries (boundaries.py)."""
