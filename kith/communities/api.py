"""Communities' JSON API: the same selectors, services and permissions as the pages.

A member count is null and the members and announcements endpoints answer 403 wherever the
pages withhold them (a confidential group's membership, for anyone outside it)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kith.communities import selectors, services
from kith.communities.models import Announcement, CityAmbassador, LeadershipRequest, Membership
from kith.core.http import field_errors
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import (
    Viewer,
    can_browse_directory,
    can_manage_communities,
    can_take_part,
)
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.models import Person
from kith.directory.schemas import ErrorOut, ValidationErrorOut

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
MAX_ID = 2**63 - 1


class CommunityOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    description: str
    visibility: str
    requires_approval: bool
    city: str
    country: str
    interests: list[str]
    is_active: bool
    member_count: int | None = Field(
        ..., description="null where you may not know it (a confidential group you are not in)"
    )
    members_visible: bool
    my_status: str = Field(..., description='"", "pending" or "active"')
    my_role: str = Field(..., description='"", "member", "leader" or "ambassador"')


class SuggestionOut(CommunityOut):
    reasons: list[str]


class MemberOut(Schema):
    id: int = Field(..., description="The person's directory id")
    name: str
    team: str
    city: str
    role: str


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    author: str
    created_at: dt.datetime


class AnnouncementIn(Schema):
    title: str = Field(..., min_length=1, max_length=160)
    body: str = Field(..., min_length=1, max_length=4000)


class CommunityIn(Schema):
    """HR: a new community. `leader_email` names its first leader (an active colleague)."""

    name: str = Field(..., min_length=1, max_length=120)
    kind: Literal["club", "belonging"] = "club"
    description: str = Field("", max_length=4000)
    visibility: Literal["public", "members", "confidential"] = "public"
    requires_approval: bool = False
    city: str = Field("", max_length=200)
    country: str = Field("", pattern=r"^([A-Za-z]{2})?$")
    interests: list[str] = Field(default_factory=list, max_length=12)
    leader_email: str = Field(..., min_length=3, max_length=254)


class LeaderIn(Schema):
    """HR: name a leader by work email (an active colleague)."""

    email: str = Field(..., min_length=3, max_length=254)


class MessageOut(Schema):
    detail: str


class LeadershipOfferOut(Schema):
    """A request that I help lead a members-only or confidential group, as the person named
    sees it."""

    id: int
    community_id: int
    community: str
    asked_by: str = Field(..., description="The HR admin's work email")
    asked_at: dt.datetime
    status: str = Field(
        ...,
        description='"awaiting_appointee", "awaiting_leaders", "granted", "refused" or "declined"',
    )


class LeadershipRequestOut(Schema):
    """A request waiting for the group's leaders (the person named has accepted)."""

    id: int
    person_id: int
    name: str
    team: str
    asked_by: str
    asked_at: dt.datetime


class AmbassadorOut(Schema):
    id: int
    person_id: int
    name: str
    city: str
    country: str


class AmbassadorIn(Schema):
    email: str = Field(..., min_length=3, max_length=254)
    city: str = Field(..., min_length=1, max_length=200)
    country: str = Field(..., pattern=r"^[A-Za-z]{2}$")


class SearchIn(Schema):
    q: str = Field("", max_length=100, description="Name, description or interest")
    kind: Literal["", "club", "belonging"] = ""


def _card_dict(card: selectors.CommunityCard) -> dict[str, Any]:
    c = card.community
    return {
        "id": c.pk,
        "slug": c.slug,
        "name": c.name,
        "kind": c.kind,
        "description": c.description,
        "visibility": c.visibility,
        "requires_approval": c.requires_approval or c.is_confidential,
        "city": c.city,
        "country": c.country,
        "interests": card.interests,
        "is_active": c.is_active,
        "member_count": card.member_count,
        "members_visible": card.members_visible,
        "my_status": card.my_status,
        "my_role": card.my_role,
        "reasons": card.reasons,
    }


