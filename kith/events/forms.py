from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kith.directory.models import Office
from kith.events.engine.times import zone_names
from kith.events.engine.town_hall import MAX_NOTES, MAX_QUESTION, MAX_REASON
from kith.events.models import Event
from kith.events.services import EventInput

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
LOCAL_FORMATS = (LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=LOCAL_FORMAT)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time with no zone: the event's zone (not the viewer's) gives it one."""

    widget = LocalDateTimeInput

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        for fmt in LOCAL_FORMATS:
            try:
                return dt.datetime.strptime(str(value).strip(), fmt)  # noqa: DTZ007
            except ValueError:
                continue
        raise forms.ValidationError(
            _("Enter a date and time, e.g. 2026-06-04 18:30."), code="invalid"
        )


class OfficeSelect(forms.Select):
    """Each office's option carries its city, country and zone, so picking it can fill those
    fields in the browser (places/office_fill.js); the service fills them anyway when empty."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        office = getattr(option["value"], "instance", None)
        if isinstance(office, Office):
            option["attrs"].update(
                {
                    "data-city": office.city,
                    "data-country": office.country,
                    "data-timezone": office.timezone,
                }
            )
        return option


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.city}, {obj.country})" if obj.city else str(obj.name)


class EventForm(forms.Form):
    """An event's fields; times are wall-clock times in the event's zone."""

    title = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=Event.Kind.choices, initial=Event.Kind.MEETUP)
    host = forms.ChoiceField(label=_("Hosted by"), choices=())
    description = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    mode = forms.ChoiceField(choices=Event.Mode.choices, initial=Event.Mode.IN_PERSON)
    starts_local = LocalDateTimeField(label=_("Starts"))
    ends_local = LocalDateTimeField(label=_("Ends"))
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Where it happens. Empty: the office's zone, or yours."),
    )
    office = OfficeChoiceField(
        # Every office HR manages under /places/offices/, without its photo's bytes.
        queryset=Office.objects.only("id", "name", "city", "country", "timezone").order_by(
            "name", "id"
        ),
        widget=OfficeSelect,
        required=False,
        empty_label=_("Not in an office"),
        help_text=_("In person or hybrid: an office…"),
    )
    venue = forms.CharField(
        required=False, max_length=200, help_text=_("…or a venue, e.g. Café Rosa, Rua Nova 12")
    )
    city = forms.CharField(
        required=False, max_length=200, help_text=_("Taken from the office if empty")
    )
    country = forms.CharField(
        required=False, max_length=2, help_text=_("Two letters, e.g. PT; from the office if empty")
    )
    link = forms.CharField(
        label=_("Link to join"), required=False, max_length=500, help_text=_("Virtual or hybrid")
    )
    capacity = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100000,
        help_text=_("Places in the room; empty for no limit"),
    )
    invite_only = forms.BooleanField(
        label=_("Invitation only"),
        required=False,
        help_text=_(
            "Only the people you invite see it and answer; HR sees that it exists and "
            "how many are invited and going, never who. It stays invitation-only once saved."
        ),
    )

    record_past = forms.BooleanField(
        label=_("Record a past event"),
        required=False,
        help_text=_(
            "It already happened: keep it in Kith with its date in the past. For HR; "
            "the audit log notes it."
        ),
    )

    def __init__(
        self,
        *args: Any,
        host_choices: list[tuple[str, str]],
        may_record_past: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].choices = host_choices  # type: ignore[attr-defined]
        if not may_record_past:
            del self.fields["record_past"]
        zones = [("", "—")] + [(z, z) for z in zone_names()]
        self.fields["timezone"].choices = zones  # type: ignore[attr-defined]
        if self.initial.get("invite_only"):
            # Once invitation-only, always (services._invitation_only says why).
            self.fields["invite_only"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_local"), data.get("ends_local")
        if isinstance(starts, dt.datetime) and isinstance(ends, dt.datetime) and ends <= starts:
            self.add_error("ends_local", "The event must end after it starts.")
        return data

    def to_input(self) -> EventInput:
        d = self.cleaned_data
        office = d.get("office")
        return EventInput(
            title=d["title"],
            kind=d["kind"],
            host=d["host"],
            mode=d["mode"],
            starts_local=_naive(d["starts_local"]),
            ends_local=_naive(d["ends_local"]),
            timezone=d.get("timezone") or "",
            description=d.get("description") or "",
            office_id=office.pk if office else None,
            venue=d.get("venue") or "",
            city=d.get("city") or "",
            country=d.get("country") or "",
            link=d.get("link") or "",
            capacity=d.get("capacity"),
            invite_only=bool(d.get("invite_only")),
            record_past=bool(d.get("record_past")),
        )


def _naive(value: dt.datetime) -> dt.datetime:
    """Django makes parsed times aware in the active zone; the event's zone decides instead."""
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def initial_for(event: Event) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(event.timezone)
    if event.host in (Event.Host.COMMUNITY, Event.Host.TEAM):
        host = f"{event.host}:{event.community_id or event.org_unit_id}"
    else:
        host = event.host
    return {
        "title": event.title,
        "kind": event.kind,
        "host": host,
        "description": event.description,
        "mode": event.mode,
        "starts_local": event.starts_at.astimezone(zone).replace(tzinfo=None),
        "ends_local": event.ends_at.astimezone(zone).replace(tzinfo=None),
        "timezone": event.timezone,
        "office": event.office_id,
        "venue": event.venue,
        "city": event.city,
        "country": event.country,
        "link": event.link,
        "capacity": event.capacity,
        "invite_only": event.invite_only,
    }


MAX_EMAILS = 200


class InviteForm(forms.Form):
    """Colleagues to invite to an invitation-only event, by their work email."""

    emails = forms.CharField(
        label=_("Work emails"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line, or separated by commas. Each person is told and answers on "
            "the event page."
        ),
    )

    def clean_emails(self) -> list[int]:
        from django.db.models.functions import Lower

        from kith.directory.models import Person

        raw = self.cleaned_data["emails"].replace(",", "\n").replace(";", "\n").split()
        emails = list(dict.fromkeys(e.strip().lower() for e in raw if e.strip()))
        if not emails:
            raise forms.ValidationError(_("Give at least one work email."))
        if len(emails) > MAX_EMAILS:
            raise forms.ValidationError(
                _("Invite at most %(n)d people at a time.") % {"n": MAX_EMAILS}
            )
        people = Person.objects.annotate(address=Lower("email"))
        found = dict(people.filter(address__in=emails, is_active=True).values_list("address", "pk"))
        unknown = [e for e in emails if e not in found]
        if unknown:
            shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
            raise forms.ValidationError(
                ngettext(
                    "Nobody active in the directory has this email: %(emails)s",
                    "Nobody active in the directory has these emails: %(emails)s",
                    len(unknown),
                )
                % {"emails": shown}
            )
        return sorted(set(found.values()))


# --- Town halls ----------------------------------------------------------------------------------

ANONYMOUS_NOTICE = _(
    "Anonymous: nobody, not even HR or the organisers, can see that you asked this."
)


class QuestionForm(forms.Form):
    """A question for a town hall. The same form (and address) for named and anonymous
    questions, so not even a web server's access log can tell them apart."""

    text = forms.CharField(
        label=_("Your question"),
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_QUESTION}),
        help_text=format_lazy(_("Up to {n} characters."), n=MAX_QUESTION),
    )
    asker = forms.ChoiceField(
        label=_("Ask it"),
        choices=[
            ("named", "With my name"),
            ("anonymous", "Anonymously"),
        ],
        initial="named",
        widget=forms.RadioSelect,
    )

    @property
    def anonymous(self) -> bool:
        return self.cleaned_data.get("asker") == "anonymous"


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why hide it?"),
        max_length=MAX_REASON,
        help_text=_("Only the moderators see this."),
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 14, "maxlength": MAX_NOTES}),
        help_text=_(
            "What was answered, what follows up and when. Everyone who can see the event "
            "reads them; publishing them closes questions."
        ),
    )
