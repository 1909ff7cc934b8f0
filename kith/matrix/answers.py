"""Answers given in Matrix: "1", "2", "3" replies and ✅ ⏳ ❌ reactions in rooms Kith made.

`answers_read()` (every minute, kith.matrix.tasks) reads the bot's new events with /sync from
where the last read stopped. For each reply or reaction, in a room whose last message offered
choices, after that message, by someone Kith knows (ChatIdentity → person), it calls
`channels.handle_action(person, action id, value)`, the feature's own service, and posts the
handler's answer in the room as a reply. Everything else is ignored: other rooms (invites from
strangers are never accepted), other text, edits, the bot's own messages. No text is kept
and only ids are logged; a reply's text is read in memory to see whether it is a number.

The very first read (no stored position: just connected, or the position was forgotten) only
notes where the bot's events stand: a first /sync returns recent history, and answering it
again would undo what people changed since (a pause lifted on the page, say). When a room's
timeline in a /sync is `limited` (more new events than the filter's limit), the gap is read
with /messages, backwards from the timeline's start to where the last read stopped, a few
pages at most, so a burst of chatter does not hide an answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.matrix import account
from kith.matrix.client import MatrixError, Session, call, quote
from kith.matrix.models import MatrixRoom, MatrixSyncState
from kith.matrix.provider import REACTIONS, MatrixProvider, post, reactable
from kith.notify import channels
from kith.notify.models import ChatIdentity

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
TIMELINE_LIMIT = 100  # events per room in one /sync (and per page of /messages)
GAP_PAGES = 10  # pages of /messages read back into a limited timeline, at most
EVENT_TYPES = ["m.room.message", "m.reaction"]


def sync_filter() -> dict[str, Any]:
    """Only what answers need: the timeline's messages and reactions, nothing of state,
    presence, receipts, typing or account data."""
    return {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"types": EVENT_TYPES, "limit": TIMELINE_LIMIT},
            "state": {"types": []},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
        },
    }


@dataclass(frozen=True)
class Answer:
    room_id: str
    event_id: str
    sender: str
    action_id: str
    value: str


def answers_read(*, now: dt.datetime | None = None) -> int:
    """Read new events once; returns how many answers went to a handler."""
    bot = account.current()
    if bot is None:
        return 0
    now = now or timezone.now()
    lease = _claim(now)
    if lease is None:
        return 0  # another worker is reading
    state = MatrixSyncState.objects.get(pk=1)
    try:
        data = _sync(bot, state.next_batch)
    except MatrixError as exc:
        log.warning("matrix sync failed (%s %s)", exc.status, exc.errcode)
        MatrixSyncState.objects.filter(pk=1, claimed_until=lease).update(claimed_until=None)
        return 0
    handled = 0
    if state.next_batch:  # a first read only notes the position (see the module's docstring)
        try:
            _fill_gaps(bot, data, since=state.next_batch)
        except MatrixError as exc:
            log.warning("matrix messages failed (%s %s)", exc.status, exc.errcode)
            MatrixSyncState.objects.filter(pk=1, claimed_until=lease).update(claimed_until=None)
            return 0
        for answer in answers_in(data, bot.credentials.user_id):
            handled += _handle(bot, answer)
    MatrixSyncState.objects.filter(pk=1, claimed_until=lease).update(
        next_batch=str(data.get("next_batch", state.next_batch))[:255], claimed_until=None
    )
    return handled


def _claim(now: dt.datetime) -> dt.datetime | None:
    MatrixSyncState.objects.get_or_create(pk=1)
    lease = now + LEASE
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    claimed = MatrixSyncState.objects.filter(free, pk=1).update(claimed_until=lease)
    return lease if claimed else None


def _sync(bot: account.Account, since: str) -> dict[str, Any]:
    query = f"?timeout=0&filter={quote(json.dumps(sync_filter(), separators=(',', ':')))}"
    if since:
        query += f"&since={quote(since)}"
    answer: dict[str, Any] = call(
        bot.credentials, lambda s: s.raw("GET", "/_matrix/client/v3/sync" + query)
    )
    return answer


def _fill_gaps(bot: account.Account, data: dict[str, Any], *, since: str) -> None:
    """Complete, in place, the limited timelines of rooms that offer choices: the events
    between where the last read stopped (`since`) and the timeline's first event, read back
    with /messages, oldest first, stopping at the offer's time or after GAP_PAGES pages."""
    joined = (data.get("rooms") or {}).get("join") or {}
    limited = [
        room_id
        for room_id, room in joined.items()
        if (room.get("timeline") or {}).get("limited") and (room["timeline"].get("prev_batch"))
    ]
    if not limited:
        return
    offering = dict(
        MatrixRoom.objects.filter(room_id__in=limited, offered_at__isnull=False).values_list(
            "room_id", "offered_at"
        )
    )
    for room_id in limited:
        offered_at = offering.get(room_id)
        if offered_at is None:
            continue
        timeline = joined[room_id]["timeline"]
        earlier = call(
            bot.credentials,
            functools.partial(
                _read_back,
                room_id=room_id,
                start=str(timeline["prev_batch"]),
                since=since,
                offered_at=offered_at,
            ),
        )
        if earlier:
            log.info("matrix room %s: %s earlier event(s) read back", room_id, len(earlier))
        timeline["events"] = [*earlier, *(timeline.get("events") or [])]


