from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from kith.connect.models import WEIGHT_FIELDS, Program
from kith.core.weekdays import WEEKDAY_CHOICES as WEEKDAYS
from kith.directory.models import OrgUnit


def split_topics(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class ProgramForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, initial=2)
    org_units = forms.ModelMultipleChoiceField(
        queryset=OrgUnit.objects.filter(depth__lte=1).order_by("path"),
        required=False,
        label="Teams and departments",
        help_text="Only when the audience is chosen teams and departments.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = Program
        fields = [
            "name",
            "description",
            "kind",
            "audience",
            "org_units",
            "join_mode",
            "cadence",
            "weekday",
            "local_hour",
            "group_size",
            "meeting_minutes",
            "starts_on",
            "repeat_window_weeks",
            "follow_up_days",
            "new_joiner_days",
            *WEIGHT_FIELDS,
            "is_active",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"group_size": "2 for pairs; lunch groups take 3 or 4."}
        labels = {
            "local_hour": "Intro hour (local)",
            "meeting_minutes": "Meeting length (minutes)",
            "repeat_window_weeks": "No repeat within (weeks)",
            "follow_up_days": "Ask “did you meet?” after (days)",
            "new_joiner_days": "New-joiner window (days)",
            "is_active": "Active: rounds are drawn",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["starts_on"].initial = timezone.localdate()
        for name in WEIGHT_FIELDS:
            self.fields[name].widget.attrs.update({"step": "0.5", "min": "0", "max": "5"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, size = data.get("kind"), data.get("group_size")
        if kind == Program.Kind.LUNCH and size is not None and size < 3:
            self.add_error("group_size", "Lunch groups have 3 or 4 people.")
        if kind and kind != Program.Kind.LUNCH and size not in (None, 2):
            self.add_error("group_size", "Only lunch groups are bigger than a pair.")
        if data.get("audience") == Program.Audience.ORG_UNITS and not data.get("org_units"):
            self.add_error("org_units", "Choose at least one team or department.")
        return data

    def program_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "org_units"}


class PauseForm(forms.Form):
    until = forms.DateField(
        label="Pause until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="No intros up to and including this day.",
    )

    def clean_until(self) -> dt.date:
        until: dt.date = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError("Choose a date from today on.")
        return until


class MentoringJoinForm(forms.Form):
    role = forms.ChoiceField(
        choices=[("mentee", "Mentee: I would like a mentor"), ("mentor", "Mentor: I can help")],
        widget=forms.RadioSelect,
    )
    topics = forms.CharField(
        max_length=600,
        help_text="Separated by commas: what you can help with, or what you want to learn.",
    )
    capacity = forms.IntegerField(
        min_value=1, max_value=5, required=False, initial=1, label="Mentees you can take"
    )

    def clean_topics(self) -> list[str]:
        topics = split_topics(self.cleaned_data["topics"])
        if not topics:
            raise forms.ValidationError("Name at least one topic.")
        return topics


class DoNotPairForm(forms.Form):
    email = forms.EmailField(
        label="Colleague's work email", help_text="Only you ever see this list."
    )
