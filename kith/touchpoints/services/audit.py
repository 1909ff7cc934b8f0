"""The human-touch audit's writes: HR maps the employee lifecycle (processes and steps per
stage), colleagues say whether a step felt human, and Kith publishes what they said through
the disclosure layer.

Answers are unlinkable like survey answers (decision 0008): a keyed receipt (that someone
answered the step, readable only with SECRET_KEY) and a tally per step and answer, with no
person and no time. Answering writes no audit row and no log line. Every tally of the step
is rewritten by the same statement, so on PostgreSQL the rows' transaction ids cannot tell
which answer the newest receipt gave either.

Figures are published in batches: only when at least k more people answered since the last
publication (engine.audit.due_for_publication), and only if the disclosure engine keeps the
cell against what the ledger says this step published before. Only the hourly job publishes
(tasks/audit.py), never the answer that completes a batch, and a figure keeps only the day it
was published: a figure stamped with the moment of the k-th answer would tell whoever knows
who went through the step at that moment what they answered.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core import audit
from kith.core.disclosure import engine as rule
from kith.core.disclosure import ledger
from kith.core.permissions import (
    Viewer,
    can_give_step_feedback,
    can_manage_touchpoints,
    require,
)
from kith.directory.models import Person
from kith.touchpoints.audit_receipts import has_answered, person_of_digest, receipt_digest
from kith.touchpoints.engine.audit import ANSWERS, MODES, STAGES, due_for_publication
from kith.touchpoints.engine.audit_example import EXAMPLE_MAP
from kith.touchpoints.models.audit import (
    LifecycleProcess,
    ProcessStep,
    StepFeedback,
    StepFigure,
    StepReceipt,
)

log = logging.getLogger(__name__)

SOURCE = "touchpoints.audit"
DEFAULT_K = 5
MAX_PROCESSES_PER_STAGE = 30
MAX_STEPS_PER_PROCESS = 30
ONLY_HR = gettext_lazy("Only HR admins map the employee lifecycle.")
# What trimming removes from either end of a name (the API's pattern says the same).
BLANK = " \t\n\r\x0b\x0c"


class Conflict(ValidationError):
    """Valid on its own, but not with what is already there (a name taken, a full stage,
    the example into a map that has something): the API answers 409."""


class AlreadyAnswered(Conflict):
    """This person has told Kith about this step before."""


def min_group() -> int:
    """k: the fewest people whose answers are ever shown together (KITH_AUDIT_MIN_GROUP, 5
    by default, as for surveys; never below the engine's floor of 3)."""
    return max(rule.MIN_K, int(getattr(settings, "KITH_AUDIT_MIN_GROUP", DEFAULT_K)))


# --- Mapping the lifecycle (HR) ------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInput:
    stage: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class StepInput:
    name: str
    mode: str
    description: str = ""
    needs_human_touch: bool = False
    why_human: str = ""
    asks_feedback: bool = True


def _text(value: str, *, field: str, limit: int, required: str = "") -> str:
    """Trimmed text without NUL (PostgreSQL refuses it) and within its length."""
    text = str(value or "").replace("\x00", "").strip(BLANK)
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        message = _("Keep it to %(limit)d characters (this is %(length)d).")
        raise ValidationError({field: message % {"limit": limit, "length": len(text)}})
    return text


def _clean_process(data: ProcessInput) -> ProcessInput:
    if data.stage not in STAGES:
        raise ValidationError({"stage": _("Choose one of the seven lifecycle stages.")})
    name = _text(data.name, field="name", limit=160, required=_("Give the process a name."))
    description = _text(data.description, field="description", limit=2000)
    return ProcessInput(stage=data.stage, name=name, description=description)


def _clean_step(data: StepInput) -> StepInput:
    name = _text(data.name, field="name", limit=160, required=_("Give the step a name."))
    if data.mode not in MODES:
        raise ValidationError({"mode": _("Choose automated, human or hybrid.")})
    description = _text(data.description, field="description", limit=2000)
    why = ""
    if data.needs_human_touch:
        why = _text(
            data.why_human,
            field="why_human",
            limit=300,
            required=_(
                "Say in a few words why this step needs a human touch "
                "(for example: it decides someone's pay)."
            ),
        )
    return StepInput(
        name=name,
        mode=data.mode,
        description=description,
        needs_human_touch=bool(data.needs_human_touch),
        why_human=why,
        asks_feedback=bool(data.asks_feedback),
    )


def _stage_label(stage: str) -> str:
    return str(dict(LifecycleProcess._meta.get_field("stage").flatchoices).get(stage, stage))


def _check_process_name(data: ProcessInput, *, except_id: int | None = None) -> None:
    same = LifecycleProcess.objects.filter(stage=data.stage, name__iexact=data.name)
    if except_id is not None:
        same = same.exclude(pk=except_id)
    if same.exists():
        raise Conflict(
            {
                "name": _("%(stage)s already has a process called “%(name)s”.")
                % {"stage": _stage_label(data.stage), "name": data.name}
            }
        )


def _check_room_in_stage(stage: str) -> None:
    if LifecycleProcess.objects.filter(stage=stage).count() >= MAX_PROCESSES_PER_STAGE:
        raise Conflict(
            {
                "stage": _("%(stage)s already has %(limit)d processes; merge some first.")
                % {"stage": _stage_label(stage), "limit": MAX_PROCESSES_PER_STAGE}
            }
        )


def _next_position(queryset: object) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]  # type: ignore[attr-defined]
    return 0 if top is None else int(top) + 1


