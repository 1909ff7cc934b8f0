from __future__ import annotations

from typing import Any

from django import forms

from kith.bandmap.selectors import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, MIN_RADIUS_KM, NearQuery
from kith.directory.selectors import org_units_for_choices


class NearForm(forms.Form):
    """The near-me filters, read from the query string."""

    radius = forms.IntegerField(
        label="Within (km)",
        min_value=MIN_RADIUS_KM,
        max_value=MAX_RADIUS_KM,
        required=False,
        widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}),
        error_messages={
            "min_value": f"Choose a distance of at least {MIN_RADIUS_KM} km.",
            "max_value": f"Choose a distance of at most {MAX_RADIUS_KM} km.",
            "invalid": f"Give the distance as a whole number of km, {MIN_RADIUS_KM} to "
            f"{MAX_RADIUS_KM}.",
        },
    )
    interest = forms.CharField(label="Interest", max_length=80, required=False)
    team = forms.TypedChoiceField(
        label="Team",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a team from the list."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.get("team", "") if self.is_bound else ""
        selected = int(raw) if str(raw).isdigit() and len(str(raw)) < 12 else None
        team = self.fields["team"]
        assert isinstance(team, forms.TypedChoiceField)
        team.choices = [("", "Any team"), *org_units_for_choices(selected)]
        self.fields["radius"].widget.attrs["placeholder"] = str(DEFAULT_RADIUS_KM)

    def near_query(self) -> NearQuery:
        data = self.cleaned_data
        return NearQuery.build(
            radius_km=data.get("radius"), interest=data.get("interest") or "", team=data.get("team")
        )
