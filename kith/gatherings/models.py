"""Gatherings: introdays, core weeks and offsites planned where and when they cost people
least, with their agenda, invitations and small groups of people who have not met."""

from __future__ import annotations
