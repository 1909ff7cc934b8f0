"""The one place that answers "may this viewer see or do this?" for every module.

Views, API endpoints, selectors, commands and tasks ask here; nobody checks a group or a
flag on their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.registry import person_for_login

# A directory entry (kith.directory.models.Person). Core imports no domain app (DESIGN §2),
# so the rules below read it by duck typing; the apps' own code keeps the precise type.
PersonRecord = Any

HR_ADMINS_GROUP = "HR admins"
AMBASSADORS_GROUP = "Community ambassadors"


@dataclass
class Viewer:
    """Who is asking: a login, the person behind it (if any) and their roles."""

    user: AbstractUser | AnonymousUser
    person: PersonRecord | None
    _groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user.is_authenticated)

    @property
    def is_hr(self) -> bool:
        return self.is_authenticated and (
            HR_ADMINS_GROUP in self._groups or bool(self.user.is_superuser)
        )

    @property
    def is_ambassador(self) -> bool:
        return AMBASSADORS_GROUP in self._groups

    @cached_property
    def is_manager(self) -> bool:
        """A manager is anyone with at least one active report; nobody assigns the role."""
        return self.person is not None and self.person.reports.filter(is_active=True).exists()

    @property
    def role_names(self) -> list[str]:
        roles = [_("Employee")] if self.person else []
        if self.is_manager:
            roles.append(_("Manager"))
        if self.is_hr:
            roles.append(_("HR admin"))
        if self.is_ambassador:
            roles.append(_("Community ambassador"))
        return roles


def viewer_for_user(user: AbstractUser | AnonymousUser) -> Viewer:
    """The person behind the login comes from the directory, which registers the lookup."""
    if not user.is_authenticated:
        return Viewer(user=user, person=None)
    groups = frozenset(user.groups.values_list("name", flat=True))
    return Viewer(user=user, person=person_for_login(user), _groups=groups)


def anonymous_viewer() -> Viewer:
    return Viewer(user=AnonymousUser(), person=None)


# --- Directory ----------------------------------------------------------------------------------


def can_view_person(viewer: Viewer, person: PersonRecord) -> bool:
    """Active people are visible to every signed-in colleague; former ones only to HR.
    A login with no active person behind it (someone who left, an email HR changed) sees
    nobody, unless it is HR or an administrator."""
    if can_see_former_colleagues(viewer):
        return True
    return bool(person.is_active) and can_browse_directory(viewer)


def can_see_former_colleagues(viewer: Viewer) -> bool:
    """HR sees former colleagues' entries and counts them in team headcounts; everyone else
    sees and counts active people only (the query form: kith.directory.selectors)."""
    return viewer.is_hr


def can_browse_directory(viewer: Viewer) -> bool:
    """Active colleagues, HR and administrators see the directory; a login with no active
    person behind it (someone who left, an email HR changed) sees nobody."""
    if not viewer.is_authenticated:
        return False
    is_colleague = viewer.person is not None and viewer.person.is_active
    return is_colleague or viewer.is_hr or bool(getattr(viewer.user, "is_staff", False))


def can_view_private_fields(viewer: Viewer, person: PersonRecord) -> bool:
    """Employee id, employment type and exact start date: the person, their manager, HR."""
    if viewer.is_hr:
        return True
    if viewer.person is None or not viewer.person.is_active:
        return False
    return viewer.person.pk == person.pk or person.manager_id == viewer.person.pk


def can_edit_profile(viewer: Viewer, person: PersonRecord) -> bool:
    """People own their profile; HR changes the HR-owned fields through the HRIS import."""
    return viewer.person is not None and viewer.person.pk == person.pk and person.is_active


def can_import_people(viewer: Viewer) -> bool:
    return viewer.is_hr


def can_view_audit_log(viewer: Viewer) -> bool:
    return viewer.is_hr


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have access to this page."))


# --- Connect ------------------------------------------------------------------------------------


def can_manage_programs(viewer: Viewer) -> bool:
    """HR admins create and run matching programs, preview rounds and read statistics."""
    return viewer.is_hr


def can_take_part(viewer: Viewer) -> bool:
    """Only an active colleague can join a program or be matched."""
    return viewer.person is not None and viewer.person.is_active


def can_view_match(viewer: Viewer, member_ids: set[int]) -> bool:
    """A match (who met whom, their answers) is seen by its members only: HR sees aggregates."""
    return viewer.person is not None and viewer.person.pk in member_ids


# --- Pulse ----------------------------------------------------------------------------------


def can_manage_surveys(viewer: Viewer) -> bool:
    """HR admins compose and send campaigns, read every published result and export them."""
    return viewer.is_hr


def can_filter_results(viewer: Viewer) -> bool:
    """Filters by coarse attributes (country, tenure band, …) are for HR only: managers see
    their units as a whole, which keeps the set of published numbers small."""
    return viewer.is_hr


# --- Communities ------------------------------------------------------------------------------


def can_see_community_members(viewer: Viewer, *, visibility: str, viewer_is_member: bool) -> bool:
    """Names (and leaders, announcements) of a community: every colleague for a public one;
    only its active members for a members-only or confidential one. HR admins get no
    exception: a confidential group's membership is sensitive data (docs/communities.md)."""
    if not can_browse_directory(viewer):
        return False
    return visibility == "public" or viewer_is_member


