"""Every read Celebrate's pages, API and emails return, already authorised for the viewer.

Who may read a kudos (docs/celebrate.md):
- public: every signed-in colleague;
- team: its sender and recipients, and everyone whose team (org unit) is one of the teams the
  sender and recipients were in when it was given;
- private: its sender and recipients only. HR admins get no exception.
`visible_kudos` is that rule as one query; `kith.core.permissions.can_read_kudos` is the same
rule for one kudos in memory, and the tests hold them to each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value

from kith.celebrate.models import (
    BirthdayOptIn,
    CelebrationSettings,
    CompanyValue,
    Kudos,
    KudosRecipient,
    Milestone,
    WeeklyDigest,
)
from kith.core.dates import org_today
from kith.core.permissions import Viewer, can_view_celebrations
from kith.directory.models import OrgUnit, Person

PAGE_SIZE = 20
MAX_PAGE = 10**6

AudienceUnit = Kudos.audience_units.through


# --- Kudos visibility ---------------------------------------------------------------------------


def _received_by(person_id: Any) -> Exists:
    return Exists(KudosRecipient.objects.filter(kudos=OuterRef("pk"), person_id=person_id))


def visible_kudos(viewer: Viewer) -> QuerySet[Kudos]:
    """Every kudos the viewer may read, whoever is in it."""
    if not can_view_celebrations(viewer):
        return Kudos.objects.none()
    rule: Any = Q(visibility=Kudos.Visibility.PUBLIC)
    me = viewer.person
    if me is not None and me.is_active:
        rule |= Q(sender_id=me.pk) | _received_by(me.pk)
        if me.org_unit_id is not None:
            in_audience = AudienceUnit.objects.filter(
                kudos_id=OuterRef("pk"), orgunit_id=me.org_unit_id
            )
            rule |= Q(visibility=Kudos.Visibility.TEAM) & Exists(in_audience)
    return Kudos.objects.filter(rule)


def _between_current_colleagues(kudos: QuerySet[Kudos]) -> QuerySet[Kudos]:
    """Feeds show kudos whose sender and at least one recipient still work here: people who
    left are visible to HR only (docs/privacy.md)."""
    active_recipient = KudosRecipient.objects.filter(kudos=OuterRef("pk"), person__is_active=True)
    return kudos.filter(sender__is_active=True).filter(Exists(active_recipient))


@dataclass(frozen=True)
class KudosView:
    kudos: Kudos
    sender: Person
    recipients: list[Person]

    @property
    def value(self) -> CompanyValue | None:
        return self.kudos.value


def _kudos_views(ids: Iterable[int], *, include_former: bool = False) -> dict[int, KudosView]:
    rows = KudosRecipient.objects.select_related("person__org_unit").order_by("person__full_name")
    if not include_former:
        rows = rows.filter(person__is_active=True)
    kudos = (
        Kudos.objects.filter(pk__in=list(ids))
        .select_related("sender__org_unit", "value")
        .prefetch_related(Prefetch("recipient_rows", queryset=rows, to_attr="shown_rows"))
    )
    return {
        k.pk: KudosView(k, k.sender, [r.person for r in getattr(k, "shown_rows", [])])
        for k in kudos
    }


def kudos_for_viewer(viewer: Viewer, kudos_id: int) -> KudosView | None:
    """One kudos, for the viewer who may read it; None otherwise (a 404, whatever the reason)."""
    me = viewer.person
    visible = visible_kudos(viewer).filter(pk=kudos_id)
    involved = me is not None and visible.filter(Q(sender_id=me.pk) | _received_by(me.pk)).exists()
    if not involved:
        visible = _between_current_colleagues(visible)
    if not visible.exists():
        return None
    return _kudos_views([kudos_id], include_former=involved).get(kudos_id)


def my_kudos_page(person: Person, *, direction: str = "received", page: int = 1) -> Page[Any]:
    """The kudos a person received (or sent), all visibilities: they are in every one."""
    if direction == "sent":
        mine = Kudos.objects.filter(sender=person)
    else:
        mine = Kudos.objects.filter(_received_by(person.pk))
    ids = mine.order_by("-created_at", "-id").values_list("id", flat=True)
    paginator = Paginator(ids, PAGE_SIZE)
    current = paginator.get_page(min(page, MAX_PAGE))
    views = _kudos_views(current.object_list, include_former=True)
    current.object_list = [views[i] for i in current.object_list if i in views]  # type: ignore[misc]
    return current


# --- Feeds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    kind: str  # "kudos" or "milestone"
    at: dt.datetime
    kudos: KudosView | None = None
    milestone: Milestone | None = None


@dataclass(frozen=True)
class Scope:
    """Whose celebrations a feed shows: everyone, a team's subtree, or a community's members."""

    title: str
    unit: OrgUnit | None = None
    member_ids: QuerySet[Any] | None = None

    def people(self) -> Q | None:
        if self.unit is not None:
            return Q(org_unit__path__startswith=self.unit.path)
        if self.member_ids is not None:
            return Q(pk__in=self.member_ids)
        return None


ORGANISATION = Scope(title="Everyone")


def _kudos_in_scope(viewer: Viewer, scope: Scope) -> QuerySet[Kudos]:
    kudos = _between_current_colleagues(visible_kudos(viewer))
    people = scope.people()
    if people is None:
        return kudos
    in_scope = Person.objects.filter(people, is_active=True).values("pk")
    involved = KudosRecipient.objects.filter(kudos=OuterRef("pk"), person_id__in=in_scope)
    return kudos.filter(Q(sender_id__in=in_scope) | Exists(involved))


def milestones_in_scope(
    viewer: Viewer, scope: Scope, *, today: dt.date | None = None
) -> QuerySet[Milestone]:
    if not can_view_celebrations(viewer):
        return Milestone.objects.none()
    milestones = Milestone.objects.filter(person__is_active=True, date__lte=today or org_today())
    people = scope.people()
    if people is not None:
        milestones = milestones.filter(
            person_id__in=Person.objects.filter(people, is_active=True).values("pk")
        )
    return milestones


def feed_page_for_viewer(viewer: Viewer, scope: Scope, *, page: int = 1) -> Page[Any]:
    """Kudos and milestones, newest first, one page of PAGE_SIZE. Pages over (kind, id, time)
    triples first, then loads only that page's rows (a fixed number of queries per page)."""
    kudos = (
        _kudos_in_scope(viewer, scope)
        .annotate(item_kind=Value("kudos"), when=F("created_at"))
        .values_list("item_kind", "id", "when")
        .order_by()
    )
    milestones = (
        milestones_in_scope(viewer, scope)
        .annotate(item_kind=Value("milestone"), when=F("at"))
        .values_list("item_kind", "id", "when")
        .order_by()
    )
    timeline = kudos.union(milestones, all=True).order_by("-when", "-id")
    current = Paginator(timeline, PAGE_SIZE).get_page(min(page, MAX_PAGE))
    rows = list(current.object_list)
    kudos_views = _kudos_views(i for kind, i, _ in rows if kind == "kudos")
    milestone_rows = Milestone.objects.select_related("person__org_unit").in_bulk(
        [i for kind, i, _ in rows if kind == "milestone"]
    )
    items = []
    for kind, pk, when in rows:
        if kind == "kudos" and pk in kudos_views:
            items.append(FeedItem("kudos", when, kudos=kudos_views[pk]))
        elif kind == "milestone" and pk in milestone_rows:
            items.append(FeedItem("milestone", when, milestone=milestone_rows[pk]))
    current.object_list = items  # type: ignore[assignment]
    return current