def process_create(*, viewer: Viewer, data: ProcessInput) -> LifecycleProcess:
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    clean = _clean_process(data)
    try:
        with transaction.atomic():
            _check_process_name(clean)
            _check_room_in_stage(clean.stage)
            process = LifecycleProcess.objects.create(
                stage=clean.stage,
                name=clean.name,
                description=clean.description,
                position=_next_position(LifecycleProcess.objects.filter(stage=clean.stage)),
            )
            audit.record(
                actor=viewer.user,
                action="touchpoints.audit.process_created",
                target=f"process:{process.pk}",
                stage=process.stage,
                name=process.name,
            )
    except IntegrityError:  # the same name, saved at the same moment elsewhere
        _check_process_name(clean)
        raise
    return process


def _process_locked(process_id: int) -> LifecycleProcess:
    return LifecycleProcess.objects.select_for_update().get(pk=process_id)


def process_update(*, viewer: Viewer, process_id: int, data: ProcessInput) -> LifecycleProcess:
    """Rename, describe or move a process to another stage (it goes last there)."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    clean = _clean_process(data)
    with transaction.atomic():
        process = _process_locked(process_id)
        _check_process_name(clean, except_id=process.pk)
        fields = ["name", "description"]
        if clean.stage != process.stage:
            _check_room_in_stage(clean.stage)
            process.stage = clean.stage
            process.position = _next_position(LifecycleProcess.objects.filter(stage=clean.stage))
            fields += ["stage", "position"]
        process.name, process.description = clean.name, clean.description
        process.save(update_fields=fields)
        audit.record(
            actor=viewer.user,
            action="touchpoints.audit.process_updated",
            target=f"process:{process.pk}",
            stage=process.stage,
            name=process.name,
        )
    return process


def process_delete(*, viewer: Viewer, process_id: int) -> None:
    """A process goes with its steps, and their feedback: the question is gone, so are its
    answers (what the ledger recorded as published stays recorded)."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    with transaction.atomic():
        process = _process_locked(process_id)
        steps = process.steps.count()
        name, stage = process.name, process.stage
        process.delete()
        _renumber(LifecycleProcess.objects.filter(stage=stage))
        audit.record(
            actor=viewer.user,
            action="touchpoints.audit.process_deleted",
            target=f"process:{process_id}",
            name=name,
            steps=steps,
        )


