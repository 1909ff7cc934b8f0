"""What Slack sends Kith: events, interactions (button presses), slash commands.

Every request is verified with the signing secret before it is read. Nothing a person wrote is
stored or logged: only ids and the kind of request. A button carries a Kith action id and
value, which go to `kith.notify.channels.handle_action` — the feature's own service records
the answer, exactly as on the page."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.signals import request_finished
from django.utils.translation import gettext as _
from slack_sdk.signature import SignatureVerifier

from kith.celebrate.services import kudos_give
from kith.directory.models import Person
from kith.notify import channels
from kith.notify.channels import ActionRefused, ChatFailed
from kith.slack import blocks, client, home, selectors
from kith.slack.client import SlackError
from kith.slack.services import person_for_slack_user_looked_up

log = logging.getLogger(__name__)

# Answers only the person who gave them should see (a group DM does not learn who paused).
PRIVATE_ACTIONS = frozenset({"connect.pause"})
ANSWERED_BLOCK = "kith_answered_"  # + the Slack user id: one "answered" line per person
MAX_BLOCKS = 50  # Slack's limit of blocks per message


def is_signed(body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over the raw body, with a timestamp at most five minutes old, made
    with the secret of the workspace the body names: a workspace installed with its own app
    (and secret) cannot sign requests that claim to come from another workspace."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature:
        return False
    team = team_of(body)
    # A body naming no workspace (Slack's url_verification) can act as nobody: any of Kith's
    # secrets may sign it.
    secrets = [selectors.signing_secret_for_team(team)] if team else selectors.all_secrets()
    return any(
        SignatureVerifier(secret).is_valid(body=body, timestamp=timestamp, signature=signature)
        for secret in secrets
        if secret
    )


def team_of(body: bytes) -> str:
    """The workspace a request says it comes from: `team_id` (events, slash commands) or
    `team.id` inside an interaction's `payload`. Read before the signature is checked, only
    to choose which secret must have signed it."""
    from urllib.parse import parse_qs

    text = body.decode("utf-8", "replace")
    data: Any = None
    try:
        data = json.loads(text)
    except ValueError:
        form = parse_qs(text)
        if "payload" in form:
            try:
                data = json.loads(form["payload"][0])
            except ValueError:
                return ""
        else:
            return str((form.get("team_id") or [""])[0])
    if not isinstance(data, dict):
        return ""
    team = data.get("team")
    found = data.get("team_id") or (team.get("id") if isinstance(team, dict) else "")
    return str(found or "")


# --- After the response --------------------------------------------------------------------------
# Slack wants an interaction answered within three seconds. The answer itself is recorded
# before the 200 (handle_action runs in the request); what Slack only shows — the "who
# answered" line and the private confirmation, two Web API calls of up to 10 s each — runs
# after the response has been sent: Django sends `request_finished` when the server closes
# the response, after writing it. The work waits in memory, per thread (a server handles
# one request at a time per thread), never in a table: the message's blocks it carries are
# Kith's own message, and are not kept.

_after_response = threading.local()


def _later(work: Callable[[], None]) -> None:
    pending: list[Callable[[], None]] | None = getattr(_after_response, "work", None)
    if pending is None:
        pending = _after_response.work = []
    pending.append(work)


def run_after_response(**_kwargs: Any) -> None:
    """Run (and forget) the Slack calls this thread's request left for after its response."""
    pending: list[Callable[[], None]] = getattr(_after_response, "work", None) or []
    _after_response.work = []
    for work in pending:
        try:
            work()
        except Exception:  # one failed reply must not stop the others
            log.exception("slack reply after the response failed")


request_finished.connect(run_after_response, dispatch_uid="kith.slack.inbound.after_response")


def _say_privately(token: str, team_id: str, channel: str, user_id: str, text: str) -> None:
    if not channel:
        return
    try:
        client.call(
            client.web_client(token), "chat.postEphemeral", channel=channel, user=user_id, text=text
        )
    except (SlackError, ChatFailed):
        log.warning("slack ephemeral reply failed team=%s", team_id)


# --- Interactions --------------------------------------------------------------------------------


def handle_interaction(payload: Mapping[str, Any]) -> None:
    """Record the answers of a button press now; tell Slack what to show after the response."""
    kind = str(payload.get("type") or "")
    team_id = str((payload.get("team") or {}).get("id") or "")
    log.info("slack interaction %s team=%s", kind, team_id)
    if kind != "block_actions":
        return
    workspace = selectors.workspace_for_team(team_id)
    token = str(workspace.bot_token) if workspace is not None else ""
    user_id = str((payload.get("user") or {}).get("id") or "")
    channel = str((payload.get("channel") or {}).get("id") or "")
    message = payload.get("message") or {}

    def say(text: str) -> None:
        if token:
            _later(functools.partial(_say_privately, token, team_id, channel, user_id, text))

    for action in payload.get("actions") or []:
        action_id = blocks.kith_action_of(str(action.get("action_id") or ""))
        if action_id is None:  # "Open in Kith" and other links: nothing to do
            continue
        person = selectors.person_for_slack_user(team_id, user_id)
        if person is None:
            say(selectors.link_your_account_text())
            return
        try:
            reply = channels.handle_action(person, action_id, str(action.get("value") or ""))
        except ActionRefused as exc:
            say(blocks.escape(str(exc)))
            continue
        log.info("slack action %s person=%s", action_id, person.pk)
        if token and action_id not in PRIVATE_ACTIONS and message.get("ts") and channel:
            # That they answered, not what: whether someone met is theirs to tell (and the
            # handler's reply, which may say more, goes to them alone).
            updated = answered_blocks(
                message.get("blocks") or [], user_id, f"{person.display_name} answered ✓"
            )
            ts = str(message["ts"])
            _later(functools.partial(_show_answer, token, team_id, channel, ts, updated))
        if reply:
            say(blocks.escape(reply))


