from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.communities.models import Community
from kith.directory.models import Person


def split_names(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def _colleague_by_email(email: str) -> Person:
    person = Person.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if person is None:
        raise forms.ValidationError(
            _("No active colleague has the email %(email)s.") % {"email": email}
        )
    return person


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Search communities"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "choir, running, Lisbon…"}),
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", "All kinds"), *Community.Kind.choices], label=_("Kind")
    )


class CommunityForm(forms.ModelForm):
    interests = forms.CharField(
        required=False,
        max_length=600,
        help_text=_("Separated by commas. People with these interests see it among suggestions."),
    )
    country = forms.CharField(required=False, max_length=60, label=_("Country (two letters)"))
    leader_email = forms.EmailField(
        required=False,
        label=_("Add a leader (work email)"),
        help_text=(
            "Leaders approve requests and post announcements. Required for a new one. For a "
            "members-only or confidential group this asks them: they lead only once they "
            "accept and, if the group has leaders, one of them approves."
        ),
    )

    class Meta:
        model = Community
        fields = [
            "name",
            "kind",
            "description",
            "visibility",
            "requires_approval",
            "city",
            "country",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        labels = {
            "requires_approval": "Leaders approve each request",
            "is_active": "Active: listed in the directory",
            "country": "Country (two letters)",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["interests"].initial = ", ".join(
                t.name for t in self.instance.interests.all()
            )
        else:
            self.fields["leader_email"].required = True

    def clean_country(self) -> str:
        country: str = self.cleaned_data.get("country", "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError(_("Use the two-letter country code, e.g. PT."))
        return country

    def clean_interests(self) -> list[str]:
        return split_names(self.cleaned_data.get("interests", ""))

    def clean_leader_email(self) -> Person | None:
        email = self.cleaned_data.get("leader_email")
        return _colleague_by_email(email) if email else None

    def community_fields(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.Meta.fields}


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=160)
    body = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Message")
    )


class AmbassadorForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's work email"))
    city = forms.CharField(max_length=200)
    country = forms.CharField(max_length=60, label=_("Country (two letters)"))

    def clean_email(self) -> Person:
        return _colleague_by_email(self.cleaned_data["email"])

    def clean_country(self) -> str:
        country: str = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError(_("Use the two-letter country code, e.g. PT."))
        return country


class WelcomeForm(forms.Form):
    wants_welcome = forms.BooleanField(
        required=False,
        label=_("Yes, I would like my city's ambassador to welcome me"),
    )
