"""Forms of the office-days page: they parse; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.core.weekdays import WEEKDAY_CHOICES
from kith.directory.models import Office, OrgUnit


class DateInput(forms.DateInput):
    input_type = "date"


class OfficeDayForm(forms.Form):
    KINDS = [("once", _("One day")), ("weekly", _("Every week"))]

    kind = forms.ChoiceField(label=_("How often"), choices=KINDS, initial="once")
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.order_by("name"))
    on_date = forms.DateField(label=_("Day"), required=False, widget=DateInput)
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=WEEKDAY_CHOICES, coerce=int, required=False, empty_value=None
    )
    ends_on = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        widget=DateInput,
        help_text=_("For a weekly plan: its last day. Leave empty to keep it going."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("kind") == "once" and not data.get("on_date"):
            self.add_error("on_date", _("Choose the day."))
        if data.get("kind") == "weekly" and not data.get("weekday"):
            self.add_error("weekday", _("Choose the weekday."))
        return data


class OfficeDayChangeForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.order_by("name"))
    ends_on = forms.DateField(label=_("Until (optional)"), required=False, widget=DateInput)


class LeaveForm(forms.Form):
    starts_on = forms.DateField(label=_("Away from"), widget=DateInput)
    ends_on = forms.DateField(label=_("Back after (last day away)"), widget=DateInput)


class AnchorDaysForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("Team"), queryset=OrgUnit.objects.none())
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.order_by("name"))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAY_CHOICES[:5],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, units: list[OrgUnit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            pk__in=[u.pk for u in units]
        ).order_by("name")