def answered_blocks(original: Sequence[Any], user_id: str, line: str) -> list[dict[str, Any]]:
    """The message as Slack sent it back, with this person's "answered" line: replaced when
    they answered before (a second press, a changed answer), else added at the end. The
    blocks are used only to build this update, never kept."""
    block_id = f"{ANSWERED_BLOCK}{user_id}"[:255]
    kept = [b for b in original if isinstance(b, dict) and b.get("block_id") != block_id]
    context = {
        "type": "context",
        "block_id": block_id,
        "elements": [{"type": "mrkdwn", "text": blocks.escape(line)[: blocks.SECTION_LIMIT]}],
    }
    return [*kept[: MAX_BLOCKS - 1], context]


def _show_answer(
    token: str, team_id: str, channel: str, ts: str, updated: list[dict[str, Any]]
) -> None:
    """Update the message in place (chat.update): its text is not read or kept."""
    try:
        client.call(
            client.web_client(token),
            "chat.update",
            channel=channel,
            ts=ts,
            text=str(updated[-1]["elements"][0]["text"]),
            blocks=updated,
        )
    except (SlackError, ChatFailed):
        log.warning("slack chat.update failed team=%s channel=%s", team_id, channel)


# --- Events --------------------------------------------------------------------------------------


def handle_event(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The response body (the url_verification challenge), or None for an empty 200."""
    kind = str(payload.get("type") or "")
    if kind == "url_verification":
        return {"challenge": str(payload.get("challenge") or "")}
    if kind != "event_callback":
        return None
    team_id = str(payload.get("team_id") or "")
    event = payload.get("event") or {}
    event_type = str(event.get("type") or "")
    log.info("slack event %s team=%s", event_type, team_id)
    if event_type == "app_home_opened" and event.get("tab", "home") == "home":
        publish_home(team_id, str(event.get("user") or ""))
    return None


def publish_home(team_id: str, user_id: str) -> None:
    workspace = selectors.workspace_for_team(team_id)
    if workspace is None or not user_id:
        return
    person = selectors.person_for_slack_user(team_id, user_id)
    try:
        client.call(
            client.web_client(workspace.bot_token),
            "views.publish",
            user_id=user_id,
            view=home.home_view(person),
        )
    except (SlackError, ChatFailed):
        log.warning("slack views.publish failed team=%s", team_id)


# --- Slash commands ------------------------------------------------------------------------------

# <@U123|name> or <@U123> (with the command's "Escape channels, users, and links" on).
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
LEADING_MENTIONS = re.compile(r"^\s*((?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,]*)+)(.*)$", re.DOTALL)


def _ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}


def help_text() -> str:
    return "\n".join(
        [
            _("*Kith in Slack*"),
            "• "
            + _("`/kudos @colleague what they did` thanks a colleague (as on %(link)s).")
            % {"link": blocks.link(selectors.kith_url("celebrate:home"), _("Celebrate"))},
            "• "
            + _(
                "Intros and reminders arrive here when you choose Slack on %(link)s; "
                "answer with the buttons."
            )
            % {
                "link": blocks.link(selectors.kith_url("guidelines:boundaries"), _("My boundaries"))
            },
            "• " + _("The Home tab lists your intros and your upcoming events."),
            f"• {blocks.link(selectors.kith_url('connect:home'), 'Connect')} · "
            f"{blocks.link(selectors.kith_url('events:home'), _('Events'))} · "
            f"{blocks.link(selectors.kith_url('home'), 'Kith')}",
        ]
    )


def handle_command(form: Mapping[str, str]) -> dict[str, Any]:
    command = str(form.get("command") or "")
    team_id = str(form.get("team_id") or "")
    log.info("slack command %s team=%s", command, team_id)
    if command == "/kudos":
        return _kudos(team_id, str(form.get("user_id") or ""), str(form.get("text") or ""))
    return _ephemeral(help_text())


def _kudos(team_id: str, user_id: str, text: str) -> dict[str, Any]:
    usage = _("Write `/kudos @colleague what they did and why it mattered`.")
    found = LEADING_MENTIONS.match(text)
    if found is None:
        return _ephemeral(_("Name the colleague to thank first.") + " " + usage)
    sender = person_for_slack_user_looked_up(team_id, user_id)
    if sender is None:
        return _ephemeral(selectors.link_your_account_text())
    recipients: list[Person] = []
    for slack_id in MENTION.findall(found.group(1)):
        person = person_for_slack_user_looked_up(team_id, slack_id)
        if person is None:
            return _ephemeral(
                _("%(who)s is not in Kith's directory, so Kith cannot thank them.")
                % {"who": f"<@{slack_id}>"}
            )
        recipients.append(person)
    login = selectors.viewer_for_person(sender).user
    try:
        kudos = kudos_give(
            sender=sender,
            recipients=recipients,
            message=found.group(2).strip(),
            actor=login if login.is_authenticated else None,
        )
    except ValidationError as exc:
        return _ephemeral(blocks.escape(" ".join(exc.messages)))
    names = ", ".join(blocks.escape(p.display_name) for p in recipients)
    link = blocks.link(selectors.kith_url("celebrate:kudos", kudos.pk), _("See it in Kith"))
    return _ephemeral(_("Kudos sent to %(names)s. %(link)s") % {"names": names, "link": link})


def parse_interaction(body: Mapping[str, str]) -> dict[str, Any] | None:
    try:
        payload = json.loads(body.get("payload") or "")
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
