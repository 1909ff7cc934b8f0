from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kith.bandmap.selectors import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, MIN_RADIUS_KM, NearQuery
from kith.directory.selectors import org_units_for_choices


class PlainSelect(forms.Select):
    """A select whose options are written in one pass. Django's own renders every option
    through a template: about 20 ms for the 300 teams of a large organisation, on every map
    page. Plain (value, label) choices only, no groups."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (v, SafeString(" selected") if str(v) in chosen else "", label)
                for v, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class NearForm(forms.Form):
    """The near-me filters, read from the query string."""

    radius = forms.IntegerField(
        label=_("Within (km)"),
        min_value=MIN_RADIUS_KM,
        max_value=MAX_RADIUS_KM,
        required=False,
        widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}),
    )
    interest = forms.CharField(label=_("Interest"), max_length=80, required=False)
    team = forms.TypedChoiceField(
        label=_("Team"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a team from the list.")},
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.get("team", "") if self.is_bound else ""
        selected = int(raw) if str(raw).isdigit() and len(str(raw)) < 12 else None
        team = self.fields["team"]
        assert isinstance(team, forms.TypedChoiceField)
        team.choices = [("", gettext("Any team")), *org_units_for_choices(selected)]
        radius = self.fields["radius"]
        radius.widget.attrs["placeholder"] = str(DEFAULT_RADIUS_KM)
        # Built per request, in the reader's language, with the limits in the words.
        limits = {"min": MIN_RADIUS_KM, "max": MAX_RADIUS_KM}
        radius.error_messages.update(
            {
                "min_value": gettext("Within (km): at least %(min)d km.") % limits,
                "max_value": gettext("Within (km): at most %(max)d km.") % limits,
                "invalid": gettext("Within (km): a whole number of km, %(min)d to %(max)d.")
                % limits,
            }
        )

    def near_query(self) -> NearQuery:
        data = self.cleaned_data
        return NearQuery.build(
            radius_km=data.get("radius"), interest=data.get("interest") or "", team=data.get("team")
        )
