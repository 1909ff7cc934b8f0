"""HR's preview of the next round: computed once per program state, in the background when the
round is large, and kept in the shared cache.

Matching a few hundred people exactly takes seconds (`rounds.round_plan`, the engine's
blossom matching), far too long for a page. So the plan is computed once for each *state* of
the program (its settings, who takes part, the directory, the history of intros, do-not-pair
lists, contact preferences: `state_key`), stored in the cache every process shares, and read
back at once on every later visit. A round of up to INLINE_PEOPLE people is planned inside
the request (well under a second); a larger one by the `prepare_round_preview` task, while the
page shows how far it has got and refreshes itself.

The preview is what HR checks, not what is drawn: drawing always plans the round again from
the directory as it is then (`rounds.round_run`), so a preview can never send stale intros.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Length
from django.utils import timezone

from kith.connect import rounds
from kith.connect.models import DoNotPair, MatchMember, Participation, Program, Round
from kith.directory.models import ContactPreference, OrgUnit, Person

log = logging.getLogger(__name__)

INLINE_PEOPLE = 120  # up to this many candidates the plan is made inside the request
READY_SECONDS = 6 * 3600  # a state key changes with every relevant write; this only tidies up
PENDING_SECONDS = 15 * 60  # a preparation not finished by then (a stopped worker) is retried
SHOWN_MATCHES = 500  # the page lists this many matches; the counts cover them all

QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"


def state_key(program: Program, round_date: dt.date) -> str:
    """A key that changes whenever anything the plan reads changes (cheap aggregate queries,
    no row is loaded). Round and intro history count across programs: repeats do."""
    parts: list[Any] = [program.pk, round_date.isoformat(), program.updated_at.isoformat()]
    parts += Person.objects.aggregate(
        n=Count("id", filter=Q(is_active=True)), at=Max("updated_at")
    ).values()
    parts += (
        Participation.objects.filter(program=program)
        .aggregate(n=Count("id"), at=Max("updated_at"))
        .values()
    )
    parts += Round.objects.aggregate(n=Count("id"), last=Max("id")).values()
    parts += MatchMember.objects.aggregate(
        answered=Max("answered_at"), asked=Max("follow_up_sent_at"), declined=Max("declined_at")
    ).values()
    parts += DoNotPair.objects.aggregate(n=Count("id"), last=Max("id")).values()
    parts += ContactPreference.objects.aggregate(n=Count("id"), at=Max("updated_at")).values()
    parts += Person.tags.through.objects.aggregate(n=Count("id"), last=Max("id")).values()
    # A move changes a unit's parent and its subtree's paths, not the count or the last id.
    parts += OrgUnit.objects.aggregate(
        n=Count("id"), last=Max("id"), parents=Sum("parent_id"), paths=Sum(Length("path"))
    ).values()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"connect:preview:{program.pk}:{round_date.isoformat()}:{digest}"


def candidate_estimate(program: Program) -> int:
    """About how many people the round would match (to choose inline or background)."""
    from kith.connect.selectors import audience_people

    if program.join_mode == Program.JoinMode.OPT_OUT:
        return audience_people(program).count()
    return Participation.objects.filter(
        program=program, status=Participation.Status.ACTIVE, person__is_active=True
    ).count()


def _summary(plan: rounds.RoundPlan, seconds: float) -> dict[str, Any]:
    return {
        "status": READY,
        "date": plan.round_date.isoformat(),
        "algorithm": plan.algorithm,
        "eligible": len(plan.eligible),
        "excluded": len(plan.excluded),
        "to_confirm": len(plan.to_confirm),
        "matched": plan.matched_count,
        "matches": [
            [[p.pk for p in m.people], m.explanation, m.meet_in_person_city] for m in plan.matches
        ],
        "unmatched": [[p.pk, code, detail] for p, code, detail in plan.unmatched],
        "seconds": round(seconds, 2),
        "prepared_at": timezone.now().isoformat(),
    }


def prepare(program: Program, round_date: dt.date, key: str) -> dict[str, Any]:
    """Plan the round and store its summary under `key` (the task and the inline path)."""
    started = time.perf_counter()
    cache.set(key, _pending(RUNNING), PENDING_SECONDS)
    try:
        plan = rounds.round_plan(program, round_date)
    except Exception:
        log.exception("could not prepare the preview of program %s", program.pk)
        cache.set(key, {"status": FAILED}, PENDING_SECONDS)
        raise
    summary = _summary(plan, time.perf_counter() - started)
    cache.set(key, summary, READY_SECONDS)
    cache.set(_last_seconds_key(program), summary["seconds"], None)
    _keep_only(program, round_date, key)
    return summary


def _current_key(program: Program, round_date: dt.date) -> str:
    return f"connect:preview-current:{program.pk}:{round_date.isoformat()}"


def _keep_only(program: Program, round_date: dt.date, key: str) -> None:
    """Delete the plan of the program's previous state: a superseded plan (its explanations
    name shared interests and cities people may since have removed) never stays behind in
    the cache table, where a database dump would find it."""
    pointer = _current_key(program, round_date)
    previous = cache.get(pointer)
    if previous and previous != key:
        cache.delete(previous)
    cache.set(pointer, key, READY_SECONDS)


def _pending(status: str) -> dict[str, Any]:
    return {"status": status, "since": timezone.now().isoformat()}


def _last_seconds_key(program: Program) -> str:
    return f"connect:preview-seconds:{program.pk}"


def last_seconds(program: Program) -> float | None:
    value = cache.get(_last_seconds_key(program))
    return float(value) if value is not None else None


def preview_entry(program: Program, round_date: dt.date, *, wait: bool = False) -> dict[str, Any]:
    """The preview for the program's current state: ready, or being prepared (the task is
    enqueued once, by whoever asks first). `wait=True` plans it here when it is not ready
    (the API and the command: callers that wait for an answer)."""
    key = state_key(program, round_date)
    entry = cache.get(key)
    if entry is not None and entry["status"] == READY:
        return entry
    if wait:
        return prepare(program, round_date, key)
    if entry is not None and entry["status"] == FAILED:
        # Shown as it is: only "Prepare the preview again" (forget) retries, never the poll.
        return entry
    if candidate_estimate(program) <= INLINE_PEOPLE:
        try:
            return prepare(program, round_date, key)
        except Exception:  # logged and stored as FAILED by prepare(); the page says so
            return {"status": FAILED}
    if entry is None and cache.add(key, _pending(QUEUED), PENDING_SECONDS):
        # only the first asker enqueues
        from kith.connect.tasks import prepare_round_preview

        program_id, day = program.pk, round_date.isoformat()
        transaction.on_commit(lambda: prepare_round_preview.enqueue(program_id, day, key))
    return cache.get(key) or _pending(QUEUED)


def forget(program: Program, round_date: dt.date) -> None:
    """Drop the preview of the current state (and the last one stored), so the next visit
    prepares it again."""
    pointer = _current_key(program, round_date)
    cache.delete_many([state_key(program, round_date), cache.get(pointer) or pointer, pointer])


@dataclass
class ShownMatch:
    people: list[Person]
    explanation: str
    meet_in_person_city: str


@dataclass
class PreviewPage:
    """What the preview page and the draw confirmation show, people resolved by id."""

    round_date: dt.date
    algorithm: str
    eligible: int
    excluded: int
    matched: int
    match_count: int
    trios: int
    matches: list[ShownMatch] = field(default_factory=list)
    unmatched: list[tuple[Person, str, str]] = field(default_factory=list)
    prepared_at: dt.datetime | None = None
    seconds: float = 0.0

    @property
    def more_matches(self) -> int:
        return self.match_count - len(self.matches)


def page_of(entry: dict[str, Any], *, every_match: bool = False) -> PreviewPage:
    """A ready entry as the page shows it: names for the first SHOWN_MATCHES matches (all of
    them for the API) and every person without a match, in one query."""
    shown = entry["matches"] if every_match else entry["matches"][:SHOWN_MATCHES]
    ids = {pid for ids, _why, _city in shown for pid in ids}
    ids |= {pid for pid, _code, _detail in entry["unmatched"]}
    people = Person.objects.select_related("org_unit").in_bulk(list(ids))
    return PreviewPage(
        round_date=dt.date.fromisoformat(entry["date"]),
        algorithm=entry["algorithm"],
        eligible=entry["eligible"],
        excluded=entry["excluded"],
        matched=entry["matched"],
        match_count=len(entry["matches"]),
        trios=sum(1 for ids, _why, _city in entry["matches"] if len(ids) == 3),
        matches=[
            ShownMatch([people[i] for i in ids if i in people], why, city)
            for ids, why, city in shown
        ],
        unmatched=[
            (people[pid], code, detail) for pid, code, detail in entry["unmatched"] if pid in people
        ],
        prepared_at=dt.datetime.fromisoformat(entry["prepared_at"]),
        seconds=entry["seconds"],
    )
