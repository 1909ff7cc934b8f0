"""Reads for the Matrix pages: the bot account (never its token) and a person's own id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kith.core.permissions import Viewer, require
from kith.matrix import account
from kith.matrix.models import MatrixAccount
from kith.notify.models import ChatIdentity

if TYPE_CHECKING:
    from kith.directory.models import Person

ONLY_HR = gettext_noop("Only HR admins connect Kith to Matrix.")
SIGN_IN = gettext_noop("Sign in to set your Matrix id.")


def can_manage_matrix(viewer: Viewer) -> bool:
    return viewer.is_hr


def can_set_own_matrix_id(viewer: Viewer) -> bool:
    return viewer.is_authenticated and viewer.person is not None


@dataclass(frozen=True)
class MatrixSettings:
    connected: bool
    source: str  # "page", "settings" or ""
    homeserver: str
    user_id: str
    device_id: str
    id_template: str
    connected_at: dt.datetime | None


def matrix_settings_for_viewer(viewer: Viewer) -> MatrixSettings:
    require(can_manage_matrix(viewer), _(ONLY_HR))
    current = account.current()
    row = MatrixAccount.objects.order_by("pk").first()
    if current is None:
        template = row.id_template if row is not None else ""
        return MatrixSettings(False, "", "", "", "", template, None)
    creds = current.credentials
    return MatrixSettings(
        True,
        current.source,
        creds.homeserver,
        creds.user_id,
        creds.device_id,
        current.id_template,
        row.connected_at if row is not None else None,
    )


@dataclass(frozen=True)
class MyMatrixId:
    configured: bool
    matrix_id: str  # the id Kith uses for them ("" if none yet)
    derived: str  # what the template gives their email ("" if nothing)


def my_matrix_id_for_viewer(viewer: Viewer) -> MyMatrixId:
    require(can_set_own_matrix_id(viewer), _(SIGN_IN))
    person = viewer.person
    assert person is not None  # can_set_own_matrix_id
    current = account.current()
    stored = (
        ChatIdentity.objects.filter(person=person, provider=account.PROVIDER)
        .values_list("external_id", flat=True)
        .first()
    )
    template = current.id_template if current is not None else ""
    return MyMatrixId(
        current is not None, stored or "", account.derived_id(template, person.email or "")
    )


def my_matrix_data(person: Person | None) -> dict[str, Any]:
    """The person's export: their Matrix id, if Kith keeps one."""
    stored = (
        ChatIdentity.objects.filter(person=person, provider=account.PROVIDER)
        .values_list("external_id", flat=True)
        .first()
    )
    return {"matrix_id": stored}
