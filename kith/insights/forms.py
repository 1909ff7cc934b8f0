from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat

from kith.directory.importing.forms import max_upload_bytes
from kith.insights.metrics import METRICS

FORMAT_CHOICES = [
    ("csv", "CSV: from_email, to_email, timestamp, channel[, duration_minutes]"),
    ("slack", "Slack workspace export (ZIP, public channels)"),
    ("ics", "Calendar export (ICS)"),
    ("mbox", "Email archive (mbox): headers only"),
    ("viva", "Viva Insights person-to-person query (CSV) with a person-id mapping"),
]


class UploadForm(forms.Form):
    fmt = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES)
    file = forms.FileField(label="File")
    mapping = forms.FileField(
        label="Person-id mapping (Viva only): person_id,email", required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("file", "mapping"):
            upload = data.get(name)
            if upload is not None and upload.size > max_upload_bytes():
                self.add_error(
                    name,
                    f"This file is {filesizeformat(upload.size)}; uploads are limited to "
                    f"{filesizeformat(max_upload_bytes())}. Use `kith insights_import` on the "
                    "server.",
                )
        if data.get("fmt") == "viva" and not data.get("mapping"):
            self.add_error("mapping", "A Viva export needs the person-id mapping file.")
        return data


class TargetForm(forms.Form):
    metric = forms.ChoiceField(choices=[(k, m.label) for k, m in METRICS.items()])
    minimum = forms.FloatField(required=False)
    maximum = forms.FloatField(required=False)
