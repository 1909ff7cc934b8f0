from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ConnectForm(forms.Form):
    homeserver = forms.CharField(
        label=_("Homeserver address"), max_length=200, help_text=_("https://matrix.example.org")
    )
    user_id = forms.CharField(
        label=_("Bot's Matrix id"), max_length=255, required=False, help_text=_("@kith:example.org")
    )
    password = forms.CharField(
        label=_("Bot's password (used once to log in, never kept)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    access_token = forms.CharField(
        label=_("…or an access token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    id_template = forms.CharField(
        label=_("People's Matrix ids"),
        max_length=255,
        required=False,
        help_text=_("@{localpart}:example.org — the part of their email before the @"),
    )


class TemplateForm(forms.Form):
    id_template = forms.CharField(label=_("People's Matrix ids"), max_length=255, required=False)


class MatrixIdForm(forms.Form):
    matrix_id = forms.CharField(
        label=_("Your Matrix id"),
        max_length=255,
        required=False,
        help_text=_("@you:example.org — leave empty to use the one Kith derives from your email"),
    )
