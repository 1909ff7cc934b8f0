"""Pure guidelines engines (no database): the channel advisor (advisor.py) and boundaries."""
