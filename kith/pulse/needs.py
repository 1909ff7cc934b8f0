"""Pulse's cards on the home page (kith.core.registry.register_needs): for HR, the survey
waves open now (with the response rate that pulse already publishes to HR: a multiple of k,
once k people answered) and waves due to go out; for everyone, their own unanswered surveys.
Read-only; discovered by core with autodiscover_modules("needs")."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.core.dates import org_today
from kith.core.permissions import Viewer, can_manage_surveys
from kith.core.registry import Need, register_needs
from kith.pulse import selectors
from kith.pulse.models import Wave
from kith.pulse.snapshot import DEFER_FOR_LISTS

SHOWN = 3  # waves named on a card; the manage page lists them all


def _day(day: dt.date) -> str:
    return date_format(day, "j M")


def _wave_line(viewer: Viewer, wave: Wave) -> str:
    rate = selectors.response_rate_for_viewer(viewer, wave)
    closes = _day(wave.closes_on)
    if rate is None:
        return _("%(campaign)s, wave %(n)d: closes %(date)s") % {
            "campaign": wave.campaign.name,
            "n": wave.number,
            "date": closes,
        }
    return _(
        "%(campaign)s, wave %(n)d: at least %(answered)d of %(invited)d answered, closes %(date)s"
    ) % {
        "campaign": wave.campaign.name,
        "n": wave.number,
        "answered": rate[0],
        "invited": rate[1],
        "date": closes,
    }


def hr_waves(viewer: Viewer) -> list[Need]:
    if not can_manage_surveys(viewer):
        return []
    today = org_today()
    waves = list(
        Wave.objects.filter(results_at__isnull=True, opens_on__lte=today, closes_on__gte=today)
        .select_related("campaign")
        .defer(*DEFER_FOR_LISTS)
        .order_by("closes_on", "id")[:20]
    )
    manage = reverse("pulse:manage")
    cards: list[Need] = []
    unsent = [w for w in waves if w.sent_at is None]
    if unsent:
        cards.append(
            Need(
                app_label="pulse",
                title=ngettext(
                    "%(n)d survey wave is due to go out",
                    "%(n)d survey waves are due to go out",
                    len(unsent),
                )
                % {"n": len(unsent)},
                lines=tuple(
                    _("%(campaign)s, wave %(n)d: opened %(date)s")
                    % {"campaign": w.campaign.name, "n": w.number, "date": _day(w.opens_on)}
                    for w in unsent[:SHOWN]
                ),
                url=manage,
                action=_("Send from the surveys page"),
                urgent=True,
                order=10,
            )
        )
    sent = [w for w in waves if w.sent_at is not None]
    if sent:
        cards.append(
            Need(
                app_label="pulse",
                title=ngettext(
                    "%(n)d survey wave is open", "%(n)d survey waves are open", len(sent)
                )
                % {"n": len(sent)},
                lines=tuple(_wave_line(viewer, w) for w in sent[:SHOWN]),
                url=manage,
                action=_("Follow the surveys"),
                order=20,
            )
        )
    return cards


def my_surveys(viewer: Viewer) -> list[Need]:
    waiting = [card for card in selectors.my_surveys_for_viewer(viewer) if not card.answered]
    if not waiting:
        return []
    return [
        Need(
            app_label="pulse",
            title=ngettext(
                "A short survey is waiting for you",
                "%(n)d short surveys are waiting for you",
                len(waiting),
            )
            % {"n": len(waiting)},
            lines=tuple(
                _("%(campaign)s: closes %(date)s")
                % {"campaign": c.wave.campaign.name, "date": _day(c.wave.closes_on)}
                for c in waiting[:SHOWN]
            ),
            url=reverse("pulse:home"),
            action=_("Answer (your answers are confidential)"),
            order=30,
        )
    ]


register_needs(app_label="pulse", key="pulse.waves", build=hr_waves)
register_needs(app_label="pulse", key="pulse.mine", build=my_surveys)
