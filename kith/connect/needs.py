"""Connect's card on the home page (kith.core.registry.register_needs): for HR, the rounds
to be drawn in the coming week, so each can be previewed before it goes out. Read-only;
discovered by core with autodiscover_modules("needs")."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.connect.engine.cadence import round_date_on_or_after
from kith.connect.models import Program, Round
from kith.core import boundaries
from kith.core.dates import org_today
from kith.core.permissions import Viewer, can_manage_programs
from kith.core.registry import Need, register_needs

AHEAD = dt.timedelta(days=7)
SHOWN = 3
MAX_PROGRAMS = 200


def _first_free_date(
    program: Program, today: dt.date, drawn: set[tuple[int, dt.date]], paused: dict[dt.date, bool]
) -> dt.date | None:
    """As selectors.next_round_date, within the coming week only, from rounds read at once."""
    day, horizon = today, today + AHEAD
    while day <= horizon:
        date = round_date_on_or_after(
            day,
            starts_on=program.starts_on,
            weekday=program.weekday,
            cadence=program.cadence,  # type: ignore[arg-type]
        )
        if date > horizon:
            return None
        if date not in paused:
            paused[date] = boundaries.organisation_paused_on(date)
        if (program.pk, date) not in drawn and not paused[date]:
            return date
        day = date + dt.timedelta(days=1)
    return None


def rounds_due(viewer: Viewer) -> list[Need]:
    if not can_manage_programs(viewer):
        return []
    today = org_today()
    programs = list(Program.objects.filter(is_active=True).order_by("name")[:MAX_PROGRAMS])
    drawn = set(
        Round.objects.filter(
            program__in=programs, scheduled_for__range=(today, today + AHEAD)
        ).values_list("program_id", "scheduled_for")
    )
    paused: dict[dt.date, bool] = {}  # at most eight days asked, whatever the programs
    due: list[tuple[dt.date, Program]] = []
    for program in programs:
        next_round = _first_free_date(program, today, drawn, paused)
        if next_round is not None:
            due.append((next_round, program))
    if not due:
        return []
    due.sort(key=lambda d: (d[0], d[1].name))
    first = due[0][1]
    return [
        Need(
            app_label="connect",
            title=ngettext(
                "%(n)d round is drawn this week",
                "%(n)d rounds are drawn this week",
                len(due),
            )
            % {"n": len(due)},
            lines=tuple(
                _("%(program)s: %(date)s")
                % {"program": program.name, "date": date_format(day, "D j M")}
                for day, program in due[:SHOWN]
            ),
            url=reverse("connect:preview", args=[first.pk])
            if len(due) == 1
            else reverse("connect:manage"),
            action=_("Preview the round") if len(due) == 1 else _("Preview the rounds"),
            urgent=due[0][0] <= today + dt.timedelta(days=1),
            order=15,
        )
    ]


register_needs(app_label="connect", key="connect.rounds", build=rounds_due)
