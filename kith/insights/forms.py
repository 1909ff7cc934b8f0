from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.directory.importing.forms import max_upload_bytes
from kith.insights.metrics import METRICS

FORMAT_CHOICES = [
    ("csv", gettext_lazy("CSV: from_email, to_email, timestamp, channel[, duration_minutes]")),
    ("slack", gettext_lazy("Slack workspace export (ZIP, public channels)")),
    ("ics", gettext_lazy("Calendar export (ICS)")),
    ("mbox", gettext_lazy("Email archive (mbox): headers only")),
    ("viva", gettext_lazy("Viva Insights person-to-person query (CSV) with a person-id mapping")),
]


class UploadForm(forms.Form):
    fmt = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMAT_CHOICES)
    file = forms.FileField(label=gettext_lazy("File"))
    mapping = forms.FileField(
        label=gettext_lazy("Person-id mapping (Viva only): person_id,email"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("file", "mapping"):
            upload = data.get(name)
            if upload is not None and upload.size > max_upload_bytes():
                self.add_error(
                    name,
                    _(
                        "%(field)s: this file is %(size)s; uploads are limited to %(limit)s. Use "
                        "`kith insights_import` on the server."
                    )
                    % {
                        "field": self.fields[name].label,
                        "size": filesizeformat(upload.size),
                        "limit": filesizeformat(max_upload_bytes()),
                    },
                )
        if data.get("fmt") == "viva" and not data.get("mapping"):
            self.add_error(
                "mapping", _("Person-id mapping: a Viva export needs the person-id mapping file.")
            )
        return data


class TargetForm(forms.Form):
    metric = forms.ChoiceField(
        label=gettext_lazy("Metric"), choices=[(k, m.label) for k, m in METRICS.items()]
    )
    minimum = forms.FloatField(label=gettext_lazy("Minimum"), required=False)
    maximum = forms.FloatField(label=gettext_lazy("Maximum"), required=False)
