from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CaldavForm(forms.Form):
    url = forms.CharField(
        label=_("Calendar URL"),
        max_length=500,
        help_text=_(
            "The calendar's own address, e.g. https://cloud.example.com/remote.php/dav/calendars/you/personal/"
        ),
        widget=forms.URLInput(attrs={"autocomplete": "url", "inputmode": "url"}),
    )
    username = forms.CharField(label=_("User name"), max_length=200, required=False)
    password = forms.CharField(
        label=_("App password"),
        max_length=500,
        help_text=_("Make an app password in your calendar's settings: never your main password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class GoogleSettingsForm(forms.Form):
    service_account_json = forms.CharField(
        label=_("Service account key (JSON)"),
        required=False,
        help_text=_("Leave empty to keep the stored key."),
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )


class MicrosoftSettingsForm(forms.Form):
    tenant_id = forms.CharField(label=_("Directory (tenant) ID"), max_length=100)
    client_id = forms.CharField(label=_("Application (client) ID"), max_length=100)
    client_secret = forms.CharField(
        label=_("Client secret value"),
        required=False,
        max_length=500,
        help_text=_("Leave empty to keep the stored secret."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