async def _read_back(
    session: Session, *, room_id: str, start: str, since: str, offered_at: dt.datetime
) -> list[dict[str, Any]]:
    """The room's events from `start` back to `since` (or the offer), oldest first."""
    room_filter = json.dumps({"types": EVENT_TYPES}, separators=(",", ":"))
    offered_ms = offered_at.timestamp() * 1000
    found: list[dict[str, Any]] = []
    token = start
    for _page in range(GAP_PAGES):
        query = (
            f"?dir=b&limit={TIMELINE_LIMIT}&from={quote(token)}&to={quote(since)}"
            f"&filter={quote(room_filter)}"
        )
        answer = await session.raw(
            "GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/messages{query}"
        )
        chunk = [e for e in answer.get("chunk") or [] if isinstance(e, dict)]
        found.extend(chunk)
        older = [e.get("origin_server_ts") for e in chunk]
        reached_offer = any(isinstance(ts, int) and ts < offered_ms for ts in older)
        token = str(answer.get("end") or "")
        if not chunk or not token or reached_offer:
            break
    found.reverse()
    return found


def answers_in(data: dict[str, Any], bot_id: str) -> list[Answer]:
    """The answers in a /sync response: only in rooms Kith made that offered choices."""
    joined = (data.get("rooms") or {}).get("join") or {}
    rooms = {
        r.room_id: r
        for r in MatrixRoom.objects.filter(room_id__in=list(joined), offered_at__isnull=False)
    }
    found = []
    for room_id, room in joined.items():
        known = rooms.get(room_id)
        if known is None:
            continue
        for event in (room.get("timeline") or {}).get("events") or []:
            choice = _choice(event, known, bot_id)
            if choice is not None:
                action_id, value = choice
                found.append(
                    Answer(
                        room_id, str(event.get("event_id", "")), event["sender"], action_id, value
                    )
                )
    return found


def _choice(event: dict[str, Any], room: MatrixRoom, bot_id: str) -> tuple[str, str] | None:
    """The offered (action id, value) this event picks, if it picks one."""
    sender = event.get("sender")
    if not isinstance(sender, str) or sender == bot_id or room.offered_at is None:
        return None
    sent_ms = event.get("origin_server_ts")
    if not isinstance(sent_ms, int) or sent_ms < room.offered_at.timestamp() * 1000:
        return None  # an answer to an earlier message
    content = event.get("content") or {}
    index = _reaction_index(event, content, room) if event.get("type") == "m.reaction" else None
    if event.get("type") == "m.room.message":
        index = _reply_index(content)
    if index is None or not 0 <= index < len(room.offered):
        return None
    action_id, value = room.offered[index]
    return str(action_id), str(value)


def _reaction_index(event: dict[str, Any], content: dict[str, Any], room: MatrixRoom) -> int | None:
    relates = content.get("m.relates_to") or {}
    if (
        relates.get("rel_type") != "m.annotation"
        or relates.get("event_id") != room.offered_event_id
    ):
        return None
    key = str(relates.get("key", "")).replace("\ufe0f", "").strip()
    if key not in REACTIONS:
        return None
    index = REACTIONS.index(key)
    # Only answer choices take reactions (kith.matrix.provider.reactable).
    offered_ids = [str(pair[0]) for pair in room.offered if pair]
    return index if index < reactable(offered_ids) else None


def _reply_index(content: dict[str, Any]) -> int | None:
    relates = content.get("m.relates_to") or {}
    if relates.get("rel_type") == "m.replace" or content.get("msgtype") != "m.text":
        return None  # an edit, an image, a notice
    body = content.get("body")
    if not isinstance(body, str) or len(body) > 4000:
        return None
    # A reply in most clients starts with the quoted message ("> <@kith:…> …"): skip it.
    text = "\n".join(line for line in body.splitlines() if not line.startswith(">")).strip()
    text = text.rstrip(".!").strip()
    if not (text.isdecimal() and len(text) <= 2):
        return None
    return int(text) - 1


def _handle(bot: account.Account, answer: Answer) -> int:
    identity = (
        ChatIdentity.objects.filter(provider=account.PROVIDER, external_id=answer.sender)
        .select_related("person")
        .first()
    )
    if identity is None or not identity.person.is_active:
        return 0  # someone Kith does not know: no answer, no reply
    refused = False
    try:
        reply = channels.handle_action(identity.person, answer.action_id, answer.value)
    except channels.ActionRefused as exc:
        reply, refused = str(exc), True
    except Exception:  # a handler's bug must not stop the reading (nor repeat it forever)
        log.exception("matrix answer %s: action %s failed", answer.event_id, answer.action_id)
        return 0
    log.info(
        "matrix answer %s in room %s for action %s",
        answer.event_id,
        answer.room_id,
        answer.action_id,
    )
    if not reply:
        return 1
    in_group = MatrixRoom.objects.filter(room_id=answer.room_id, is_group=True).exists()
    if in_group:
        # A room cannot answer one person privately: the room hears only that they answered;
        # what the handler said (a pause until a date, "not yet") goes to their direct room.
        if not refused:
            _notice(
                bot,
                answer,
                _("Thanks, %(name)s: noted.") % {"name": identity.person.display_name},
            )
        try:
            MatrixProvider().send([answer.sender], channels.ChatMessage(subject=reply, body=""))
        except (channels.ChatFailed, channels.Unreachable):
            log.warning("matrix private reply for answer %s failed", answer.event_id)
    else:
        _notice(bot, answer, reply)
    return 1


def _notice(bot: account.Account, answer: Answer, text: str) -> None:
    content = {
        "msgtype": "m.notice",
        "body": text,
        "m.relates_to": {"m.in_reply_to": {"event_id": answer.event_id}},
    }
    try:
        call(bot.credentials, lambda s: post(s, answer.room_id, content))
    except MatrixError as exc:
        log.warning("matrix reply in room %s failed (%s)", answer.room_id, exc.status)
