"""Every write to the directory: keyword-only, validated, in a transaction."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kith.directory.caching import directory_changed
from kith.directory.engine.text import search_text_for, slugify_tag
from kith.directory.models import OrgUnit, Person, Tag

log = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "preferred_name",
    "pronouns",
    "bio",
    "languages",
    "work_start",
    "work_end",
    "work_days",
)


def orgunit_set_path(unit: OrgUnit) -> None:
    parent_path = unit.parent.path if unit.parent_id and unit.parent else ""
    unit.path = f"{parent_path}{unit.pk}."
    unit.depth = parent_path.count(".")


@transaction.atomic
def orgunit_create(
    *, name: str, kind: str = OrgUnit.Kind.TEAM, parent: OrgUnit | None = None
) -> OrgUnit:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("An org unit needs a name.")})
    unit = OrgUnit.objects.create(name=name, kind=kind, parent=parent)
    orgunit_set_path(unit)
    unit.save(update_fields=["path", "depth"])
    return unit


def tags_get_or_create(*, kind: str, names: Iterable[str]) -> list[Tag]:
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:80]
        slug = slugify_tag(name)
        if slug and slug not in wanted:
            wanted[slug] = name
    existing = {t.slug: t for t in Tag.objects.filter(kind=kind, slug__in=wanted)}
    missing = [Tag(kind=kind, name=wanted[s], slug=s) for s in wanted if s not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        existing = {t.slug: t for t in Tag.objects.filter(kind=kind, slug__in=wanted)}
    return [existing[s] for s in wanted if s in existing]


def person_search_text(person: Person, tag_names: Iterable[str] = ()) -> str:
    unit = person.org_unit.name if person.org_unit_id and person.org_unit else ""
    return search_text_for(
        person.full_name, person.preferred_name, person.title, unit, person.city, *tag_names
    )


def person_refresh_search_text(person: Person) -> None:
    tags = sorted(t.name for t in person.tags.all()) if person.pk else []
    person.search_text = person_search_text(person, tags)


def _validate_profile(changes: dict[str, object]) -> None:
    errors: dict[str, str] = {}
    start, end = changes.get("work_start"), changes.get("work_end")
    for name, value in (("work_start", start), ("work_end", end)):
        if not isinstance(value, dt.time):
            errors[name] = _("Give a time of day, like 09:00.")
    if isinstance(start, dt.time) and isinstance(end, dt.time) and start >= end:
        errors["work_end"] = _("Your working day must end after it starts.")
    days = changes.get("work_days")
    if days is not None and (
        not isinstance(days, list) or not days or any(d not in range(1, 8) for d in days)
    ):
        errors["work_days"] = _("Choose at least one working day.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_update_profile(
    *,
    person: Person,
    changes: dict[str, object],
    interests: list[str] | None = None,
    skills: list[str] | None = None,
) -> Person:
    """Change only the fields a person owns about themselves (PROFILE_FIELDS and tags).

    The row is re-read under a lock and only the owned columns are written, so an HRIS import
    that committed meanwhile (a new title, a deactivation) is never overwritten by the copy
    the page loaded earlier."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({f: _("This field is managed by HR.") for f in sorted(unknown)})
    fresh = (
        Person.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=person.pk)
    )
    merged = {f: changes.get(f, getattr(fresh, f)) for f in PROFILE_FIELDS}
    _validate_profile(merged)
    for field, value in changes.items():
        setattr(fresh, field, value)
    fresh.full_clean(exclude=["manager", "org_unit", "tags"], validate_unique=False)
    for kind, names in ((Tag.Kind.INTEREST, interests), (Tag.Kind.SKILL, skills)):
        if names is not None:
            keep = [t for t in fresh.tags.all() if t.kind != kind]
            fresh.tags.set(keep + tags_get_or_create(kind=kind, names=names))
    person_refresh_search_text(fresh)
    fresh.save(update_fields=[*changes, "search_text", "updated_at"])
    return fresh


