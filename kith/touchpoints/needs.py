"""Touchpoints' cards on the home page (kith.core.registry.register_needs): for a manager,
their own overdue 1:1s and a span of control wide enough to be flagged; for HR, how many
managers' spans the latest daily snapshot flagged. Spans are facts of the org chart, not
about any report (models/span.py), and overdue 1:1s are the manager's own pairs. Read-only;
discovered by core with autodiscover_modules("needs")."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.core.permissions import Viewer, can_manage_touchpoints, can_view_span_of_control
from kith.core.registry import Need, register_needs
from kith.touchpoints.models import SpanSnapshot, TouchpointSettings
from kith.touchpoints.selectors.oneonones import my_one_on_ones_for_viewer

SHOWN = 3


def overdue_one_on_ones(viewer: Viewer) -> list[Need]:
    if viewer.person is None:
        return []
    overdue = [p for p in my_one_on_ones_for_viewer(viewer).as_manager if p.overdue]
    if not overdue:
        return []
    return [
        Need(
            app_label="touchpoints",
            # (Portuguese drops the name in the singular: msgfmt requires each form's
            # placeholders to be among the plural's.)
            title=ngettext(
                "A 1:1 with %(name)s is overdue",
                "%(n)d of your 1:1s are overdue",
                len(overdue),
            )
            % {"n": len(overdue), "name": overdue[0].other_name},
            lines=tuple(
                _("%(name)s: due %(date)s")
                % {"name": p.other_name, "date": date_format(p.due, "j M")}
                for p in overdue[:SHOWN]
            )
            if len(overdue) > 1
            else (),
            url=reverse("touchpoints:one_on_one", args=[overdue[0].pair.pk])
            if len(overdue) == 1
            else reverse("touchpoints:home"),
            action=_("Plan the next one") if len(overdue) == 1 else _("Plan them"),
            urgent=True,
            order=10,
        )
    ]


def my_span(viewer: Viewer) -> list[Need]:
    """The manager's own span: their active direct reports against HR's thresholds."""
    if viewer.person is None or not can_view_span_of_control(viewer, is_in_reporting_line=True):
        return []
    direct = viewer.person.reports.filter(is_active=True).count()
    rules = TouchpointSettings.current()
    if direct < rules.span_warn_at:
        return []
    too_wide = direct >= rules.span_alert_at
    return [
        Need(
            app_label="touchpoints",
            title=_("%(n)d people report to you directly") % {"n": direct},
            lines=(
                _("From %(alert)d a span is too wide to coach each person well.")
                % {"alert": rules.span_alert_at}
                if too_wide
                else _("From %(warn)d a span is flagged as wide.") % {"warn": rules.span_warn_at},
            ),
            url=reverse("touchpoints:span_mine"),
            action=_("See ways to share the load"),
            urgent=too_wide,
            order=40,
        )
    ]


def flagged_spans(viewer: Viewer) -> list[Need]:
    """HR: the latest daily snapshot (one row; no organisation-wide computation per visit)."""
    if not (can_view_span_of_control(viewer) and can_manage_touchpoints(viewer)):
        return []
    latest = SpanSnapshot.objects.order_by("-taken_on").first()
    if latest is None or not (latest.flagged_warn or latest.flagged_alert):
        return []
    flagged = latest.flagged_warn + latest.flagged_alert
    return [
        Need(
            app_label="touchpoints",
            title=ngettext(
                "%(n)d manager's span of control is flagged",
                "%(n)d managers' spans of control are flagged",
                flagged,
            )
            % {"n": flagged},
            lines=(
                _("%(alert)d too wide to coach, %(warn)d wide, on %(date)s")
                % {
                    "alert": latest.flagged_alert,
                    "warn": latest.flagged_warn,
                    "date": date_format(latest.taken_on, "j M"),
                },
            ),
            url=reverse("touchpoints:span_overview"),
            action=_("See the flagged spans"),
            order=50,
        )
    ]


register_needs(app_label="touchpoints", key="touchpoints.overdue", build=overdue_one_on_ones)
register_needs(app_label="touchpoints", key="touchpoints.my_span", build=my_span)
register_needs(app_label="touchpoints", key="touchpoints.spans", build=flagged_spans)
