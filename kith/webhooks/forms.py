from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.webhooks.events import EVENT_CHOICES


class EndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. HR data warehouse"))
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=500,
        help_text=_(
            "Where Kith POSTs each event: an https:// address on the public internet, or on an "
            "internal network the operator allows"
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://hr-tools.example.com/kith"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EVENT_CHOICES,
        required=False,  # the service says "choose at least one event", naming the field
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=_("Active (send events to it)"), required=False, initial=True
    )
