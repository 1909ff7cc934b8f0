"""The human-touch audit's reads, already authorised for the viewer: the journey map (HR),
one process's page (HR), the feedback page (every colleague), a person's own export.

HR sees only *published* feedback (through the disclosure layer, in batches of k): never a
live count of answers, which would tell, by watching it, when someone answered."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.permissions import (
    Viewer,
    can_give_step_feedback,
    can_manage_touchpoints,
    require,
)
from kith.touchpoints.audit_receipts import answered_steps
from kith.touchpoints.engine.audit import (
    RISK_ORDER,
    STAGES,
    Assessment,
    Feedback,
    Reason,
    Risk,
    StepFacts,
    assess,
    risk_counts,
    worst,
)
from kith.touchpoints.models.audit import LifecycleProcess, ProcessStep, Stage, StepFigure
from kith.touchpoints.services.audit import ONLY_HR, min_group

RISK_LABELS = {
    Risk.HIGH: gettext_lazy("High risk"),
    Risk.MEDIUM: gettext_lazy("Medium risk"),
    Risk.LOW: gettext_lazy("Low risk"),
}
# Shapes as well as colours, so the risk never depends on seeing colour (WCAG 1.4.1).
RISK_ICONS = {Risk.HIGH: "▲", Risk.MEDIUM: "◆", Risk.LOW: "●"}

STAGE_SUGGESTIONS = {
    "recruit": gettext_lazy(
        "Have a person call candidates with the news, a no above all, before any automated "
        "message goes out."
    ),
    "onboard": gettext_lazy(
        "Have the manager or the buddy do this with the new joiner in person; let the system "
        "only record it."
    ),
    "perform": gettext_lazy(
        "Add a conversation with the manager before the form, and talk the outcome through "
        "together."
    ),
    "engage": gettext_lazy(
        "Follow up in person: the manager or an HR partner talks with the people it concerns."
    ),
    "develop": gettext_lazy(
        "Make it a conversation with the manager; the tool can prepare it, not replace it."
    ),
    "resolve": gettext_lazy(
        "Offer a conversation with an HR partner first; the form can record what was agreed."
    ),
    "offboard": gettext_lazy(
        "Tell people in person (their manager, with HR), then confirm in writing."
    ),
}
HYBRID_SUGGESTION = gettext_lazy(
    "Make sure the person's part comes first and is a real conversation, not a sign-off at the end."
)
FEEDBACK_SUGGESTION = gettext_lazy(
    "Ask a few people who went through it what felt impersonal, and change that part first."
)


@dataclass(frozen=True)
class FigureView:
    respondents: int
    felt_human: float  # shares, 0..1
    partly: float
    not_human: float
    published_on: dt.date  # the day (UTC) only: a figure keeps no time

    @property
    def yes_percent(self) -> int:
        return round(100 * self.felt_human)

    @property
    def partly_percent(self) -> int:
        return round(100 * self.partly)

    @property
    def no_percent(self) -> int:
        return round(100 * self.not_human)


@dataclass(frozen=True)
class StepView:
    step: ProcessStep
    process: LifecycleProcess
    assessment: Assessment
    figure: FigureView | None

    @property
    def risk(self) -> str:
        return str(self.assessment.risk)

    @property
    def risk_label(self) -> str:
        return str(RISK_LABELS[self.assessment.risk])

    @property
    def risk_icon(self) -> str:
        return RISK_ICONS[self.assessment.risk]

    @property
    def reasons(self) -> list[str]:
        return [_reason_text(r, self.figure) for r in self.assessment.reasons]

    @property
    def suggestions(self) -> list[str]:
        found: list[str] = []
        for reason in self.assessment.reasons:
            if reason is Reason.AUTOMATED_WITH_WEIGHT:
                found.append(str(STAGE_SUGGESTIONS[self.assessment.stage]))
            elif reason is Reason.HYBRID_WITH_WEIGHT:
                found.append(str(HYBRID_SUGGESTION))
            else:
                found.append(str(FEEDBACK_SUGGESTION))
        return found


def _reason_text(reason: Reason, figure: FigureView | None) -> str:
    if reason is Reason.AUTOMATED_WITH_WEIGHT:
        return _("It needs a human touch, but no person takes part in it.")
    if reason is Reason.HYBRID_WITH_WEIGHT:
        return _("It needs a human touch, and a person is only part of it.")
    assert figure is not None
    return _("%(share)d %% of the %(people)d people who answered said it did not feel human.") % {
        "share": round(100 * figure.not_human),
        "people": figure.respondents,
    }


@dataclass
class ProcessCard:
    process: LifecycleProcess
    steps: list[StepView] = field(default_factory=list)


@dataclass
class StageColumn:
    key: str
    label: str
    processes: list[ProcessCard]
    counts: dict[str, int]  # by risk ("high", "medium", "low")
    worst: str


@dataclass
class LifecycleMap:
    stages: list[StageColumn]
    flagged: list[StepView]
    counts: dict[str, int]
    k: int

    @property
    def is_empty(self) -> bool:
        return not any(column.processes for column in self.stages)

    @property
    def steps(self) -> list[StepView]:
        return [s for c in self.stages for p in c.processes for s in p.steps]


def _latest_figures(step_ids: list[int]) -> dict[int, StepFigure]:
    latest: dict[int, StepFigure] = {}
    for figure in StepFigure.objects.filter(step_id__in=step_ids).order_by(
        "step_id", "-up_to_receipt"
    ):
        latest.setdefault(figure.step_id, figure)
    return latest


def _figure_view(figure: StepFigure | None) -> FigureView | None:
    if figure is None or figure.respondents == 0:
        return None
    n = figure.respondents
    return FigureView(
        respondents=n,
        felt_human=figure.felt_human / n,
        partly=figure.partly / n,
        not_human=figure.not_human / n,
        published_on=figure.published_at.astimezone(dt.UTC).date(),
    )


def _step_view(step: ProcessStep, process: LifecycleProcess, figure: StepFigure | None) -> StepView:
    feedback = (
        Feedback(figure.respondents, figure.felt_human, figure.partly, figure.not_human)
        if figure is not None
        else None
    )
    facts = StepFacts(process.stage, step.mode, step.needs_human_touch, feedback)
    return StepView(step, process, assess(facts), _figure_view(figure))


def _stage_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Stage.choices}


def lifecycle_map_for_viewer(viewer: Viewer) -> LifecycleMap:
    """The whole lifecycle at a glance: three queries whatever its size."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    processes = list(LifecycleProcess.objects.order_by("stage", "position", "id"))
    steps = list(ProcessStep.objects.order_by("process_id", "position", "id"))
    figures = _latest_figures([s.pk for s in steps])
    cards = {p.pk: ProcessCard(p) for p in processes}
    for step in steps:
        card = cards[step.process_id]
        card.steps.append(_step_view(step, card.process, figures.get(step.pk)))
    by_stage: dict[str, list[ProcessCard]] = defaultdict(list)
    for process in processes:
        by_stage[process.stage].append(cards[process.pk])
    labels = _stage_labels()
    columns = []
    for stage in STAGES:
        views = [s.assessment for card in by_stage[stage] for s in card.steps]
        columns.append(
            StageColumn(
                stage,
                labels[stage],
                by_stage[stage],
                _by_name(risk_counts(views)),
                str(worst(a.risk for a in views)),
            )
        )
    every = [s for c in columns for card in c.processes for s in card.steps]
    flagged = sorted(
        (s for s in every if s.assessment.flagged),
        key=lambda s: (RISK_ORDER[s.assessment.risk], STAGES.index(s.process.stage)),
    )
    counts = _by_name(risk_counts(s.assessment for s in every))
    return LifecycleMap(columns, flagged, counts, min_group())


