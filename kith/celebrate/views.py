from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kith.celebrate import selectors, services
from kith.celebrate.forms import CompanyValueForm, KudosForm, SettingsForm
from kith.celebrate.models import CompanyValue
from kith.core.http import errors_onto, viewer_of
from kith.core.permissions import (
    Viewer,
    can_give_kudos,
    can_manage_company_values,
    can_view_celebrations,
    require,
)
from kith.directory.models import Person

NO_ACCESS = gettext_lazy("Celebrations are for colleagues in the directory.")


def _viewer(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request)
    require(can_view_celebrations(viewer), str(NO_ACCESS))
    return viewer


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= selectors.MAX_PAGE else 1


def _me(viewer: Viewer) -> Person:
    require(
        can_give_kudos(viewer), _("Only colleagues in the directory have celebration settings.")
    )
    assert viewer.person is not None
    return viewer.person


def _chosen(form: KudosForm) -> list[Person]:
    """The recipients picked so far, to show again when the form comes back with an error."""
    raw = form.data.getlist("recipients") if form.is_bound else form.initial.get("recipients", [])  # type: ignore[attr-defined]
    ids = [int(i) for i in raw if str(i).isdigit()][:50]
    return list(Person.objects.filter(pk__in=ids, is_active=True).order_by("full_name"))


def _render_feed(
    request: HttpRequest,
    scope: selectors.Scope,
    *,
    kind: str,
    form: KudosForm | None = None,
) -> HttpResponse:
    viewer = _viewer(request)
    if form is None:
        to = request.GET.get("to", "")
        form = KudosForm(initial={"recipients": [to] if to.isdigit() else []})
    me = viewer.person
    context = {
        "scope": scope,
        "feed_kind": kind,
        "page": selectors.feed_page_for_viewer(viewer, scope, page=_page_number(request)),
        "form": form,
        "chosen": _chosen(form),
        "can_give": can_give_kudos(viewer),
        "can_manage_values": can_manage_company_values(viewer),
        "my_team": me.org_unit if me is not None else None,
        "given_today": services.kudos_given_today(me) if me is not None else 0,
        "daily_limit": services.kudos_daily_limit(),
        "nav": "celebrate",
    }
    return render(request, "celebrate/feed.html", context)


def home(request: HttpRequest) -> HttpResponse:
    return _render_feed(request, selectors.ORGANISATION, kind="organisation")


def team_feed(request: HttpRequest, unit_id: int) -> HttpResponse:
    scope = selectors.team_scope_for_viewer(_viewer(request), unit_id)
    if scope is None:
        raise Http404("No such team")
    return _render_feed(request, scope, kind="team")


def community_feed(request: HttpRequest, community_id: int) -> HttpResponse:
    scope = selectors.community_scope_for_viewer(_viewer(request), community_id)
    if scope is None:
        raise Http404("No such community")
    return _render_feed(request, scope, kind="community")


@require_POST
def give(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_give_kudos(viewer), _("Only colleagues in the directory can give kudos."))
    assert viewer.person is not None
    form = KudosForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            kudos = services.kudos_give(
                sender=viewer.person,
                recipients=list(data["recipients"]),
                message=data["message"],
                visibility=data["visibility"],
                value=data["value"],
                actor=viewer.user,
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            names = ", ".join(p.display_name for p in data["recipients"])
            flash.success(
                request, _("Kudos sent to %(names)s. Thank you for saying it.") % {"names": names}
            )
            return redirect("celebrate:kudos", kudos.pk)
    return _render_feed(request, selectors.ORGANISATION, kind="organisation", form=form)


def kudos_detail(request: HttpRequest, kudos_id: int) -> HttpResponse:
    view = selectors.kudos_for_viewer(_viewer(request), kudos_id)
    if view is None:
        raise Http404("No such kudos")
    return render(request, "celebrate/kudos.html", {"k": view, "nav": "celebrate"})


def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: colleagues matching what was typed in the kudos form's "To" box."""
    text = request.GET.get("q", "")[:100]
    people = selectors.recipient_suggestions(_viewer(request), text)
    return render(request, "celebrate/_suggestions.html", {"people": people, "q": text.strip()})


@require_http_methods(["GET", "POST"])
def my_settings(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    person = _me(viewer)
    current = selectors.settings_for(person)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            services.settings_update(
                person=person,
                celebrate_work_dates=form.cleaned_data["celebrate_work_dates"],
                weekly_digest=form.cleaned_data["weekly_digest"],
                birthday=form.cleaned_data["birthday"],
            )
            flash.success(request, _("Saved. Your celebrations follow your choices from now on."))
            return redirect("celebrate:me")
    else:
        form = SettingsForm(initial=_initial(current))
    context = {
        "form": form,
        "received": selectors.my_kudos_page(person, direction="received"),
        "sent": selectors.my_kudos_page(person, direction="sent"),
        "nav": "celebrate",
    }
    return render(request, "celebrate/me.html", context)


def _initial(current: selectors.MySettings) -> dict[str, Any]:
    month, day = current.birthday or (None, None)
    return {
        "celebrate_work_dates": current.celebrate_work_dates,
        "weekly_digest": current.weekly_digest,
        "share_birthday": current.birthday is not None,
        "birthday_month": month,
        "birthday_day": day,
    }


@require_http_methods(["GET", "POST"])
def company_values(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_company_values(viewer), _("Only HR admins manage the company values."))
    form = CompanyValueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            value = services.company_value_create(
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=viewer.user,
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            flash.success(
                request, _("“%(name)s” can now be chosen in kudos.") % {"name": value.name}
            )
            return redirect("celebrate:values")
    context = {"form": form, "values": selectors.values_for_hr(), "nav": "celebrate"}
    return render(request, "celebrate/values.html", context)


@require_POST
def company_value_toggle(request: HttpRequest, value_id: int) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_company_values(viewer), _("Only HR admins manage the company values."))
    value = get_object_or_404(CompanyValue, pk=value_id)
    active = request.POST.get("active") == "1"
    services.company_value_set_active(value=value, active=active, actor=viewer.user)
    message = (
        _("“%(name)s” is back in use.")
        if active
        else _("“%(name)s” is archived: old kudos keep it, new ones cannot choose it.")
    )
    flash.success(request, message % {"name": value.name})
    return redirect("celebrate:values")
