"""Places selectors: one module per part (offices, days), already authorised reads."""