def _by_name(counts: dict[Risk, int]) -> dict[str, int]:
    """Plain keys, so templates can read counts.high."""
    return {str(risk): n for risk, n in counts.items()}


@dataclass
class ProcessPage:
    process: LifecycleProcess
    stage_label: str
    steps: list[StepView]


def process_for_viewer(viewer: Viewer, process_id: int) -> ProcessPage | None:
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    process = LifecycleProcess.objects.filter(pk=process_id).first()
    if process is None:
        return None
    steps = list(process.steps.order_by("position", "id"))
    figures = _latest_figures([s.pk for s in steps])
    return ProcessPage(
        process,
        _stage_labels()[process.stage],
        [_step_view(s, process, figures.get(s.pk)) for s in steps],
    )


def step_for_viewer(viewer: Viewer, step_id: int) -> StepView | None:
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    step = ProcessStep.objects.select_related("process").filter(pk=step_id).first()
    if step is None:
        return None
    return _step_view(step, step.process, _latest_figures([step.pk]).get(step.pk))


# --- Feedback (every colleague) -----------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackItem:
    step_id: int
    stage: str
    name: str
    description: str
    process: str
    answered: bool


@dataclass
class FeedbackStage:
    key: str
    label: str
    items: list[FeedbackItem]


@dataclass
class FeedbackPage:
    stages: list[FeedbackStage]

    @property
    def total(self) -> int:
        return sum(len(s.items) for s in self.stages)

    @property
    def answered(self) -> int:
        return sum(i.answered for s in self.stages for i in s.items)


