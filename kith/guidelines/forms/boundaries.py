from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.core.weekdays import WEEKDAY_CHOICES as WEEKDAYS
from kith.directory.models import ContactPreference
from kith.notify import channels


class PreferencesForm(forms.Form):
    meeting_mode = forms.ChoiceField(
        label=_("I would rather meet"),
        choices=ContactPreference.MeetingMode.choices,
        widget=forms.RadioSelect,
    )
    intro_frequency = forms.ChoiceField(
        label=_("Introduce me"),
        choices=ContactPreference.IntroFrequency.choices,
        widget=forms.RadioSelect,
    )
    preferred_channel = forms.ChoiceField(
        label=_("Reach me by"),
        choices=ContactPreference.Channel.choices,
        widget=forms.RadioSelect,
    )
    office_day_nudges = forms.BooleanField(
        label=_("Tell me when teammates plan to be in the office"), required=False
    )

    def __init__(self, *args: Any, current_channel: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Chat tools only where HR connected them (and the one already chosen, so a choice
        # made while it was connected is shown rather than silently replaced).
        offered: set[str] = {ContactPreference.Channel.EMAIL, ContactPreference.Channel.IN_APP}
        offered |= {p.name for p in channels.providers() if p.is_configured()}
        offered.add(current_channel)
        self.fields["preferred_channel"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ContactPreference.Channel.choices if value in offered
        ]


class TechFreeHoursForm(forms.Form):
    org_unit = forms.TypedChoiceField(label=_("Team"), coerce=int)
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int)
    starts_at = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: object, units: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["org_unit"].choices = units  # type: ignore[attr-defined]


class WellnessWeekForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    starts_on = forms.DateField(
        label=_("First day off"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Last day off"), widget=forms.DateInput(attrs={"type": "date"})
    )
    message = forms.CharField(
        label=_("Message on the banner"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
