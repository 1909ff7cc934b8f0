"""The App Home tab: my intros (Connect) and my upcoming events, built from the same selectors
as the pages, so it shows what the person may see there and nothing more."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.connect.selectors import matches_for_viewer
from kith.directory.models import Person
from kith.events.selectors import events_home_for_viewer
from kith.slack import blocks
from kith.slack.selectors import kith_url, link_your_account_text, viewer_for_person

MATCHES_SHOWN = 5
EVENTS_SHOWN = 5


def _zone(person: Person) -> dt.tzinfo:
    try:
        return ZoneInfo(person.timezone) if person.timezone else timezone.get_default_timezone()
    except (ValueError, KeyError):
        return timezone.get_default_timezone()


def _follow_up(met: str, open_: bool) -> str:
    if met == "yes":
        return "you met ✓"
    if met == "no":
        return "you did not meet"
    return "did you meet? Answer in Kith" if open_ else ""


def home_view(person: Person | None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    if person is None:
        return {
            "type": "home",
            "blocks": [
                blocks.header("Kith"),
                blocks.text_section(link_your_account_text()),
            ],
        }
    viewer = viewer_for_person(person)
    zone = _zone(person)
    out: list[dict[str, Any]] = [blocks.header(_("Your intros"))]
    matches = matches_for_viewer(viewer, limit=MATCHES_SHOWN)
    if not matches:
        out.append(
            blocks.text_section(
                _("No intros yet. %(link)s")
                % {"link": blocks.link(kith_url("connect:home"), _("Join a program"))}
            )
        )
    for view in matches:
        names = ", ".join(blocks.escape(p.display_name) for p in view.others) or "—"
        line = (
            f"{blocks.link(kith_url('connect:match', view.match.pk), view.match.program.name)}"
            + " · "
            + _("%(date)s · with %(names)s")
            % {"date": date_format(view.scheduled_for, "j M"), "names": names}
        )
        state = _follow_up(view.me.met, view.follow_up_open)
        out.append(blocks.text_section(line + (f"\n_{state}_" if state else "")))
    out.append({"type": "divider"})
    out.append(blocks.header(_("Your upcoming events")))
    events = events_home_for_viewer(viewer, now=now).mine[:EVENTS_SHOWN]
    if not events:
        out.append(
            blocks.text_section(
                _("Nothing on your list. %(link)s")
                % {"link": blocks.link(kith_url("events:home"), _("See what is on"))}
            )
        )
    for card in events:
        when = timezone.localtime(card.event.starts_at, zone)
        out.append(
            blocks.text_section(
                f"{blocks.link(kith_url('events:event', card.event.pk), card.event.title)}"
                f" · {date_format(when, 'D j M, H:i')}"
                + (" · " + _("waiting list") if card.my_status == "waitlisted" else "")
            )
        )
    out.append(
        blocks.context_line(f"{blocks.link(kith_url('home'), _('Open Kith'))} · `/kith help`")
    )
    return {"type": "home", "blocks": out[:100]}
