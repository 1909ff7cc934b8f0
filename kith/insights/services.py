"""Every write of the insights app: HR's switch, the notice, opting out, imports, targets
and the retention job. Each in one transaction, with an audit row where a person acts."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core import audit
from kith.core.permissions import Viewer, can_manage_insights, require
from kith.directory.models import Person
from kith.insights import importers
from kith.insights.compute import monday
from kith.insights.metrics import METRICS
from kith.insights.models import (
    ImportRun,
    InsightsSettings,
    NoticeSeen,
    OptOut,
    PairWeek,
    PersonWeek,
    Target,
)

FORMATS = ("csv", "slack", "ics", "mbox", "viva")
MAX_PROBLEMS = 500
WRITE_CHUNK = 5000


def settings_row() -> InsightsSettings:
    row, _ignored = InsightsSettings.objects.get_or_create(pk=1)
    return row


def is_enabled() -> bool:
    return InsightsSettings.objects.filter(pk=1, enabled=True).exists()


def require_enabled() -> None:
    if not is_enabled():
        raise ValidationError(
            _(
                "Collaboration analytics is switched off. An HR admin switches it on first "
                "(the Insights page, or `kith insights_enable`)."
            )
        )


def insights_enable(
    *, actor: Any, enabled: bool = True, now: dt.datetime | None = None
) -> InsightsSettings:
    """HR's switch, recorded with who and when (actor: a user, or None from the command line)."""
    with transaction.atomic():
        row = InsightsSettings.objects.select_for_update().get_or_create(pk=1)[0]
        row.enabled = enabled
        row.changed_at = now or timezone.now()
        row.changed_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save()
        audit.record(actor=actor, action="insights.enabled" if enabled else "insights.disabled")
    return row


def notice_seen(*, person: Person, now: dt.datetime | None = None) -> None:
    NoticeSeen.objects.get_or_create(person=person, defaults={"seen_at": now or timezone.now()})


def opt_out(*, person: Person, now: dt.datetime | None = None) -> int:
    """Leave collaboration analytics: delete every interaction row that names the person
    (their ties to others go with them) and keep them out of later imports and
    computations. Returns how many rows were deleted."""
    with transaction.atomic():
        OptOut.objects.get_or_create(person=person, defaults={"created_at": now or timezone.now()})
        deleted = delete_interactions(person=person)
        _drop_from_pending_imports(person.pk)
        # No audit row: the audit log is HR's to read, and who left is nobody's business.
    return deleted


PENDING = (ImportRun.Status.PREVIEWED, ImportRun.Status.QUEUED, ImportRun.Status.FAILED)
PENDING_KEPT = dt.timedelta(days=7)


def _drop_from_pending_imports(person_id: int) -> None:
    """Checked imports waiting to be applied hold reduced counts: the person's go too."""
    _filter_pending(
        lambda a: (a["a"] != person_id) & (a["b"] != person_id), lambda a: a["person"] != person_id
    )


def _filter_pending(
    keep_pairs: Callable[[dict[str, Any]], Any], keep_people: Callable[[dict[str, Any]], Any]
) -> None:
    """Rewrite the reduced counts of every checked import that waits to be applied."""
    for run in (
        ImportRun.objects.select_for_update().filter(status__in=PENDING).exclude(reduced=b"")
    ):
        with np.load(io.BytesIO(bytes(run.reduced))) as data:
            arrays = {name: data[name] for name in data.files}
        pairs, people = keep_pairs(arrays), keep_people(arrays)
        for name in ("a", "b", "week", "channel", "count", "minutes", "o2o"):
            arrays[name] = arrays[name][pairs]
        for name in ("person", "pweek", "interactions", "after_hours", "meeting"):
            arrays[name] = arrays[name][people]
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        run.reduced = buffer.getvalue()
        run.save(update_fields=["reduced"])


