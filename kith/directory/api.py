"""The directory's JSON API. Every endpoint calls the same selectors as the pages, so a page
and the API can never disagree on who a viewer may see; the schemas list every field that
leaves the server."""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator

from kith.core.http import field_errors
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import Viewer, can_edit_profile, can_view_private_fields
from kith.directory import selectors, services
from kith.directory.models import Person
from kith.directory.schemas import (
    ErrorOut,
    PersonOut,
    PersonPage,
    PersonPrivateOut,
    ProfileIn,
    ValidationErrorOut,
    profile_dict,
    summary_dict,
)

router = Router()

# Answers every authenticated endpoint may give besides its own; documented so clients (and
# schemathesis) know them.
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
MAX_PAGE = 10**6


def _digits_only(value: object) -> object:
    # JSON Schema's "integer" includes 5.0 (but not 5.5 or "5e0"): accept exactly that.
    if isinstance(value, str):
        match = re.fullmatch(r"(-?[0-9]+)(?:\.0+)?", value)
        if match is None:
            raise ValueError("must be a whole number")
        return int(match.group(1))
    return value


WholeNumber = Annotated[int, BeforeValidator(_digits_only)]


class SearchParams(Schema):
    q: str = Field("", description="Words from a name, preferred name or title, or an email")
    team: WholeNumber | None = Field(None, description="An org unit id: the unit and all below")
    skill: str = ""
    interest: str = ""
    city: str = ""
    page: WholeNumber = Field(1, description="1-based; a page past the end gives the last page")


@router.get(
    "",
    response={200: PersonPage, 422: ValidationErrorOut, **ERRORS},
    summary="Search the directory",
)
def search_people(request: HttpRequest, params: Query[SearchParams]) -> dict[str, object]:
    query = selectors.DirectoryQuery.build(
        text=params.q,
        team=params.team,
        skill=params.skill,
        interest=params.interest,
        city=params.city,
    )
    page = selectors.directory_page_for_viewer(
        _viewer(request),
        query,
        max(1, min(params.page, MAX_PAGE)),
        settings.NINJA_PAGINATION_PER_PAGE,
    )
    return {
        "count": page.paginator.count,
        "more": page.paginator.capped,  # type: ignore[attr-defined]
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [summary_dict(p) for p in page.object_list],
    }


def _me_or_404(request: HttpRequest) -> tuple[Viewer, Person]:
    viewer = _viewer(request)
    if viewer.person is None:
        raise HttpError(404, _("Your login is not linked to a person in the directory."))
    person = selectors.person_for_viewer(viewer, viewer.person.pk)
    if person is None or not person.is_active:
        raise HttpError(404, _("Your directory entry is not active."))
    return viewer, person


@router.get("/me", response={200: PersonPrivateOut, **ERRORS}, summary="My own profile")
def get_me(request: HttpRequest) -> dict[str, object]:
    _, person = _me_or_404(request)
    return profile_dict(person, private=True)


@router.patch(
    "/me",
    response={
        200: PersonPrivateOut,
        400: ErrorOut,
        403: ErrorOut,
        422: ValidationErrorOut,
        **ERRORS,
    },
    summary="Update my profile",
    description="Send only the fields to change. Unknown fields are rejected (422), as is a "
    "working day that ends before it starts; nothing is changed then.",
)
def update_me(request: HttpRequest, payload: ProfileIn) -> Status:
    viewer, person = _me_or_404(request)
    if not can_edit_profile(viewer, person):
        raise HttpError(403, _("You may not edit this profile."))
    data = payload.dict(exclude_unset=True)
    interests, skills = data.pop("interests", None), data.pop("skills", None)
    changes = {k: v for k, v in data.items() if v is not None}
    try:
        services.person_update_profile(
            person=person, changes=changes, interests=interests, skills=skills
        )
    except ValidationError as exc:
        # Field by field, in the shape of the API's own 422s (not the 400 of config/api.py).
        return Status(422, {"detail": field_errors(exc)})
    updated = selectors.person_for_viewer(viewer, person.pk)
    assert updated is not None
    return Status(200, profile_dict(updated, private=True))


def _person_or_404(request: HttpRequest, person_id: int) -> tuple[Viewer, Person]:
    viewer = _viewer(request)
    person = selectors.person_for_viewer(viewer, person_id)
    if person is None:
        raise HttpError(404, _("No such person."))
    return viewer, person


# `{person_id}` rather than Django's `{int:…}` converter: an id that is not a number then gets
# the API's own JSON 422 instead of the site's HTML 404 page.
@router.get(
    "/{person_id}",
    response={200: PersonOut, 422: ValidationErrorOut, **ERRORS},
    summary="A colleague's profile",
)
def get_person(request: HttpRequest, person_id: WholeNumber) -> dict[str, object]:
    _, person = _person_or_404(request, person_id)
    return profile_dict(person, private=False)


@router.get(
    "/{person_id}/private",
    response={200: PersonPrivateOut, 403: ErrorOut, 422: ValidationErrorOut, **ERRORS},
    summary="A profile with HR fields",
    description="For the person themselves, their manager and HR admins; 403 for anyone else.",
)
def get_person_private(request: HttpRequest, person_id: WholeNumber) -> dict[str, object]:
    viewer, person = _person_or_404(request, person_id)
    if not can_view_private_fields(viewer, person):
        raise HttpError(403, _("Only this person, their manager and HR may see these fields."))
    return profile_dict(person, private=True)
