"""What the API may show of a person. Each schema is the whole list of fields a viewer of that
kind sees; nothing else ever leaves the server."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict, PlainSerializer, PlainValidator, WithJsonSchema, field_validator

from kith.directory.models import Person

_LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _local_time(value: object) -> dt.time:
    """Working hours are wall-clock times in the person's own time zone, to the minute:
    "HH:MM" (seconds are accepted and dropped), never with an offset. OpenAPI's "time" format
    requires an offset, so the API documents its own pattern instead."""
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.fullmatch(_LOCAL_TIME, value):
        return dt.time.fromisoformat(value).replace(second=0)
    raise ValueError("give a local time as HH:MM, e.g. 09:00, without a time zone")


LocalTime = Annotated[
    dt.time,
    PlainValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": _LOCAL_TIME, "examples": ["09:00"]}),
]
# Ninja dumps responses in Python mode, so the output format is set for every mode; input
# schemas keep a time object for the services.
LocalTimeOut = Annotated[
    LocalTime, PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str)
]


class OrgUnitOut(Schema):
    id: int
    name: str
    kind: str


class PersonRef(Schema):
    id: int
    name: str = Field(..., description="Preferred name, or full name")


class PersonSummaryOut(Schema):
    """A directory entry, as every signed-in colleague sees it."""

    id: int
    name: str
    full_name: str
    pronouns: str
    title: str
    team: OrgUnitOut | None
    city: str
    country: str
    timezone: str
    interests: list[str]
    skills: list[str]


class PersonOut(PersonSummaryOut):
    """A profile, as every signed-in colleague sees it."""

    email: str
    manager: PersonRef | None
    languages: list[str]
    bio: str
    work_start: LocalTimeOut = Field(..., description="Local time in the person's time zone")
    work_end: LocalTimeOut
    work_days: list[int] = Field(..., description="ISO weekdays, 1 = Monday")
    joined: str | None = Field(None, description="Month and year they joined, e.g. 2024-03")


class PersonPrivateOut(PersonOut):
    """A profile with the HR fields, for the person themselves, their manager and HR."""

    employee_id: str
    employment_type: str
    start_date: dt.date | None
    is_active: bool


class PersonPage(Schema):
    count: int = Field(..., description="How many match; at most 1,000 for a search")
    more: bool = Field(
        False,
        description="More people match a search than `count` (1,000): only its `pages` can be "
        "read, so add words or filters to narrow it. The unfiltered list counts everyone.",
    )
    page: int
    pages: int
    results: list[PersonSummaryOut]


def _storable_text(value: str) -> str:
    """Text every database can store: NUL characters (which PostgreSQL refuses and nobody
    types on purpose) are dropped; a lone surrogate is not text at all and is refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value.replace("\x00", "").strip()


Weekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday, 1 = Monday")]
TagName = Annotated[str, Field(max_length=80)]


class ProfileIn(Schema):
    """The fields a person owns about themselves. Omitted fields are left as they are; a field
    this API does not know is rejected, so a typo is reported instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")

    preferred_name: str | None = Field(None, max_length=200)
    pronouns: str | None = Field(None, max_length=40)
    bio: str | None = Field(None, max_length=2000)
    languages: list[Annotated[str, Field(max_length=60)]] | None = Field(None, max_length=20)
    interests: list[TagName] | None = Field(None, max_length=50)
    skills: list[TagName] | None = Field(None, max_length=50)
    work_start: LocalTime | None = Field(None, description="Local time, e.g. 09:00")
    work_end: LocalTime | None = Field(None, description="Local time, e.g. 17:30; after work_start")
    work_days: list[Weekday] | None = Field(None, min_length=1, max_length=7)

    @field_validator("preferred_name", "pronouns", "bio")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _storable_text(value)

    @field_validator("languages", "interests", "skills")
    @classmethod
    def _text_list(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [_storable_text(item) for item in value]
        return [item for item in cleaned if item]

    @field_validator("work_days")
    @classmethod
    def _weekdays(cls, value: list[int] | None) -> list[int] | None:
        return None if value is None else sorted(set(value))


class ErrorOut(Schema):
    detail: str


class FieldError(Schema):
    loc: list[str | int] = Field(..., description='Where, e.g. ["body", "payload", "work_end"]')
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldError]


def _tags(person: Person, kind: str) -> list[str]:
    from kith.directory.selectors import tags_by_kind

    return [t.name for t in tags_by_kind(person)[kind]]


def summary_dict(person: Person) -> dict[str, object]:
    unit = person.org_unit
    return {
        "id": person.pk,
        "name": person.display_name,
        "full_name": person.full_name,
        "pronouns": person.pronouns,
        "title": person.title,
        "team": {"id": unit.pk, "name": unit.name, "kind": unit.kind} if unit else None,
        "city": person.city,
        "country": person.country,
        "timezone": person.timezone,
        "interests": _tags(person, "interest"),
        "skills": _tags(person, "skill"),
    }


def profile_dict(person: Person, *, private: bool) -> dict[str, object]:
    data = summary_dict(person)
    manager = person.manager if person.manager and person.manager.is_active else None
    data.update(
        email=person.email,
        manager={"id": manager.pk, "name": manager.display_name} if manager else None,
        languages=list(person.languages or []),
        bio=person.bio,
        work_start=person.work_start,
        work_end=person.work_end,
        work_days=list(person.work_days or []),
        joined=person.start_date.strftime("%Y-%m") if person.start_date else None,
    )
    if private:
        data.update(
            employee_id=person.employee_id,
            employment_type=person.employment_type,
            start_date=person.start_date,
            is_active=person.is_active,
            # The holiday subdivision HR's import sets (read by the gatherings planner). It is
            # in the person's own export; PersonPrivateOut does not list it, so no API answer
            # (not /people/{id}/private, which a manager may read) carries it.
            region=person.region,
        )
    return data