def delete_interactions(*, person: Person) -> int:
    with transaction.atomic():
        pairs, _ignored = PairWeek.objects.filter(person_a=person).delete()
        more, _ignored = PairWeek.objects.filter(person_b=person).delete()
        weeks, _ignored = PersonWeek.objects.filter(person=person).delete()
    return pairs + more + weeks


def opt_in(*, person: Person) -> None:
    OptOut.objects.filter(person=person).delete()


def retention_purge(*, today: dt.date | None = None) -> int:
    """Delete interaction metadata older than KITH_INSIGHTS_RETENTION_WEEKS."""
    cutoff = oldest_kept_week(today)
    stale = timezone.now() - PENDING_KEPT
    with transaction.atomic():
        pairs, _ignored = PairWeek.objects.filter(week__lt=cutoff).delete()
        people, _ignored = PersonWeek.objects.filter(week__lt=cutoff).delete()
        # Counts waiting in checked imports follow the same limit...
        oldest = (cutoff - dt.date(1970, 1, 1)).days
        _filter_pending(lambda a: a["week"] >= oldest, lambda a: a["pweek"] >= oldest)
        # ...and a checked import nobody applied within a week loses them all, saying so.
        ImportRun.objects.filter(status__in=PENDING, created_at__lt=stale).exclude(
            reduced=b""
        ).update(
            reduced=b"",
            status=ImportRun.Status.FAILED,
            summary={
                "error": _(
                    "Not imported within %(n)d days, so its counts were deleted. Check the file "
                    "again to import it."
                )
                % {"n": 7}
            },
        )
    return pairs + people


def oldest_kept_week(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return monday(today) - dt.timedelta(weeks=settings.KITH_INSIGHTS_RETENTION_WEEKS - 1)


def target_set(
    *, viewer: Viewer, metric: str, minimum: float | None, maximum: float | None
) -> Target | None:
    require(can_manage_insights(viewer), _("Only HR admins set targets."))
    if metric not in METRICS:
        raise ValidationError(
            {"metric": _("Metric: there is no metric called %(name)s.") % {"name": repr(metric)}}
        )
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ValidationError(
            {
                "minimum": _("Minimum: %(min)s is above the maximum, %(max)s.")
                % {"min": minimum, "max": maximum}
            }
        )
    if minimum is None and maximum is None:
        Target.objects.filter(metric=metric).delete()
        return None
    target, _ignored = Target.objects.update_or_create(
        metric=metric,
        defaults={
            "minimum": minimum,
            "maximum": maximum,
            "updated_at": timezone.now(),
            "updated_by": viewer.user if viewer.is_authenticated else None,
        },
    )
    audit.record(actor=viewer.user, action="insights.target_set", target=metric)
    return target


# --- imports -------------------------------------------------------------------------------------


def import_directory() -> tuple[importers.Directory, np.ndarray]:
    """Who an import may name: active people (anyone else's address is counted as unknown and
    never kept). People who opted out are in it too, so a dry run counts them like anyone
    else and cannot tell HR who left; their rows are dropped right after (_pack)."""
    rows = list(
        Person.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "email", "timezone", "work_start", "work_end", "work_days")
    )
    days = np.zeros((len(rows), 7), dtype=np.bool_)
    for i, row in enumerate(rows):
        for day in row[5] or []:
            if 1 <= int(day) <= 7:
                days[i, int(day) - 1] = True
    directory = importers.Directory(
        emails={row[1].lower(): i for i, row in enumerate(rows)},
        timezone=[row[2] or "" for row in rows],
        work_start=np.array([r[3].hour * 60 + r[3].minute for r in rows], dtype=np.int64),
        work_end=np.array([r[4].hour * 60 + r[4].minute for r in rows], dtype=np.int64),
        work_days=days,
    )
    return directory, np.array([row[0] for row in rows], dtype=np.int64)


def _digest(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: source.read(1 << 20), b""):
        digest.update(block)
    source.seek(0)
    return digest.hexdigest()


