"""The human-touch audit's pages: HR's journey map and mapping forms under /touchpoints/audit/,
and every colleague's "Did this feel human?" page under /touchpoints/audit/feedback/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_touchpoints, require
from kith.touchpoints.models.audit import Mode, ProcessStep, Stage
from kith.touchpoints.selectors import audit as selectors
from kith.touchpoints.services import audit as services

NAV = "touchpoints"
MAX_ID = 2**63 - 1


class ProcessForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("Stage"), choices=Stage.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=160)
    description = forms.CharField(
        label=gettext_lazy("What happens, in a sentence"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def to_input(self) -> services.ProcessInput:
        return services.ProcessInput(**self.cleaned_data)


class StepForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Step"), max_length=160)
    description = forms.CharField(
        label=gettext_lazy("What happens"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Who does it"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Automated: a system alone. Human: people do it. Hybrid: a system with a person "
            "taking part."
        ),
    )
    needs_human_touch = forms.BooleanField(
        label=gettext_lazy("It needs a human touch"),
        required=False,
        help_text=gettext_lazy(
            "It carries emotional weight: reviews, grievances, career talks, layoffs."
        ),
    )
    why_human = forms.CharField(
        label=gettext_lazy("Why, in a few words"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Needed when it needs a human touch."),
    )
    asks_feedback = forms.BooleanField(
        label=gettext_lazy("Ask colleagues whether it felt human"),
        required=False,
        initial=True,
    )

    def to_input(self) -> services.StepInput:
        return services.StepInput(**self.cleaned_data)


def _errors_onto(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, error_text(exc))
        return
    for name, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


def _checked(object_id: int) -> int:
    if not 0 < object_id <= MAX_ID:
        raise Http404(_("No such page"))
    return object_id


def _process_page(request: HttpRequest, process_id: int) -> selectors.ProcessPage:
    page = selectors.process_for_viewer(_viewer(request), _checked(process_id))
    if page is None:
        raise Http404(_("No such process"))
    return page


# --- HR: the journey map and mapping -------------------------------------------------------------


def audit_map(request: HttpRequest) -> HttpResponse:
    view = selectors.lifecycle_map_for_viewer(_viewer(request))
    context = {"view": view, "nav": NAV, "risks": _legend(view.counts)}
    return render(request, "touchpoints/audit/map.html", context)


def _legend(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "key": str(risk),
            "label": str(label),
            "icon": selectors.RISK_ICONS[risk],
            "count": counts.get(str(risk), 0),
        }
        for risk, label in selectors.RISK_LABELS.items()
    ]


@require_POST
def audit_example(request: HttpRequest) -> HttpResponse:
    try:
        steps = services.example_map_load(viewer=_viewer(request))
    except ValidationError as exc:
        flash.error(request, error_text(exc))
    else:
        flash.success(
            request,
            _("Kith's example is on your map: %d steps. Change anything to match how you work.")
            % steps,
        )
    return redirect("touchpoints:audit_map")


@require_http_methods(["GET", "POST"])
def audit_process_new(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_touchpoints(viewer), str(services.ONLY_HR))
    stage = request.GET.get("stage", "")
    initial = {"stage": stage if stage in Stage.values else Stage.RECRUIT}
    form = ProcessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            process = services.process_create(viewer=viewer, data=form.to_input())
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            flash.success(request, _("Process added. Now add its steps."))
            return redirect("touchpoints:audit_process", process.pk)
    return render(request, "touchpoints/audit/process_new.html", {"form": form, "nav": NAV})


@require_http_methods(["GET", "POST"])
def audit_process(request: HttpRequest, process_id: int) -> HttpResponse:
    page = _process_page(request, process_id)
    process = page.process
    initial = {"stage": process.stage, "name": process.name, "description": process.description}
    form = ProcessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.process_update(
                viewer=_viewer(request), process_id=process.pk, data=form.to_input()
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            flash.success(request, _("Process saved."))
            return redirect("touchpoints:audit_process", process.pk)
    context = {"page": page, "form": form, "step_form": StepForm(), "nav": NAV}
    return render(request, "touchpoints/audit/process.html", context)


@require_POST
def audit_process_delete(request: HttpRequest, process_id: int) -> HttpResponse:
    page = _process_page(request, process_id)
    services.process_delete(viewer=_viewer(request), process_id=page.process.pk)
    flash.success(request, _("“%s” and its steps are deleted.") % page.process.name)
    return redirect("touchpoints:audit_map")


@require_POST
def audit_process_move(request: HttpRequest, process_id: int) -> HttpResponse:
    page = _process_page(request, process_id)
    try:
        services.process_move(
            viewer=_viewer(request),
            process_id=page.process.pk,
            direction=request.POST.get("direction", ""),
        )
    except ValidationError as exc:
        flash.error(request, error_text(exc))
    return redirect(f"{reverse('touchpoints:audit_map')}#process-{page.process.pk}")


@require_http_methods(["GET", "POST"])
def audit_step_new(request: HttpRequest, process_id: int) -> HttpResponse:
    page = _process_page(request, process_id)
    form = StepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_create(
                viewer=_viewer(request), process_id=page.process.pk, data=form.to_input()
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            flash.success(request, _("Step added."))
            return redirect("touchpoints:audit_process", page.process.pk)
    context = {"page": page, "form": form, "step": None, "nav": NAV}
    return render(request, "touchpoints/audit/step_form.html", context)


def _step_view(request: HttpRequest, step_id: int) -> selectors.StepView:
    view = selectors.step_for_viewer(_viewer(request), _checked(step_id))
    if view is None:
        raise Http404(_("No such step"))
    return view


@require_http_methods(["GET", "POST"])
def audit_step_edit(request: HttpRequest, step_id: int) -> HttpResponse:
    view = _step_view(request, step_id)
    step = view.step
    initial: dict[str, Any] = {
        "name": step.name,
        "description": step.description,
        "mode": step.mode,
        "needs_human_touch": step.needs_human_touch,
        "why_human": step.why_human,
        "asks_feedback": step.asks_feedback,
    }
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_update(viewer=_viewer(request), step_id=step.pk, data=form.to_input())
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            flash.success(request, _("Step saved."))
            return redirect("touchpoints:audit_process", step.process_id)
    page = selectors.process_for_viewer(_viewer(request), step.process_id)
    context = {"page": page, "form": form, "step": view, "nav": NAV}
    return render(request, "touchpoints/audit/step_form.html", context)


@require_POST
def audit_step_delete(request: HttpRequest, step_id: int) -> HttpResponse:
    view = _step_view(request, step_id)
    process_id = services.step_delete(viewer=_viewer(request), step_id=view.step.pk)
    flash.success(request, _("“%s” is deleted.") % view.step.name)
    return redirect("touchpoints:audit_process", process_id)


@require_POST
def audit_step_move(request: HttpRequest, step_id: int) -> HttpResponse:
    view = _step_view(request, step_id)
    try:
        services.step_move(
            viewer=_viewer(request),
            step_id=view.step.pk,
            direction=request.POST.get("direction", ""),
        )
    except ValidationError as exc:
        flash.error(request, error_text(exc))
    return redirect("touchpoints:audit_process", view.step.process_id)


# --- Every colleague: "Did this feel human?" -----------------------------------------------------


ANSWERS = [
    ("yes", gettext_lazy("Yes")),
    ("partly", gettext_lazy("Partly")),
    ("no", gettext_lazy("No")),
]


def audit_feedback(request: HttpRequest) -> HttpResponse:
    page = selectors.feedback_page_for_viewer(_viewer(request))
    context = {"page": page, "nav": NAV, "answers": ANSWERS, "k": services.min_group()}
    return render(request, "touchpoints/audit/feedback.html", context)


@require_POST
@vary_on_headers("HX-Request")
def audit_feedback_answer(request: HttpRequest, step_id: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.feedback_item_for_viewer(viewer, _checked(step_id))
    if item is None:
        raise Http404(_("No such step"))
    problem = notice = ""
    try:
        services.step_feedback_submit(
            viewer=viewer, step_id=item.step_id, answer=request.POST.get("answer", "")
        )
    except ProcessStep.DoesNotExist:
        raise Http404(_("No such step")) from None
    except services.AlreadyAnswered as exc:
        notice = error_text(exc)  # the item shows as answered, which it is
    except ValidationError as exc:
        problem = error_text(exc)
    if request.htmx:  # type: ignore[attr-defined]
        # The step swaps in place; the "answered n of m" line follows out of band.
        fresh = selectors.feedback_item_for_viewer(viewer, item.step_id)
        context = {"item": fresh, "problem": problem, "answers": ANSWERS}
        progress = {"page": selectors.feedback_page_for_viewer(viewer), "oob": True}
        return HttpResponse(
            render_to_string("touchpoints/audit/feedback.html#item", context, request)
            + render_to_string("touchpoints/audit/feedback.html#progress", progress, request)
        )
    if problem:
        flash.error(request, problem)
    elif notice:
        flash.info(request, notice)
    else:
        flash.success(request, _("Thank you. Your answer is in, without your name."))
    return redirect(f"{reverse('touchpoints:audit_feedback')}#step-{item.step_id}")


urlpatterns: list[URLPattern] = [
    path("audit/", audit_map, name="audit_map"),
    path("audit/example/", audit_example, name="audit_example"),
    path("audit/processes/new/", audit_process_new, name="audit_process_new"),
    path("audit/processes/<int:process_id>/", audit_process, name="audit_process"),
    path(
        "audit/processes/<int:process_id>/delete/",
        audit_process_delete,
        name="audit_process_delete",
    ),
    path("audit/processes/<int:process_id>/move/", audit_process_move, name="audit_process_move"),
    path("audit/processes/<int:process_id>/steps/new/", audit_step_new, name="audit_step_new"),
    path("audit/steps/<int:step_id>/", audit_step_edit, name="audit_step_edit"),
    path("audit/steps/<int:step_id>/delete/", audit_step_delete, name="audit_step_delete"),
    path("audit/steps/<int:step_id>/move/", audit_step_move, name="audit_step_move"),
    path("audit/feedback/", audit_feedback, name="audit_feedback"),
    path("audit/feedback/<int:step_id>/", audit_feedback_answer, name="audit_feedback_answer"),
]