def can_see_community_count(viewer: Viewer, *, visibility: str, viewer_is_member: bool) -> bool:
    """How many are in it: any colleague, except for a confidential group (members only)."""
    if not can_browse_directory(viewer):
        return False
    return visibility != "confidential" or viewer_is_member


def can_manage_communities(viewer: Viewer) -> bool:
    """HR admins create and edit communities (settings only: no membership, see
    `leader_needs_consent`) and appoint city ambassadors."""
    return viewer.is_hr


def can_see_archived_communities(viewer: Viewer) -> bool:
    """Archived communities are listed for HR admins, who may bring them back."""
    return viewer.is_hr


def can_lead_community(viewer: Viewer, *, viewer_leads: bool) -> bool:
    """Approving requests, deciding on leadership requests and posting announcements: the
    community's active leaders and ambassadors, while they are active colleagues."""
    return viewer.person is not None and bool(viewer.person.is_active) and viewer_leads


def leader_needs_consent(*, visibility: str) -> bool:
    """No role grants itself access (DESIGN §4). A leader sees every member and every
    request to join, so wherever that is not already public (members-only and confidential
    groups) HR naming a leader only asks: the appointee accepts, and the group's leaders
    approve (when it has no leader membership left, the appointee's acceptance is enough
    and the members are told). For a public community HR's naming appoints."""
    return visibility != "public"


def can_answer_leadership_offer(viewer: Viewer, *, is_appointee: bool) -> bool:
    """Only the person named may accept or refuse to lead: nobody answers for them."""
    return viewer.person is not None and bool(viewer.person.is_active) and is_appointee


# --- Events -------------------------------------------------------------------------------------


def can_host_events(
    viewer: Viewer, *, leads_a_community: bool, manages_someone: bool, is_city_ambassador: bool
) -> bool:
    """HR, community leaders and ambassadors, managers (for their units) and city
    ambassadors (for their city) create events."""
    if viewer.is_hr:
        return True
    if viewer.person is None or not viewer.person.is_active:
        return False
    return viewer.is_ambassador or leads_a_community or manages_someone or is_city_ambassador


def can_host_hr_events(viewer: Viewer) -> bool:
    """Events hosted by the People team."""
    return viewer.is_hr


def can_host_city_events(viewer: Viewer, *, ambassador_of_city: bool) -> bool:
    """A local event in a city: HR, the community ambassadors' group, or an ambassador HR
    appointed for that city (`ambassador_of_city`, for an active person)."""
    if viewer.is_hr:
        return True
    if viewer.person is None or not viewer.person.is_active:
        return False
    return viewer.is_ambassador or ambassador_of_city


def can_host_community_events(viewer: Viewer, *, leads_community: bool) -> bool:
    """A community's events: its active leaders and ambassadors (HR has no exception)."""
    return can_lead_community(viewer, viewer_leads=leads_community)


def can_host_team_events(viewer: Viewer, *, manages_team: bool) -> bool:
    """A team's events: managers of people in that unit, and HR."""
    return manages_team or viewer.is_hr


def can_see_every_team_event(viewer: Viewer) -> bool:
    """Team events are for the unit's people and managers; HR sees every team's."""
    return viewer.is_hr