def import_check(
    *,
    source: BinaryIO,
    fmt: str,
    filename: str,
    actor: Any,
    mapping: BinaryIO | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
) -> ImportRun:
    """Parse a file and keep only its reduced counts, waiting for HR to apply them (a dry
    run ends here). A bad file is kept as a run with every problem and no data."""
    require_enabled()
    if fmt not in FORMATS:
        raise ValidationError(
            {
                "fmt": _("Format: %(name)s is not one Kith reads; use one of %(formats)s.")
                % {"name": repr(fmt), "formats": ", ".join(FORMATS)}
            }
        )
    now = now or timezone.now()
    sha = _digest(source)
    run = ImportRun(
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        filename=Path(filename).name[:255],
        fmt=fmt,
        sha256=sha,
        created_at=now,
    )
    earlier = ImportRun.objects.filter(sha256=sha, status=ImportRun.Status.DONE).first()
    if earlier is not None:
        run.status = ImportRun.Status.INVALID
        when = timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")
        message = _("This file was already imported on %(when)s.") % {"when": when}
        run.errors = [{"place": _("file"), "message": message}]
        run.save()
        return run
    directory, person_ids = import_directory()
    try:
        reduced = importers.read(
            source, fmt, directory=directory, mapping=mapping, progress=progress
        )
    except importers.ImportFailed as failed:
        run.status = ImportRun.Status.INVALID
        run.errors = [
            {"place": p.place, "message": p.message} for p in failed.problems[:MAX_PROBLEMS]
        ]
        run.save()
        return run
    run.reduced, run.summary = _pack(reduced, person_ids, oldest_kept_week(timezone.localdate(now)))
    run.status = ImportRun.Status.PREVIEWED
    run.progress_total = run.summary["rows"]
    run.save()
    audit.record(actor=actor, action="insights.import_checked", target=f"import:{run.pk}")
    return run