def _renumber(queryset: object, moved: tuple[int, int] | None = None) -> None:
    """Positions 0..n-1 in the current order; `moved` swaps two neighbours' places first."""
    rows = list(queryset.select_for_update().order_by("position", "id"))  # type: ignore[attr-defined]
    if moved is not None:
        i, j = moved
        rows[i], rows[j] = rows[j], rows[i]
    changed = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


def _neighbour(ids: Sequence[int], current: int, direction: str) -> tuple[int, int] | None:
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Move up or down.")})
    i = ids.index(current)
    j = i - 1 if direction == "up" else i + 1
    return (i, j) if 0 <= j < len(ids) else None


def process_move(*, viewer: Viewer, process_id: int, direction: str) -> LifecycleProcess:
    """One place up or down within its stage (nothing happens at either end)."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    with transaction.atomic():
        process = _process_locked(process_id)
        siblings = LifecycleProcess.objects.filter(stage=process.stage)
        ids = list(siblings.order_by("position", "id").values_list("pk", flat=True))
        _renumber(siblings, _neighbour(ids, process.pk, direction))
        audit.record(
            actor=viewer.user,
            action="touchpoints.audit.process_moved",
            target=f"process:{process.pk}",
            direction=direction,
        )
    process.refresh_from_db()
    return process


def _check_step_name(process_id: int, name: str, *, except_id: int | None = None) -> None:
    same = ProcessStep.objects.filter(process_id=process_id, name__iexact=name)
    if except_id is not None:
        same = same.exclude(pk=except_id)
    if same.exists():
        raise Conflict({"name": _("This process already has a step called “%s”.") % name})


def _ensure_tallies(step_ids: Iterable[int]) -> None:
    """A tally row per answer for each step, all created together in a fixed order, so
    their ids never tell which answer came first."""
    StepFeedback.objects.bulk_create(
        [StepFeedback(step_id=s, answer=a, count=0) for s in step_ids for a in ANSWERS],
        ignore_conflicts=True,
    )


def step_create(*, viewer: Viewer, process_id: int, data: StepInput) -> ProcessStep:
    """A new step, last in its process."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    clean = _clean_step(data)
    with transaction.atomic():
        process = _process_locked(process_id)
        _check_step_name(process.pk, clean.name)
        if process.steps.count() >= MAX_STEPS_PER_PROCESS:
            raise Conflict(
                {
                    "name": _("A process holds at most %d steps; split it into two.")
                    % MAX_STEPS_PER_PROCESS
                }
            )
        step = ProcessStep.objects.create(
            process=process,
            position=_next_position(process.steps.all()),
            **_step_fields(clean),
        )
        _ensure_tallies([step.pk])
        audit.record(
            actor=viewer.user,
            action="touchpoints.audit.step_created",
            target=f"step:{step.pk}",
            process=process.pk,
            name=step.name,
            mode=step.mode,
            needs_human_touch=step.needs_human_touch,
        )
    return step


def _step_fields(clean: StepInput) -> dict[str, object]:
    return {
        "name": clean.name,
        "description": clean.description,
        "mode": clean.mode,
        "needs_human_touch": clean.needs_human_touch,
        "why_human": clean.why_human,
        "asks_feedback": clean.asks_feedback,
    }


def _step_locked(step_id: int) -> ProcessStep:
    return ProcessStep.objects.select_for_update().get(pk=step_id)


def step_update(*, viewer: Viewer, step_id: int, data: StepInput) -> ProcessStep:
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    clean = _clean_step(data)
    with transaction.atomic():
        step = _step_locked(step_id)
        _check_step_name(step.process_id, clean.name, except_id=step.pk)
        for field, value in _step_fields(clean).items():
            setattr(step, field, value)
        step.save(update_fields=list(_step_fields(clean)))
        audit.record(
            actor=viewer.user,
            action="touchpoints.audit.step_updated",
            target=f"step:{step.pk}",
            name=step.name,
            mode=step.mode,
            needs_human_touch=step.needs_human_touch,
        )
    return step


