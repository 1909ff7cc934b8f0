"""Background and periodic work of every part (found by kith.jobs' autodiscovery)."""

from kith.touchpoints.tasks.audit import *  # noqa: F403
from kith.touchpoints.tasks.coverage import *  # noqa: F403
from kith.touchpoints.tasks.journeys import *  # noqa: F403
from kith.touchpoints.tasks.oneonones import *  # noqa: F403
from kith.touchpoints.tasks.span import *  # noqa: F403
