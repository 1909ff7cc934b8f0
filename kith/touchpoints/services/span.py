"""Every write of span of control: HR's thresholds, HR's note on a manager, and the monthly
snapshot of the distribution (the trend).

Who may do what is asked of kith.core.permissions; every write is one transaction with an
audit row that names the action, never what HR wrote.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kith.core import audit
from kith.core.dates import org_today
from kith.core.permissions import Viewer, can_manage_touchpoints
from kith.directory.models import Person
from kith.touchpoints.engine import span as engine
from kith.touchpoints.models import SpanNote, SpanSnapshot, TouchpointSettings

WARN_RANGE = (2, 100)
ALERT_RANGE = (3, 200)
NOTE_MAX = 2000


def _require_hr(viewer: Viewer, refusal: str) -> None:
    if not can_manage_touchpoints(viewer):
        raise PermissionDenied(refusal)


def span_thresholds_set(*, viewer: Viewer, warn_at: int, alert_at: int) -> TouchpointSettings:
    """HR's two thresholds: a span is "wide" from `warn_at` direct reports and "too wide"
    from `alert_at`. Only these two fields change; the 1:1 rules stay as they are."""
    _require_hr(viewer, _("Only HR admins set the span thresholds."))
    errors: dict[str, str] = {}
    if not WARN_RANGE[0] <= warn_at <= WARN_RANGE[1]:
        errors["warn_at"] = _("Wide from: a whole number from %(min)d to %(max)d.") % {
            "min": WARN_RANGE[0],
            "max": WARN_RANGE[1],
        }
    if not ALERT_RANGE[0] <= alert_at <= ALERT_RANGE[1]:
        errors["alert_at"] = _("Too wide from: a whole number from %(min)d to %(max)d.") % {
            "min": ALERT_RANGE[0],
            "max": ALERT_RANGE[1],
        }
    if not errors and warn_at >= alert_at:
        errors["alert_at"] = _(
            "Too wide from (%(alert)d) must be more than wide from (%(warn)d): a span is "
            "flagged as wide first, then as too wide."
        ) % {"alert": alert_at, "warn": warn_at}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rules = TouchpointSettings.objects.select_for_update().get(
            pk=TouchpointSettings.current().pk
        )
        before = (rules.span_warn_at, rules.span_alert_at)
        rules.span_warn_at, rules.span_alert_at = warn_at, alert_at
        rules.updated_by = viewer.user if viewer.is_authenticated else None  # type: ignore[assignment]
        rules.save(update_fields=["span_warn_at", "span_alert_at", "updated_by", "updated_at"])
        audit.record(
            actor=viewer.user,
            action="touchpoints.span_thresholds_changed",
            target="settings:1",
            warn_at=warn_at,
            alert_at=alert_at,
            before=list(before),
        )
    return rules


def _clean_note(text: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if len(text) > NOTE_MAX:
        raise ValidationError(
            {
                "text": _("Note: at most %(limit)d characters (this has %(length)d).")
                % {"limit": NOTE_MAX, "length": len(text)}
            }
        )
    return text


def span_note_save(*, viewer: Viewer, manager: Person, text: str) -> SpanNote | None:
    """HR's own note on a manager's span (the plan: a team lead, an assistant manager, a
    split). An empty note removes it. Returns the note, or None once removed."""
    _require_hr(viewer, _("Only HR admins write notes on spans of control."))
    text = _clean_note(text)
    if not manager.is_active or not manager.reports.filter(is_active=True).exists():
        raise ValidationError(
            {
                "manager": _("%(name)s has no direct reports: there is no span to note.")
                % {"name": manager.display_name}
            }
        )
    with transaction.atomic():
        if not text:
            deleted, _kinds = SpanNote.objects.filter(manager=manager).delete()
            if deleted:
                audit.record(
                    actor=viewer.user,
                    action="touchpoints.span_note_removed",
                    target=f"person:{manager.pk}",
                )
            return None
        note, created = SpanNote.objects.update_or_create(
            manager=manager,
            defaults={"text": text, "updated_by": viewer.user if viewer.is_authenticated else None},
        )
        audit.record(
            actor=viewer.user,
            action="touchpoints.span_note_saved",
            target=f"person:{manager.pk}",
            created=created,
            length=len(text),
        )
    return note


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def span_snapshot_save(
    *, taken_on: dt.date, distribution: engine.Distribution, replace: bool = False
) -> tuple[SpanSnapshot, bool]:
    """Store one month's distribution (the month's first day as its date). Unique per month:
    a second scheduler, or a second run the same month, finds it there and changes nothing,
    unless `replace` (the demo's backfill). Returns the row and whether it was written."""
    month = month_of(taken_on)
    fields = {
        "managers": distribution.managers,
        "median": distribution.median,
        "mean": distribution.mean,
        "bands": distribution.bands,
        "flagged_warn": distribution.wide,
        "flagged_alert": distribution.too_wide,
    }
    try:
        with transaction.atomic():
            if replace:
                row, _created = SpanSnapshot.objects.update_or_create(
                    taken_on=month, defaults=fields
                )
            elif SpanSnapshot.objects.filter(taken_on=month).exists():
                return SpanSnapshot.objects.get(taken_on=month), False
            else:
                row = SpanSnapshot.objects.create(taken_on=month, **fields)
            audit.record(
                actor=None, action="touchpoints.span_snapshot_taken", target=f"month:{month}"
            )
    except IntegrityError:  # another scheduler stored this month first
        return SpanSnapshot.objects.get(taken_on=month), False
    return row, True


def span_snapshot_take(*, today: dt.date | None = None) -> tuple[SpanSnapshot, bool]:
    """This month's snapshot of the whole organisation, unless it is already taken."""
    from kith.touchpoints.selectors.span import organisation_spans

    today = today or org_today()
    month = month_of(today)
    existing = SpanSnapshot.objects.filter(taken_on=month).first()
    if existing is not None:
        return existing, False
    org = organisation_spans(today=today)
    return span_snapshot_save(taken_on=month, distribution=org.distribution())