def step_delete(*, viewer: Viewer, step_id: int) -> int:
    """Deletes a step with its receipts, tallies and figures; returns its process's id."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    with transaction.atomic():
        step = _step_locked(step_id)
        process_id, name = step.process_id, step.name
        step.delete()
        _renumber(ProcessStep.objects.filter(process_id=process_id))
        audit.record(
            actor=viewer.user,
            action="touchpoints.audit.step_deleted",
            target=f"step:{step_id}",
            process=process_id,
            name=name,
        )
    return process_id


def step_move(*, viewer: Viewer, step_id: int, direction: str) -> ProcessStep:
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    with transaction.atomic():
        step = _step_locked(step_id)
        siblings = ProcessStep.objects.filter(process_id=step.process_id)
        ids = list(siblings.order_by("position", "id").values_list("pk", flat=True))
        _renumber(siblings, _neighbour(ids, step.pk, direction))
        audit.record(
            actor=viewer.user,
            action="touchpoints.audit.step_moved",
            target=f"step:{step.pk}",
            direction=direction,
        )
    step.refresh_from_db()
    return step


def example_map_load(*, viewer: Viewer) -> int:
    """Kith's example lifecycle (engine/audit_example.py) into an empty map; returns the
    number of steps. Never into a map that has anything: HR's own work is never mixed with
    or overwritten by the example."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    not_empty = Conflict(
        {"map": _("The example goes only into an empty map, and yours already has processes.")}
    )
    try:
        with transaction.atomic():
            if LifecycleProcess.objects.exists():
                raise not_empty
            positions: dict[str, int] = defaultdict(int)
            steps = []
            for example in EXAMPLE_MAP:
                process = LifecycleProcess.objects.create(
                    stage=example.stage,
                    name=example.name,
                    description=example.description,
                    position=positions[example.stage],
                )
                positions[example.stage] += 1
                steps += [
                    ProcessStep(
                        process=process,
                        position=i,
                        name=s.name,
                        description=s.description,
                        mode=s.mode,
                        needs_human_touch=s.needs_human_touch,
                        why_human=s.why_human,
                        asks_feedback=s.asks_feedback,
                    )
                    for i, s in enumerate(example.steps)
                ]
            created = ProcessStep.objects.bulk_create(steps)
            # Not every database hands bulk-created ids back; the map was empty before.
            _ensure_tallies(ProcessStep.objects.values_list("pk", flat=True))
            audit.record(
                actor=viewer.user,
                action="touchpoints.audit.example_loaded",
                processes=len(EXAMPLE_MAP),
                steps=len(created),
            )
    except IntegrityError:  # someone else loaded it (or added a process) at the same moment
        raise not_empty from None
    return len(created)


# --- Feedback: "Did this feel human?" ----------------------------------------------------------


def step_feedback_submit(*, viewer: Viewer, step_id: int, answer: str) -> None:
    """One colleague's answer for one step, once, without them: a keyed receipt and a +1 on
    a tally. Raises ProcessStep.DoesNotExist for a step that does not ask for feedback (or
    does not exist), AlreadyAnswered the second time, ValidationError for an unknown answer.
    Nothing is published here: the hourly `publish_human_touch_feedback` publishes a step
    whose new batch of k answers is complete, so no figure appears, or is dated, at the
    moment of the answer that completed it."""
    require(can_give_step_feedback(viewer), _("Only colleagues in the directory give feedback."))
    if answer not in ANSWERS:
        raise ValidationError({"answer": _("Choose yes, partly or no.")})
    assert viewer.person is not None  # can_give_step_feedback
    person_id = viewer.person.pk
    with transaction.atomic():
        # Lock the step, never anything of the person's: the publication reads receipts and
        # tallies under the same lock, so a figure always covers whole answers.
        step = (
            ProcessStep.objects.select_for_update(no_key=True)
            .filter(pk=step_id, asks_feedback=True)
            .values_list("pk", flat=True)
            .first()
        )
        if step is None:
            raise ProcessStep.DoesNotExist
        already = AlreadyAnswered(
            {"answer": _("You have already told us about this step. Thank you!")}
        )
        if has_answered(step_id, person_id):
            raise already
        try:
            with transaction.atomic():
                StepReceipt.objects.create(
                    step_id=step_id, digest=receipt_digest(step_id, person_id)
                )
        except IntegrityError:  # the same person, answering at the same moment elsewhere
            raise already from None
        _ensure_tallies([step_id])
        StepFeedback.objects.filter(step_id=step_id).update(
            count=F("count") + Case(When(answer=answer, then=Value(1)), default=Value(0))
        )