def can_see_event(
    viewer: Viewer,
    *,
    confidential: bool,
    is_member: bool,
    is_organiser: bool,
    team_only: bool,
    in_team: bool,
    invite_only: bool = False,
    is_invitee: bool = False,
) -> bool:
    """A confidential community's events exist only for its members (HR gets no exception,
    as for the membership itself); a team's events for the people in that unit, its
    managers and HR; an invitation-only event for the people invited and its organiser, and
    for HR as a count (`can_count_invitation_only_event`); every other event for every
    colleague."""
    if not can_browse_directory(viewer):
        return False
    if is_organiser:
        return True
    if invite_only:
        return is_invitee or can_count_invitation_only_event(viewer, confidential=confidential)
    if confidential:
        return is_member
    if team_only:
        return in_team or can_see_every_team_event(viewer)
    return True


def can_organise_event(
    viewer: Viewer,
    *,
    host: str,
    is_creator: bool,
    leads_host_community: bool,
    manages_host_team: bool,
    confidential: bool,
    invite_only: bool = False,
) -> bool:
    """Edit, take attendance: whoever created it, and whoever may host for the same host
    (its community's leaders, the unit's managers, HR for HR, team and city events). An
    invitation-only event is organised by its creator alone (for a Pulse focus group, its
    facilitator): nobody organises it by role, HR included, since organisers see names."""
    person = viewer.person
    active = person is not None and person.is_active
    if is_creator and active:
        return True
    if invite_only:
        return False
    if host == "community":
        return active and leads_host_community
    if host == "team":
        return (active and manages_host_team) or viewer.is_hr
    return viewer.is_hr and not confidential


def can_see_attendees(viewer: Viewer, *, is_organiser: bool, is_attendee: bool) -> bool:
    """Names of who is going: the organisers and the people going; others see counts."""
    return can_browse_directory(viewer) and (is_organiser or is_attendee)


def can_rsvp(viewer: Viewer, *, invite_only: bool = False, is_invitee: bool = False) -> bool:
    """An active colleague answers an event; an invitation-only event's, only if invited
    (its organiser and HR do not: they are not on the list)."""
    if viewer.person is None or not viewer.person.is_active:
        return False
    return is_invitee or not invite_only


def can_read_event_stats(
    viewer: Viewer, *, invite_only: bool = False, is_organiser: bool = False
) -> bool:
    """HR sees how many connections people made per event, never who met whom; for an
    invitation-only event only when HR organises it (its counts are of a handful of named
    people)."""
    return viewer.is_hr and (not invite_only or is_organiser)


def can_count_invitation_only_event(viewer: Viewer, *, confidential: bool) -> bool:
    """HR sees that an invitation-only event exists, what and when it is, and how many are
    invited and going, never who (unless HR created it, as its organiser). Not a confidential
    community's: HR gets no exception there."""
    return viewer.is_hr and not confidential


def can_take_part_in_event(
    viewer: Viewer, *, invite_only: bool, is_invitee: bool, is_organiser: bool
) -> bool:
    """Everything beyond an event's existence and counts: its town hall questions, checking
    in, "who did you meet?". Every colleague who sees an open event; for an invitation-only
    event the people invited and its organiser (HR, who sees it as a count, does not)."""
    if not can_browse_directory(viewer):
        return False
    return not invite_only or is_invitee or is_organiser


def can_manage_invitations(viewer: Viewer, *, is_organiser: bool, fixed: bool) -> bool:
    """Invite people to an invitation-only event, or take someone off its list: its
    organiser, unless the list was fixed by the app that made the event (a Pulse focus
    group's random draw: nobody adds or leaves out a person there)."""
    return is_organiser and not fixed and viewer.person is not None


def can_ask_questions(viewer: Viewer) -> bool:
    """A town hall's questions and votes: any active colleague who can see the event."""
    return viewer.person is not None and bool(viewer.person.is_active)


def can_ask_anonymously(viewer: Viewer, *, audience_is_large: bool) -> bool:
    """Asking a town hall question anonymously: whoever may ask, where the people who could
    have asked, besides its organisers and moderators, are many enough (k) that an anonymous
    question points to nobody: every colleague for an open event; for an invitation-only
    event its invitees, for a team's event the people who see it, for a confidential
    community's event its members (kith/events/town_hall_selectors.anonymous_audience)."""
    return can_ask_questions(viewer) and audience_is_large


def can_moderate_questions(
    viewer: Viewer, *, is_organiser: bool, confidential: bool, invite_only: bool = False
) -> bool:
    """Approve, hide and mark answered a town hall's questions: its organisers, and HR for
    every event HR may see (never a confidential group's, nor an invitation-only one's, whose
    questions carry the names of the people invited). No role, moderators included, learns
    who asked an anonymous question: nothing stores it."""
    if not can_browse_directory(viewer):
        return False
    return is_organiser or (viewer.is_hr and not confidential and not invite_only)


