"""Slack workspace export (ZIP): users.json, channels.json, one folder per public channel
with one JSON file per day (YYYY-MM-DD.json), each a list of messages.

Interactions, all on the chat channel:
- a thread reply is one between the replier and the thread's starter;
- a mention <@U...> is one between the author and the person mentioned;
- a reply that also mentions people is one event with all of them as recipients;
- a top-level message without mentions is no interaction (it is still counted as read).
System messages (joins, topic changes, ...) and bots are skipped. People are matched by
users.json profile.email; a user without a usable email is unknown.

Message text is read only to find mentions: the JSON decoder drops it (and everything else
but a few metadata fields) as each message is decoded, so no text outlives its message.
Private channels, group and direct messages (groups.json, mpims.json, dms.json) are not
read: the export is of public channels.
"""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from kith.insights.importers.context import Context
from kith.insights.importers.identity import Member, address_problem
from kith.insights.importers.model import CHAT
from kith.insights.importers.reduce import LAST_INSTANT

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
# Messages people write; any other subtype is the system or a bot speaking.
PEOPLE_SUBTYPES = frozenset({"", "thread_broadcast", "reply_broadcast", "file_share", "me_message"})
SLACKBOT = "USLACKBOT"
MAX_JSON = 512 << 20  # a day file or users.json larger than this is not a Slack export
_KEPT = ("user", "ts", "thread_ts", "parent_user_id", "subtype", "type")
_MENTIONS = "\0mentions"  # cannot collide with a key of Slack's


def _strip_message(obj: dict[str, Any]) -> dict[str, Any]:
    """json object_hook: keep a few metadata fields and the mentioned user ids; drop text,
    blocks, attachments, files and everything else as soon as the object is decoded."""
    kept = {key: obj[key] for key in _KEPT if key in obj}
    text = obj.get("text")
    if isinstance(text, str):
        kept[_MENTIONS] = MENTION.findall(text)
    return kept


def _strip_user(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: obj[key] for key in ("id", "profile", "email", "is_bot") if key in obj}


@dataclass
class _Channel:
    """Thread starters seen so far, and replies waiting for theirs (by thread ts)."""

    starters: dict[str, str] = field(default_factory=dict)
    waiting: list[tuple[int, str, str, list[str]]] = field(default_factory=list)


