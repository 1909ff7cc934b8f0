"""/gatherings/: my gatherings, planning one, comparing its options side by side, and the
gathering's page (agenda, invitations, RSVPs, groups, "who did you meet"). Thin: the
selectors decide who sees what, the services write."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kith.core import throttle
from kith.core.dates import org_today
from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import require
from kith.gatherings import inputs, selectors, services
from kith.gatherings.engine import planner
from kith.gatherings.models import AgendaDay, Gathering

NAV = "places"
SELECT_BY = [
    ("emails", gettext_lazy("A list of emails")),
    ("team", gettext_lazy("A team")),
    ("department", gettext_lazy("A department (with its teams)")),
    ("cohort", gettext_lazy("New joiners who started between two dates")),
]


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.MAX_NAME)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Gathering.Kind.choices)
    first_day = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days"),
        min_value=planner.MIN_DAYS,
        max_value=planner.MAX_DAYS,
        initial=5,
    )
    select_by = forms.ChoiceField(
        label=gettext_lazy("Who"), choices=SELECT_BY, widget=forms.RadioSelect, initial="emails"
    )
    emails = forms.CharField(
        label=gettext_lazy("Work emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Separated by commas or new lines."),
    )
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), required=False, coerce=int)
    department = forms.TypedChoiceField(
        label=gettext_lazy("Department"), required=False, coerce=int
    )
    joined_from = forms.DateField(
        label=gettext_lazy("Started from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    joined_to = forms.DateField(
        label=gettext_lazy("Started until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams, departments = selectors.teams_and_departments()
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", "—")] + [
            (u.pk, u.name) for u in teams
        ]
        cast(forms.ChoiceField, self.fields["department"]).choices = [("", "—")] + [
            (u.pk, u.name) for u in departments
        ]

    def selection(self) -> selectors.Selection:
        data = self.cleaned_data
        by = data["select_by"]
        if by == "emails":
            return selectors.Selection(emails=selectors.parse_emails(data.get("emails") or ""))
        if by == "team":
            return selectors.Selection(team_id=data.get("team") or None)
        if by == "department":
            return selectors.Selection(department_id=data.get("department") or None)
        return selectors.Selection(
            joined_from=data.get("joined_from"), joined_to=data.get("joined_to")
        )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, error_text(exc))
        return
    for name, errors in exc.message_dict.items():
        target = name if name in form.fields else None
        if name == "participants":
            target = None
        for message in errors:
            form.add_error(target, message)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "nav": NAV,
        "gatherings": selectors.gatherings_for_viewer(viewer),
        "can_plan": selectors.can_plan(viewer),
    }
    return render(request, "gatherings/home.html", context)


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_plan(viewer), selectors.ONLY_PLANNERS)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people = selectors.people_for(form.selection(), viewer=viewer)
            data = services.GatheringInput(
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
                days=form.cleaned_data["days"],
            )
            gathering = services.gathering_create(viewer=viewer, data=data, people=people)
        except ValidationError as exc:
            _add_errors(form, exc)
        except throttle.Throttled as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("gatherings:options", gathering.pk)
    return render(request, "gatherings/plan.html", {"nav": NAV, "form": form})


@login_required
def options(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    gathering = selectors.organised_for_viewer(viewer, gathering_id)
    context = {
        "nav": NAV,
        "gathering": gathering,
        "options": _numbered(gathering.options),
        "people": len(services.participants_of(gathering)),
        "leave_note": inputs.leave_note(gathering.leave_counted),
        "can_choose": gathering.status in (Gathering.Status.DRAFT, Gathering.Status.PLANNED),
    }
    return render(request, "gatherings/options.html", context)


def _numbered(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for n, option in enumerate(options, start=1):
        per_person = option.get("per_person", [])
        rows.append(
            {
                **option,
                "rank": n,
                "week_start_date": dt.date.fromisoformat(option["week_start"]),
                "week_end_date": dt.date.fromisoformat(option["week_end"]),
                "other_week_dates": [dt.date.fromisoformat(w) for w in option["other_weeks"]],
                "travellers": sum(1 for p in per_person if p["mode"] != "none"),
            }
        )
    return rows


@login_required
@require_POST
def replan(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    gathering = selectors.organised_for_viewer(viewer, gathering_id)
    _act(request, lambda: services.gathering_replan(viewer=viewer, gathering=gathering))
    return redirect("gatherings:options", gathering.pk)


@login_required
@require_POST
def choose(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    gathering = selectors.organised_for_viewer(viewer, gathering_id)
    try:
        option = int(request.POST.get("option", ""))
        week_text = request.POST.get("week", "")
        week = dt.date.fromisoformat(week_text) if week_text else None
    except ValueError:
        flash.error(request, _("Choose one of the options."))
        return redirect("gatherings:options", gathering.pk)
    done = _act(
        request,
        lambda: services.gathering_choose(
            viewer=viewer, gathering=gathering, option=option, week=week
        ),
    )
    if not done:
        return redirect("gatherings:options", gathering.pk)
    flash.success(request, _("Chosen. Look over the agenda, then send the invitations."))
    return redirect("gatherings:detail", gathering.pk)


def _act(request: HttpRequest, action: Any) -> bool:
    try:
        action()
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return False
    except PermissionDenied as exc:
        flash.error(request, str(exc))
        return False
    except throttle.Throttled as exc:
        flash.error(request, exc.detail)
        return False
    return True


@login_required
def detail(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    page = selectors.gathering_for_viewer(viewer, gathering_id, today=org_today())
    context = {
        "nav": NAV,
        "page": page,
        "gathering": page.gathering,
        "day_kinds": AgendaDay.Kind.choices,
        "agenda_dates": _agenda_dates(page),
    }
    return render(request, "gatherings/detail.html", context)


def _agenda_dates(page: selectors.GatheringPage) -> list[tuple[AgendaDay, dt.date | None]]:
    start = page.gathering.week_start
    return [
        (day, start + dt.timedelta(days=day.position) if start else None) for day in page.agenda
    ]


@login_required
@require_POST
def agenda(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    gathering = selectors.organised_for_viewer(viewer, gathering_id)
    days = [
        services.DayInput(
            kind=request.POST.get(f"kind-{i}", ""),
            title=request.POST.get(f"title-{i}", ""),
            notes=request.POST.get(f"notes-{i}", ""),
        )
        for i in range(gathering.days)
    ]
    if _act(request, lambda: services.agenda_update(viewer=viewer, gathering=gathering, days=days)):
        flash.success(request, _("Agenda saved."))
    return redirect(reverse("gatherings:detail", args=[gathering.pk]) + "#agenda")


@login_required
@require_POST
def send(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    gathering = selectors.organised_for_viewer(viewer, gathering_id)
    if gathering.status == Gathering.Status.INVITED:  # a second click, or Back and resend
        flash.info(request, _("The invitations went out already: nobody got a second one."))
    elif _act(
        request, lambda: services.gathering_send_invitations(viewer=viewer, gathering=gathering)
    ):
        flash.success(request, _("Invitations sent, each with a calendar file."))
    return redirect("gatherings:detail", gathering.pk)


@login_required
@require_POST
def groups(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    gathering = selectors.organised_for_viewer(viewer, gathering_id)
    if _act(
        request,
        lambda: services.groups_draw(viewer=viewer, gathering=gathering, today=org_today()),
    ):
        flash.success(request, _("Groups drawn: people who have not met yet, together."))
    return redirect(reverse("gatherings:detail", args=[gathering.pk]) + "#groups")


@login_required
@require_POST
def cancel(request: HttpRequest, gathering_id: int) -> HttpResponse:
    viewer = _viewer(request)
    gathering = selectors.organised_for_viewer(viewer, gathering_id)
    if gathering.status == Gathering.Status.CANCELLED:
        flash.info(request, _("This gathering was cancelled already."))
    elif _act(request, lambda: services.gathering_cancel(viewer=viewer, gathering=gathering)):
        flash.success(request, _("Gathering cancelled."))
    return redirect("gatherings:detail", gathering.pk)