def _feedback_steps() -> list[ProcessStep]:
    return list(
        ProcessStep.objects.filter(asks_feedback=True)
        .select_related("process")
        .order_by("process__position", "process_id", "position", "id")
    )


def _feedback_item(step: ProcessStep, answered: bool) -> FeedbackItem:
    process = step.process
    return FeedbackItem(step.pk, process.stage, step.name, step.description, process.name, answered)


def feedback_page_for_viewer(viewer: Viewer) -> FeedbackPage:
    """The steps that ask for feedback, by stage, and which of them the viewer answered
    (never how: Kith cannot tell). Two queries."""
    person_id = _colleague(viewer)
    steps = _feedback_steps()
    done = answered_steps(person_id, [s.pk for s in steps])
    labels = _stage_labels()
    by_stage: dict[str, list[FeedbackItem]] = defaultdict(list)
    for step in steps:
        by_stage[step.process.stage].append(_feedback_item(step, step.pk in done))
    return FeedbackPage([FeedbackStage(s, labels[s], by_stage[s]) for s in STAGES if by_stage[s]])


def _colleague(viewer: Viewer) -> int:
    require(can_give_step_feedback(viewer), _("Only colleagues in the directory give feedback."))
    assert viewer.person is not None
    return int(viewer.person.pk)


def feedback_item_for_viewer(viewer: Viewer, step_id: int) -> FeedbackItem | None:
    person_id = _colleague(viewer)
    step = (
        ProcessStep.objects.filter(pk=step_id, asks_feedback=True).select_related("process").first()
    )
    if step is None:
        return None
    done = answered_steps(person_id, [step.pk])
    return _feedback_item(step, step.pk in done)


def my_audit_data(person: Any) -> dict[str, Any]:
    """For the person's own export: the steps they said something about, never what (Kith
    cannot tell which answer is theirs)."""
    steps = list(
        ProcessStep.objects.select_related("process").order_by("process_id", "position", "id")
    )
    done = answered_steps(person.pk, [s.pk for s in steps])
    return {
        "note": _("Your answers are stored without your name, so they cannot be listed here."),
        "steps_answered": [
            {"stage": s.process.stage, "process": s.process.name, "step": s.name}
            for s in steps
            if s.pk in done
        ],
    }