def _pack(
    reduced: importers.Reduced, person_ids: np.ndarray, oldest: dt.date
) -> tuple[bytes, dict[str, Any]]:
    """The reduced counts with person ids instead of indices; weeks past retention and
    people who opted out dropped (after the summary is counted, which therefore says
    nothing about who opted out)."""
    oldest64 = np.datetime64(oldest, "D")
    summary = _summary(reduced, person_ids, oldest64)
    opted = np.array(list(OptOut.objects.values_list("person_id", flat=True)), dtype=np.int64)
    out = np.isin(person_ids, opted)
    keep_pairs = (reduced.week >= oldest64) & ~out[reduced.pair_a] & ~out[reduced.pair_b]
    keep_people = (reduced.person_week >= oldest64) & ~out[reduced.person]
    arrays = {
        "a": person_ids[reduced.pair_a[keep_pairs]].astype(np.int32),
        "b": person_ids[reduced.pair_b[keep_pairs]].astype(np.int32),
        "week": reduced.week[keep_pairs].astype("datetime64[D]").astype(np.int32),
        "channel": reduced.channel[keep_pairs],
        "count": reduced.count[keep_pairs],
        "minutes": reduced.minutes[keep_pairs],
        "o2o": reduced.one_to_one_minutes[keep_pairs],
        "person": person_ids[reduced.person[keep_people]].astype(np.int32),
        "pweek": reduced.person_week[keep_people].astype("datetime64[D]").astype(np.int32),
        "interactions": reduced.interactions[keep_people],
        "after_hours": reduced.after_hours[keep_people],
        "meeting": reduced.meeting_minutes[keep_people],
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue(), summary


def _summary(
    reduced: importers.Reduced, person_ids: np.ndarray, oldest64: np.datetime64
) -> dict[str, Any]:
    recent = reduced.week >= oldest64
    weeks = np.unique(reduced.week[recent])
    a, b = reduced.pair_a[recent], reduced.pair_b[recent]
    seen = np.zeros(person_ids.size, dtype=np.bool_)
    seen[a] = seen[b] = True
    seen[reduced.person[reduced.person_week >= oldest64]] = True
    # Pair rows come sorted by (a, b, week, channel): a new pair starts where (a, b) changes.
    pairs = int(1 + np.count_nonzero((a[1:] != a[:-1]) | (b[1:] != b[:-1]))) if a.size else 0
    return {
        "events": int(reduced.events),
        "pairs": pairs,
        "people": int(seen.sum()),
        "first_week": str(weeks[0]) if weeks.size else "",
        "last_week": str(weeks[-1]) if weeks.size else "",
        "weeks": int(weeks.size),
        "unknown_addresses": int(reduced.unknown_addresses),
        "events_with_unknown": int(reduced.events_with_unknown),
        "older_than_retention": int((~recent).sum()),
        "rows": int(recent.sum() + (reduced.person_week >= oldest64).sum()),
    }


PAIR_SQL = (
    "INSERT INTO {table} (person_a_id, person_b_id, week, channel, {count}, minutes, "
    "one_to_one_minutes) VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (person_a_id, person_b_id, week, channel) DO UPDATE SET "
    "{count} = {table}.{count} + excluded.{count}, minutes = {table}.minutes + excluded.minutes, "
    "one_to_one_minutes = {table}.one_to_one_minutes + excluded.one_to_one_minutes"
)
PERSON_SQL = (
    "INSERT INTO {table} (person_id, week, interactions, after_hours, meeting_minutes) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (person_id, week) DO UPDATE SET "
    "interactions = {table}.interactions + excluded.interactions, "
    "after_hours = {table}.after_hours + excluded.after_hours, "
    "meeting_minutes = {table}.meeting_minutes + excluded.meeting_minutes"
)


def import_apply(
    *, run: ImportRun, actor: Any, progress: Callable[[int, int], None] | None = None
) -> ImportRun:
    """Add a checked run's counts to the interaction tables, in one transaction."""
    require_enabled()
    if run.status not in (
        ImportRun.Status.PREVIEWED,
        ImportRun.Status.QUEUED,
        ImportRun.Status.FAILED,
    ):
        raise ValidationError(
            _("This import is %(status)s; it cannot be applied.")
            % {"status": str(run.get_status_display()).lower()}
        )
    with np.load(io.BytesIO(bytes(run.reduced))) as data:
        arrays = {name: data[name] for name in data.files}
    # People who opted out since the check are dropped now.
    opted = np.array(list(OptOut.objects.values_list("person_id", flat=True)), dtype=np.int64)
    # Progress is shown against the rows counted at check time, whatever is dropped since
    # (people who opted out): the bar must not tell HR that someone left.
    kept = int(arrays["a"].size + arrays["person"].size)
    total = int(run.summary.get("rows", kept)) or kept
    done = written = 0
    quote = connection.ops.quote_name

    def report(n: int) -> None:
        # The run's row is written only every 5 %: on SQLite each update rewrites the row,
        # reduced counts included (2,000 updates cost 3 minutes at 10M rows).
        nonlocal done, written
        done += n
        shown = min(total, round(done * total / max(kept, 1)))
        if shown - written >= total // 20 or shown == total:
            ImportRun.objects.filter(pk=run.pk).update(progress_done=shown, progress_total=total)
            written = shown
        if progress is not None:
            progress(shown, total)

    pair_ok = ~(np.isin(arrays["a"], opted) | np.isin(arrays["b"], opted))
    person_ok = ~np.isin(arrays["person"], opted)
    # A handful of distinct weeks: their ISO text once, not a date object per row.
    epoch = dt.date(1970, 1, 1)
    weeks = np.union1d(arrays["week"], arrays["pweek"]).tolist()
    days = {d: (epoch + dt.timedelta(days=d)).isoformat() for d in weeks}
    with transaction.atomic(), connection.cursor() as cursor:
        sql = PAIR_SQL.format(table=quote(PairWeek._meta.db_table), count=quote("count"))
        columns = [
            arrays[c][pair_ok] for c in ("a", "b", "week", "channel", "count", "minutes", "o2o")
        ]
        for start in range(0, int(pair_ok.sum()), WRITE_CHUNK):
            chunk = [c[start : start + WRITE_CHUNK].tolist() for c in columns]
            chunk[2] = [days[d] for d in chunk[2]]
            cursor.executemany(sql, list(zip(*chunk, strict=True)))
            report(len(chunk[0]))
        sql = PERSON_SQL.format(table=quote(PersonWeek._meta.db_table))
        columns = [
            arrays[c][person_ok]
            for c in ("person", "pweek", "interactions", "after_hours", "meeting")
        ]
        for start in range(0, int(person_ok.sum()), WRITE_CHUNK):
            chunk = [c[start : start + WRITE_CHUNK].tolist() for c in columns]
            chunk[1] = [days[d] for d in chunk[1]]
            cursor.executemany(sql, list(zip(*chunk, strict=True)))
            report(len(chunk[0]))
        run.status = ImportRun.Status.DONE
        run.reduced = b""
        run.finished_at = timezone.now()
        run.progress_done = run.progress_total = total
        run.save()
        audit.record(actor=actor, action="insights.imported", target=f"import:{run.pk}")
    return run


def import_apply_by_id(*, run_id: int, actor_id: int | None = None) -> str:
    from django.contrib.auth import get_user_model

    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        import_apply(run=run, actor=actor)
    except ValidationError:
        return run.status
    except Exception:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.FAILED,
            summary={
                **run.summary,
                "error": _("The import stopped on an unexpected error; nothing was written."),
            },
        )
        raise
    return ImportRun.Status.DONE


