"""Places services: one module per part (offices, days), keyword-only writes."""
