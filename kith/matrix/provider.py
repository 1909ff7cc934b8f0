"""Matrix as a chat provider for kith.notify.channels.

- One person: their direct room with the bot (created `is_direct`, preset private_chat, the
  person invited, and listed in the bot's `m.direct` account data), reused while they are in
  it or invited to it.
- A group: a new private room per group (is_direct, every member invited); notify keeps its
  id in ChatThread and passes it back as `thread` for the follow-up. Before posting into an
  existing room, each recipient who is no longer in it (left, declined the invite, was
  kicked) is invited again, so nobody silently misses a message counted as sent; one who
  cannot be invited (banned) makes the send Unreachable.
- The message is `m.text` with a plain `body` and an escaped HTML `formatted_body`; choices
  are numbered ("Reply 1 for We met, …"). Reactions (✅ ⏳ ❌) are offered only for answer
  choices: the leading actions that share the first action's id, when there are at least two
  (a follow-up's We met / Not yet / Couldn't); an action on its own ("Pause me") is a
  numbered reply only, so a quick ✅ never pauses anyone. The room's row keeps the offered
  [action id, value] pairs, so kith.matrix.answers can map a reply back; never the text.

Errors: rate limits, server errors and the network raise ChatFailed (notify retries); a
person without an account (their profile is unknown, or the invite is refused) raises
Unreachable (notify falls back to email).
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.matrix import account
from kith.matrix.client import Credentials, MatrixError, Session, call, quote
from kith.matrix.models import MatrixRoom
from kith.notify import channels
from kith.notify.models import ChatIdentity

if TYPE_CHECKING:
    from kith.directory.models import Person

log = logging.getLogger(__name__)

# Reactions stand for the answer choices, in order (✅ the first, ⏳ the second, ❌ the third).
REACTIONS = ("✅", "⏳", "❌")
PRESENT = {"join", "invite"}
UNREACHABLE_CODES = {"M_NOT_FOUND", "M_FORBIDDEN", "M_INVALID_PARAM", "M_BAD_JSON"}


def _failure(exc: MatrixError, what: str) -> Exception:
    """The notify exception for a Matrix error."""
    if not exc.temporary and exc.errcode in UNREACHABLE_CODES:
        return channels.Unreachable(f"Matrix refused {what} ({exc.errcode})")
    return channels.ChatFailed(f"Matrix {what} failed ({exc.status} {exc.errcode})")


# --- Rendering ----------------------------------------------------------------------------------


def reactable(action_ids: Sequence[str]) -> int:
    """How many of the offered actions (by id, in order) a reaction may pick: the leading
    actions sharing the first one's id, when there are at least two of them (answer choices
    such as We met / Not yet / Couldn't), at most one per reaction; else none. An action on
    its own ("Pause me") is too weighty for a tap on ✅."""
    if not action_ids:
        return 0
    count = 0
    for action_id in action_ids:
        if action_id != action_ids[0]:
            break
        count += 1
    return min(count, len(REACTIONS)) if count >= 2 else 0


def choices_line(actions: Sequence[channels.ChatAction]) -> str:
    if not actions:
        return ""
    numbered = ", ".join(
        _("%(number)s for %(label)s") % {"number": i, "label": a.label}
        for i, a in enumerate(actions, start=1)
    )
    count = reactable([a.action_id for a in actions])
    if not count:
        return _("Reply %(numbered)s") % {"numbered": numbered}
    return _("Reply %(numbered)s, or react %(reactions)s") % {
        "numbered": numbered,
        "reactions": " ".join(REACTIONS[:count]),
    }


def content_of(message: channels.ChatMessage) -> dict[str, Any]:
    """The `m.room.message` content: plain text and the same as escaped HTML."""
    choices = choices_line(message.actions)
    plain = [message.subject, message.body.strip(), choices, message.url]
    body = "\n\n".join(p for p in plain if p)
    parts = [f"<p><strong>{html.escape(message.subject)}</strong></p>"] if message.subject else []
    if message.body.strip():
        parts.append("<p>" + html.escape(message.body.strip()).replace("\n", "<br>") + "</p>")
    if choices:
        parts.append(f"<p>{html.escape(choices)}</p>")
    if message.url:
        link = html.escape(message.url, quote=True)
        parts.append(f'<p><a href="{link}">{html.escape(_("Open in Kith"))}</a></p>')
    return {
        "msgtype": "m.text",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": "".join(parts),
    }


# --- Matrix calls -------------------------------------------------------------------------------


async def post(session: Session, room_id: str, content: dict[str, Any]) -> str:
    path = (
        f"/_matrix/client/v3/rooms/{quote(room_id)}/send/m.room.message/"
        f"kith-{secrets.token_hex(12)}"
    )
    answer = await session.raw("PUT", path, content)
    return str(answer.get("event_id", ""))


async def _create_room(session: Session, invite: Sequence[str]) -> str:
    body = {"is_direct": True, "preset": "private_chat", "invite": list(invite)}
    answer = await session.raw("POST", "/_matrix/client/v3/createRoom", body)
    return str(answer["room_id"])


async def _membership(session: Session, room_id: str, user_id: str) -> str:
    path = f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.member/{quote(user_id)}"
    try:
        answer = await session.raw("GET", path)
    except MatrixError as exc:
        if exc.temporary:
            raise
        return ""
    return str(answer.get("membership", ""))


async def _invite_missing(session: Session, room_id: str, user_ids: Sequence[str]) -> int:
    """Invite again each recipient who is no longer in the room (left, declined the invite,
    was kicked); returns how many were invited. Someone banned from it is Unreachable there
    (notify then starts a new conversation)."""
    invited = 0
    for user_id in user_ids:
        membership = await _membership(session, room_id, user_id)
        if membership in PRESENT:
            continue
        if membership == "ban":
            raise channels.Unreachable("Matrix: a recipient is banned from this room")
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/invite"
        await session.raw("POST", path, {"user_id": user_id})
        invited += 1
    return invited


def _direct_path(bot: str) -> str:
    return f"/_matrix/client/v3/user/{quote(bot)}/account_data/m.direct"


async def _direct_rooms(session: Session, bot: str) -> dict[str, list[str]]:
    try:
        answer = await session.raw("GET", _direct_path(bot))
    except MatrixError as exc:
        if exc.status == 404:
            return {}  # no m.direct yet
        raise
    return {k: list(v) for k, v in answer.items() if isinstance(v, list)}


async def _reuse_or_create(
    session: Session, bot: str, user_id: str, candidates: Sequence[str]
) -> str:
    """The newest candidate room the person is still in or invited to, else a new direct
    room, listed in the bot's m.direct."""
    for room_id in candidates:
        if await _membership(session, room_id, user_id) in PRESENT:
            return room_id
    room_id = await _create_room(session, [user_id])
    direct = await _direct_rooms(session, bot)  # re-read: keep what changed meanwhile
    direct[user_id] = [*direct.get(user_id, []), room_id]
    await session.raw("PUT", _direct_path(bot), direct)
    return room_id


