"""Demo data, one module per part, each with `seed(*, today, seed, demo_emails) -> str`."""
