"""Background and periodic work of every part (found by kith.jobs' autodiscovery)."""

from kith.places.tasks.days import *  # noqa: F403