def _direct_room(credentials: Credentials, user_id: str) -> str:
    """The person's direct room with the bot (only rooms Kith made count)."""
    listed = call(credentials, lambda s: _direct_rooms(s, credentials.user_id)).get(user_id, [])
    ours = set(
        MatrixRoom.objects.filter(room_id__in=listed, is_group=False).values_list(
            "room_id", flat=True
        )
    )
    candidates = [room_id for room_id in reversed(listed) if room_id in ours]
    return call(
        credentials, lambda s: _reuse_or_create(s, credentials.user_id, user_id, candidates)
    )


# --- The provider -------------------------------------------------------------------------------


class MatrixProvider:
    name = "matrix"
    label = "Matrix"

    def is_configured(self) -> bool:
        return account.current() is not None

    def address_of(self, person: Person) -> str:
        identity = ChatIdentity.objects.filter(person=person, provider=account.PROVIDER).first()
        if identity is not None:
            return identity.external_id
        bot = account.current()
        if bot is None:
            raise channels.Unreachable("Matrix is not configured")
        matrix_id = account.derived_id(bot.id_template, person.email or "")
        if not matrix_id:
            raise channels.Unreachable("no Matrix id for this person")
        try:
            call(
                bot.credentials,
                lambda s: s.raw("GET", f"/_matrix/client/v3/profile/{quote(matrix_id)}"),
            )
        except MatrixError as exc:
            if exc.temporary:
                raise channels.ChatFailed(f"Matrix profile lookup failed ({exc.status})") from exc
            raise channels.Unreachable("no Matrix account for this person") from exc
        try:
            with transaction.atomic():
                ChatIdentity.objects.create(
                    person=person, provider=account.PROVIDER, external_id=matrix_id
                )
        except IntegrityError as exc:  # another person already has this id
            raise channels.Unreachable("this Matrix id belongs to someone else") from exc
        return matrix_id

    def send(
        self, addresses: Sequence[str], message: channels.ChatMessage, *, thread: str = ""
    ) -> str:
        bot = account.current()
        if bot is None:
            raise channels.ChatFailed("Matrix is not configured")
        if not addresses and not thread:
            raise channels.Unreachable("nobody to send to")
        group = len(addresses) > 1
        credentials = bot.credentials
        try:
            if thread:
                room_id = thread
                invited = call(credentials, lambda s: _invite_missing(s, room_id, addresses))
                if invited:
                    log.info("matrix room %s: %s recipient(s) invited again", room_id, invited)
            elif group:
                room_id = call(credentials, lambda s: _create_room(s, addresses))
            else:
                room_id = _direct_room(credentials, addresses[0])
            _remember_room(room_id, group)
            content = content_of(message)
            event_id = call(credentials, lambda s: post(s, room_id, content))
        except MatrixError as exc:
            raise _failure(exc, "the message") from exc
        _offer(room_id, message.actions, event_id)
        log.info("matrix message %s posted in room %s", event_id, room_id)
        return room_id


def _remember_room(room_id: str, group: bool) -> None:
    MatrixRoom.objects.get_or_create(room_id=room_id[:255], defaults={"is_group": group})


def _offer(room_id: str, actions: Sequence[channels.ChatAction], event_id: str) -> None:
    """What this room's last message offered (nothing, for a message without choices)."""
    MatrixRoom.objects.filter(room_id=room_id).update(
        offered=[[a.action_id, a.value] for a in actions],
        offered_event_id=event_id[:255] if actions else "",
        offered_at=timezone.now() if actions else None,
    )
