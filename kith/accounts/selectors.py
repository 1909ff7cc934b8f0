from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Lower

from kith.accounts.models import ApiToken, User
from kith.core.permissions import Viewer


def api_tokens_for_user(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def account_data_for_viewer(viewer: Viewer) -> dict[str, Any]:
    """The login itself, for the viewer's export: email, dates, roles and API tokens (never a
    token's hash)."""
    user = viewer.user
    return {
        "email": getattr(user, "email", ""),
        "language": getattr(user, "language", ""),
        "last_language": getattr(user, "last_language", ""),
        "date_joined": getattr(user, "date_joined", None),
        "last_login": getattr(user, "last_login", None),
        "roles": viewer.role_names,
        "api_tokens": [
            {
                "name": t.name,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in ApiToken.objects.filter(user__pk=user.pk or 0)
        ],
    }


def sign_in_data_for_viewer(viewer: Viewer) -> dict[str, Any]:
    return _sign_in_records(viewer.user)


# What others can see of a directory entry (docs/privacy.md, /privacy/), in the export too.
WHO_SEES_WHAT = {
    "colleagues": [
        "name",
        "preferred name",
        "pronouns",
        "title",
        "team",
        "manager",
        "work email",
        "city",
        "country",
        "time zone",
        "working hours and days",
        "bio",
        "languages",
        "interests",
        "skills",
        "month and year you joined",
    ],
    "your manager": ["what colleagues see", "employee id", "employment type", "exact start date"],
    "HR admins": [
        "what your manager sees",
        "whether your entry is active",
        "the HR file rows they import",
    ],
    "matching programs": [
        "the people in a match see each other and why they were matched",
        "HR admins see a round's plan before it is drawn, and afterwards counts only",
    ],
    "nobody else": [
        "your notifications",
        "your API tokens",
        "your city's coordinates",
        "your do-not-pair list",
        "whether you met your match",
    ],
}


def _sign_in_records(user: Any) -> dict[str, Any]:
    """What allauth keeps: email addresses and single sign-on identities (with their claims)."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    user_id = getattr(user, "pk", None) or 0
    return {
        "email_addresses": list(
            EmailAddress.objects.filter(user_id=user_id).values("email", "verified", "primary")
        ),
        "single_sign_on": list(
            SocialAccount.objects.filter(user_id=user_id).values(
                "provider", "uid", "last_login", "date_joined", "extra_data"
            )
        ),
    }


def language_of_user(user: Any) -> str:
    """The language Kith speaks to this login: chosen, else last seen, else the default."""
    known = dict(settings.LANGUAGES)
    for language in (getattr(user, "language", ""), getattr(user, "last_language", "")):
        if language in known:
            return str(language)
    return str(settings.LANGUAGE_CODE)


def languages_for_emails(emails: Iterable[str]) -> dict[str, str]:
    """The language of the login behind each address (lower-cased keys); an address without
    a login gets the default. One query for any number of addresses."""
    wanted = {email.lower() for email in emails if email}
    found: dict[str, str] = {}
    if wanted:
        rows = (
            User.objects.annotate(address=Lower("email"))
            .filter(address__in=wanted)
            .values_list("address", "language", "last_language")
        )
        for address, language, last_language in rows:
            found[address] = language_of_user(
                SimpleNamespace(language=language, last_language=last_language)
            )
    return {email: found.get(email, str(settings.LANGUAGE_CODE)) for email in wanted}
