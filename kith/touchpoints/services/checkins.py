"""Check-ins: written by one person, for themselves or for one of their 1:1s. Not a
performance record (DESIGN §4): no audit row names what was written, nothing else in Kith
references a check-in, and the content is sealed at rest."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.permissions import Viewer, can_take_part_in_one_on_one
from kith.touchpoints.models import CheckIn, OneOnOne

MAX_TEXT = 2000
SCALE = range(1, 6)


@dataclass(frozen=True)
class CheckInContent:
    how: int  # 1 (struggling) … 5 (great)
    energy: int  # 1 (running on empty) … 5 (full of energy)
    support: str = ""
    note: str = ""

    @classmethod
    def from_stored(cls, raw: str) -> CheckInContent:
        try:
            data = json.loads(raw) if raw else {}
            return cls(
                int(data["how"]),
                int(data["energy"]),
                str(data.get("support", "")),
                str(data.get("note", "")),
            )
        except (ValueError, KeyError, TypeError):
            return cls(0, 0, "", "")  # unreadable (sealing key lost): shown as such


def _validated(how: int, energy: int, support: str, note: str) -> CheckInContent:
    errors: dict[str, str] = {}
    labels = {
        "how": _("How are you?"),
        "energy": _("Your energy"),
        "support": _("What support would help?"),
        "note": _("Anything else on your mind"),
    }
    for field, value in (("how", how), ("energy", energy)):
        if value not in SCALE:
            errors[field] = _("%(field)s: choose %(min)d to %(max)d.") % {
                "field": labels[field],
                "min": SCALE.start,
                "max": SCALE.stop - 1,
            }
    for field, text in (("support", support), ("note", note)):
        if len((text or "").strip()) > MAX_TEXT:
            errors[field] = _("%(field)s: at most %(limit)d characters (this has %(length)d).") % {
                "field": labels[field],
                "limit": MAX_TEXT,
                "length": len(text.strip()),
            }
    if errors:
        raise ValidationError(errors)
    return CheckInContent(how, energy, (support or "").strip(), (note or "").strip())


def check_in_write(
    *,
    viewer: Viewer,
    how: int,
    energy: int,
    support: str = "",
    note: str = "",
    one_on_one: OneOnOne | None = None,
    today: dt.date | None = None,
) -> CheckIn:
    """A check-in by the viewer; shared with the other participant of `one_on_one` when given,
    otherwise for the viewer alone."""
    if viewer.person is None:
        raise PermissionDenied(_("Check-ins are for people in the directory."))
    if one_on_one is not None and not can_take_part_in_one_on_one(
        viewer, participant_ids=one_on_one.participant_ids()
    ):
        raise PermissionDenied(_("You can share a check-in only with your own 1:1s."))
    content = _validated(how, energy, support, note)
    with transaction.atomic():
        return CheckIn.objects.create(
            author=viewer.person,
            one_on_one=one_on_one,
            content=json.dumps(asdict(content)),
            written_on=today or timezone.localdate(),
        )


def check_in_delete(*, viewer: Viewer, check_in: CheckIn) -> None:
    """Its author can delete a check-in at any time; nothing of it remains."""
    if viewer.person is None or check_in.author_id != viewer.person.pk:
        raise PermissionDenied(_("Only the person who wrote a check-in can delete it."))
    check_in.delete()
