from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest

from kith.directory.models import Person


class AccountAdapter(DefaultAccountAdapter):
    """No self-service sign-up: logins come from the directory (see users_sync_from_people)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on may create a login only for an active person in the directory."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        email = (sociallogin.user.email or "").lower()
        return bool(email) and Person.objects.filter(email__iexact=email, is_active=True).exists()