# --- computing -----------------------------------------------------------------------------------


def latest_complete_week(today: dt.date | None = None) -> dt.date:
    """Monday of the last ISO week that has ended."""
    today = today or timezone.localdate()
    return monday(today) - dt.timedelta(weeks=1)


def latest_data_week() -> dt.date | None:
    return PersonWeek.objects.order_by("-week").values_list("week", flat=True).first()


def insights_compute_week(
    *, week: dt.date, actor: Any = None, now: dt.datetime | None = None
) -> Any:
    """Compute (or recompute) the window ending with `week`'s ISO week."""
    from kith.insights.compute import insights_compute

    require_enabled()
    result = insights_compute(week=week, now=now)
    audit.record(
        actor=actor,
        action="insights.computed",
        target=f"computation:{result.computation.pk}",
        week=result.computation.week.isoformat(),
        published=result.published,
    )
    return result


def compute_due(*, today: dt.date | None = None) -> int:
    """The scheduler's daily run: the last complete week, once, if analytics is on."""
    from kith.insights.models import Computation

    if not is_enabled():
        return 0
    week = latest_complete_week(today)
    if Computation.objects.filter(week=week, current=True).exists():
        return 0
    insights_compute_week(week=week)
    return 1


TREND_WEEKS = 12


def compute_all_new(*, actor: Any = None) -> list[Any]:
    """Compute every recent week that has data and no computation yet (oldest first, so a
    first import gives a whole trend), and recompute the latest week to include new data."""
    from kith.insights.models import Computation

    require_enabled()
    weeks = sorted(
        set(PairWeek.objects.values_list("week", flat=True).distinct())
        | set(PersonWeek.objects.values_list("week", flat=True).distinct())
    )[-TREND_WEEKS:]
    done = set(
        Computation.objects.filter(current=True, week__in=weeks).values_list("week", flat=True)
    )
    todo = [w for w in weeks if w not in done]
    if weeks and weeks[-1] not in todo:
        todo.append(weeks[-1])
    return [insights_compute_week(week=week, actor=actor) for week in todo]
