from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.directory.models import Person
from kith.directory.selectors import tags_by_kind

MAX_TAGS = 50  # interests, and skills, per person (the API's limit too)
WEEKDAYS = [
    (1, gettext_lazy("Mon")),
    (2, gettext_lazy("Tue")),
    (3, gettext_lazy("Wed")),
    (4, gettext_lazy("Thu")),
    (5, gettext_lazy("Fri")),
    (6, gettext_lazy("Sat")),
    (7, gettext_lazy("Sun")),
]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class ProfileForm(forms.Form):
    """Only what a person owns about themselves; HR owns the rest through the HRIS import."""

    preferred_name = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Preferred name"),
        help_text=gettext_lazy("What colleagues call you."),
    )
    pronouns = forms.CharField(
        required=False,
        max_length=40,
        label=gettext_lazy("Pronouns"),
        help_text=gettext_lazy("For example she/her, they/them."),
    )
    bio = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        label=gettext_lazy("Bio"),
        help_text=gettext_lazy("A few lines: what you work on, what you'd happily chat about."),
    )
    languages = forms.CharField(
        required=False,
        max_length=300,
        label=gettext_lazy("Languages"),
        help_text=gettext_lazy("Separated by commas."),
    )
    interests = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Interests"),
        help_text=gettext_lazy("Separated by commas, e.g. climbing, jazz, board games."),
    )
    skills = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Skills"),
        help_text=gettext_lazy("Separated by commas."),
    )
    work_start = forms.TimeField(
        label=gettext_lazy("Working day starts"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    work_end = forms.TimeField(
        label=gettext_lazy("Working day ends"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    work_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Working days"),
        help_text=gettext_lazy("Kith only sends you messages inside these hours and days."),
    )

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, object]:
        tags = tags_by_kind(person)
        return {
            "preferred_name": person.preferred_name,
            "pronouns": person.pronouns,
            "bio": person.bio,
            "languages": ", ".join(person.languages or []),
            "interests": ", ".join(t.name for t in tags["interest"]),
            "skills": ", ".join(t.name for t in tags["skill"]),
            "work_start": person.work_start,
            "work_end": person.work_end,
            "work_days": list(person.work_days or []),
        }

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("work_start"), data.get("work_end")
        if start and end and start >= end:
            self.add_error("work_end", _("Your working day must end after it starts."))
        limits = {
            "interests": _("Interests: at most %(limit)d interests (you gave %(count)d)."),
            "skills": _("Skills: at most %(limit)d skills (you gave %(count)d)."),
        }
        for name, message in limits.items():
            count = len(_split(str(data.get(name, ""))))
            if count > MAX_TAGS:
                self.add_error(name, message % {"limit": MAX_TAGS, "count": count})
        return data

    def changes(self) -> tuple[dict[str, object], list[str], list[str]]:
        data = self.cleaned_data
        changes = {
            "preferred_name": data["preferred_name"].strip(),
            "pronouns": data["pronouns"].strip(),
            "bio": data["bio"].strip(),
            "languages": _split(data["languages"]),
            "work_start": data["work_start"],
            "work_end": data["work_end"],
            "work_days": sorted(data["work_days"]),
        }
        return changes, _split(data["interests"]), _split(data["skills"])