@transaction.atomic
def orgunit_move(*, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    """Re-parent a unit and rewrite the paths of its whole subtree."""
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot move inside itself.")})
    old_path = unit.path
    unit.parent = new_parent
    orgunit_set_path(unit)
    unit.save(update_fields=["parent", "path", "depth"])
    descendants = list(OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk))
    for child in descendants:
        child.path = unit.path + child.path[len(old_path) :]
        child.depth = child.path.count(".") - 1
    OrgUnit.objects.bulk_update(descendants, ["path", "depth"], batch_size=500)
    directory_changed()  # the subtrees' cached headcounts (bulk_update sends no signal)
    return unit


# --- A person's work email changed -------------------------------------------------------------

# Who a person should tell when their sign-in address changed and they did not expect it.
DEFAULT_SECURITY_CONTACT = gettext_noop("your manager and your IT security team")


@dataclass(frozen=True)
class EmailChange:
    """One existing person's work email (their sign-in address) going from `old` to `new`."""

    person_id: int
    old: str
    new: str


def email_masked(address: str) -> str:
    """ "rae@example.com" → "r…@example.com": enough to tell addresses apart in the audit log
    without keeping either in full."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def _local_day(moment: dt.datetime, zone_name: str) -> str:
    try:
        zone = zoneinfo.ZoneInfo(zone_name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = timezone.localtime(moment, zone)
    return _("%(day)s at %(time)s (%(zone)s)") % {
        "day": formats.date_format(local, "j F Y"),
        "time": f"{local:%H:%M}",
        "zone": local.tzname(),
    }


def _via_text(via: str) -> str:
    """How the change was made, in the active language. `via` is also the audit row's
    (English) field, so the import and the directory's own phrases are translated here."""
    if via.startswith(VIA_IMPORT_PREFIX):
        return _("an import of %(filename)s") % {"filename": via[len(VIA_IMPORT_PREFIX) :]}
    if via.startswith(VIA_SCIM_PREFIX):
        return _("SCIM token %(name)s") % {"name": via[len(VIA_SCIM_PREFIX) :]}
    if via == VIA_DIRECTORY:
        return _(VIA_DIRECTORY)
    return via


VIA_DIRECTORY = gettext_noop("a change in the directory")
VIA_IMPORT_PREFIX = "an import of "
VIA_SCIM_PREFIX = "SCIM token "


def _actor_name(actor: Any) -> str:
    email = str(getattr(actor, "email", "") or "")
    if not email:
        return ""
    person = Person.objects.filter(email__iexact=email).only("full_name", "preferred_name").first()
    return person.display_name if person is not None else email


@transaction.atomic
def person_email_changes_record(
    *,
    changes: Sequence[EmailChange],
    actor: Any,
    via: str = VIA_DIRECTORY,
    now: dt.datetime | None = None,
) -> int:
    """Make a changed sign-in address visible (docs/decisions/0011-email-changes.md).

    Logins follow the work email (decision 0003), so whoever reads the new address can sign
    in as the person. Every directory write that changes an existing person's email calls
    this inside its transaction: an audit row `directory.email_changed` (person id, both
    addresses masked, who), an in-app notice to the person, and — once the write commits —
    a plain email to the *previous* address, sent straight away rather than through notify,
    which would mail the new one. A change of letter case only is no change. Returns how
    many changes were recorded."""
    now = now or timezone.now()
    real = [c for c in changes if c.old and c.new and c.old.lower() != c.new.lower()]
    if not real:
        return 0
    people = Person.objects.in_bulk([c.person_id for c in real])
    Person.objects.filter(pk__in=list(people)).update(email_changed_at=now)
    from kith.directory import hooks

    hooks.emails_changed(list(people))
    from kith.accounts.selectors import languages_for_emails
    from kith.accounts.services import logins_language_carry
    from kith.notify.services import language_of_people

    who = _actor_name(actor)
    configured_contact = str(getattr(settings, "KITH_SECURITY_CONTACT", "") or "")
    # The language is the old login's: the new address may have no login yet, or a new one
    # that has never been used (it then takes the old one's language, just below).
    by_old = languages_for_emails(c.old for c in real)
    by_new = language_of_people(list(people.values()))
    default = str(settings.LANGUAGE_CODE)
    languages = {
        c.person_id: by_old.get(c.old.lower(), default)
        if by_old.get(c.old.lower(), default) != default
        else by_new.get(c.person_id, default)
        for c in real
    }
    logins_language_carry([(c.old, c.new) for c in real])
    messages: list[EmailMessage] = []
    for change in real:
        person = people.get(change.person_id)
        if person is None:
            continue
        with translation.override(languages[person.pk]):
            _email_change_tell(
                person,
                change,
                who=who,
                via=via,
                actor=actor,
                now=now,
                contact=configured_contact or _(DEFAULT_SECURITY_CONTACT),
                messages=messages,
            )
    transaction.on_commit(lambda: _send_to_previous_addresses(messages))
    return len(messages)


