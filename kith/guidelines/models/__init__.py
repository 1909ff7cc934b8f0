"""Guidelines and boundaries: the organisation's channel guide (which conversation belongs in
which medium) and the boundaries Kith keeps (team tech-free hours, wellness weeks). Personal
preferences are `directory.ContactPreference` (decision 0012)."""

from kith.guidelines.models.boundaries import TechFreeHours, WellnessWeek
from kith.guidelines.models.guide import Channel, ChannelAdvice, ConversationKind

__all__ = ["Channel", "ChannelAdvice", "ConversationKind", "TechFreeHours", "WellnessWeek"]