# --- Celebrate ----------------------------------------------------------------------------------


def can_view_celebrations(viewer: Viewer) -> bool:
    """The celebration feeds are for whoever may browse the directory."""
    return can_browse_directory(viewer)


def can_give_kudos(viewer: Viewer) -> bool:
    """Only a current colleague thanks colleagues (HR accounts without a person cannot)."""
    return viewer.person is not None and viewer.person.is_active


def can_manage_company_values(viewer: Viewer) -> bool:
    return viewer.is_hr


def can_read_kudos(
    viewer: Viewer,
    *,
    visibility: str,
    sender_id: int,
    recipient_ids: set[int],
    audience_unit_ids: set[int],
) -> bool:
    """public: every colleague; team: sender, recipients and people in the teams they were in
    when it was given; private: sender and recipients only (no HR exception). The query form
    of this rule is kith.celebrate.selectors.visible_kudos."""
    if not can_view_celebrations(viewer):
        return False
    if visibility == "public":
        return True
    me = viewer.person
    if me is None or not me.is_active:
        return False
    if me.pk == sender_id or me.pk in recipient_ids:
        return True
    return visibility == "team" and me.org_unit_id in audience_unit_ids


# --- Band Map -----------------------------------------------------------------------------------


def can_view_map(viewer: Viewer) -> bool:
    """The map shows city counts of active colleagues: whoever may browse the directory."""
    return can_browse_directory(viewer)


def can_view_hubs(viewer: Viewer) -> bool:
    """Cities with many colleagues and no office nearby: for HR and community ambassadors,
    who plan meetups there."""
    return can_view_map(viewer) and (viewer.is_hr or viewer.is_ambassador)


def can_set_map_preference(viewer: Viewer) -> bool:
    """Only an active colleague is on the map, so only they can hide themselves from it."""
    return viewer.person is not None and viewer.person.is_active


# --- Insights ---------------------------------------------------------------------------------


def can_manage_insights(viewer: Viewer) -> bool:
    """HR admins switch collaboration analytics on, import metadata, set targets and read the
    whole organisation's relational health."""
    return viewer.is_hr


def can_view_relational_health(viewer: Viewer) -> bool:
    """HR for the organisation, managers for the units their reporting line sits in; never
    anyone's individual figures (those reach only the person)."""
    return viewer.is_hr or (viewer.is_authenticated and viewer.is_manager)


# --- Touchpoints: 1:1s, check-ins, span of control, journeys, the human-touch audit ----------


PRIVATE_DATA_HOLD = dt.timedelta(days=7)


def private_data_on_hold(person: PersonRecord | None) -> dt.datetime | None:
    """Until when a person's private data (1:1s, private notes, check-ins) is held back from
    their login, because their sign-in address changed recently and was not confirmed from the
    previous one (decision 0011): whoever changed it (an HR import) must not read it through
    the new address. None when nothing is held."""
    changed = getattr(person, "email_changed_at", None)
    if changed is None:
        return None
    until: dt.datetime = changed + PRIVATE_DATA_HOLD
    return until if timezone.now() < until else None


def _is_one_of(viewer: Viewer, person_ids: set[int]) -> bool:
    return viewer.person is not None and viewer.person.pk in person_ids


def _is_one_of_unheld(viewer: Viewer, person_ids: set[int]) -> bool:
    return _is_one_of(viewer, person_ids) and private_data_on_hold(viewer.person) is None


def can_take_part_in_one_on_one(viewer: Viewer, *, participant_ids: set[int]) -> bool:
    """A 1:1 — its agenda, shared notes, action items and the check-ins written for it — is
    the two participants' alone. Not their manager's manager, not HR (DESIGN §4)."""
    return _is_one_of_unheld(viewer, participant_ids)


def can_read_private_note(viewer: Viewer, *, author_id: int) -> bool:
    """A private note is its author's alone; the other participant cannot read it either."""
    return _is_one_of_unheld(viewer, {author_id})


def can_read_check_in(viewer: Viewer, *, author_id: int, shared_with_ids: set[int]) -> bool:
    """A check-in is its author's, and the other participant's when written for a 1:1."""
    return _is_one_of_unheld(viewer, {author_id} | shared_with_ids)


def can_manage_touchpoints(viewer: Viewer) -> bool:
    """HR sets cadences and span thresholds, builds journey templates, maps the lifecycle,
    and reads coverage figures (never content)."""
    return viewer.is_hr


