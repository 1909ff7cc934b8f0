from __future__ import annotations

import calendar
from typing import Any

from django import forms

from kith.celebrate.engine.milestones import is_valid_day
from kith.celebrate.models import MAX_MESSAGE_LENGTH, MAX_RECIPIENTS, CompanyValue, Kudos
from kith.directory.models import Person

MONTHS = [("", "Month")] + [(str(m), calendar.month_name[m]) for m in range(1, 13)]
DAYS = [("", "Day")] + [(str(d), str(d)) for d in range(1, 32)]


class KudosForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        queryset=Person.objects.filter(is_active=True),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": "Choose at least one colleague to thank.",
            "invalid_choice": "One of the people you chose is not in the directory any more.",
            "invalid_pk_value": "Choose colleagues from the suggestions.",
        },
    )
    value = forms.ModelChoiceField(
        queryset=CompanyValue.objects.filter(is_active=True),
        required=False,
        empty_label="No particular value",
        label="Value (optional)",
        error_messages={"invalid_choice": "That value is no longer in use: choose another."},
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_MESSAGE_LENGTH}),
        max_length=MAX_MESSAGE_LENGTH,
        help_text="Say what they did and why it mattered.",
        error_messages={"required": "Write a few words: say what they did and why it mattered."},
    )
    visibility = forms.ChoiceField(
        choices=Kudos.Visibility.choices,
        initial=Kudos.Visibility.PUBLIC,
        widget=forms.RadioSelect,
        label="Who sees it",
    )

    def clean_recipients(self) -> Any:
        people = self.cleaned_data["recipients"]
        if len(people) > MAX_RECIPIENTS:
            raise forms.ValidationError(
                f"Kudos can thank up to {MAX_RECIPIENTS} people at once; you chose {len(people)}."
            )
        return people


class SettingsForm(forms.Form):
    celebrate_work_dates = forms.BooleanField(
        required=False,
        label="Celebrate my work anniversaries (and welcome me on my first day)",
        help_text="Shows the day and month you joined to colleagues on that day each year.",
    )
    share_birthday = forms.BooleanField(required=False, label="Celebrate my birthday")
    birthday_month = forms.TypedChoiceField(
        choices=MONTHS, coerce=int, required=False, empty_value=None, label="Month"
    )
    birthday_day = forms.TypedChoiceField(
        choices=DAYS, coerce=int, required=False, empty_value=None, label="Day"
    )
    weekly_digest = forms.BooleanField(
        required=False,
        label="Send me a weekly digest",
        help_text="On Mondays, in your working hours: kudos you received and your team's "
        "celebrations of the week before. Nothing is sent in a quiet week.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        month, day = data.get("birthday_month"), data.get("birthday_day")
        if not data.get("share_birthday"):
            data["birthday"] = None
            return data
        if month is None or day is None:
            self.add_error("birthday_day", "Choose the day and month of your birthday to share it.")
        elif not is_valid_day(month, day):
            self.add_error(
                "birthday_day", f"{calendar.month_name[month]} has no day {day}: check the day."
            )
        else:
            data["birthday"] = (month, day)
        return data


class CompanyValueForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="A few words, e.g. “Learn together”.")
    description = forms.CharField(
        max_length=300, required=False, help_text="Optional: what it looks like in practice."
    )
