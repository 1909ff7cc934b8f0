"""Onboarding journey pages: "My onboarding" for the new joiner, the journeys a manager or
buddy helps with, and HR's overview and templates. Thin: forms parse, services write,
selectors read."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import formset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_touchpoints, require
from kith.directory.models import Person
from kith.touchpoints.engine import journeys as engine
from kith.touchpoints.models import JourneyStep, JourneyTemplate
from kith.touchpoints.models.journeys import Owner, Special, StepKind
from kith.touchpoints.selectors import journeys as selectors
from kith.touchpoints.services import journeys as services

NAV = "touchpoints"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
HR_ONLY = gettext_lazy("Only HR admins look after journey templates and every journey.")


# --- Forms ------------------------------------------------------------------------------------


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=engine.MAX_TITLE, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.MAX_TEMPLATE_DESCRIPTION,
        required=False,
    )
    is_default = forms.BooleanField(
        required=False,
        label=gettext_lazy("Use for every new person"),
        help_text=gettext_lazy("Journeys start with this template when people are imported."),
    )
    is_active = forms.BooleanField(required=False, label=gettext_lazy("Switched on"), initial=True)


class StepForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=engine.MAX_TITLE, required=False
    )
    owner = forms.ChoiceField(
        choices=Owner.choices, initial=Owner.JOINER, label=gettext_lazy("Who owns it")
    )
    day_offset = forms.IntegerField(
        label=gettext_lazy("Day"),
        initial=0,
        min_value=engine.MIN_OFFSET,
        max_value=engine.MAX_OFFSET,
        help_text=gettext_lazy("From the start date; negative is before it"),
        error_messages={
            "invalid": gettext_lazy("Day: enter a whole number, such as 3 or -5."),
            "min_value": gettext_lazy("Day: at least %(limit_value)s (days before the start)."),
            "max_value": gettext_lazy("Day: at most %(limit_value)s."),
        },
    )
    kind = forms.ChoiceField(
        choices=StepKind.choices, initial=StepKind.HUMAN, label=gettext_lazy("Kind")
    )
    special = forms.ChoiceField(
        choices=Special.choices, required=False, label=gettext_lazy("Kith's part")
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=engine.MAX_DESCRIPTION,
        required=False,
    )

    def is_blank(self) -> bool:
        """An extra row nobody filled in: no title, and the other fields as they came."""
        return not (self.cleaned_data or {}).get("title") and not self.has_changed()


StepFormSet = formset_factory(StepForm, extra=3, can_delete=True, max_num=engine.MAX_STEPS)


# --- The joiner's, manager's and buddy's pages -------------------------------------------------


def journey_home(request: HttpRequest) -> HttpResponse:
    home = selectors.journey_home_for_viewer(_viewer(request))
    context = {"home": home, "view": home.mine, "today": timezone.localdate(), "nav": NAV}
    return render(request, "touchpoints/journeys/home.html", context)


def journey_detail(request: HttpRequest, journey_id: int) -> HttpResponse:
    view = selectors.journey_for_viewer(_viewer(request), journey_id)
    if view is None:
        raise Http404(_("No such journey"))
    context = {"view": view, "today": timezone.localdate(), "nav": NAV}
    return render(request, "touchpoints/journeys/journey.html", context)


@require_POST
def journey_step_done(request: HttpRequest, step_id: int) -> HttpResponse:
    viewer = _viewer(request)
    step = JourneyStep.objects.filter(pk=step_id).first()
    view = selectors.journey_for_viewer(viewer, step.journey_id) if step else None
    if step is None or view is None:
        raise Http404(_("No such step"))
    done = request.POST.get("done", "1") != "0"
    back = (
        ("touchpoints:journey_home",)
        if request.POST.get("back") == "home"
        else (
            "touchpoints:journey_detail",
            step.journey_id,
        )
    )
    try:
        services.journey_step_complete(viewer=viewer, step=step, done=done)
    except (ValidationError, PermissionDenied) as exc:
        refused = isinstance(exc, PermissionDenied)
        message = str(exc) if refused else error_text(exc)  # type: ignore[arg-type]
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(message, status=403 if refused else 400)
        flash.error(request, message)
        return redirect(*back)
    view = selectors.journey_for_viewer(viewer, step.journey_id)
    assert view is not None
    if request.htmx:  # type: ignore[attr-defined]
        row = next(s for s in view.steps if s.step.pk == step.pk)
        context = {"view": view, "s": row, "back": request.POST.get("back", "")[:10]}
        return render(request, "touchpoints/journeys/_tick.html", context)
    flash.success(request, _("Done, thank you!") if done else _("The step is open again."))
    return redirect(*back)


# --- HR --------------------------------------------------------------------------------------


def _month_of(raw: str) -> dt.date | None:
    match = _MONTH.fullmatch(raw or "")
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def journey_overview(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    raw = request.GET.get("month", "")
    month = timezone.localdate().replace(day=1) if raw == "this" else _month_of(raw)
    overview = selectors.overview_for_viewer(viewer, month=month)
    require(overview is not None, str(HR_ONLY))
    services.templates_ensure_shipped()
    context = {
        "overview": overview,
        "today": timezone.localdate(),
        "nav": NAV,
    }
    return render(request, "touchpoints/journeys/overview.html", context)


@require_POST
def journey_start(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_touchpoints(viewer), str(HR_ONLY))
    email = request.POST.get("email", "").strip()
    person = Person.objects.filter(email__iexact=email).first() if email else None
    if person is None:
        flash.error(
            request,
            _("Email: nobody in the directory has the email “%(email)s”.") % {"email": email[:200]}
            if email
            else _("Email: enter the email of the person who is joining."),
        )
        return redirect("touchpoints:journey_overview")
    try:
        journey = services.journey_start(person=person, viewer=viewer)
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return redirect("touchpoints:journey_overview")
    flash.success(request, _("%(name)s's journey has started.") % {"name": person.display_name})
    return redirect("touchpoints:journey_detail", journey.pk)


def journey_templates(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_touchpoints(viewer), str(HR_ONLY))
    services.templates_ensure_shipped()
    templates = selectors.templates_for_viewer(viewer)
    context = {"templates": templates, "nav": NAV}
    return render(request, "touchpoints/journeys/templates.html", context)


@require_http_methods(["GET", "POST"])
def journey_template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_touchpoints(viewer), str(HR_ONLY))
    template: JourneyTemplate | None = None
    if template_id is not None:
        template = selectors.template_for_viewer(viewer, template_id)
        if template is None:
            raise Http404(_("No such template"))
    if request.method == "POST":
        form = TemplateForm(request.POST)
        steps = StepFormSet(request.POST, prefix="steps")
        if _save(request, viewer, template, form, steps):
            flash.success(request, _("Template saved. New journeys follow it from now on."))
            return redirect("touchpoints:journey_templates")
    else:
        form = TemplateForm(initial=_template_initial(template))
        steps = StepFormSet(initial=_steps_initial(template), prefix="steps")
    context = {"form": form, "steps": steps, "template": template, "nav": NAV}
    return render(request, "touchpoints/journeys/template_form.html", context)


def _template_initial(template: JourneyTemplate | None) -> dict[str, Any]:
    if template is None:
        return {"is_active": True}
    return {
        "name": template.name,
        "description": template.description,
        "is_default": template.is_default,
        "is_active": template.is_active,
    }


def _steps_initial(template: JourneyTemplate | None) -> list[dict[str, Any]]:
    if template is None:
        return []
    return [
        {
            "title": s.title,
            "owner": s.owner,
            "day_offset": s.day_offset,
            "kind": s.kind,
            "special": s.special,
            "description": s.description,
        }
        for s in template.steps.all()
    ]


def _save(
    request: HttpRequest,
    viewer: Any,
    template: JourneyTemplate | None,
    form: TemplateForm,
    steps: Any,
) -> bool:
    """Parse both forms, let the service check everything, and put its errors on the fields
    they are about. Nothing is written unless all of it is right."""
    if not (form.is_valid() & steps.is_valid()):
        return False
    rows = [
        (i, f)
        for i, f in enumerate(steps.forms)
        if not f.is_blank() and not f.cleaned_data.get("DELETE")
    ]
    specs = [
        engine.StepSpec(
            title=f.cleaned_data["title"],
            owner=f.cleaned_data["owner"],
            day_offset=f.cleaned_data["day_offset"],
            kind=f.cleaned_data["kind"],
            special=f.cleaned_data.get("special") or "",
            description=f.cleaned_data.get("description") or "",
        )
        for _i, f in rows
    ]
    try:
        services.template_save(
            viewer=viewer,
            template=template,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            is_default=form.cleaned_data["is_default"],
            is_active=form.cleaned_data["is_active"],
            steps=specs,
            step_labels=[_("Step %(n)d") % {"n": i + 1} for i, _f in rows],
        )
    except ValidationError as exc:
        _errors_onto(form, steps, [f for _i, f in rows], exc)
        return False
    return True


def _errors_onto(
    form: TemplateForm, steps: Any, rows: list[StepForm], exc: ValidationError
) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, error_text(exc))
        return
    for key, messages in exc.message_dict.items():
        parts = key.split(".")
        for message in messages:
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                rows[int(parts[1])].add_error(parts[2], message)
            elif key in form.fields:
                form.add_error(key, message)
            else:
                form.add_error(None, message)


urlpatterns: list[URLPattern] = [
    path("journeys/", journey_home, name="journey_home"),
    path("journeys/all/", journey_overview, name="journey_overview"),
    path("journeys/start/", journey_start, name="journey_start"),
    path("journeys/templates/", journey_templates, name="journey_templates"),
    path("journeys/templates/new/", journey_template_edit, name="journey_template_new"),
    path(
        "journeys/templates/<int:template_id>/",
        journey_template_edit,
        name="journey_template_edit",
    ),
    path("journeys/steps/<int:step_id>/done/", journey_step_done, name="journey_step_done"),
    path("journeys/<int:journey_id>/", journey_detail, name="journey_detail"),
]
