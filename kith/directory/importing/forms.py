from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "KITH_IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("HR export (CSV)"))
    deactivate_missing = forms.BooleanField(
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "deactivate-help"}),
        label=gettext_lazy("Deactivate people missing from this file"),
        help_text=gettext_lazy(
            "Tick this only for a complete export. Active people who are not in the file "
            "are deactivated (never deleted) and lose their login."
        ),
    )

    def __init__(self, *args: Any, max_bytes: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes or max_upload_bytes()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _(
                    "This file is %(size)s; uploads are limited to %(limit)s. Split it, or "
                    "run `kith import_people` on the server."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(self.max_bytes)}
            )
        return upload
