"""Forms of the channel guide and the advisor. They parse and check the shape of input; the
services check the rules and name the field in every message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.guidelines.models import Channel, ChannelAdvice, ConversationKind
from kith.guidelines.services.guide import CALL_MINUTES, CHANNEL_MEETING

SENSITIVITY_CHOICES = [
    ("", _("As usual for this kind")),
    ("low", _("Low")),
    ("medium", _("Medium")),
    ("high", _("High")),
]
URGENCY_CHOICES = [
    ("today", _("Today")),
    ("this_week", _("This week")),
    ("no_rush", _("No rush")),
]
DISTANCE_CHOICES = [
    ("", _("Work it out from the colleague")),
    ("same_place", _("Same place")),
    ("same_zone", _("Same time zone")),
    ("few_hours", _("A few hours apart")),
    ("far_apart", _("Far apart")),
]


class AdvisorForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it about?"))
    sensitivity = forms.ChoiceField(
        label=_("How sensitive is it?"), choices=SENSITIVITY_CHOICES, required=False
    )
    urgency = forms.ChoiceField(
        label=_("How urgent?"), choices=URGENCY_CHOICES, initial="this_week", required=False
    )
    distance = forms.ChoiceField(
        label=_("How far apart are you?"), choices=DISTANCE_CHOICES, required=False
    )
    colleague = forms.TypedChoiceField(
        label=_("With whom? (optional)"), coerce=int, required=False, empty_value=None
    )
    colleague_email = forms.EmailField(
        label=_("Or their work email"), required=False, max_length=254
    )

    def __init__(
        self, *args: Any, kinds: list[ConversationKind], colleagues: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        kind, colleague = self.fields["kind"], self.fields["colleague"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(colleague, forms.ChoiceField)
        kind.choices = [(k.slug, k.name) for k in kinds]
        colleague.choices = [
            ("", _("Nobody in particular")),
            *[(p.pk, p.display_name) for p in colleagues],
        ]

    def clean_urgency(self) -> str:
        return str(self.cleaned_data.get("urgency") or "this_week")

    def clean_colleague(self) -> int | None:
        value = self.cleaned_data.get("colleague")
        return value if value else None


class KindForm(forms.Form):
    """A kind's name, description, sensitivity and its five cells."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"), choices=ConversationKind.Sensitivity.choices
    )

    def __init__(self, *args: Any, with_cells: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_cells:
            return
        for channel, label in Channel.choices:
            self.fields[f"{channel}_fit"] = forms.ChoiceField(
                label=_("%(channel)s: fit") % {"channel": label},
                choices=ChannelAdvice.Fit.choices,
            )
            self.fields[f"{channel}_why"] = forms.CharField(
                label=_("%(channel)s: why") % {"channel": label}, max_length=300
            )

    def cells(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {ch: (data[f"{ch}_fit"], data[f"{ch}_why"]) for ch in Channel.values}


class ProposeForm(forms.Form):
    colleague = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    starts_at = forms.DateTimeField(label=_("When"))
    channel = forms.ChoiceField(choices=list(CHANNEL_MEETING.items()))
    minutes = forms.TypedChoiceField(
        choices=[(m, m) for m in CALL_MINUTES], coerce=int, initial=30, label=_("Minutes")
    )
    kind = forms.SlugField(required=False)
    include_kind = forms.BooleanField(
        required=False, label=_("Say what it is about (only the kind's name)")
    )