def milestones_page_for_viewer(viewer: Viewer, scope: Scope, *, page: int = 1) -> Page[Any]:
    milestones = milestones_in_scope(viewer, scope).select_related("person__org_unit")
    return Paginator(milestones.order_by("-date", "-id"), PAGE_SIZE).get_page(min(page, MAX_PAGE))


def team_scope_for_viewer(viewer: Viewer, unit_id: int) -> Scope | None:
    """A team's feed: the unit and every unit below it. Teams are public in the directory."""
    if not can_view_celebrations(viewer):
        return None
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    return Scope(title=unit.name, unit=unit) if unit else None


def community_scope_for_viewer(viewer: Viewer, community_id: int) -> Scope | None:
    """A community's feed lists its members' celebrations, so it is shown only to viewers who
    may see its members (communities' own rule). For everyone else it does not exist: a
    confidential group's feed answers exactly like a community that was never created."""
    from kith.communities.models import Membership
    from kith.communities.selectors import can_see_members, communities_visible_to

    community = communities_visible_to(viewer).filter(pk=community_id, is_active=True).first()
    if community is None or not can_see_members(viewer, community):
        return None
    members = Membership.objects.filter(
        community=community, status=Membership.Status.ACTIVE
    ).values("person_id")
    return Scope(title=community.name, member_ids=members)


