"""A fake Slack Web API: a real HTTP server on 127.0.0.1 speaking the documented request and
response shapes of the methods Kith calls, recording every call.

Requests arrive as slack-sdk's WebClient sends them: always POST to /api/<method>, the
arguments form-encoded or as JSON, the bot token as `Authorization: Bearer …` (oauth.v2.access:
HTTP basic with the client id and secret). Answers follow https://docs.slack.dev/reference/methods.
No Slack emulator exists (docs: ../shared/reference/integrations.md), hence this one.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TEAM_ID = "T0KITH001"
TEAM_NAME = "Kith Test Workspace"
BOT_TOKEN = "xoxb-fake-kith-bot-token"
BOT_USER_ID = "U0KITHBOT"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
OAUTH_CODE = "fake-oauth-code"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str


@dataclass
class Conversation:
    id: str
    members: set[str]
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    name: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {BOT_TOKEN: TEAM_ID}
        self.conversations: dict[str, Conversation] = {}
        self.failures: dict[str, list[tuple[str, int]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- Set-up ------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}/api/"

    def add_user(
        self, user_id: str, email: str, name: str = "", *, team_id: str = TEAM_ID
    ) -> dict[str, Any]:
        real_name = name or email.split("@")[0]
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": real_name.lower().replace(" ", "."),
            "deleted": False,
            "real_name": real_name,
            "tz": "Europe/Lisbon",
            "is_bot": False,
            "profile": {"email": email, "real_name": real_name, "display_name": real_name},
        }
        self.users[user_id] = user
        return user

    def fail(self, method: str, error: str, *, status: int = 200) -> None:
        """The next call of `method` answers `{"ok": false, "error": error}` with `status`."""
        self.failures.setdefault(method, []).append((error, status))

    # --- Reading what happened -------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def mentioning(self, user_id: str) -> list[Call]:
        """Every call whose arguments name this Slack user anywhere."""
        return [c for c in self.calls if user_id in json.dumps(c.args)]

    # --- The methods ----------------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def answer(self, method: str, args: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append(Call(method, args, token))
            if self.failures.get(method):
                error, status = self.failures[method].pop(0)
                return status, {"ok": False, "error": error}
            if method == "oauth.v2.access":
                return 200, self._oauth(args, token)
            if not token:
                return 200, {"ok": False, "error": "not_authed"}
            team = self.tokens.get(token)
            if team is None:
                return 200, {"ok": False, "error": "invalid_auth"}
            handler = getattr(self, "m_" + method.replace(".", "_"), None)
            if handler is None:
                return 200, {"ok": False, "error": "unknown_method"}
            return 200, handler(args, team)

    def m_auth_test(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://kith-test.slack.com/",
            "team": TEAM_NAME,
            "user": "kith",
            "team_id": team,
            "user_id": BOT_USER_ID,
            "bot_id": "B0KITHBOT",
            "is_enterprise_install": False,
        }

    def m_users_lookupByEmail(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        for user in self.users.values():
            if user["profile"]["email"].lower() == email and user["team_id"] == team:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def m_users_info(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _users(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(v) for v in value]
        return [v for v in str(value or "").split(",") if v]

    def m_conversations_open(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        if args.get("channel"):
            conv = self.conversations.get(str(args["channel"]))
            if conv is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": conv.id}}
        users = self._users(args.get("users"))
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        members = {*users, BOT_USER_ID}
        for conv in self.conversations.values():
            if (conv.is_im or conv.is_mpim) and conv.members == members:
                return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": conv.id}}
        is_im = len(users) == 1
        conv = Conversation(
            self.next_id("D" if is_im else "G"), members, is_im=is_im, is_mpim=not is_im
        )
        self.conversations[conv.id] = conv
        return {"ok": True, "channel": {"id": conv.id}}

    def m_conversations_create(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        name = str(args.get("name", ""))
        if not name or name != name.lower() or len(name) > 80 or " " in name:
            return {"ok": False, "error": "invalid_name_specials"}
        if any(c.name == name for c in self.conversations.values()):
            return {"ok": False, "error": "name_taken"}
        private = str(args.get("is_private", "")).lower() in ("true", "1")
        conv = Conversation(self.next_id("C"), {BOT_USER_ID}, is_private=private, name=name)
        self.conversations[conv.id] = conv
        return {"ok": True, "channel": {"id": conv.id, "name": name, "is_private": private}}

    def m_conversations_invite(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        conv = self.conversations.get(str(args.get("channel", "")))
        if conv is None:
            return {"ok": False, "error": "channel_not_found"}
        if conv.is_archived:
            return {"ok": False, "error": "is_archived"}
        users = self._users(args.get("users"))
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        if conv.members & set(users):  # without `force`, nobody is invited then
            return {"ok": False, "error": "already_in_channel"}
        conv.members |= set(users)
        return {"ok": True, "channel": {"id": conv.id, "is_private": conv.is_private}}

    def m_chat_postMessage(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        conv = self.conversations.get(str(args.get("channel", "")))
        if conv is None:
            return {"ok": False, "error": "channel_not_found"}
        if conv.is_archived:
            return {"ok": False, "error": "is_archived"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = f"17000000{next(self._ids):02d}.000100"
        message = {"type": "message", "user": BOT_USER_ID, "ts": ts, "text": args.get("text", "")}
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        conv.messages.append(message)
        return {"ok": True, "channel": conv.id, "ts": ts, "message": message}

    def m_chat_update(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if channel not in self.conversations:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel, "ts": ts, "text": args.get("text", "")}

    def m_chat_postEphemeral(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        if str(args.get("channel", "")) not in self.conversations and not str(
            args.get("channel", "")
        ).startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": f"17000001{next(self._ids):02d}.000200"}

    def m_views_publish(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        if str(args.get("user_id", "")) not in self.users:
            return {"ok": False, "error": "user_not_found"}
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {"id": self.next_id("V"), "team_id": team, **view}}

    def _oauth(self, args: dict[str, Any], basic: str) -> dict[str, Any]:
        client_id, _, secret = basic.partition(":")
        client_id = client_id or str(args.get("client_id", ""))
        secret = secret or str(args.get("client_secret", ""))
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return {"ok": False, "error": "invalid_client_id"}
        if args.get("code") != OAUTH_CODE:
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "access_token": BOT_TOKEN,
            "token_type": "bot",
            "scope": "chat:write,im:write,mpim:write,users:read,users:read.email,commands",
            "bot_user_id": BOT_USER_ID,
            "app_id": "A0KITHAPP",
            "team": {"name": TEAM_NAME, "id": TEAM_ID},
            "enterprise": None,
            "authed_user": {"id": "U0INSTALLER"},
            "is_enterprise_install": False,
        }


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            if not parts.path.startswith("/api/"):
                self._send(404, {"ok": False, "error": "unknown_method"})
                return
            method = parts.path[len("/api/") :]
            args: dict[str, Any] = dict(parse_qsl(parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if raw and kind == "application/json":
                args.update(json.loads(raw))
            elif raw:
                args.update(parse_qsl(raw.decode()))
            for key in ("blocks", "view"):  # form-encoded JSON arguments
                if isinstance(args.get(key), str) and args[key].startswith(("[", "{")):
                    args[key] = json.loads(args[key])
            status, body = fake.answer(method, args, self._credentials())
            self._send(status, body)

        def _credentials(self) -> str:
            auth = self.headers.get("Authorization") or ""
            if auth.startswith("Bearer "):
                return auth[len("Bearer ") :]
            if auth.startswith("Basic "):
                return base64.b64decode(auth[len("Basic ") :]).decode()
            return ""

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
