"""HR's office form. It checks the shape of the input; the services check the rest (the city
against the geocoder, a name already taken, the photo's bytes), for the API and import too."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.directory.models import Office
from kith.places.engine import offices as engine
from kith.places.services.offices import (
    MAX_ADDRESS,
    MAX_CAPACITY,
    MAX_NAME,
    MAX_REGION,
    OfficeInput,
    PhotoChange,
)

# Enough for "Bike parking, Quiet room, …": 12 labels of 40 characters and their commas.
MAX_AMENITIES_TEXT = engine.MAX_AMENITIES * (engine.MAX_AMENITY_LENGTH + 2)


class OfficeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=MAX_NAME)
    city = forms.CharField(
        label=_("City"), max_length=200, help_text=_("Kith finds it on the map: no address.")
    )
    country = forms.CharField(
        label=_("Country"), max_length=100, help_text=_("A name or a code, e.g. Portugal or PT")
    )
    region = forms.CharField(
        label=_("Region"),
        required=False,
        max_length=MAX_REGION,
        help_text=_("Only when the country has two cities of that name, e.g. OR for Portland"),
    )
    address = forms.CharField(
        label=_("Address line"),
        required=False,
        max_length=MAX_ADDRESS,
        help_text=_("Shown on the office's card, e.g. Rua Augusta 100, 3rd floor"),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=0,
        max_value=MAX_CAPACITY,
        initial=0,
        help_text=_("Desks or seats; 0 if you would rather not say"),
    )
    amenities = forms.CharField(
        label=_("Amenities"),
        required=False,
        max_length=MAX_AMENITIES_TEXT,
        help_text=_("Separated by commas, e.g. Quiet room, Bike parking, Kitchen (at most 12)"),
    )
    timezone = forms.CharField(
        label=_("Time zone"),
        required=False,
        max_length=64,
        help_text=_("Empty: the city's own, e.g. Europe/Lisbon"),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("Optional: PNG, JPEG or WebP, at most 2 MB"),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def clean_photo(self) -> object:
        upload = self.cleaned_data.get("photo")
        if upload and upload.size > engine.MAX_PHOTO_BYTES:
            size = upload.size / (1024 * 1024)
            raise forms.ValidationError(
                _("The photo is %(size).1f MB; the most is 2 MB. Use a smaller one.")
                % {"size": size}
            )
        return upload

    def to_input(self) -> OfficeInput:
        d = self.cleaned_data
        return OfficeInput(
            name=d["name"],
            city=d["city"],
            country=d["country"],
            region=d.get("region") or "",
            address=d.get("address") or "",
            capacity=d["capacity"],
            amenities=tuple(engine.split_amenities(d.get("amenities") or "")),
            timezone=d.get("timezone") or "",
        )

    def photo_change(self) -> PhotoChange:
        upload = self.cleaned_data.get("photo")
        if upload:
            # Read one byte past the limit: enough to say it is too big, never the whole file.
            return PhotoChange(content=upload.read(engine.MAX_PHOTO_BYTES + 1))
        return PhotoChange(remove=bool(self.cleaned_data.get("remove_photo")))


def initial_for(office: Office) -> dict[str, object]:
    return {
        "name": office.name,
        "city": office.city,
        "country": office.country,
        "address": office.address,
        "capacity": office.capacity,
        "amenities": ", ".join(office.amenities or []),
        "timezone": office.timezone,
    }
