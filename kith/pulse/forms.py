from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kith.core.dates import org_today
from kith.directory.models import OrgUnit
from kith.pulse.engine.instruments import INSTRUMENTS
from kith.pulse.engine.suppression import MAX_K, MIN_K
from kith.pulse.models import ATTRIBUTE_CHOICES, Campaign, Question

QUESTION_HELP = _(
    "One per line: kind | question | choices separated by ;  — kinds: agree, choice, "
    "zero_to_ten, text. Example: choice | Where do you work most days? | Office; Home; Both"
)


def parse_questions(text: str) -> list[dict[str, Any]]:
    """The custom-questions box, line by line; errors name the line."""
    found = []
    kinds = set(Question.Kind.values)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or parts[0] not in kinds:
            raise forms.ValidationError(
                gettext("Line %(n)d: start with a kind (%(kinds)s), then | and the question.")
                % {"n": number, "kinds": ", ".join(sorted(kinds))}
            )
        choices = [c.strip() for c in parts[2].split(";")] if len(parts) > 2 else []
        found.append({"kind": parts[0], "text": parts[1], "choices": [c for c in choices if c]})
    return found


class CampaignForm(forms.ModelForm):
    instruments = forms.MultipleChoiceField(
        choices=[(k, _(i.name)) for k, i in INSTRUMENTS.items()],  # wording.py lists them
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    attributes = forms.MultipleChoiceField(
        choices=ATTRIBUTE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Coarse attributes kept with each answer"),
        help_text=_(
            "Only these, as they are on the day the survey is sent. HR can filter by them."
        ),
    )
    audience_units = forms.ModelMultipleChoiceField(
        queryset=OrgUnit.objects.filter(depth__lte=1).order_by("path"),
        required=False,
        label=_("Audience"),
        help_text=_("Leave empty for everyone."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    questions_text = forms.CharField(
        label=_("Your own questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=QUESTION_HELP,
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "description",
            "instruments",
            "audience_units",
            "attributes",
            "opens_on",
            "closes_on",
            "cadence_weeks",
            "min_group",
            "min_comment_group",
        ]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "min_group": forms.NumberInput(attrs={"min": MIN_K, "max": MAX_K}),
        }
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "opens_on": _("Opens on"),
            "closes_on": _("Closes on"),
            "cadence_weeks": _("Repeat every … weeks"),
            "min_group": _("Minimum group size (k)"),
            "min_comment_group": _("Minimum group for comments"),
        }
        help_texts = {
            "cadence_weeks": _("0 for a one-off survey."),
            "min_group": format_lazy(
                _("{min}–{max}. Locked once the survey is sent."), min=MIN_K, max=MAX_K
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            today = org_today()
            self.fields["opens_on"].initial = today
            self.fields["closes_on"].initial = today + dt.timedelta(days=13)
        elif self.instance.questions.exists():
            self.fields["questions_text"].initial = "\n".join(
                f"{q.kind} | {q.text}" + (f" | {'; '.join(q.choices)}" if q.choices else "")
                for q in self.instance.questions.all()
            )

    def clean_questions_text(self) -> list[dict[str, Any]]:
        return parse_questions(self.cleaned_data.get("questions_text") or "")


class ActionForm(forms.Form):
    item = forms.ChoiceField(label=_("What to talk about"))
    meeting_at = forms.DateTimeField(
        label=_("When (your time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(min_value=15, max_value=240, initial=45, label=_("Minutes"))
    location = forms.CharField(max_length=200, required=False, label=_("Where (in person)"))
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label=_("A note for the team"),
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items  # type: ignore[attr-defined]