def _browse(request: HttpRequest) -> Viewer:
    viewer = _viewer(request)
    if not can_browse_directory(viewer):
        raise HttpError(403, _("Only active colleagues see communities."))
    return viewer


def _card_or_404(request: HttpRequest, community_id: int) -> selectors.CommunityCard:
    viewer = _browse(request)
    card = None
    if 0 < community_id <= MAX_ID:
        card = selectors.community_for_viewer(viewer, pk=community_id)
    if card is None:
        raise HttpError(404, _("No such community."))
    return card


@router.get(
    "/groups",
    response={200: list[CommunityOut], **ERRORS},
    summary="The community directory, optionally searched",
)
def list_communities(request: HttpRequest, filters: Query[SearchIn]) -> list[dict[str, Any]]:
    viewer = _browse(request)
    cards = selectors.communities_for_viewer(viewer, query=filters.q, kind=filters.kind)
    return [_card_dict(c) for c in cards]


@router.get(
    "/suggestions",
    response={200: list[SuggestionOut], **ERRORS},
    summary="Communities suggested from my interests and city",
)
def suggestions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_card_dict(c) for c in selectors.suggestions_for_viewer(_browse(request))]


@router.get(
    "/memberships",
    response={200: list[CommunityOut], **ERRORS},
    summary="Communities I am in or asked to join",
)
def my_memberships(request: HttpRequest) -> list[dict[str, Any]]:
    return [_card_dict(c) for c in selectors.my_communities_for_viewer(_browse(request))]


@router.get("/groups/{community_id}", response={200: CommunityOut, **ERRORS}, summary="A community")
def get_community(request: HttpRequest, community_id: WholeNumber) -> dict[str, Any]:
    return _card_dict(_card_or_404(request, community_id))


def _act(request: HttpRequest, community_id: int, action: Any) -> Status:
    viewer = _viewer(request)
    if not can_take_part(viewer):
        raise HttpError(403, _("Only colleagues in the directory can join communities."))
    card = _card_or_404(request, community_id)
    action(card.community, viewer.person)  # a refusal: 400 from config.api's handler
    return Status(200, _card_dict(_card_or_404(request, community_id)))


@router.post(
    "/groups/{community_id}/join",
    response={200: CommunityOut, **WRITE_ERRORS},
    summary="Join, or ask to join when a leader approves requests (my_status says which)",
)
def join(request: HttpRequest, community_id: WholeNumber) -> Status:
    return _act(
        request,
        community_id,
        lambda c, p: services.membership_request(community=c, person=p),
    )


@router.post(
    "/groups/{community_id}/leave",
    response={200: CommunityOut, **WRITE_ERRORS},
    summary="Leave, or withdraw my request",
)
def leave(request: HttpRequest, community_id: WholeNumber) -> Status:
    return _act(
        request, community_id, lambda c, p: services.membership_leave(community=c, person=p)
    )


def _member_dict(m: Membership) -> dict[str, Any]:
    p = m.person
    return {
        "id": p.pk,
        "name": p.display_name,
        "team": p.org_unit.name if p.org_unit else "",
        "city": p.city,
        "role": m.role,
    }


@router.get(
    "/groups/{community_id}/members",
    response={200: list[MemberOut], **ERRORS},
    summary="Who is in it: 403 unless its membership is visible to you",
)
def members(request: HttpRequest, community_id: WholeNumber) -> list[dict[str, Any]]:
    card = _card_or_404(request, community_id)
    try:
        rows = selectors.members_for_viewer(_viewer(request), card.community)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return [_member_dict(m) for m in rows]


def _announcement_dict(a: Announcement) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "body": a.body,
        "author": a.author.display_name if a.author else "",
        "created_at": a.created_at,
    }


@router.get(
    "/groups/{community_id}/announcements",
    response={200: list[AnnouncementOut], **ERRORS},
    summary="Announcements: 403 unless its membership is visible to you",
)
def announcements(request: HttpRequest, community_id: WholeNumber) -> list[dict[str, Any]]:
    card = _card_or_404(request, community_id)
    if not card.members_visible:
        raise HttpError(403, _("Only members of this community see its announcements."))
    rows = selectors.announcements_for_viewer(_viewer(request), card.community)
    return [_announcement_dict(a) for a in rows]


