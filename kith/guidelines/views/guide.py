"""Pages of the channel guide: the guide for everyone, HR's editor, and the channel advisor
("how should I have this conversation?") with its one-click next step."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kith.core import throttle
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import require
from kith.guidelines.forms.guide import AdvisorForm, KindForm, ProposeForm
from kith.guidelines.selectors import guide as selectors
from kith.guidelines.services import guide as services


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    rows = selectors.guide_for_viewer(viewer)
    return render(
        request,
        "guidelines/home.html",
        {"nav": "guidelines", "rows": rows, "can_edit": services.can_edit_guide(viewer)},
    )


def _kind_form(row: selectors.KindRow, data: Any = None) -> KindForm:
    initial: dict[str, Any] = {
        "name": row.kind.name,
        "description": row.kind.description,
        "sensitivity": row.kind.sensitivity,
    }
    for cell in row.cells:
        initial[f"{cell.channel}_fit"] = cell.fit
        initial[f"{cell.channel}_why"] = cell.why
    return KindForm(data, initial=initial, prefix=f"k{row.kind.pk}")


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """HR's editor: each kind's fields and cells in one form; a form to add a kind."""
    viewer = _viewer(request)
    require(services.can_edit_guide(viewer), _("Only HR admins edit the channel guide."))
    rows = selectors.guide_for_viewer(viewer)
    add_form = KindForm(prefix="new", with_cells=False, initial={"sensitivity": "medium"})
    forms = {row.kind.pk: _kind_form(row) for row in rows}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "add":
        add_form = KindForm(request.POST, prefix="new", with_cells=False)
        if add_form.is_valid() and _add_kind(request, add_form):
            return redirect("guidelines:manage")
        status = 400
    elif request.method == "POST":
        row = _row_of(rows, request.POST.get("kind"))
        form = _kind_form(row, request.POST)
        forms[row.kind.pk] = form
        if form.is_valid() and _save_kind(request, row, form):
            return redirect(f"{request.path}#kind-{row.kind.pk}")
        status = 400
    context = {
        "nav": "guidelines",
        "items": [(row, forms[row.kind.pk]) for row in rows],
        "add_form": add_form,
    }
    return render(request, "guidelines/manage.html", context, status=status)


def _row_of(rows: list[selectors.KindRow], raw: str | None) -> selectors.KindRow:
    for row in rows:
        if str(row.kind.pk) == (raw or ""):
            return row
    raise PermissionDenied(_("That kind of conversation is no longer in the guide."))


def _add_kind(request: HttpRequest, form: KindForm) -> bool:
    try:
        kind = services.kind_create(viewer=_viewer(request), **form.cleaned_data)
    except ValidationError as exc:
        _attach(form, exc)
        return False
    flash.success(request, _("Added “%(name)s”: check its channels below.") % {"name": kind.name})
    return True


def _save_kind(request: HttpRequest, row: selectors.KindRow, form: KindForm) -> bool:
    viewer = _viewer(request)
    data = form.cleaned_data
    try:
        services.kind_update(
            viewer=viewer,
            kind=row.kind,
            name=data["name"],
            description=data["description"],
            sensitivity=data["sensitivity"],
        )
        services.cells_update(viewer=viewer, kind=row.kind, cells=form.cells())
    except ValidationError as exc:
        _attach(form, exc)
        return False
    flash.success(request, _("Saved “%(name)s”.") % {"name": row.kind.name})
    return True


def _attach(form: KindForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@require_POST
def kind_move(request: HttpRequest, kind_id: int) -> HttpResponse:
    viewer = _viewer(request)
    row = selectors.kind_for_viewer(viewer, kind_id)
    by = -1 if request.POST.get("direction") == "up" else 1
    services.kind_move(viewer=viewer, kind=row.kind, by=by)
    return redirect(f"{_manage_url()}#kind-{kind_id}")


def _manage_url() -> str:
    return reverse("guidelines:manage")


@require_http_methods(["GET", "POST"])
def kind_delete(request: HttpRequest, kind_id: int) -> HttpResponse:
    viewer = _viewer(request)
    require(services.can_edit_guide(viewer), _("Only HR admins edit the channel guide."))
    row = selectors.kind_for_viewer(viewer, kind_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.kind_delete(viewer=viewer, kind=row.kind)
        except ValidationError as exc:
            for message in _messages_of(exc):
                flash.error(request, message)
            return redirect("guidelines:manage")
        flash.success(request, _("Removed “%(name)s” from the guide.") % {"name": row.kind.name})
        return redirect("guidelines:manage")
    return render(
        request,
        "guidelines/guide_confirm.html",
        {
            "nav": "guidelines",
            "title": _("Remove “%(name)s”?") % {"name": row.kind.name},
            "text": _("Its five channel recommendations go with it. The other kinds stay."),
            "button": _("Remove it"),
        },
    )


@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(services.can_edit_guide(viewer), _("Only HR admins edit the channel guide."))
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        count = services.guide_reset(viewer=viewer)
        flash.success(request, _("The default guide is back: %(n)d kinds.") % {"n": count})
        return redirect("guidelines:manage")
    return render(
        request,
        "guidelines/guide_confirm.html",
        {
            "nav": "guidelines",
            "title": _("Reset to the default guide?"),
            "text": _(
                "Every kind you added or edited is replaced by Kith's default guide. "
                "This cannot be undone."
            ),
            "button": _("Reset the guide"),
        },
    )


# --- The advisor ------------------------------------------------------------------------------


def advisor(request: HttpRequest) -> HttpResponse:
    """A read: the form's choices arrive as GET parameters, so the answer can be bookmarked
    and the back button works. Nothing is stored."""
    viewer = _viewer(request)
    rows = selectors.guide_for_viewer(viewer)
    colleagues = selectors.advisor_colleagues_for_viewer(viewer)
    data = request.GET if "kind" in request.GET else None
    initial: dict[str, Any] = {"urgency": "this_week", "kind": request.GET.get("about", "")}
    if request.GET.get("with", "").isdigit():
        initial["colleague"] = int(request.GET["with"])
    form = AdvisorForm(data, initial=initial, kinds=[r.kind for r in rows], colleagues=colleagues)
    _include_linked_colleague(form, viewer, request.GET.get("with", ""), colleagues)
    page = None
    status = 200
    if data is not None:
        if form.is_valid():
            page = _advise(form, viewer)
        if not form.is_valid():
            status = 400
    return render(
        request,
        "guidelines/advisor.html",
        {
            "nav": "guidelines",
            "form": form,
            "page": page,
            "rows": rows,
            "zone": selectors.zone_of(viewer.person),
        },
        status=status,
    )


def _include_linked_colleague(
    form: AdvisorForm, viewer: Any, raw: str, colleagues: list[Any]
) -> None:
    """A link from a 1:1 page names the other person: offer them even if not in the list."""
    if not raw.isdigit() or any(str(p.pk) == raw for p in colleagues):
        return
    try:
        person = selectors.colleague_for_viewer(viewer, person_id=int(raw))
    except ValidationError:
        return
    if person is not None:
        field = form.fields["colleague"]
        field.choices = [*field.choices, (person.pk, person.display_name)]  # type: ignore[attr-defined]


def _advise(form: AdvisorForm, viewer: Any) -> selectors.AdvicePage | None:
    data = form.cleaned_data
    try:
        colleague = selectors.colleague_for_viewer(
            viewer, person_id=data["colleague"], email=data["colleague_email"]
        )
        return selectors.advice_for_viewer(
            viewer,
            kind_key=data["kind"],
            sensitivity=data["sensitivity"],
            urgency=data["urgency"],
            distance=data["distance"],
            colleague=colleague,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return None


@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = ProposeForm(request.POST)
    back = request.POST.get("back", "")
    target = back if back.startswith("/guidelines/advisor/") else _advisor_url()
    if not form.is_valid():
        for field, errors in form.errors.items():
            flash.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
        return redirect(target)
    data = form.cleaned_data
    try:
        colleague = selectors.colleague_for_viewer(viewer, person_id=data["colleague"])
        kind = selectors.kind_for_viewer(viewer, data["kind"]).kind if data["kind"] else None
        services.call_propose(
            viewer=viewer,
            colleague=colleague,  # type: ignore[arg-type]
            starts_at=data["starts_at"],
            channel=data["channel"],
            minutes=data["minutes"],
            kind=kind,
            include_kind=data["include_kind"],
        )
    except ValidationError as exc:
        for message in _messages_of(exc):
            flash.error(request, message)
        return redirect(target)
    except throttle.Throttled as exc:
        flash.error(request, exc.detail)
        return redirect(target)
    assert colleague is not None
    flash.success(
        request,
        _("Sent: %(name)s has your proposal and an invitation; a copy is in your inbox.")
        % {"name": colleague.display_name},
    )
    return redirect(target)


def _advisor_url() -> str:
    return reverse("guidelines:advisor")


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("manage/", manage, name="manage"),
    path("manage/reset/", reset, name="reset"),
    path("manage/kinds/<int:kind_id>/move/", kind_move, name="kind_move"),
    path("manage/kinds/<int:kind_id>/delete/", kind_delete, name="kind_delete"),
    path("advisor/", advisor, name="advisor"),
    path("advisor/propose/", propose, name="propose"),
]
