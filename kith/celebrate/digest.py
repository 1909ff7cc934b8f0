"""The weekly digest: on the first run of each ISO week (Monday, organisation's calendar), each
person gets the kudos they received and their team's celebrations of the week before.

The claim is a WeeklyDigest row, unique per (person, week), written in the same transaction as
the notification: whoever inserts it first sends, any other scheduler or retry moves on. People
with nothing to report get nothing (and no row); people who opted out are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.celebrate.models import CelebrationSettings, KudosRecipient, Milestone, WeeklyDigest
from kith.celebrate.services import org_day_bounds
from kith.core.dates import org_today
from kith.directory.models import Person
from kith.notify.services import language_of_people, notification_send

QUOTE_LENGTH = 200
CHUNK = 500


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class DigestContent:
    kudos: list[KudosRecipient] = field(default_factory=list)
    celebrations: list[Milestone] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.kudos and not self.celebrations


def digest_contents(week_start: dt.date) -> dict[int, DigestContent]:
    """What each person would read for the week before `week_start`; people absent have
    nothing to report. A handful of queries, whatever the number of people."""
    since = week_start - dt.timedelta(days=7)
    start, end = org_day_bounds(since)[0], org_day_bounds(week_start)[0]
    contents: dict[int, DigestContent] = defaultdict(DigestContent)
    received = KudosRecipient.objects.filter(
        kudos__created_at__gte=start, kudos__created_at__lt=end, kudos__sender__is_active=True
    ).select_related("kudos__sender", "kudos__value")
    for row in received.order_by("kudos__created_at"):
        contents[row.person_id].kudos.append(row)
    milestones = Milestone.objects.filter(
        date__gte=since, date__lt=week_start, person__is_active=True, person__org_unit__isnull=False
    ).select_related("person")
    by_unit: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in milestones.order_by("date", "id"):
        by_unit[milestone.person.org_unit_id].append(milestone)  # type: ignore[index]
    teammates = Person.objects.filter(is_active=True, org_unit_id__in=by_unit)
    for person_id, unit_id in teammates.values_list("id", "org_unit_id"):
        others = [m for m in by_unit[unit_id] if m.person_id != person_id]
        if others:
            contents[person_id].celebrations = others
    return {pid: c for pid, c in contents.items() if not c.is_empty}


def digests_send_due(*, today: dt.date | None = None) -> int:
    """Send this week's digest to everyone who has something and has not had it. Returns how
    many this call sent."""
    week_start = week_start_of(today or org_today())
    contents = digest_contents(week_start)
    if not contents:
        return 0
    done = WeeklyDigest.objects.filter(week_start=week_start).values("person_id")
    opted_out = CelebrationSettings.objects.filter(weekly_digest=False).values("person_id")
    ids = sorted(contents)
    sent = 0
    for i in range(0, len(ids), CHUNK):
        people = (
            Person.objects.filter(pk__in=ids[i : i + CHUNK], is_active=True)
            .exclude(pk__in=done)
            .exclude(pk__in=opted_out)
            .select_related("org_unit")
        )
        people_list = list(people)
        languages = language_of_people(people_list)  # one query a chunk
        for person in people_list:
            with translation.override(languages[person.pk]):  # in the reader's language
                sent += _send_one(person, week_start, contents[person.pk])
    return sent


def _send_one(person: Person, week_start: dt.date, content: DigestContent) -> bool:
    try:
        with transaction.atomic():
            claim = WeeklyDigest.objects.create(
                person=person,
                week_start=week_start,
                kudos_count=len(content.kudos),
                celebrations_count=len(content.celebrations),
            )
            claim.notification = notification_send(
                person=person,
                kind="celebrate.digest",
                subject=digest_subject(content),
                body=digest_body(person, content),
                url="/celebrate/",
            )
            claim.save(update_fields=["notification"])
    except IntegrityError:
        return False  # another scheduler sent it first
    return True


def digest_subject(content: DigestContent) -> str:
    parts = []
    if content.kudos:
        n = len(content.kudos)
        parts.append(_("%(n)d kudos for you") % {"n": n} if n > 1 else _("kudos for you"))
    if content.celebrations:
        n = len(content.celebrations)
        parts.append(
            ngettext("%(n)d celebration in your team", "%(n)d celebrations in your team", n)
            % {"n": n}
        )
    return _("Last week: %(what)s") % {"what": _(" and ").join(parts)}


def digest_body(person: Person, content: DigestContent) -> str:
    lines = [_("Hello %(name)s,") % {"name": person.display_name}, ""]
    if content.kudos:
        lines.append(_("Kudos you received last week:"))
        for row in content.kudos:
            kudos = row.kudos
            value = f" ({kudos.value.name})" if kudos.value else ""
            lines.append(
                _("- From %(name)s%(value)s: “%(message)s”")
                % {
                    "name": kudos.sender.display_name,
                    "value": value,
                    "message": _quote(kudos.message),
                }
            )
        lines.append("")
    if content.celebrations:
        team = person.org_unit.name if person.org_unit else _("your team")
        lines.append(_("Celebrations in %(team)s:") % {"team": team})
        lines.extend(f"- {milestone_text(m)}" for m in content.celebrations)
        lines.append("")
    lines.append(_("A word to a colleague goes a long way. Say congratulations, or give kudos."))
    return "\n".join(lines)


def _quote(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1].rstrip() + "…"


def milestone_text(milestone: Milestone) -> str:
    facts = {"name": milestone.person.display_name, "day": date_format(milestone.date, "l")}
    if milestone.kind == Milestone.Kind.ANNIVERSARY:
        years = milestone.years or 0
        return ngettext(
            "%(name)s: %(years)d year with us (%(day)s)",
            "%(name)s: %(years)d years with us (%(day)s)",
            years,
        ) % {**facts, "years": years}
    if milestone.kind == Milestone.Kind.WELCOME:
        return _("%(name)s joined (%(day)s)") % facts
    return _("%(name)s's birthday (%(day)s)") % facts