@router.post(
    "/groups/{community_id}/announcements",
    response={201: AnnouncementOut, **WRITE_ERRORS},
    summary="Leaders: post an announcement (members are notified)",
)
def post_announcement(
    request: HttpRequest, community_id: WholeNumber, payload: AnnouncementIn
) -> Status:
    viewer = _viewer(request)
    card = _card_or_404(request, community_id)
    if not selectors.viewer_leads(viewer, card.community):
        raise HttpError(403, _("Only this community's leaders post announcements."))
    assert viewer.person is not None
    try:
        row = services.announcement_post(
            community=card.community, author=viewer.person, title=payload.title, body=payload.body
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(201, _announcement_dict(row))


def _field_errors(exc: ValidationError) -> dict[str, Any]:
    return {"detail": field_errors(exc)}


def _colleague(email: str, field: str) -> Person:
    person = Person.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if person is None:
        raise ValidationError(
            {field: _("No active colleague has the email %(email)s.") % {"email": email}}
        )
    return person


@router.post(
    "/groups",
    response={201: CommunityOut, **WRITE_ERRORS},
    summary="HR: create a community",
)
def create_community(request: HttpRequest, payload: CommunityIn) -> Status:
    viewer = _viewer(request)
    if not can_manage_communities(viewer):
        raise HttpError(403, _("Only HR admins create communities."))
    data = payload.dict()
    interests = [i for i in data.pop("interests") if i.strip()]
    try:
        leader = _colleague(data.pop("leader_email"), "leader_email")
        saved = services.community_save(
            community=None,
            fields=data,
            interests=interests,
            new_leader=leader,
            actor=viewer.user,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    card = selectors.community_for_viewer(viewer, pk=saved.pk)
    assert card is not None
    return Status(201, _card_dict(card))


# --- Leaders named by HR (docs/communities.md: consent unless membership is public) ------------


@router.post(
    "/groups/{community_id}/leaders",
    response={202: MessageOut, **WRITE_ERRORS},
    summary="HR: name a leader (unless the group is public, a request needing consent)",
)
def name_leader(request: HttpRequest, community_id: WholeNumber, payload: LeaderIn) -> Status:
    """A public community gets the leader at once. For a members-only or confidential group
    this only asks: the person named accepts, then one of the group's leaders approves (a
    group with no leader needs only the acceptance, and its members are told). The answer is
    the same whoever is in the group."""
    viewer = _viewer(request)
    if not can_manage_communities(viewer):
        raise HttpError(403, _("Only HR admins name community leaders."))
    card = _card_or_404(request, community_id)
    try:
        person = _colleague(payload.email, "email")
        services.community_leader_appoint(
            community=card.community,
            person=person,
            actor=viewer.user,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    if selectors.leader_needs_consent_for(card.community):
        message = _(
            "%(name)s was asked. They lead only once they accept and, if the group has "
            "leaders, one of them approves."
        )
    else:
        message = _("%(name)s now leads the community.")
    return Status(202, {"detail": message % {"name": person.display_name}})


def _offer_dict(r: LeadershipRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "community_id": r.community_id,
        "community": r.community.name,
        "asked_by": r.requested_by.email if r.requested_by else "",
        "asked_at": r.created_at,
        "status": r.status,
    }


@router.get(
    "/leadership-offers",
    response={200: list[LeadershipOfferOut], **ERRORS},
    summary="Requests that I help lead a private group, waiting for my answer",
)
def leadership_offers(request: HttpRequest) -> list[dict[str, Any]]:
    return [_offer_dict(r) for r in selectors.leadership_offers_for_viewer(_browse(request))]


@router.post(
    "/leadership-offers/{offer_id}/{action}",
    response={200: LeadershipOfferOut, **WRITE_ERRORS},
    summary="Accept or refuse to help lead (status says what happens next)",
)
def answer_leadership_offer(
    request: HttpRequest, offer_id: WholeNumber, action: Literal["accept", "refuse"]
) -> Status:
    viewer = _viewer(request)
    if not can_take_part(viewer):
        raise HttpError(403, _("Only colleagues in the directory lead communities."))
    offer = selectors.leadership_offer_for_viewer(viewer, offer_id) if offer_id <= MAX_ID else None
    if offer is None:
        raise HttpError(404, _("No such request."))
    assert viewer.person is not None
    answer = (
        services.leadership_request_accept
        if action == "accept"
        else services.leadership_request_refuse
    )
    offer = answer(request=offer, person=viewer.person)  # a refusal: 400 (config.api)
    return Status(200, _offer_dict(offer))


@router.get(
    "/groups/{community_id}/leadership-requests",
    response={200: list[LeadershipRequestOut], **ERRORS},
    summary="Leaders: HR's requests that someone (who accepted) help lead",
)
def leadership_requests(request: HttpRequest, community_id: WholeNumber) -> list[dict[str, Any]]:
    card = _card_or_404(request, community_id)
    try:
        rows = selectors.leadership_requests_for_viewer(_viewer(request), card.community)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return [
        {
            "id": r.pk,
            "person_id": r.person_id,
            "name": r.person.display_name,
            "team": r.person.org_unit.name if r.person.org_unit else "",
            "asked_by": r.requested_by.email if r.requested_by else "",
            "asked_at": r.created_at,
        }
        for r in rows
    ]


@router.post(
    "/groups/{community_id}/leadership-requests/{request_id}/{action}",
    response={200: MessageOut, **WRITE_ERRORS},
    summary="Leaders: approve or decline a leadership request",
)
def decide_leadership_request(
    request: HttpRequest,
    community_id: WholeNumber,
    request_id: WholeNumber,
    action: Literal["approve", "decline"],
) -> Status:
    viewer = _viewer(request)
    card = _card_or_404(request, community_id)
    if not selectors.viewer_leads(viewer, card.community):
        raise HttpError(403, _("Only this community's leaders manage it."))
    row = (
        LeadershipRequest.objects.filter(
            pk=request_id if request_id <= MAX_ID else 0, community=card.community
        )
        .select_related("person", "community")
        .first()
    )
    if row is None:
        raise HttpError(404, _("No such request."))
    assert viewer.person is not None
    decide = (
        services.leadership_request_approve
        if action == "approve"
        else services.leadership_request_decline
    )
    decide(request=row, by=viewer.person)  # a refusal: 400 (config.api)
    name = row.person.display_name
    message = (
        _("%(name)s now helps lead the group.")
        if action == "approve"
        else _("Declined. %(name)s has been told.")
    )
    return Status(200, {"detail": message % {"name": name}})


def _ambassador_dict(a: CityAmbassador) -> dict[str, Any]:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "name": a.person.display_name,
        "city": a.city,
        "country": a.country,
    }


@router.get(
    "/ambassadors", response={200: list[AmbassadorOut], **ERRORS}, summary="City ambassadors"
)
def list_ambassadors(request: HttpRequest) -> list[dict[str, Any]]:
    viewer = _browse(request)
    return [_ambassador_dict(a) for a in selectors.city_ambassadors_for_viewer(viewer)]


@router.post(
    "/ambassadors",
    response={201: AmbassadorOut, **WRITE_ERRORS},
    summary="HR: appoint a city ambassador",
)
def appoint_ambassador(request: HttpRequest, payload: AmbassadorIn) -> Status:
    viewer = _viewer(request)
    if not can_manage_communities(viewer):
        raise HttpError(403, _("Only HR admins appoint city ambassadors."))
    try:
        row = services.city_ambassador_appoint(
            person=_colleague(payload.email, "email"),
            city=payload.city,
            country=payload.country,
            actor=viewer.user,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(201, _ambassador_dict(row))
