"""Thin pages over the Communities selectors and services."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kith.communities import selectors, services
from kith.communities.forms import (
    AmbassadorForm,
    AnnouncementForm,
    CommunityForm,
    SearchForm,
    WelcomeForm,
)
from kith.communities.models import CityAmbassador, Community, LeadershipRequest, Membership
from kith.core.dates import org_today
from kith.core.http import error_text as _error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import (
    can_browse_directory,
    can_manage_communities,
    can_take_part,
    require,
)
from kith.directory.models import Person

NAV = "communities"


def _me(request: HttpRequest) -> Person:
    viewer = _viewer(request)
    require(can_take_part(viewer), _("Only colleagues in the directory can join communities."))
    assert viewer.person is not None
    return viewer.person


def _card(request: HttpRequest, slug: str) -> selectors.CommunityCard:
    card = selectors.community_for_viewer(_viewer(request), slug=slug)
    if card is None:
        raise Http404("No such community")
    return card


def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_browse_directory(viewer))
    form = SearchForm(request.GET or None)
    query, kind = "", ""
    if form.is_bound and form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    memberships = selectors.my_memberships(viewer)  # read once for the three lists
    context = {
        "form": form,
        "query": query,
        "searching": bool(query or kind),
        "directory": selectors.communities_for_viewer(
            viewer, query=query, kind=kind, memberships=memberships
        ),
        "mine": selectors.my_communities_for_viewer(viewer, memberships=memberships),
        "suggestions": selectors.suggestions_for_viewer(viewer, memberships=memberships),
        "ambassadors": selectors.city_ambassadors_for_viewer(viewer),
        "is_city_ambassador": bool(selectors.ambassadorships_for_viewer(viewer)),
        "leadership_offers": selectors.leadership_offers_for_viewer(viewer),
        "can_manage": can_manage_communities(viewer),
        "nav": NAV,
    }
    return render(request, "communities/home.html", context)


def community(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = _viewer(request)
    card = _card(request, slug)
    members = selectors.members_for_viewer(viewer, card.community) if card.members_visible else []
    context = {
        "card": card,
        "community": card.community,
        "leaders": [m for m in members if m.role != Membership.Role.MEMBER],
        "members": [m for m in members if m.role == Membership.Role.MEMBER],
        "announcements": selectors.announcements_for_viewer(viewer, card.community),
        "leads": selectors.viewer_leads(viewer, card.community),
        "can_take_part": can_take_part(viewer),
        "can_manage": can_manage_communities(viewer),
        "nav": NAV,
    }
    return render(request, "communities/community.html", context)


@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    person = _me(request)
    card = _card(request, slug)
    try:
        membership = services.membership_request(community=card.community, person=person)
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    else:
        if membership.status == Membership.Status.PENDING:
            flash.success(request, _("Request sent. A leader will answer it; nobody else sees it."))
        else:
            flash.success(request, _("Welcome to %(name)s!") % {"name": card.community.name})
    return redirect("communities:community", card.community.slug)


@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    person = _me(request)
    card = _card(request, slug)
    try:
        services.membership_leave(community=card.community, person=person)
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    else:
        flash.success(
            request,
            _("Request withdrawn.")
            if card.is_pending
            else _("You have left %(name)s.") % {"name": card.community.name},
        )
    return redirect("communities:community", card.community.slug)


def _led_community(request: HttpRequest, slug: str) -> Community:
    community = _card(request, slug).community
    require(
        selectors.viewer_leads(_viewer(request), community),
        "Only this community's leaders manage it.",
    )
    return community


def manage(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = _viewer(request)
    community = _led_community(request, slug)
    form = AnnouncementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        assert viewer.person is not None
        try:
            services.announcement_post(
                community=community,
                author=viewer.person,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            flash.error(request, _error_text(exc))
        else:
            flash.success(request, _("Announcement posted and sent to the members."))
            return redirect("communities:manage", community.slug)
    context = {
        "community": community,
        "requests": selectors.pending_requests_for_viewer(viewer, community),
        "leadership_requests": selectors.leadership_requests_for_viewer(viewer, community),
        "members": selectors.members_for_viewer(viewer, community),
        "form": form,
        "nav": NAV,
    }
    return render(request, "communities/manage.html", context)


MANAGE_ACTIONS = {"approve", "decline", "make-leader", "make-member"}


@require_POST
def manage_action(request: HttpRequest, slug: str, membership_id: int, action: str) -> HttpResponse:
    viewer = _viewer(request)
    community = _led_community(request, slug)
    if action not in MANAGE_ACTIONS:
        raise Http404("No such action")
    membership = get_object_or_404(
        Membership.objects.select_related("person", "community"),
        pk=membership_id,
        community=community,
    )
    assert viewer.person is not None
    name = membership.person.display_name
    try:
        if action == "approve":
            services.membership_approve(membership=membership, by=viewer.person)
            flash.success(request, _("%(name)s is in. They have been told.") % {"name": name})
        elif action == "decline":
            services.membership_decline(membership=membership, by=viewer.person)
            flash.success(request, _("Declined %(name)s's request.") % {"name": name})
        else:
            role = action.removeprefix("make-")
            services.membership_set_role(membership=membership, role=role, by=viewer.person)
            roles = dict(Membership.Role.choices)
            flash.success(
                request,
                _("%(name)s is now a %(role)s.")
                % {"name": name, "role": str(roles.get(role, role)).lower()},
            )
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    return redirect("communities:manage", community.slug)


LEADERSHIP_ACTIONS = {"approve", "decline"}


@require_POST
def manage_leadership(
    request: HttpRequest, slug: str, request_id: int, action: str
) -> HttpResponse:
    """A leader approves or declines HR's request that someone (who accepted) help lead."""
    viewer = _viewer(request)
    community = _led_community(request, slug)
    if action not in LEADERSHIP_ACTIONS:
        raise Http404("No such action")
    row = get_object_or_404(
        LeadershipRequest.objects.select_related("person", "community"),
        pk=request_id,
        community=community,
    )
    assert viewer.person is not None
    name = row.person.display_name
    try:
        if action == "approve":
            services.leadership_request_approve(request=row, by=viewer.person)
            flash.success(request, _("%(name)s now helps lead the group.") % {"name": name})
        else:
            services.leadership_request_decline(request=row, by=viewer.person)
            flash.success(request, _("Declined. %(name)s has been told.") % {"name": name})
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    return redirect("communities:manage", community.slug)


