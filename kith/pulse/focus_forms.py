"""Forms for focus groups: inviting one (HR) and recording a theme (facilitator, HR)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.directory.models import Office, Person
from kith.events.engine.times import zone_names
from kith.events.forms import LocalDateTimeField
from kith.events.models import Event
from kith.pulse.focus import MAX_MINUTES, MAX_PROMPT, MIN_MINUTES, FocusInput, NewAction
from kith.pulse.focus_models import MAX_THEME

MODE_CHOICES = [(Event.Mode.IN_PERSON, _("In person")), (Event.Mode.VIRTUAL, _("Video call"))]


class FocusGroupForm(forms.Form):
    """Everything but the group itself, which comes from the results cell in the URL."""

    item = forms.ChoiceField(label=_("About"), choices=())
    prompt = forms.CharField(
        label=_("The question to talk about"),
        required=False,
        max_length=MAX_PROMPT,
        help_text=_("Optional, e.g. “What makes it hard to speak up in meetings?”"),
    )
    size = forms.IntegerField(label=_("How many people to invite"))
    facilitator = forms.EmailField(
        label=_("Facilitator's work email"),
        help_text=_(
            "Someone from outside the group, so people can speak freely, and not an "
            "HR admin (nor you): the facilitator sees who is going by name."
        ),
    )
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial=Event.Mode.IN_PERSON)
    starts_local = LocalDateTimeField(label=_("Starts"))
    minutes = forms.IntegerField(
        label=_("Minutes"), initial=60, min_value=MIN_MINUTES, max_value=MAX_MINUTES
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"), required=False, help_text=_("Empty: the office's zone, or yours.")
    )
    office = forms.ModelChoiceField(
        queryset=Office.objects.order_by("name"),
        required=False,
        empty_label=_("Not in an office"),
        help_text=_("In person: an office…"),
    )
    venue = forms.CharField(required=False, max_length=200, help_text=_("…or a venue"))
    city = forms.CharField(required=False, max_length=200, help_text=_("From the office if empty"))
    country = forms.CharField(required=False, max_length=2, help_text=_("Two letters, e.g. PT"))
    link = forms.CharField(
        label=_("Video link"), required=False, max_length=500, help_text=_("For a video call")
    )

    def __init__(
        self, *args: Any, items: list[tuple[str, str]], smallest: int, largest: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items  # type: ignore[attr-defined]
        self.fields["timezone"].choices = [("", "—")] + [(z, z) for z in zone_names()]  # type: ignore[attr-defined]
        size = self.fields["size"]
        size.help_text = f"Between {smallest} and {largest}. Kith draws them at random."
        size.initial = min(max(smallest, 8), largest) if largest >= smallest else smallest

    def clean_facilitator(self) -> Person:
        email = self.cleaned_data["facilitator"]
        person = Person.objects.filter(email__iexact=email, is_active=True).first()
        if person is None:
            raise forms.ValidationError(_("Nobody active in the directory has that email."))
        return person

    def to_input(self, *, unit: int, attr: int, value: int) -> FocusInput:
        d = self.cleaned_data
        office = d.get("office")
        starts: dt.datetime = d["starts_local"]
        return FocusInput(
            unit=unit,
            attr=attr,
            value=value,
            item=d["item"],
            prompt=d.get("prompt") or "",
            size=d["size"],
            facilitator_id=d["facilitator"].pk,
            mode=d["mode"],
            starts_local=starts.replace(tzinfo=None),
            minutes=d["minutes"],
            timezone=d.get("timezone") or "",
            office_id=office.pk if office else None,
            venue=d.get("venue") or "",
            city=d.get("city") or "",
            country=d.get("country") or "",
            link=d.get("link") or "",
        )


class ThemeForm(forms.Form):
    text = forms.CharField(
        label=_("Theme"),
        max_length=MAX_THEME,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One idea, in your own words. No names, no quotes tied to anyone."),
    )
    item = forms.ChoiceField(label=_("About"), choices=())
    action = forms.ChoiceField(label=_("Action plan"), required=False, choices=())
    owner = forms.EmailField(
        label=_("New action: owner's work email"),
        required=False,
        help_text=_("Only to create a new action: usually the team's manager."),
    )
    meeting_at = forms.DateTimeField(
        label=_("New action: follow up on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(
        self,
        *args: Any,
        items: list[tuple[str, str]],
        actions: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items  # type: ignore[attr-defined]
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", "Not linked"),
            ("new", "Create a new action"),
            *actions,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "new":
            owner = Person.objects.filter(
                email__iexact=data.get("owner") or "", is_active=True
            ).first()
            if owner is None:
                self.add_error("owner", "A new action needs its owner's email.")
            else:
                data["owner_person"] = owner
            if not data.get("meeting_at"):
                self.add_error("meeting_at", "A new action needs a time to follow up.")
        return data

    def action_id(self) -> int | None:
        raw = self.cleaned_data.get("action") or ""
        return int(raw) if raw.isdigit() else None

    def new_action(self) -> NewAction | None:
        d = self.cleaned_data
        if d.get("action") != "new":
            return None
        return NewAction(owner_id=d["owner_person"].pk, meeting_at=d["meeting_at"])
