"""Logins follow the directory: every active person can sign in with their work email."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.accounts.models import ApiToken, User, hash_token
from kith.directory.models import Person


@dataclass(frozen=True)
class UserSyncResult:
    created: int
    reactivated: int
    deactivated: int


def _emails(*, active: bool) -> set[str]:
    people = Person.objects.filter(is_active=active).exclude(email="")
    return set(people.annotate(e=Lower("email")).values_list("e", flat=True))


@transaction.atomic
def users_sync_from_people(batch_size: int = 2000) -> UserSyncResult:
    """Create a login (no password: code or SSO) for each active person, and switch off every
    other login: people who left, and logins whose email no active person has any more (HR
    changed someone's work email). Staff and superusers are administrators and left alone."""
    active_emails = _emails(active=True)
    users = {
        u.email.lower(): u
        for u in User.objects.only("id", "email", "is_active", "is_staff", "is_superuser")
    }
    unusable = make_password(None)
    new_users = [
        User(email=email, password=unusable, is_active=True)
        for email in sorted(active_emails - users.keys())
    ]
    # A login created meanwhile (say by single sign-on) is no reason to fail the whole sync.
    User.objects.bulk_create(new_users, batch_size=batch_size, ignore_conflicts=True)
    reactivate = [u.pk for e, u in users.items() if e in active_emails and not u.is_active]
    deactivate = [
        u.pk
        for e, u in users.items()
        if e not in active_emails and u.is_active and not (u.is_staff or u.is_superuser)
    ]
    User.objects.filter(pk__in=reactivate).update(is_active=True)
    User.objects.filter(pk__in=deactivate).update(is_active=False)
    logins_end(deactivate)
    return UserSyncResult(len(new_users), len(reactivate), len(deactivate))


def logins_language_carry(changes: list[tuple[str, str]]) -> int:
    """For each (old address, new address) of one person whose work email changed: the new
    login takes the language and the last language of the old one, unless someone already
    chose one on it, so Kith keeps speaking to the person in the language they read it in.
    Returns how many logins took it."""
    olds = {old.lower(): new.lower() for old, new in changes if old and new}
    if not olds:
        return 0
    sources = {
        u.email.lower(): u for u in User.objects.annotate(e=Lower("email")).filter(e__in=list(olds))
    }
    carried = 0
    for old, source in sources.items():
        if not (source.language or source.last_language):
            continue
        carried += (
            User.objects.annotate(e=Lower("email"))
            .filter(e=olds[old], language="", last_language="")
            .update(language=source.language, last_language=source.last_language)
        )
    return carried


def logins_end(user_ids: list[int]) -> None:
    """What a login switched off because its person left must not bring back if its address
    comes back (a returner, or a new hire given a re-used mailbox): its API tokens are revoked,
    its browser sessions deleted and its roles (HR admin, ambassador) removed — an
    administrator grants them again."""
    if not user_ids:
        return
    now = timezone.now()
    ApiToken.objects.filter(user_id__in=user_ids, revoked_at__isnull=True).update(revoked_at=now)
    User.groups.through.objects.filter(user_id__in=user_ids).delete()
    _sessions_end(set(user_ids), now)


def _sessions_end(user_ids: set[int], now: Any) -> None:
    """Delete the database sessions of these logins (one pass over the live sessions)."""
    store_class: Any = import_module(settings.SESSION_ENGINE).SessionStore
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is None:
        return  # sessions not in the database: an inactive login's are refused anyway
    model = get_model_class()
    wanted = {str(pk) for pk in user_ids}
    doomed = [
        key
        for key, data in model.objects.filter(expire_date__gt=now)
        .values_list("session_key", "session_data")
        .iterator(chunk_size=1000)
        if str(store_class().decode(data).get(SESSION_KEY, "")) in wanted
    ]
    for start in range(0, len(doomed), 1000):
        model.objects.filter(session_key__in=doomed[start : start + 1000]).delete()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its raw value, which is shown once and never stored."""
    raw = ApiToken.new_raw_value()
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100] or "API token", token_hash=hash_token(raw), hint=raw[:9]
    )
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> bool:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1


def api_token_authenticate(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_language_set(*, user: User, language: str) -> str:
    """The language Kith speaks to this person: a code from settings.LANGUAGES, or "" to
    follow their browser. Their own preference: no audit row (docs/privacy.md)."""
    language = language.strip()
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(
            {
                "language": _("language: choose one of %(choices)s, or your browser's.")
                % {"choices": ", ".join(str(name) for _code, name in settings.LANGUAGES)}
            }
        )
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return language


def user_language_seen(*, user: User, language: str) -> None:
    """Remember the language Kith last showed this person (their browser's, when they chose
    none), for the emails and chat messages it writes them later. Written only on a change."""
    # Never seen counts as the default language: no write for most requests.
    if language in dict(settings.LANGUAGES) and language != (
        user.last_language or settings.LANGUAGE_CODE
    ):
        User.objects.filter(pk=user.pk).update(last_language=language)
        user.last_language = language