class SlackReader:
    def __init__(self, archive: zipfile.ZipFile, context: Context) -> None:
        self.zip = archive
        self.context = context
        self.problems = context.problems
        self.members: dict[str, Member] = {}
        self.bots: set[str] = {SLACKBOT}
        self.done = 0

    def read(self) -> None:
        names = self.zip.namelist()
        root = self._root(names)
        if root is None:
            return
        self._users(root + "users.json")
        channels = self._channels(root + "channels.json")
        days: dict[str, list[zipfile.ZipInfo]] = {name: [] for name in channels}
        for info in self.zip.infolist():
            if not info.filename.startswith(root):
                continue
            parts = info.filename[len(root) :].split("/")
            if len(parts) == 2 and parts[0] in days and DAY_FILE.fullmatch(parts[1]):
                days[parts[0]].append(info)
        self.context.report.total = sum(i.file_size for infos in days.values() for i in infos)
        for name in sorted(days):
            state = _Channel()
            for info in sorted(days[name], key=lambda i: i.filename):
                self._day(info, state)
            self._flush_waiting(state)

    def _root(self, names: list[str]) -> str | None:
        """The folder holding users.json (exports are sometimes zipped inside a folder)."""
        candidates = sorted(
            (n for n in names if posixpath.basename(n) == "users.json"), key=lambda n: n.count("/")
        )
        if not candidates:
            self.problems.add(
                "file",
                "has no users.json; expected a Slack workspace export (ZIP) as Slack makes it",
            )
            return None
        root = posixpath.dirname(candidates[0])
        return root + "/" if root else ""

    def _json(self, name: str, hook: Any) -> Any:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            self.problems.add(name, "is missing; expected it in a Slack workspace export")
            return None
        if info.file_size > MAX_JSON:
            self.problems.add(name, "is too large for a Slack export file")
            return None
        try:
            with self.zip.open(info) as stream:
                return json.load(stream, object_hook=hook)
        except json.JSONDecodeError as exc:
            self.problems.add(name, f"is not valid JSON (line {exc.lineno}, column {exc.colno})")
        except UnicodeDecodeError:
            self.problems.add(name, "is not UTF-8 text")
        except (zipfile.BadZipFile, OSError, EOFError):
            self.problems.add(name, "cannot be read from the ZIP file; it may be damaged")
        except RuntimeError:  # zipfile: "File … is encrypted, password required"
            self.problems.add(name, "is encrypted; export the workspace again without a password")
        except NotImplementedError:  # zipfile: an unsupported compression method
            self.problems.add(
                name, "uses a compression method Kith cannot read; re-create the ZIP (deflate)"
            )
        return None

    def _users(self, name: str) -> None:
        users = self._json(name, _strip_user)
        if users is None:
            return
        if not isinstance(users, list):
            self.problems.add(name, "is not a list of users")
            return
        for i, user in enumerate(users, start=1):
            if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
                self.problems.add(f"{name}, user {i}", "has no id")
                continue
            if user.get("is_bot") is True:
                self.bots.add(user["id"])
                continue
            profile = user.get("profile")
            email = profile.get("email") if isinstance(profile, dict) else None
            if isinstance(email, str) and not address_problem(email.strip().lower()):
                self.members[user["id"]] = self.context.people.member(email.strip().lower())

    def _channels(self, name: str) -> list[str]:
        channels = self._json(name, lambda obj: {k: obj[k] for k in ("id", "name") if k in obj})
        if channels is None:
            return []
        if not isinstance(channels, list):
            self.problems.add(name, "is not a list of channels")
            return []
        names = []
        for i, channel in enumerate(channels, start=1):
            if not isinstance(channel, dict) or not isinstance(channel.get("name"), str):
                self.problems.add(f"{name}, channel {i}", "has no name")
                continue
            names.append(channel["name"])
        return names

    def _member(self, user: str) -> Member:
        return self.members.get(user) or self.context.people.unknown_key("slack:" + user)

    def _day(self, info: zipfile.ZipInfo, state: _Channel) -> None:
        messages = self._json(info.filename, _strip_message)
        self.done += info.file_size
        self.context.report(self.done)
        if messages is None:
            return
        if not isinstance(messages, list):
            self.problems.add(info.filename, "is not a list of messages")
            return
        for i, message in enumerate(messages, start=1):
            self.context.reducer.events += 1
            self._message(message, f"{info.filename}, message {i}", state)

    def _message(self, message: Any, place: str, state: _Channel) -> None:
        if not isinstance(message, dict):
            self.problems.add(place, "is not a message object")
            return
        instant = _instant(message.get("ts"))
        if instant is None:
            self.problems.add(place, "has no valid ts (the message's time, Unix seconds)")
            return
        thread = message.get("thread_ts")
        if thread is not None and _instant(thread) is None:
            self.problems.add(place, "has a thread_ts that is not a valid Slack timestamp")
            return
        author = message.get("user")
        subtype = message.get("subtype") or ""
        if not isinstance(author, str) or author in self.bots or subtype not in PEOPLE_SUBTYPES:
            return
        mentions = [u for u in message.get(_MENTIONS, []) if u not in self.bots]
        ts = str(message["ts"])
        if thread is None or str(thread) == ts:
            if thread is not None:
                state.starters[ts] = author
            self._emit(instant, author, None, mentions)
            return
        starter = message.get("parent_user_id")
        if not isinstance(starter, str):
            starter = state.starters.get(str(thread))
        if starter is None:  # the thread began in an earlier file of this channel, or never
            state.waiting.append((instant, author, str(thread), mentions))
            return
        self._emit(instant, author, starter, mentions)

    def _flush_waiting(self, state: _Channel) -> None:
        for instant, author, thread, mentions in state.waiting:
            self._emit(instant, author, state.starters.get(thread), mentions)

    def _emit(self, instant: int, author: str, starter: str | None, mentions: list[str]) -> None:
        others = ([starter] if starter and starter not in self.bots else []) + mentions
        others = [user for user in dict.fromkeys(others) if user != author]
        if not others or self.problems:
            return
        members = [self._member(author), *(self._member(user) for user in others)]
        self.context.builder.add(instant, CHAT, 0, members, True)


def _instant(value: Any) -> int | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    try:
        seconds = int(float(value))
    except (ValueError, OverflowError):
        return None
    return seconds if 0 <= seconds < LAST_INSTANT else None


def read_slack(stream: BinaryIO, context: Context) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError):
        context.problems.add("file", "is not a ZIP file; expected a Slack workspace export")
        return
    with archive:
        SlackReader(archive, context).read()