def can_view_span_of_control(viewer: Viewer, *, is_in_reporting_line: bool = False) -> bool:
    """HR sees every manager's span; a manager sees their own and those in their reporting
    line (spans are facts of the org chart, not about any one report)."""
    return viewer.is_hr or (viewer.is_authenticated and is_in_reporting_line)


def can_see_journey(viewer: Viewer, *, joiner_id: int, step_owner_ids: set[int]) -> bool:
    """The new joiner, their manager and buddy (anyone who owns a step), and HR."""
    return viewer.is_hr or _is_one_of(viewer, {joiner_id} | step_owner_ids)


def can_complete_journey_step(viewer: Viewer, *, owner_id: int | None, owner_role: str) -> bool:
    """A step's owner ticks it off; HR ticks off HR and IT steps (they have no one owner)."""
    if owner_id is not None and _is_one_of(viewer, {owner_id}):
        return True
    return viewer.is_hr and owner_role in {"hr", "it"}


def can_give_step_feedback(viewer: Viewer) -> bool:
    """Anyone in the directory may say whether a step they went through felt human."""
    return viewer.person is not None and viewer.person.is_active


# --- Pulse focus groups -------------------------------------------------------------------------


def can_invite_focus_group(viewer: Viewer) -> bool:
    """HR invites a random sample of a published group to a focus group; managers and
    employees cannot (nobody may pick whom a session about their team hears from)."""
    return can_manage_surveys(viewer)


def can_see_focus_group(viewer: Viewer, *, is_invitee: bool, is_facilitator: bool) -> bool:
    """A focus group's page: HR (counts only), its facilitator and the people invited."""
    if viewer.is_hr:
        return True
    active = viewer.person is not None and bool(viewer.person.is_active)
    return active and (is_invitee or is_facilitator)


def can_see_focus_group_people(viewer: Viewer, *, is_invitee: bool, is_facilitator: bool) -> bool:
    """Who is going, by name: the people invited and the facilitator, as for any event's
    attendees. HR gets no exception: it sees counts, never the sample."""
    active = viewer.person is not None and bool(viewer.person.is_active)
    return active and (is_invitee or is_facilitator)


def can_record_focus_themes(viewer: Viewer, *, is_facilitator: bool) -> bool:
    """The facilitator and HR write down what the group said (themes, never names)."""
    if viewer.is_hr:
        return True
    return is_facilitator and viewer.person is not None and bool(viewer.person.is_active)


def can_facilitate_focus_group(
    viewer: Viewer, *, candidate_is_hr: bool, candidate_is_viewer: bool
) -> bool:
    """Who HR may name to facilitate a focus group: an active colleague who is neither an HR
    admin nor the person asking. The facilitator organises the session and so sees who is
    going by name; HR sees counts only, and naming itself (or another HR admin) would hand
    HR the names of the people drawn."""
    return not candidate_is_hr and not candidate_is_viewer


# --- Places: offices and office days ------------------------------------------------------------


def can_view_offices(viewer: Viewer) -> bool:
    """Offices are the organisation's places, not personal data: anyone signed in sees every
    one (and its photo)."""
    return viewer.is_authenticated


def can_manage_offices(viewer: Viewer) -> bool:
    """HR admins add, change and remove offices (pages, API, `kith import_offices`)."""
    return viewer.is_hr


def can_set_anchor_days(viewer: Viewer, *, manages_team: bool) -> bool:
    """A team's anchor days are set by the managers of its active people and by HR: the same
    people who host a team's events (`can_host_team_events`)."""
    return viewer.is_hr or (manages_team and _is_active(viewer))


# --- Guidelines: the channel guide and boundaries -----------------------------------------------


def can_edit_channel_guide(viewer: Viewer) -> bool:
    """HR admins edit the organisation's channel guide; everyone reads it."""
    return viewer.is_hr


def can_set_tech_free_hours(viewer: Viewer, *, manages_unit: bool) -> bool:
    """A unit's tech-free hours are set by HR, and by a manager whose reporting line holds
    every active person in the unit and the units below it (they hold them all)."""
    return viewer.is_hr or (manages_unit and _is_active(viewer))


def can_manage_wellness_weeks(viewer: Viewer) -> bool:
    """The organisation logs off when HR says so."""
    return viewer.is_hr


def _is_active(viewer: Viewer) -> bool:
    return viewer.person is not None and bool(viewer.person.is_active)
