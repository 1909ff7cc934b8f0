"""/integrations/matrix/: HR connects the bot; /integrations/matrix/me/: a person's own id."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kith.core.http import errors_onto, viewer_of
from kith.core.permissions import require
from kith.matrix import selectors, services
from kith.matrix.forms import ConnectForm, MatrixIdForm, TemplateForm

NAV = "integrations"


@require_http_methods(["GET", "POST"])
def matrix_settings(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    require(selectors.can_manage_matrix(viewer), selectors.ONLY_HR)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    connect = ConnectForm(request.POST if action == "connect" else None)
    template = TemplateForm(request.POST if action == "template" else None)
    try:
        if action == "connect" and connect.is_valid():
            row = services.matrix_connect(viewer=viewer, **connect.cleaned_data)
            flash.success(request, _("Kith posts on Matrix as %s.") % row.user_id)
            return redirect("matrix:settings")
        if action == "template" and template.is_valid():
            services.matrix_template_set(viewer=viewer, **template.cleaned_data)
            flash.success(request, _("People's Matrix ids are saved."))
            return redirect("matrix:settings")
        if action == "check":
            user_id = services.matrix_check(viewer=viewer)
            flash.success(request, _("The token works: the homeserver knows it as %s.") % user_id)
            return redirect("matrix:settings")
        if action == "test_message":
            url = request.build_absolute_uri(reverse("matrix:me"))
            address = services.matrix_test_message_send(viewer=viewer, url=url)
            flash.success(request, _("A test message is on its way to %s.") % address)
            return redirect("matrix:settings")
        if action == "disconnect":
            services.matrix_disconnect(viewer=viewer)
            flash.success(request, _("Kith no longer posts on Matrix."))
            return redirect("matrix:settings")
    except ValidationError as exc:
        form = template if action == "template" else connect
        if action in {"connect", "template"}:
            errors_onto(form, exc)
        else:
            flash.error(request, " ".join(exc.messages))
            return redirect("matrix:settings")
    context = {
        "settings": selectors.matrix_settings_for_viewer(viewer),
        "connect": connect,
        "template_form": template,
        "nav": NAV,
    }
    return render(request, "matrix/settings.html", context)


@require_http_methods(["GET", "POST"])
def matrix_me(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    require(selectors.can_set_own_matrix_id(viewer), selectors.SIGN_IN)
    mine = selectors.my_matrix_id_for_viewer(viewer)
    form = MatrixIdForm(request.POST or None, initial={"matrix_id": mine.matrix_id})
    person = viewer.person
    assert person is not None  # can_set_own_matrix_id
    if request.method == "POST" and form.is_valid():
        try:
            kept = services.matrix_id_set(person, form.cleaned_data["matrix_id"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            if kept:
                flash.success(request, _("Kith reaches you on Matrix as %s.") % kept)
            else:
                flash.success(request, _("Kith uses the Matrix id it derives from your email."))
            return redirect("matrix:me")
    return render(request, "matrix/me.html", {"mine": mine, "form": form, "nav": "boundaries"})


urlpatterns: list[URLPattern | URLResolver] = [
    path("", matrix_settings, name="settings"),
    path("me/", matrix_me, name="me"),
]
