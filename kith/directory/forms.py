from __future__ import annotations

from django import forms

from kith.directory.models import Person
from kith.directory.selectors import tags_by_kind

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class ProfileForm(forms.Form):
    """Only what a person owns about themselves; HR owns the rest through the HRIS import."""

    preferred_name = forms.CharField(
        required=False, max_length=200, help_text="What colleagues call you."
    )
    pronouns = forms.CharField(
        required=False, max_length=40, help_text="For example she/her, they/them."
    )
    bio = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="A few lines: what you work on, what you'd happily chat about.",
    )
    languages = forms.CharField(required=False, max_length=300, help_text="Separated by commas.")
    interests = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Separated by commas, e.g. climbing, jazz, board games.",
    )
    skills = forms.CharField(required=False, max_length=1000, help_text="Separated by commas.")
    work_start = forms.TimeField(
        label="Working day starts", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    work_end = forms.TimeField(
        label="Working day ends", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    work_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Working days",
        help_text="Kith only sends you messages inside these hours and days.",
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
            self.add_error("work_end", "Your working day must end after it starts.")
        for name in ("interests", "skills"):
            if len(_split(str(data.get(name, "")))) > 50:
                self.add_error(name, "Keep it to 50 at most.")
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