def leadership(request: HttpRequest) -> HttpResponse:
    """Requests that I lead a confidential group, for me to accept or refuse."""
    viewer = _viewer(request)
    _me(request)
    context = {"offers": selectors.leadership_offers_for_viewer(viewer), "nav": NAV}
    return render(request, "communities/leadership.html", context)


OFFER_ACTIONS = {"accept", "refuse"}


@require_POST
def leadership_answer(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    person = _me(request)
    offer = selectors.leadership_offer_for_viewer(_viewer(request), request_id)
    if offer is None or action not in OFFER_ACTIONS:
        raise Http404("No such request")
    name = offer.community.name
    try:
        if action == "accept":
            offer = services.leadership_request_accept(request=offer, person=person)
        else:
            services.leadership_request_refuse(request=offer, person=person)
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
        return redirect("communities:leadership")
    if action == "refuse":
        flash.success(
            request, _("Refused. Nobody in %(community)s hears of it.") % {"community": name}
        )
    elif offer.status == LeadershipRequest.Status.GRANTED:
        flash.success(request, _("You now lead %(community)s.") % {"community": name})
        return redirect("communities:manage", offer.community.slug)
    else:
        flash.success(
            request,
            _("Thank you. You lead %(community)s once one of its leaders approves.")
            % {"community": name},
        )
    return redirect("communities:leadership")


def _saved_message(community: Community, new_leader: Person | None, me: Person | None) -> str:
    """What HR is told never depends on who is in a confidential group."""
    if new_leader is None or not selectors.leader_needs_consent_for(community):
        return _("Saved %(community)s.") % {"community": community.name}
    if me is not None and new_leader.pk == me.pk:
        return _(
            "Saved %(community)s. You asked to lead it: you lead once one of its leaders "
            "approves, or at once if it has none (its members are then told)."
        ) % {"community": community.name}
    return _(
        "Saved %(community)s. %(name)s was asked to lead it: they lead only once they accept "
        "and, if the group has leaders, one of them approves."
    ) % {"community": community.name, "name": new_leader.display_name}


def community_edit(request: HttpRequest, slug: str = "") -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_communities(viewer), _("Only HR admins create and edit communities."))
    community = get_object_or_404(Community, slug=slug) if slug else None
    form = CommunityForm(request.POST if request.method == "POST" else None, instance=community)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.community_save(
                community=community,
                fields=form.community_fields(),
                interests=form.cleaned_data["interests"],
                new_leader=form.cleaned_data["leader_email"],
                actor=viewer.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            leader = form.cleaned_data["leader_email"]
            flash.success(request, _saved_message(saved, leader, viewer.person))
            return redirect("communities:community", saved.slug)
    context = {"form": form, "community": community, "nav": NAV}
    return render(request, "communities/edit.html", context)


def _add_errors(form: CommunityForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        known = field if field in form.fields else None
        if field == "leader":
            known = "leader_email"
        form.add_error(known, errors)


def ambassador(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_browse_directory(viewer))
    context = {
        "dashboards": selectors.ambassador_dashboards_for_viewer(viewer, today=org_today()),
        "today": org_today(),
        "min_hub": selectors.HUB_MIN_COLLEAGUES,
        "radius": int(selectors.HUB_RADIUS_KM),
        "nav": NAV,
    }
    return render(request, "communities/ambassador.html", context)


def ambassadors(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_communities(viewer), _("Only HR admins appoint city ambassadors."))
    form = AmbassadorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.city_ambassador_appoint(
                person=form.cleaned_data["email"],
                city=form.cleaned_data["city"],
                country=form.cleaned_data["country"],
                actor=viewer.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("email" if field == "person" else field, errors)
        else:
            flash.success(request, _("Ambassador appointed. They have been told."))
            return redirect("communities:ambassadors")
    context = {
        "form": form,
        "ambassadors": selectors.city_ambassadors_for_viewer(viewer),
        "nav": NAV,
    }
    return render(request, "communities/ambassadors.html", context)


@require_POST
def ambassador_remove(request: HttpRequest, ambassador_id: int) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_communities(viewer), _("Only HR admins appoint city ambassadors."))
    row = get_object_or_404(CityAmbassador.objects.select_related("person"), pk=ambassador_id)
    services.city_ambassador_remove(ambassador=row, actor=viewer.user)  # type: ignore[arg-type]
    flash.success(
        request,
        _("%(name)s no longer looks after %(city)s.")
        % {"name": row.person.display_name, "city": row.city},
    )
    return redirect("communities:ambassadors")


def welcome(request: HttpRequest) -> HttpResponse:
    person = _me(request)
    preference = selectors.welcome_preference_for(person)
    form = WelcomeForm(
        request.POST if request.method == "POST" else None,
        initial={"wants_welcome": preference.wants_welcome},
    )
    if request.method == "POST" and form.is_valid():
        wants = form.cleaned_data["wants_welcome"]
        services.welcome_preference_set(person=person, wants_welcome=wants)
        flash.success(
            request,
            _("Your city's ambassador will say hello.")
            if wants
            else "Done: ambassadors will not see you among newcomers.",
        )
        return redirect("communities:welcome")
    context = {
        "form": form,
        "preference": preference,
        "ambassadors": [
            a
            for a in selectors.city_ambassadors_for_viewer(_viewer(request))
            if a.city.casefold() == person.city.casefold() and a.country == person.country
        ],
        "person": person,
        "nav": NAV,
    }
    return render(request, "communities/welcome.html", context)