def _email_change_tell(
    person: Person,
    change: EmailChange,
    *,
    who: str,
    via: str,
    actor: Any,
    now: dt.datetime,
    contact: str,
    messages: list[EmailMessage],
) -> None:
    """The audit row, the in-app notice and the email to the previous address for one
    change, written in the person's language (the caller activates it)."""
    from kith.core.audit import record
    from kith.notify.services import notification_send

    how = _via_text(via)
    by = _("%(how)s run by %(who)s") % {"how": how, "who": who} if who else how
    record(
        actor=actor,
        action="directory.email_changed",
        target=f"person:{person.pk}",
        person_id=person.pk,
        old_email=email_masked(change.old),
        new_email=email_masked(change.new),
        via=via,
    )
    when = _local_day(now, person.timezone)
    notification_send(
        person=person,
        kind="directory.email_changed",
        subject=_("Your sign-in address for Kith changed"),
        body=_(
            "Your sign-in address changed from %(old)s to %(new)s on %(when)s, through "
            "%(by)s. We have let your previous address know. If you did not expect this, "
            "tell %(contact)s."
        )
        % {"old": change.old, "new": change.new, "when": when, "by": by, "contact": contact},
        email=False,
        now=now,
    )
    messages.append(
        EmailMessage(
            subject=_("Your sign-in address for Kith was changed"),
            body=_(
                "Hello %(name)s,\n\n"
                "Your sign-in address for Kith was changed from %(old)s to %(new)s by "
                "%(by)s on %(when)s.\n\n"
                "From now on Kith sends sign-in codes to %(new)s, and this address can no "
                "longer sign in.\n\n"
                "If you did not expect this, tell %(contact)s straight away: whoever reads "
                "%(new)s can sign in to Kith as you. Your 1:1s, private notes and check-ins "
                "stay hidden from %(new)s for %(days)d days.\n\n"
                "If you did expect it, sign in with your new address and open this link to "
                "see them again at once (it works for %(days)d days):\n"
                "%(link)s\n\n"
                "— Kith\n"
            )
            % {
                "name": person.display_name,
                "old": change.old,
                "new": change.new,
                "by": by,
                "when": when,
                "contact": contact,
                "days": PRIVATE_HOLD.days,
                "link": _confirm_link(person.pk, now),
            },
            to=[change.old],
        )
    )


PRIVATE_HOLD = dt.timedelta(days=7)
CONFIRM_SALT = "kith.directory.email-change"


def _confirm_link(person_id: int, changed_at: dt.datetime) -> str:
    from django.core import signing
    from django.urls import reverse

    token = signing.dumps({"p": person_id, "at": changed_at.isoformat()}, salt=CONFIRM_SALT)
    path = reverse("directory:email_change_confirm", args=[token])
    return str(settings.KITH_BASE_URL).rstrip("/") + path


def email_change_confirm(*, person: Person, token: str) -> bool:
    """The person, signed in with the new address, shows they also read the previous one:
    the hold on their private data ends. False for a link that is not theirs, expired, or
    from an earlier change."""
    from django.core import signing

    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=PRIVATE_HOLD)
    except signing.BadSignature:
        return False
    if data.get("p") != person.pk or person.email_changed_at is None:
        return False
    if data.get("at") != person.email_changed_at.isoformat():
        return False
    Person.objects.filter(pk=person.pk).update(email_changed_at=None)
    person.email_changed_at = None
    return True


def _send_to_previous_addresses(messages: list[EmailMessage]) -> None:
    """One connection for all of them; a mail server that fails is logged, never raised: the
    change is committed and audited already, and an import must not look failed for it."""
    try:
        with get_connection() as connection:
            connection.send_messages(messages)
    except Exception:
        log.exception("Could not tell %d previous addresses of their change", len(messages))
