"""Types for API bodies that are strict the way JSON is: 5 and 5.0 are the same whole number
(JSON Schema's "integer"), but "5", true and 5.5 are not numbers; true is a boolean, 0 is
not."""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import BeforeValidator, Field, StrictBool


def whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(_("must be a whole number"))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    raise ValueError(_("must be a whole number"))


WholeInt = Annotated[int, BeforeValidator(whole_number)]
JsonBool = StrictBool


MAX_ID = 2**31 - 1
# Bounds inside the Annotated reach the OpenAPI document even for an optional field (bounds on
# the `Field` of an `int | None` do not reach its `int` branch).
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(whole_number)]
