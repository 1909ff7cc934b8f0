"""Places: offices as meeting places (the Office model itself lives in the directory, decision
0012), the days people plan to be in them, and the days they are away."""

from kith.places.models.days import AnchorDay, OfficeDay, OfficeDayNudge
from kith.places.models.leave import Leave

__all__ = ["AnchorDay", "Leave", "OfficeDay", "OfficeDayNudge"]