# --- Values and settings ------------------------------------------------------------------------


def active_values() -> QuerySet[CompanyValue]:
    return CompanyValue.objects.filter(is_active=True).order_by("name")


def values_for_hr() -> list[tuple[CompanyValue, int]]:
    from django.db.models import Count

    rows = CompanyValue.objects.annotate(uses=Count("kudos")).order_by("-is_active", "name")
    return [(v, v.uses) for v in rows]


@dataclass(frozen=True)
class MySettings:
    celebrate_work_dates: bool
    weekly_digest: bool
    birthday: tuple[int, int] | None


def settings_for(person: Person) -> MySettings:
    prefs = CelebrationSettings.objects.filter(person=person).first()
    birthday = BirthdayOptIn.objects.filter(person=person).first()
    return MySettings(
        celebrate_work_dates=prefs.celebrate_work_dates if prefs else True,
        weekly_digest=prefs.weekly_digest if prefs else True,
        birthday=(birthday.month, birthday.day) if birthday else None,
    )


def recipient_suggestions(viewer: Viewer, text: str, *, limit: int = 8) -> list[Person]:
    """Colleagues whose name, title or email matches, for the kudos form (never oneself)."""
    from kith.directory.selectors import DirectoryQuery, search_people_for_viewer

    query = DirectoryQuery.build(text=text)
    if query.is_empty or not can_view_celebrations(viewer):
        return []
    people = search_people_for_viewer(viewer, query).filter(is_active=True)
    if viewer.person is not None:
        people = people.exclude(pk=viewer.person.pk)
    return list(people.select_related("org_unit")[:limit])


def my_celebrate_data(person: Person) -> dict[str, Any]:
    """Everything Celebrate holds about a person, for their own export."""
    prefs = settings_for(person)
    return {
        "settings": {
            "celebrate_work_dates": prefs.celebrate_work_dates,
            "weekly_digest": prefs.weekly_digest,
            "birthday": {"month": prefs.birthday[0], "day": prefs.birthday[1]}
            if prefs.birthday
            else None,
        },
        "kudos_sent": _export_kudos(Kudos.objects.filter(sender=person)),
        "kudos_received": _export_kudos(Kudos.objects.filter(_received_by(person.pk))),
        "milestones": list(
            Milestone.objects.filter(person=person).order_by("date").values("kind", "date", "years")
        ),
        "weekly_digests": list(
            WeeklyDigest.objects.filter(person=person)
            .order_by("week_start")
            .values("week_start", "kudos_count", "celebrations_count")
        ),
    }


def _export_kudos(kudos: QuerySet[Kudos]) -> list[dict[str, Any]]:
    views = _kudos_views(kudos.values_list("id", flat=True), include_former=True)
    return [
        {
            "from": v.sender.display_name,
            "to": [p.display_name for p in v.recipients],
            "message": v.kudos.message,
            "value": v.value.name if v.value else None,
            "visibility": v.kudos.visibility,
            "created_at": v.kudos.created_at,
        }
        for v in sorted(views.values(), key=lambda v: v.kudos.created_at)
    ]
