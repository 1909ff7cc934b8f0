"""Per-person facts from the rest of Kith that the relational-health view counts per unit:
isolated in the network, taking part in Connect (and meeting), going to events, meeting
someone at a gathering (an introday, core week or offsite), receiving kudos. Each is a small
category per person, kept in memory only; a unit shows the share only where the disclosure
layer allows it (compute.figure_cells).

Insights reads other apps' models here, read-only: it is the one app whose job is to join
them (docs/decisions/0009-insights.md)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from kith.celebrate.models import KudosRecipient
from kith.communities.models import Community
from kith.connect.models import MatchMember
from kith.core.disclosure.tree import ancestors
from kith.events.models import Met, Rsvp
from kith.insights import engine
from kith.insights.org import IntArray, Org

# figure -> the category it is counted from
SOURCE_OF = {
    "connect_share": "connect",
    "event_share": "events",
    "gathering_met_share": "gatherings",
    "kudos_share": "kudos",
}
NOT_MATCHED, MET, NOT_MET = 0, 1, 2


def _span(weeks: list[dt.date]) -> tuple[dt.date, dt.date]:
    return weeks[0], weeks[-1] + dt.timedelta(days=7)


def _mask(org: Org, person_ids: object) -> IntArray:
    ids = np.fromiter((int(p) for p in person_ids), dtype=np.int64)  # type: ignore[attr-defined]
    flag = np.zeros(org.person_ids.size, dtype=np.int64)
    if ids.size and org.person_ids.size:
        where = np.minimum(np.searchsorted(org.person_ids, ids), org.person_ids.size - 1)
        flag[where[org.person_ids[where] == ids]] = 1
    return flag


def categories(
    org: Org, window: engine.Window, person: engine.PersonMetrics, weeks: list[dt.date]
) -> dict[str, IntArray]:
    start, end = _span(weeks)
    members = MatchMember.objects.filter(
        match__round__scheduled_for__gte=start, match__round__scheduled_for__lt=end
    )
    matched = _mask(org, members.values_list("person_id", flat=True).distinct())
    met = _mask(org, members.filter(met="yes").values_list("person_id", flat=True).distinct())
    connect = np.where(matched == 0, NOT_MATCHED, np.where(met == 1, MET, NOT_MET))
    # A confidential or members-only group's events would tell who belongs to it, and an
    # invitation-only one (a focus group's session) who was invited.
    going = Rsvp.objects.filter(
        status=Rsvp.Status.GOING,
        event__starts_at__date__gte=start,
        event__starts_at__date__lt=end,
        event__invite_only=False,
    ).exclude(
        event__community__visibility__in=[
            Community.Visibility.MEMBERS,
            Community.Visibility.CONFIDENTIAL,
        ]
    )
    # "Who did you meet?" at a gathering's event (kith.gatherings): whoever said they met at
    # least one person there. Private to each person; only the unit's share is published.
    met_at_gathering = Met.objects.filter(
        event__gathering__isnull=False,
        event__starts_at__date__gte=start,
        event__starts_at__date__lt=end,
    )
    kudos = KudosRecipient.objects.filter(
        kudos__created_at__date__gte=start, kudos__created_at__date__lt=end
    )
    return {
        "isolated": (person.network_size == 0).astype(np.int64),
        "active": (window.interactions > 0).astype(np.int64),
        "connect": connect.astype(np.int64),
        "events": _mask(org, going.values_list("person_id", flat=True).distinct()),
        "gatherings": _mask(org, met_at_gathering.values_list("person_id", flat=True).distinct()),
        "kudos": _mask(org, kudos.values_list("person_id", flat=True).distinct()),
    }


def shares(org: Org, found: dict[str, IntArray]) -> dict[str, NDArray[np.float64]]:
    """Per unit (its subtree), each share; nan where there is nothing to divide by."""
    anc = ancestors(org.parent, org.depth, org.unit)
    valid = anc >= 0
    cells = anc[valid]

    def total(flag: IntArray) -> NDArray[np.float64]:
        per_row = np.broadcast_to(flag[:, None], anc.shape)[valid]
        return np.bincount(cells, weights=per_row, minlength=org.size).astype(np.float64)

    people = total(np.ones(org.person_ids.size, dtype=np.int64))
    matched = total((found["connect"] != NOT_MATCHED).astype(np.int64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "connect_share": matched / people,
            "event_share": total(found["events"]) / people,
            "gathering_met_share": total(found["gatherings"]) / people,
            "kudos_share": total(found["kudos"]) / people,
        }
