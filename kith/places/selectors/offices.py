"""Every read of offices that a page or the API returns, already authorised.

Offices are places, not personal data: every signed-in colleague sees them all. Only HR adds,
changes or removes them (kith.places.services.offices); the Office model lives in the
directory because the directory, the Band Map and events point at it (decision 0012).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kith.core import permissions
from kith.core.permissions import Viewer, require
from kith.directory.models import Office

MAX_ID = 2**63 - 1  # ids are 64-bit: anything larger is simply not there
# Translated where `require` raises (gettext(ONLY_HR)), in the reader's language.
ONLY_HR = gettext_noop("Only HR admins add, change or remove offices.")
SIGN_IN = gettext_noop("Sign in to see the offices.")


# Every view, endpoint and service of this part asks these two (kith.core.permissions).
can_view_offices = permissions.can_view_offices
can_manage_offices = permissions.can_manage_offices


def _offices() -> QuerySet[Office]:
    """Offices without their photo bytes, with whether they have one."""
    has_photo = ExpressionWrapper(Q(photo__isnull=False), output_field=BooleanField())
    return Office.objects.defer("photo").annotate(has_photo=has_photo).order_by("name", "id")


def offices_for_viewer(viewer: Viewer) -> list[Office]:
    """Every office by name; each has `has_photo`."""
    require(can_view_offices(viewer), _(SIGN_IN))
    return list(_offices())


def office_for_viewer(viewer: Viewer, office_id: int) -> Office | None:
    require(can_view_offices(viewer), _(SIGN_IN))
    if not 0 < office_id <= MAX_ID:
        return None
    return _offices().filter(pk=office_id).first()


@dataclass(frozen=True)
class OfficePhoto:
    content: bytes
    content_type: str
    updated_at: dt.datetime | None


def office_photo_for_viewer(viewer: Viewer, office_id: int) -> OfficePhoto | None:
    """The office's photo, or None when there is no such office or it has none."""
    require(can_view_offices(viewer), _(SIGN_IN))
    if not 0 < office_id <= MAX_ID:
        return None
    row = (
        Office.objects.filter(pk=office_id, photo__isnull=False)
        .values_list("photo", "photo_type", "updated_at")
        .first()
    )
    if row is None or not row[1]:
        return None
    return OfficePhoto(content=bytes(row[0] or b""), content_type=row[1], updated_at=row[2])


@dataclass(frozen=True)
class DeletePreview:
    office: Office
    events: int  # events that name this office: they keep their city and lose the office


def office_delete_preview_for_viewer(viewer: Viewer, office_id: int) -> DeletePreview | None:
    """What deleting an office changes, for HR's confirm page."""
    require(can_manage_offices(viewer), _(ONLY_HR))
    office = office_for_viewer(viewer, office_id)
    if office is None:
        return None
    # The reverse of events.Event.office (SET_NULL): read through the relation, so places
    # need not import the events app.
    return DeletePreview(office=office, events=office.events.count())
