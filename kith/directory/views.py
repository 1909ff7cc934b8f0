from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from kith.core.permissions import can_edit_profile, can_view_private_fields, require
from kith.directory import selectors, services
from kith.directory.forms import ProfileForm


def home(request: HttpRequest) -> HttpResponse:
    """The start page: colleagues new this month, your team and your reports."""
    context = selectors.home_for_viewer(request.viewer)  # type: ignore[attr-defined]
    return render(request, "directory/home.html", {"home": context, "nav": "home"})


@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    get = request.GET
    raw_team = get.get("team", "")
    # An unknown team finds nobody (as in the API) rather than silently dropping the filter.
    query = selectors.DirectoryQuery.build(
        text=get.get("q", ""),
        team=int(raw_team) if raw_team.isdigit() else None,
        skill=get.get("skill", ""),
        interest=get.get("interest", ""),
        city=get.get("city", ""),
    )
    page = selectors.directory_page_for_viewer(
        viewer, query, get.get("page", 1), settings.KITH_DIRECTORY_PAGE_SIZE
    )
    params = get.copy()
    params.pop("page", None)
    context = {"page": page, "query": query, "params": params.urlencode(), "nav": "people"}
    if not request.htmx:  # type: ignore[attr-defined]
        # The filter choices are only drawn on a full page, not on each keystroke's results.
        context["team_choices"] = selectors.org_units_for_choices(query.team)
        context["cities"] = selectors.city_names(viewer)
    template = "directory/search.html#results" if request.htmx else "directory/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    person = selectors.person_for_viewer(viewer, person_id)
    if person is None:
        raise Http404("No such person")
    is_self = viewer.person is not None and viewer.person.pk == person.pk
    context = {
        "person": person,
        "is_self": is_self,
        "show_private": can_view_private_fields(viewer, person),
        "can_edit": can_edit_profile(viewer, person),
        "chain": list(reversed(selectors.manager_chain_for_viewer(viewer, person))),
        "reports": selectors.reports_for_viewer(viewer, person),
        "interests": selectors.tags_by_kind(person)["interest"],
        "skills": selectors.tags_by_kind(person)["skill"],
        "nav": "me" if is_self else "people",
    }
    return render(request, "directory/person.html", context)


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    require(viewer.person is not None, _("Your login is not linked to a person in the directory."))
    person = selectors.person_for_viewer(viewer, viewer.person.pk)
    require(
        person is not None and can_edit_profile(viewer, person), _("You may not edit this profile.")
    )
    assert person is not None
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        changes, interests, skills = form.changes()
        try:
            services.person_update_profile(
                person=person, changes=changes, interests=interests, skills=skills
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("directory:person", person.pk)
    return render(
        request, "directory/profile_edit.html", {"form": form, "person": person, "nav": "me"}
    )


def team_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    team = selectors.team_for_viewer(request.viewer, unit_id)  # type: ignore[attr-defined]
    if team is None:
        raise Http404("No such team")
    return render(request, "directory/team.html", {"team": team, "nav": "org"})


def org_chart(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    focus_id = request.GET.get("person")
    focus = None
    if focus_id and focus_id.isdigit():
        focus = selectors.person_for_viewer(viewer, int(focus_id))
    if focus is None:
        focus = viewer.person
    context = {
        "tree": selectors.org_tree(viewer),
        "focus": focus,
        "chain": list(reversed(selectors.manager_chain_for_viewer(viewer, focus))) if focus else [],
        "reports": selectors.reports_for_viewer(viewer, focus) if focus else [],
        "nav": "org",
    }
    return render(request, "directory/org_chart.html", context)


def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to the previous address after a change of sign-in address: opened while
    signed in as that person, it ends the hold on their private data (decision 0011)."""
    person = request.viewer.person  # type: ignore[attr-defined]
    if person is None or not services.email_change_confirm(person=person, token=token):
        messages.error(
            request,
            _(
                "This link does not work for you: it is for the person whose address changed, "
                "signed in with the new address, within 7 days of the change."
            ),
        )
        return redirect("home")
    messages.success(request, _("Thank you. Your 1:1s, private notes and check-ins are back."))
    return redirect("touchpoints:home")
