from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        label=_("Teams and departments"),
        help_text=_("Only when the audience is chosen teams and departments."),
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
        help_texts = {"group_size": _("2 for pairs; lunch groups take 3 or 4.")}
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "kind": _("Kind"),
            "audience": _("Audience"),
            "join_mode": _("Joining"),
            "cadence": _("Cadence"),
            "weekday": _("Weekday"),
            "group_size": _("Group size"),
            "starts_on": _("Starts on"),
            "local_hour": _("Intro hour (local)"),
            "meeting_minutes": _("Meeting length (minutes)"),
            "repeat_window_weeks": _("No repeat within (weeks)"),
            "follow_up_days": _("Ask “did you meet?” after (days)"),
            "new_joiner_days": _("New-joiner window (days)"),
            "is_active": _("Active: rounds are drawn"),
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
            self.add_error("group_size", _("Lunch groups have 3 or 4 people."))
        if kind and kind != Program.Kind.LUNCH and size not in (None, 2):
            self.add_error("group_size", _("Only lunch groups are bigger than a pair."))
        if data.get("audience") == Program.Audience.ORG_UNITS and not data.get("org_units"):
            self.add_error("org_units", _("Choose at least one team or department."))
        return data

    def program_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "org_units"}


class PauseForm(forms.Form):
    until = forms.DateField(
        label=_("Pause until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("No intros up to and including this day."),
    )

    def clean_until(self) -> dt.date:
        until: dt.date = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError(_("Choose a date from today on."))
        return until


class MentoringJoinForm(forms.Form):
    role = forms.ChoiceField(
        label=_("I join as"),
        choices=[
            ("mentee", _("Mentee: I would like a mentor")),
            ("mentor", _("Mentor: I can help")),
        ],
        widget=forms.RadioSelect,
    )
    topics = forms.CharField(
        max_length=600,
        label=_("Topics"),
        help_text=_("Separated by commas: what you can help with, or what you want to learn."),
    )
    capacity = forms.IntegerField(
        min_value=1, max_value=5, required=False, initial=1, label=_("Mentees you can take")
    )

    def clean_topics(self) -> list[str]:
        topics = split_topics(self.cleaned_data["topics"])
        if not topics:
            raise forms.ValidationError(_("Name at least one topic."))
        return topics


class DoNotPairForm(forms.Form):
    email = forms.EmailField(
        label=_("Colleague's work email"), help_text=_("Only you ever see this list.")
    )
