"""Touchpoints: 1:1s and check-ins, onboarding journeys, span of control, the human-touch
audit. One module per part; all of them are imported here so Django sees one app."""

from kith.touchpoints.models.audit import (
    LifecycleProcess,
    ProcessStep,
    StepFeedback,
    StepFigure,
    StepReceipt,
)
from kith.touchpoints.models.checkins import CheckIn
from kith.touchpoints.models.coverage import CoverageCell, CoverageRun
from kith.touchpoints.models.journeys import Journey, JourneyStep, JourneyTemplate, StepTemplate
from kith.touchpoints.models.oneonones import (
    ActionItem,
    AgendaItem,
    Meeting,
    OneOnOne,
    PrivateNote,
)
from kith.touchpoints.models.settings import TouchpointSettings
from kith.touchpoints.models.span import SpanNote, SpanSnapshot

__all__ = [
    "ActionItem",
    "AgendaItem",
    "CheckIn",
    "CoverageCell",
    "CoverageRun",
    "Journey",
    "JourneyStep",
    "JourneyTemplate",
    "LifecycleProcess",
    "Meeting",
    "OneOnOne",
    "PrivateNote",
    "ProcessStep",
    "SpanNote",
    "SpanSnapshot",
    "StepFeedback",
    "StepFigure",
    "StepReceipt",
    "StepTemplate",
    "TouchpointSettings",
]
