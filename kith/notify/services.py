"""The one way any Kith feature reaches a person: in-app, and by email or chat when asked.

Messages wait for the person's working hours (their own time zone and days). Emails are sent
at most once: a sender first claims the row with a conditional update, so two workers (or a
worker and the periodic sweep) can never both send it. A failed email is retried with growing
delays, each retry again inside the person's working hours, up to MAX_EMAIL_ATTEMPTS.

Boundaries (kith.core.boundaries, filled by the guidelines app): nothing is delivered inside a
person's quiet periods (their team's tech-free hours, a wellness week); a message due then
waits for the first working moment after it. A person who prefers to be reached in Kith only
gets no email. Security notices in EXEMPT_KINDS ignore both: they must not wait.

Chat (kith.notify.channels): a person whose preferred channel is a configured chat provider
(Slack, Matrix) gets the message there instead of by email, under the same rules: due time,
working hours, quiet periods checked again at sending, one claim, retries. Members of a group
(`group="connect.match:12"`) who use the same provider get one shared message in one
conversation once all of them are due (waiting at most GROUP_WAIT for a member whose working
day starts later). A person the provider cannot find, or a message that failed its last
attempt, falls back to email, so nothing is lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from kith.accounts.selectors import languages_for_emails
from kith.core import boundaries
from kith.directory.models import ContactPreference, OrgUnit, Person
from kith.notify import channels
from kith.notify.engine.delivery import (
    WorkingHours,
    inside,
    next_delivery_time,
    next_delivery_time_outside,
)
from kith.notify.models import ChatThread, Notification

log = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
# Wait after failed attempt 1, 2, 3, 4 (the fifth failure is final).
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
# A claim older than this belongs to a sender that crashed (SMTP gives up after EMAIL_TIMEOUT).
SENDING_LEASE = dt.timedelta(minutes=15)
# After this many failures in a row a sweep stops: the mail server is down, the rest can wait.
MAX_FAILURES_IN_A_ROW = 3

# Far enough to see past a wellness week and the tech-free hours right after it.
QUIET_HORIZON = dt.timedelta(days=60)
QUIET_HORIZONS_READ = 3
# Notices about the security of a person's account: delivered in-app and by email whatever the
# boundaries and the preferred channel say (the sign-in address change of decision 0011).
EXEMPT_KINDS = frozenset({"directory.email_changed"})
RESCHEDULE_BATCH = 2000
# Messages queued further ahead than this are rescheduled against the boundaries known then.
MAX_RESCHEDULE_SPAN = dt.timedelta(days=366)

# A group's chat message waits this long for a member whose working hours start later.
GROUP_WAIT = dt.timedelta(days=2)
EMAIL, IN_APP = ContactPreference.Channel.EMAIL.value, ContactPreference.Channel.IN_APP.value

EmailState = Notification.EmailState


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: str


def working_hours_of(person: Person) -> WorkingHours:
    return WorkingHours.of(
        person.timezone,
        person.work_start,
        person.work_end,
        person.work_days or (),
        fallback_timezone=settings.TIME_ZONE,
    )


def language_of(person: Person) -> str:
    """The language Kith writes to this person in: the one they chose, else the one Kith last
    showed them (their browser's), else the default (kith.accounts)."""
    return language_of_people([person])[person.pk]


def language_of_people(people: Sequence[Person]) -> dict[int, str]:
    """Each person's language (see language_of), in one query."""
    by_email = languages_for_emails(p.email for p in people)
    default = str(settings.LANGUAGE_CODE)
    return {p.pk: by_email.get((p.email or "").lower(), default) for p in people}


def in_language_of(person: Person) -> translation.override:
    """`with in_language_of(person): ...` renders texts, dates and numbers for this person:
    wrap the subject and body of a message to them (or pass them as lazy texts, see
    notification_send), not the sender's language."""
    return translation.override(language_of(person))


def notification_send(
    *,
    person: Person,
    subject: str | Promise,
    body: str | Promise = "",
    url: str = "",
    kind: str = "general",
    email: bool = True,
    due: dt.datetime | None = None,
    attachments: Sequence[Attachment] = (),
    group: str = "",
    now: dt.datetime | None = None,
) -> Notification:
    """Queue a message for one person; it is delivered at `due` or their next working hour.

    `subject` and `body` may be lazy texts (gettext_lazy, format_lazy): they are then written
    in the person's language, whoever sends them. `url` is a path inside Kith ("/people/7/")
    or an http(s) address. A `due` in the past means
    "as soon as possible", which still waits for working hours. `email=False` keeps it in
    Kith (no email, no chat). `group` ("connect.match:12") joins the chat messages of one
    group's members into one conversation (see kith.notify.channels).
    """
    now = now or timezone.now()
    _validate_url(url)
    if isinstance(subject, Promise) or isinstance(body, Promise):
        with in_language_of(person):
            subject, body = str(subject), str(body)
    if due is not None and timezone.is_naive(due):
        raise ValueError("notification due time must be an aware datetime")
    wanted = max(due or now, now)
    deliver_at = delivery_time(person, wanted, kind=kind)
    channel = channel_of(person.pk, kind) if email else IN_APP
    wants_chat = channel not in (EMAIL, IN_APP)
    wants_email = channel == EMAIL and _can_email(person)
    with transaction.atomic():
        notification = Notification.objects.create(
            person=person,
            kind=kind,
            due_at=wanted,
            subject=_one_line(str(subject))[:200],
            body=str(body),
            url=url,
            deliver_at=deliver_at,
            email_state=EmailState.PENDING if wants_email else EmailState.NONE,
            attachments=[dataclasses.asdict(a) for a in attachments],
            chat_provider=channel if wants_chat else "",
            chat_state=EmailState.PENDING if wants_chat else EmailState.NONE,
            group_key=group[:100],
        )
        if wants_email and deliver_at <= now:
            _enqueue_email_on_commit(notification.pk)
        if wants_chat and deliver_at <= now:
            _enqueue_chat_on_commit(notification.pk)
    return notification


def channel_of(person_id: int, kind: str = "general") -> str:
    """How this person is reached now: "email", "in_app", or a configured chat provider's
    name. A chat tool that is not (or no longer) configured means email."""
    if kind in EXEMPT_KINDS:
        return EMAIL
    channel = (
        ContactPreference.objects.filter(person_id=person_id)
        .values_list("preferred_channel", flat=True)
        .first()
    ) or EMAIL
    if channel in (EMAIL, IN_APP):
        return channel
    return channel if channels.configured_provider(channel) is not None else EMAIL


def delivery_time(person: Person, due: dt.datetime, *, kind: str = "general") -> dt.datetime:
    """When a message due at `due` may reach the person: working hours, outside boundaries."""
    hours = working_hours_of(person)
    if kind in EXEMPT_KINDS:
        return next_delivery_time(due, hours)
    moment = due
    # Quiet periods are read a horizon at a time; a moment found past the horizon is only free
    # because nothing was read there yet, so read on (rules that cover every working hour for
    # months cannot hold a message longer than these few horizons).
    for _ in range(QUIET_HORIZONS_READ):
        horizon = moment + QUIET_HORIZON
        quiet = boundaries.quiet_periods([person.pk], moment, horizon).get(person.pk, [])
        moment = next_delivery_time_outside(moment, hours, quiet)
        if moment < horizon:
            break
    return moment


def notifications_reschedule(
    *,
    person_ids: Sequence[int] | None = None,
    org_unit_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Recompute when every undelivered notification arrives, after boundaries changed: of
    these people, or of everyone in an org unit and below it, or (neither given) of everyone.
    Works in batches of people sharing one query for their quiet periods and one bulk update;
    returns how many notifications moved."""

    def clock() -> dt.datetime:  # a long run at 100k people: each batch sees its own now
        return now or timezone.now()

    waiting = Notification.objects.filter(deliver_at__gt=clock()).exclude(kind__in=EXEMPT_KINDS)
    if person_ids is not None:
        ids = sorted(set(person_ids))
    else:
        scope = waiting
        if org_unit_id is not None:
            unit = OrgUnit.objects.filter(pk=org_unit_id).only("path").first()
            if unit is None:
                return 0
            scope = scope.filter(person__org_unit__path__startswith=unit.path)
        ids = sorted(set(scope.order_by().values_list("person_id", flat=True).distinct()))
    moved = 0
    for start in range(0, len(ids), RESCHEDULE_BATCH):
        batch = ids[start : start + RESCHEDULE_BATCH]
        rows = Notification.objects.filter(deliver_at__gt=clock(), person_id__in=batch)
        moved += _reschedule_batch(rows.exclude(kind__in=EXEMPT_KINDS), batch, clock)
    return moved


def _reschedule_batch(rows: Any, person_ids: list[int], clock: Callable[[], dt.datetime]) -> int:
    now = clock()
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=person_ids).only(
            "timezone", "work_start", "work_end", "work_days"
        )
    }
    notes = list(rows.only("pk", "person_id", "deliver_at", "due_at"))
    if not notes:
        return 0
    wanted = {n.pk: max(n.due_at or n.deliver_at, now) for n in notes}
    begin = min(wanted.values())
    end = min(max(wanted.values()), begin + MAX_RESCHEDULE_SPAN) + QUIET_HORIZON
    quiet = boundaries.quiet_periods(person_ids, begin, end)
    hours_of: dict[int, WorkingHours] = {}
    changed: list[Notification] = []
    for note in notes:
        person = people.get(note.person_id)
        if person is None:
            continue
        if person.pk not in hours_of:
            hours_of[person.pk] = working_hours_of(person)
        new = next_delivery_time_outside(
            wanted[note.pk], hours_of[person.pk], quiet.get(person.pk, [])
        )
        if new != note.deliver_at:
            note.deliver_at = new
            changed.append(note)
    # What arrived while this batch was computed stays where it is: it may have been read.
    still_waiting = set(
        Notification.objects.filter(
            pk__in=[n.pk for n in changed], deliver_at__gt=clock()
        ).values_list("pk", flat=True)
    )
    changed = [n for n in changed if n.pk in still_waiting]
    Notification.objects.bulk_update(changed, ["deliver_at"], batch_size=1000)
    return len(changed)


def notification_mark_read(
    *, person: Person, notification_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Mark one (or, without an id, every delivered) notification of this person as read."""
    now = now or timezone.now()
    unread = Notification.objects.filter(person=person, read_at__isnull=True, deliver_at__lte=now)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=now)


def notification_deliver_email(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Send one due email exactly once. Returns True when this call sent it."""
    return _deliver_email(notification_id, now or timezone.now(), connection=None) is True


def notifications_deliver_due(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Send every email and chat message whose time has come (including retries of failed
    ones). Returns how many were sent. One SMTP connection serves the whole sweep; a chat
    tool that misbehaves never holds up the emails. Without `now` (tests pass one), each
    message is claimed at the time it is reached, so a long sweep never claims with a lease
    that has already lapsed."""
    sent = 0
    try:
        sent += notifications_deliver_chat_due(limit=limit, now=now)
    except Exception:
        log.exception("chat sweep failed; emails go on")
    return sent + _deliver_emails_due(limit=limit, now=now)


def _clock(now: dt.datetime | None) -> Callable[[], dt.datetime]:
    return (lambda: now) if now is not None else timezone.now


def _deliver_emails_due(*, limit: int, now: dt.datetime | None) -> int:
    clock = _clock(now)
    _give_up_abandoned(clock())
    due_ids = list(
        Notification.objects.filter(_due_for_email(clock()))
        .order_by("deliver_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not due_ids:
        return 0
    sent = failures_in_a_row = 0
    connection = get_connection(fail_silently=False)
    try:
        for pk in due_ids:
            outcome = _deliver_email(pk, clock(), connection=connection)
            if outcome is None:
                continue
            sent += int(outcome)
            failures_in_a_row = 0 if outcome else failures_in_a_row + 1
            if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                log.warning("email sweep stopped after %s failures in a row", failures_in_a_row)
                break
    finally:
        with suppress(Exception):
            connection.close()
    return sent


# --- Chat ---------------------------------------------------------------------------------------


def notification_deliver_chat(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Send one due chat message (with its group's, if it belongs to one) exactly once.
    Returns True when this call sent it."""
    return bool(_deliver_chat(notification_id, now or timezone.now()))


def notifications_deliver_chat_due(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Send every chat message whose time has come; returns how many notifications went."""
    clock = _clock(now)
    _give_up_abandoned_chats(clock())
    due_ids = list(
        Notification.objects.filter(_due_for_chat(clock()))
        .order_by("deliver_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = failures_in_a_row = 0
    for pk in due_ids:
        try:
            outcome = _deliver_chat(pk, clock())
        except Exception:  # one broken message must not stop the others (its lease lapses)
            log.exception("chat delivery of notification %s failed", pk)
            outcome = False
        if outcome is None:
            continue
        sent += int(outcome)
        failures_in_a_row = 0 if outcome else failures_in_a_row + 1
        if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            log.warning("chat sweep stopped after %s failures in a row", failures_in_a_row)
            break
    return sent


def _due_for_chat(now: dt.datetime) -> Q:
    waiting = Q(chat_state__in=[EmailState.PENDING, EmailState.FAILED]) & (
        Q(chat_retry_at__isnull=True) | Q(chat_retry_at__lte=now)
    )
    abandoned = Q(chat_state=EmailState.SENDING, chat_retry_at__lte=now)
    return (waiting | abandoned) & Q(deliver_at__lte=now, chat_attempts__lt=MAX_EMAIL_ATTEMPTS)


def _group_ready(note: Notification, now: dt.datetime) -> list[int]:
    """The notifications to send together with this one: the group's members on the same
    provider whose time has come. Empty while a member due within GROUP_WAIT is awaited and a
    moment suiting everyone exists (the waiting ones are put aside until the next member's
    time, so they do not crowd the sweep); with no such moment the group is split, each member
    getting their own message at their own time."""
    if not note.group_key:
        return [note.pk]
    siblings = list(
        Notification.objects.filter(
            group_key=note.group_key,
            kind=note.kind,
            chat_provider=note.chat_provider,
            chat_state__in=[EmailState.PENDING, EmailState.FAILED, EmailState.SENDING],
            chat_attempts__lt=MAX_EMAIL_ATTEMPTS,
            person__is_active=True,
        ).values_list("pk", "person_id", "deliver_at", "chat_state", "chat_retry_at")
    )
    ready, later = [], []
    for pk, _person_id, deliver_at, state, retry_at in siblings:
        if state == EmailState.SENDING and retry_at and retry_at > now:
            continue  # another sender has it
        if deliver_at <= now and (retry_at is None or retry_at <= now):
            ready.append(pk)
        else:
            later.append(max(deliver_at, retry_at or deliver_at))
    if later and min(later) <= now + GROUP_WAIT and note.deliver_at + GROUP_WAIT > now:
        people = list(Person.objects.filter(pk__in={row[1] for row in siblings}))
        if _common_moment(people, now, now + GROUP_WAIT) is not None:
            Notification.objects.filter(pk__in=ready).exclude(chat_state=EmailState.SENDING).update(
                chat_retry_at=min(later)
            )
            return []  # a member's working day starts soon: one message for all, then
        Notification.objects.filter(pk__in=[row[0] for row in siblings]).update(group_key="")
        note.group_key = ""
        return [note.pk]
    return ready


def _deliver_chat(notification_id: int, now: dt.datetime) -> bool | int | None:
    """True or a count: sent. False: this attempt failed. None: nothing sent (not due, taken,
    waiting for the group or for working hours, or handed back to email)."""
    note = Notification.objects.filter(pk=notification_id).first()
    if note is None or not note.chat_provider:
        return None
    ids = _group_ready(note, now)
    if not ids:
        return None
    lease = now + SENDING_LEASE
    claimed = Notification.objects.filter(_due_for_chat(now), pk__in=ids).update(
        chat_state=EmailState.SENDING, chat_attempts=F("chat_attempts") + 1, chat_retry_at=lease
    )
    if not claimed:
        return None
    notes = list(
        Notification.objects.filter(
            pk__in=ids, chat_state=EmailState.SENDING, chat_retry_at=lease
        ).select_related("person")
    )
    provider = channels.configured_provider(note.chat_provider)
    candidates: list[Notification] = []
    for item in notes:
        if not item.person.is_active:
            Notification.objects.filter(pk=item.pk).update(chat_state=EmailState.NONE)
            continue
        channel = channel_of(item.person_id, item.kind)
        if provider is None or channel != item.chat_provider:
            _chat_moves(item, channel)  # chat no longer set up, or they chose another channel
            continue
        candidates.append(item)
    if not candidates or provider is None:
        return None
    # Nobody is messaged outside their working hours or inside a quiet period: one message
    # pings everyone in the conversation, so a group waits for a moment that suits all of them
    # (or, with none near, each member gets their own message at their own time).
    if not all(_free_now(item.person, now) for item in candidates):
        if len(candidates) > 1:
            moment = _common_moment([i.person for i in candidates], now, now + GROUP_WAIT)
            if moment is not None:
                _release(candidates, {i.pk: moment for i in candidates})
                return None
            Notification.objects.filter(pk__in=[i.pk for i in candidates]).update(group_key="")
        _release(candidates, {i.pk: delivery_time(i.person, now, kind=i.kind) for i in candidates})
        return None
    sendable: list[tuple[Notification, str]] = []
    for item in candidates:
        try:
            sendable.append((item, provider.address_of(item.person)))
        except channels.Unreachable:
            _chat_falls_back(item)
        except channels.ChatFailed as exc:
            _record_chat_failure(item, now, exc)
    if not sendable:
        return None
    return _send_chat(provider, note.group_key, note.kind, sendable, now)


def _free_now(person: Person, now: dt.datetime) -> bool:
    """Inside their working hours and outside their quiet periods at this moment."""
    return delivery_time(person, now) <= now


def _common_moment(
    people: Sequence[Person], start: dt.datetime, limit: dt.datetime
) -> dt.datetime | None:
    """The first moment from `start` that suits everyone, if there is one before `limit`."""
    moment = start
    for _ in range(12):
        latest = max(delivery_time(p, moment) for p in people)
        if latest == moment:
            return moment
        if latest > limit:
            return None
        moment = latest
    return None


def _release(items: Sequence[Notification], at: dict[int, dt.datetime]) -> None:
    """Hand claimed messages back to wait (the claim counted an attempt never made)."""
    for item in items:
        Notification.objects.filter(pk=item.pk).update(
            chat_state=EmailState.PENDING,
            chat_attempts=F("chat_attempts") - 1,
            chat_retry_at=at[item.pk],
        )


def _send_chat(
    provider: channels.ChatProvider,
    group_key: str,
    kind: str,
    sendable: list[tuple[Notification, str]],
    now: dt.datetime,
) -> bool | int:
    people = [item.person for item, _ in sendable]
    member_ids = sorted(p.pk for p in people)
    # Written in the recipient's language; a group's one message in the language its members
    # share, else the organisation's default.
    languages = set(language_of_people(people).values())
    language = languages.pop() if len(languages) == 1 else str(settings.LANGUAGE_CODE)
    with translation.override(language):
        return _send_chat_now(provider, group_key, kind, sendable, now, people, member_ids)


def _send_chat_now(
    provider: channels.ChatProvider,
    group_key: str,
    kind: str,
    sendable: list[tuple[Notification, str]],
    now: dt.datetime,
    people: list[Person],
    member_ids: list[int],
) -> bool | int:
    try:
        message = channels.render_group(group_key, kind, people) if group_key else None
        if message is None and len(sendable) > 1:
            # No shared wording for this group: each member gets their own message.
            return sum(int(_send_chat(provider, "", kind, [pair], now)) for pair in sendable)
        if message is None:
            message = message_of(sendable[0][0])
        thread = _thread_for(provider.name, group_key, member_ids, now)
        addresses = [address for _, address in sendable]
        try:
            conversation = provider.send(
                addresses, message, thread=thread.conversation_id if thread else ""
            )
        except channels.Unreachable:
            if thread is not None:
                # The conversation is gone (archived, the bot replaced): forget it, start afresh.
                thread.delete()
                thread = None
                conversation = provider.send(addresses, message, thread="")
            elif len(sendable) > 1:
                # One member the tool cannot reach must not send everyone to email: each gets
                # the message on their own, and only the unreachable one falls back.
                return sum(int(_send_chat(provider, "", kind, [pair], now)) for pair in sendable)
            else:
                raise
    except (channels.ChatFailed, channels.Unreachable) as exc:
        for item, _ in sendable:
            if isinstance(exc, channels.Unreachable) and len(sendable) == 1:
                _chat_falls_back(item)
            else:
                _record_chat_failure(item, now, exc)
        return False
    except Exception as exc:  # a provider's or renderer's bug must not stop the sweep
        log.exception("chat provider %s failed for notifications %s", provider.name, member_ids)
        for item, _ in sendable:
            _record_chat_failure(item, now, exc)
        return False
    if group_key and conversation and thread is None:
        _remember_thread(provider.name, group_key, conversation, member_ids)
    Notification.objects.filter(pk__in=[item.pk for item, _ in sendable]).update(
        chat_state=EmailState.SENT, chat_retry_at=None, chatted_at=now
    )
    return len(sendable)


def _thread_for(
    provider_name: str, group_key: str, member_ids: list[int], now: dt.datetime
) -> ChatThread | None:
    """The group's conversation when exactly its members are the recipients (a reminder for
    one of them goes to that person alone: a post in the conversation pings everyone in it)."""
    if not group_key:
        return None
    thread = ChatThread.objects.filter(provider=provider_name, group_key=group_key).first()
    if thread is None or sorted(thread.members) != member_ids:
        return None
    return thread


def _remember_thread(
    provider_name: str, group_key: str, conversation: str, members: list[int]
) -> None:
    """The group's conversation is the one with the most of its members: a member sent alone
    (held by a wellness week, say) never takes its place, and one that reached only some of
    them gives way to one that reaches them all."""
    thread = ChatThread.objects.filter(provider=provider_name, group_key=group_key).first()
    if thread is None:
        ChatThread.objects.get_or_create(
            provider=provider_name,
            group_key=group_key,
            defaults={"conversation_id": conversation[:255], "members": members},
        )
    elif set(members) > set(thread.members):
        thread.conversation_id, thread.members = conversation[:255], members
        thread.save(update_fields=["conversation_id", "members"])


def chat_accounts_forget(person_ids: list[int]) -> None:
    """Forget these people's chat accounts (their email changed, or they left): the next
    message looks them up again by their current address."""
    from kith.notify.models import ChatIdentity

    ChatIdentity.objects.filter(person_id__in=person_ids).delete()


def message_of(note: Notification) -> channels.ChatMessage:
    """A notification as a chat message of its own (no buttons: the link leads to Kith)."""
    url = note.url
    if url.startswith("/"):
        url = settings.KITH_BASE_URL + url
    return channels.ChatMessage(subject=note.subject, body=note.body, url=url)


def _chat_moves(note: Notification, channel: str) -> None:
    """The person now wants another channel: another chat tool takes the message over;
    otherwise it goes by email (unless they chose Kith only)."""
    if channel not in (EMAIL, IN_APP):
        Notification.objects.filter(pk=note.pk).update(
            chat_provider=channel,
            chat_state=EmailState.PENDING,
            chat_attempts=0,
            chat_retry_at=None,
        )
        _enqueue_chat_on_commit(note.pk)
        return
    _chat_falls_back(note)


def _record_chat_failure(note: Notification, now: dt.datetime, exc: Exception) -> None:
    attempts = note.chat_attempts
    if attempts >= MAX_EMAIL_ATTEMPTS:
        log.warning(
            "chat message for notification %s failed for good (%s); falling back to email",
            note.pk,
            type(exc).__name__,
        )
        _chat_falls_back(note, state=EmailState.FAILED)
        return
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    retry_at = delivery_time(note.person, now + delay, kind=note.kind)
    log.warning(
        "chat message for notification %s failed (attempt %s of %s, %s); retrying at %s",
        note.pk,
        attempts,
        MAX_EMAIL_ATTEMPTS,
        type(exc).__name__,
        retry_at.isoformat(),
    )
    Notification.objects.filter(pk=note.pk).update(
        chat_state=EmailState.FAILED, chat_retry_at=retry_at
    )


def _chat_falls_back(note: Notification, *, state: str = EmailState.NONE) -> None:
    """The chat tool cannot take it: the email goes instead (unless Kith only was chosen)."""
    email = _can_email(note.person) and channel_of(note.person_id, note.kind) != IN_APP
    Notification.objects.filter(pk=note.pk).update(
        chat_state=state,
        chat_retry_at=None,
        email_state=EmailState.PENDING if email else EmailState.NONE,
        email_retry_at=None,
    )
    if email:
        _enqueue_email_on_commit(note.pk)


def _give_up_abandoned_chats(now: dt.datetime) -> None:
    for note in Notification.objects.filter(
        chat_state=EmailState.SENDING,
        chat_retry_at__lte=now,
        chat_attempts__gte=MAX_EMAIL_ATTEMPTS,
    ).select_related("person"):
        _chat_falls_back(note, state=EmailState.FAILED)


def _enqueue_chat_on_commit(notification_id: int) -> None:
    from kith.notify.tasks import deliver_chat

    transaction.on_commit(lambda: deliver_chat.enqueue(notification_id))


# --- internals --------------------------------------------------------------------------------


def _deliver_email(notification_id: int, now: dt.datetime, *, connection: Any) -> bool | None:
    """True: sent. False: this attempt failed. None: nothing to send (not due, or taken)."""
    if not _claim_for_email(notification_id, now):
        return None
    notification = Notification.objects.select_related("person").get(pk=notification_id)
    channel = channel_of(notification.person_id, notification.kind)
    fell_back = bool(notification.chat_provider) and notification.chat_state in (
        EmailState.NONE,
        EmailState.FAILED,
    )  # a chat message the chat tool could not take
    if channel not in (EMAIL, IN_APP) and not fell_back:
        # They chose a chat tool since this was queued: it goes there instead.
        _set_email_state(notification_id, EmailState.NONE, email_retry_at=None)
        _chat_moves(notification, channel)
        return None
    wanted = channel == EMAIL or (fell_back and channel != IN_APP)
    if not _can_email(notification.person) or not wanted:
        # they left, lost their address, or chose to be reached in Kith only, meanwhile
        _set_email_state(notification_id, EmailState.NONE, email_retry_at=None)
        return None
    if _held_by_boundaries(notification, now):
        return None
    try:
        if connection is not None:
            connection.open()  # no-op while open; reconnects after a failure closed it
        _build_email(notification, connection).send(fail_silently=False)
    except Exception as exc:
        _record_failure(notification, now, exc)
        if connection is not None:
            with suppress(Exception):
                connection.close()  # the next message opens a fresh connection
        return False
    _set_email_state(notification_id, EmailState.SENT, email_retry_at=None, emailed_at=now)
    return True


def _held_by_boundaries(notification: Notification, now: dt.datetime) -> bool:
    """The last check before sending: a quiet period that began after the message was queued
    (tech-free hours just set, a wellness week just announced) moves it instead."""
    if notification.kind in EXEMPT_KINDS:
        return False
    person = notification.person
    quiet = boundaries.quiet_periods([person.pk], now, now + QUIET_HORIZON).get(person.pk, [])
    if not inside(now, quiet):
        return False
    later = delivery_time(person, now, kind=notification.kind)
    # Only the email waits: the message is already in the inbox (it may have been read), so
    # it stays there rather than vanish and come back.
    Notification.objects.filter(pk=notification.pk).update(
        email_state=EmailState.PENDING,
        email_attempts=F("email_attempts") - 1,  # the claim counted an attempt never made
        email_retry_at=later,
    )
    log.info("email for notification %s held until %s", notification.pk, later.isoformat())
    return True


def _due_for_email(now: dt.datetime) -> Q:
    waiting = Q(email_state__in=[EmailState.PENDING, EmailState.FAILED]) & (
        Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=now)
    )
    abandoned = Q(email_state=EmailState.SENDING, email_retry_at__lte=now)
    return (waiting | abandoned) & Q(deliver_at__lte=now, email_attempts__lt=MAX_EMAIL_ATTEMPTS)


def _claim_for_email(notification_id: int, now: dt.datetime) -> bool:
    """Take the email for this sender with one conditional update: only one can win."""
    claimed = Notification.objects.filter(_due_for_email(now), pk=notification_id).update(
        email_state=EmailState.SENDING,
        email_attempts=F("email_attempts") + 1,
        email_retry_at=now + SENDING_LEASE,
    )
    return claimed == 1


def _record_failure(notification: Notification, now: dt.datetime, exc: Exception) -> None:
    attempts = notification.email_attempts  # already counts this attempt (see the claim)
    retry_at = None
    if attempts < MAX_EMAIL_ATTEMPTS:
        delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
        retry_at = delivery_time(notification.person, now + delay, kind=notification.kind)
    # No address or content in the log line: the id is enough to find it.
    log.warning(
        "email for notification %s failed (attempt %s of %s, %s)%s",
        notification.pk,
        attempts,
        MAX_EMAIL_ATTEMPTS,
        type(exc).__name__,
        f"; retrying at {retry_at.isoformat()}" if retry_at else "; giving up",
    )
    _set_email_state(notification.pk, EmailState.FAILED, email_retry_at=retry_at)


def _give_up_abandoned(now: dt.datetime) -> None:
    """A claim that lapsed on its last attempt will never be retried: call it failed."""
    Notification.objects.filter(
        email_state=EmailState.SENDING,
        email_retry_at__lte=now,
        email_attempts__gte=MAX_EMAIL_ATTEMPTS,
    ).update(email_state=EmailState.FAILED, email_retry_at=None)


def _set_email_state(notification_id: int, state: str, **fields: Any) -> None:
    Notification.objects.filter(pk=notification_id).update(email_state=state, **fields)


def _build_email(notification: Notification, connection: Any = None) -> EmailMessage:
    body = notification.body
    if notification.url:
        link = notification.url
        if link.startswith("/"):
            link = settings.KITH_BASE_URL + link
        body = f"{body}\n\n{link}".strip()
    language = language_of(notification.person)
    with translation.override(language):
        body += "\n\n" + gettext(
            "— Kith. You get this because you are part of %(organisation)s."
        ) % {"organisation": settings.KITH_ORG_NAME}
    message = EmailMessage(
        subject=notification.subject,
        body=body,
        to=[notification.person.email],
        # RFC 3834: no out-of-office replies. RFC 3282: the language it is written in.
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
        connection=connection,
    )
    for item in notification.attachments:
        message.attach(item["filename"], item["content"], item["content_type"])
    return message


def _enqueue_email_on_commit(notification_id: int) -> None:
    from kith.notify.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email.enqueue(notification_id))


def _can_email(person: Person) -> bool:
    return bool(person.email) and person.is_active


def _one_line(text: str) -> str:
    # A newline in a subject would make the mail library refuse the message on every attempt.
    return " ".join(text.split())


def _validate_url(url: str) -> None:
    if url and not (
        (url.startswith("/") and not url.startswith("//"))
        or url.startswith(("https://", "http://"))
    ):
        raise ValueError(f"notification url {url!r} must be a path inside Kith or an http(s) URL")
