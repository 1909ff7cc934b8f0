"""Model fields shared by apps."""

from __future__ import annotations

from typing import Any

from django.db import models

from kith.core import sealing


class SealedTextField(models.TextField):
    """Text stored sealed (kith.core.sealing): Python sees plain text, the database and its
    dumps see only ciphertext. It cannot be searched or filtered by content, on purpose.

    A value no key opens reads as "" and `unreadable` is logged nowhere with its content."""

    def __init__(self, *args: Any, purpose: str, **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        try:
            return sealing.unseal(value, purpose=self.purpose)
        except sealing.Unreadable:
            return ""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return sealing.seal(str(value), purpose=self.purpose)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull", "exact"}:
            return None  # sealed text cannot be searched
        return super().get_lookup(lookup_name)