# --- Publishing figures through the disclosure layer ----------------------------------------------


def batch_of(step_id: int) -> str:
    return f"step:{step_id}"


def key_of(step_id: int, up_to_receipt: int) -> str:
    """A figure's stable identity: its step and the last receipt it covers."""
    return f"step:{step_id}|receipts:{up_to_receipt}"


def _bound_of(key: str) -> int:
    return int(key.rpartition("|receipts:")[2])


def publication_day(now: dt.datetime) -> dt.datetime:
    """What a figure (and its ledger row) keeps of when it was published: the day, in UTC, as
    its midnight. Never the hour: even the hourly job's time narrows down when the answer
    that completed a batch came."""
    return dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time.min, tzinfo=dt.UTC)


def step_figures_publish(
    *, step_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Publish every step (or these) whose feedback has grown by a batch of k answers since
    it was last published, where the disclosure engine allows it. Returns how many figures
    were published. Safe to run any time, from anywhere: each step is checked under the
    ledger's publishing lock and its own row lock. The hourly job calls it
    (`publish_human_touch_feedback`); answering does not."""
    now = now or timezone.now()
    k = min_group()
    published = 0
    for step_id in _due_steps(step_ids, k):
        with ledger.publishing(), transaction.atomic():
            published += _publish_one(step_id, k, now)
    return published


def _due_steps(step_ids: Iterable[int] | None, k: int) -> list[int]:
    receipts = StepReceipt.objects.all()
    if step_ids is not None:
        receipts = receipts.filter(step_id__in=list(step_ids))
    answered: dict[int, int] = defaultdict(int)
    for step_id in receipts.values_list("step_id", flat=True).iterator():
        answered[step_id] += 1
    shown = dict(
        StepFigure.objects.filter(step_id__in=list(answered))
        .values("step_id")
        .annotate(most=Max("respondents"))
        .values_list("step_id", "most")
    )
    return sorted(s for s, n in answered.items() if due_for_publication(n, shown.get(s, 0), k))


def _publish_one(step_id: int, k: int, now: dt.datetime) -> int:
    step = ProcessStep.objects.select_for_update(no_key=True).filter(pk=step_id).first()
    if step is None:
        return 0
    receipts = list(
        StepReceipt.objects.filter(step_id=step_id).order_by("pk").values_list("pk", "digest")
    )
    last = (
        StepFigure.objects.filter(step_id=step_id)
        .order_by("-up_to_receipt")
        .values_list("respondents", flat=True)
        .first()
    )
    if not due_for_publication(len(receipts), last or 0, k):
        return 0
    tallies = dict(StepFeedback.objects.filter(step_id=step_id).values_list("answer", "count"))
    if sum(tallies.values()) != len(receipts):
        log.warning("step %s: its tallies and receipts disagree; not published", step_id)
        return 0
    people = _people_of_receipts(step_id, [digest for _, digest in receipts])
    if len(people) != len(receipts):
        # Fail closed: receipts made with a key this server no longer holds (or of people
        # no longer in the directory) cannot be resolved, so the ledger would not know them.
        log.warning(
            "step %s: %d of its %d receipts match nobody; not published",
            step_id,
            len(receipts) - len(people),
            len(receipts),
        )
        return 0
    if not _engine_allows(step_id, people, k, now):
        log.info("step %s: withheld by the disclosure engine", step_id)
        return 0
    up_to = receipts[-1][0]
    day = publication_day(now)
    StepFigure.objects.create(
        step=step,
        respondents=len(receipts),
        felt_human=tallies.get("yes", 0),
        partly=tallies.get("partly", 0),
        not_human=tallies.get("no", 0),
        up_to_receipt=up_to,
        published_at=day,
    )
    ledger.record(source=SOURCE, batch=batch_of(step_id), keys=[key_of(step_id, up_to)], now=day)
    return 1


def _everyone() -> list[int]:
    """Every person in the directory, former colleagues too: someone who answered and then
    left is still among the people an earlier figure described."""
    return list(Person.objects.order_by("pk").values_list("pk", flat=True))


def _people_of_receipts(step_id: int, digests: Sequence[str]) -> list[int]:
    found = person_of_digest(step_id, _everyone())
    return [found[d] for d in digests if d in found]


def _engine_allows(step_id: int, people: Sequence[int], k: int, now: dt.datetime) -> bool:
    """The one disclosure engine decides: the step's respondents now, as one candidate cell,
    against the classes this step's earlier figures cut them into."""
    with _only_step(step_id):
        prior = ledger.prior_signatures(now=now, sources=(SOURCE,))
    persons = np.unique(np.asarray(people, dtype=np.int64))
    everyone = np.union1d(prior.persons, persons)
    hashes = np.zeros(everyone.size, dtype=np.uint64)
    hashes[np.searchsorted(everyone, prior.persons)] = prior.signatures
    klass, n_classes = rule.classes_of(hashes)
    class_weight = np.bincount(klass, minlength=n_classes).astype(np.int64)
    layer = rule.Layer(
        cell_ids=np.zeros((persons.size, 1), dtype=np.int64),
        weights=np.ones((persons.size, 1), dtype=np.int64),
        klass=klass[np.searchsorted(everyone, persons)],
        class_weight=class_weight[:, None],
        atom_tag=rule.person_tag(persons),
        known=prior.populations,
    )
    kept = rule.add_while_safe([layer], np.zeros(1, dtype=np.int64), k, 1)
    return kept.size == 1


# Each step asks its own question, so one step's figures and another's are different
# quantities that no linear combination mixes (decision 0009's reasoning for sources): a
# step's new figure is checked against what that step published before, not against every
# step's respondents (which would withhold almost everything as soon as two steps' answerers
# overlap). Other callers of the ledger (sources=None) still get every step's cells.
_SCOPE: ContextVar[int | None] = ContextVar("kith_audit_step_scope", default=None)


@contextmanager
def _only_step(step_id: int) -> Iterator[None]:
    token = _SCOPE.set(step_id)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def population_of(
    recorded: Sequence[ledger.Recorded],
) -> tuple[rule.IntArray, rule.UIntArray, rule.UIntArray]:
    """The ledger's population source: a recorded figure describes the people whose receipts
    of that step have ids up to the figure's bound, found by computing the digest of every
    person in the directory for the step and matching its receipts."""
    scope = _SCOPE.get()
    by_step: dict[int, list[ledger.Recorded]] = defaultdict(list)
    for row in recorded:
        step_id = int(row.batch.removeprefix("step:"))
        if scope is None or step_id == scope:
            by_step[step_id].append(row)
    persons: list[int] = []
    tags: list[int] = []
    populations: list[int] = []
    receipts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for step_id, pk, digest in (
        StepReceipt.objects.filter(step_id__in=list(by_step))
        .order_by("pk")
        .values_list("step_id", "pk", "digest")
    ):
        receipts[step_id].append((pk, digest))
    everyone = _everyone() if receipts else []
    for step_id, rows in by_step.items():
        found = person_of_digest(step_id, everyone) if receipts[step_id] else {}
        for row in rows:
            bound = _bound_of(row.key)
            members = [found[d] for pk, d in receipts[step_id] if pk <= bound and d in found]
            if not members:
                continue
            persons += members
            tags += [row.tag] * len(members)
            with np.errstate(over="ignore"):
                total = rule.person_tag(np.asarray(members, dtype=np.int64)).sum(dtype=np.uint64)
            populations.append(int(total))
    return (
        np.asarray(persons, dtype=np.int64),
        np.asarray(tags, dtype=np.uint64),
        np.asarray(populations, dtype=np.uint64),
    )
