"""Places forms: one module per part (offices, days)."""
