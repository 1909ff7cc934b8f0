from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kith.accounts.models import ApiToken, User
from kith.core.permissions import Viewer


def api_tokens_for_user(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def my_data_for_viewer(viewer: Viewer) -> dict[str, Any]:
    """All that Kith holds about the viewer. Each later module adds its own section here."""
    from kith.directory.schemas import profile_dict
    from kith.notify.models import Notification

    user = viewer.user
    data: dict[str, Any] = {
        "account": {
            "email": getattr(user, "email", ""),
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
    }
    data["sign_in"] = _sign_in_records(user)
    data["who_sees_what"] = WHO_SEES_WHAT
    person = viewer.person
    if person is not None:
        profile = profile_dict(person, private=True)
        profile["coordinates_of_city"] = {
            "latitude": person.latitude,
            "longitude": person.longitude,
        }
        data["directory_entry"] = profile
        data["notifications"] = list(
            Notification.objects.filter(person=person).values(
                "kind",
                "subject",
                "body",
                "url",
                "created_at",
                "deliver_at",
                "read_at",
                "email_state",
                "attachments",
            )
        )
        from kith.connect.selectors import my_connect_data

        data["connect"] = my_connect_data(person)
        from kith.pulse.selectors import my_pulse_data

        data["pulse"] = my_pulse_data(person)
        from kith.communities.selectors import my_communities_data

        data["communities"] = my_communities_data(person)
        from kith.events.selectors import my_events_data

        data["events"] = my_events_data(person)
        from kith.celebrate.selectors import my_celebrate_data

        data["celebrate"] = my_celebrate_data(person)
        from kith.bandmap.selectors import my_bandmap_data

        data["bandmap"] = my_bandmap_data(person)
    return data


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
