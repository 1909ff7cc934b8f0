from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import MONTHS as MONTH_NAMES
from django.utils.translation import gettext_lazy as _

from kith.celebrate.engine.milestones import is_valid_day
from kith.celebrate.models import MAX_MESSAGE_LENGTH, MAX_RECIPIENTS, CompanyValue, Kudos
from kith.directory.models import Person

MONTHS = [("", _("Month"))] + [(str(m), MONTH_NAMES[m]) for m in range(1, 13)]
DAYS = [("", _("Day"))] + [(str(d), str(d)) for d in range(1, 32)]


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
        empty_label=_("No particular value"),
        label=_("Value (optional)"),
        error_messages={"invalid_choice": "That value is no longer in use: choose another."},
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_MESSAGE_LENGTH}),
        max_length=MAX_MESSAGE_LENGTH,
        help_text=_("Say what they did and why it mattered."),
        error_messages={"required": "Write a few words: say what they did and why it mattered."},
    )
    visibility = forms.ChoiceField(
        choices=Kudos.Visibility.choices,
        initial=Kudos.Visibility.PUBLIC,
        widget=forms.RadioSelect,
        label=_("Who sees it"),
    )

    def clean_recipients(self) -> Any:
        people = self.cleaned_data["recipients"]
        if len(people) > MAX_RECIPIENTS:
            raise forms.ValidationError(
                _("Kudos can thank up to %(limit)d people at once; you chose %(n)d.")
                % {"limit": MAX_RECIPIENTS, "n": len(people)}
            )
        return people


class SettingsForm(forms.Form):
    celebrate_work_dates = forms.BooleanField(
        required=False,
        label=_("Celebrate my work anniversaries (and welcome me on my first day)"),
        help_text=_("Shows the day and month you joined to colleagues on that day each year."),
    )
    share_birthday = forms.BooleanField(required=False, label=_("Celebrate my birthday"))
    birthday_month = forms.TypedChoiceField(
        choices=MONTHS, coerce=int, required=False, empty_value=None, label=_("Month")
    )
    birthday_day = forms.TypedChoiceField(
        choices=DAYS, coerce=int, required=False, empty_value=None, label=_("Day")
    )
    weekly_digest = forms.BooleanField(
        required=False,
        label=_("Send me a weekly digest"),
        help_text=_(
            "On Mondays, in your working hours: kudos you received and your team's "
            "celebrations of the week before. Nothing is sent in a quiet week."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        month, day = data.get("birthday_month"), data.get("birthday_day")
        if not data.get("share_birthday"):
            data["birthday"] = None
            return data
        if month is None or day is None:
            self.add_error(
                "birthday_day", _("Choose the day and month of your birthday to share it.")
            )
        elif not is_valid_day(month, day):
            self.add_error(
                "birthday_day",
                _("%(month)s has no day %(day)d: check the day.")
                % {"month": MONTH_NAMES[month], "day": day},
            )
        else:
            data["birthday"] = (month, day)
        return data


class CompanyValueForm(forms.Form):
    name = forms.CharField(max_length=60, help_text=_("A few words, e.g. “Learn together”."))
    description = forms.CharField(
        max_length=300, required=False, help_text=_("Optional: what it looks like in practice.")
    )
