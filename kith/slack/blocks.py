"""Block Kit for Kith's messages and App Home. Text is escaped for mrkdwn (&, <, >) so a name
or a subject can never become a mention, a link or a broadcast."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kith.notify.channels import ChatAction, ChatMessage

ACTION_PREFIX = "kith:"
OPEN_ACTION = (
    "kith.open"  # the "Open in Kith" link button: Slack reports the click, Kith ignores it
)
SECTION_LIMIT = 3000  # characters in a section's text
BUTTON_LABEL_LIMIT = 75
MAX_BUTTONS = 25  # per actions block

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: only &, < and > (https://docs.slack.dev/messaging/formatting-message-text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_id_for(action: ChatAction, index: int) -> str:
    """Slack wants action ids unique within a block, and Connect's three answers share one
    Kith action ("connect.follow_up"): the button's index follows a "#"."""
    return f"{ACTION_PREFIX}{action.action_id}#{index}"


def kith_action_of(slack_action_id: str) -> str | None:
    """The Kith action id a button carries, or None for buttons that are not Kith actions."""
    if not slack_action_id.startswith(ACTION_PREFIX):
        return None
    return slack_action_id[len(ACTION_PREFIX) :].split("#", 1)[0] or None


def _button(text: str, *, action_id: str, value: str = "", url: str = "", style: str = "") -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(text, BUTTON_LABEL_LIMIT), "emoji": True},
        "action_id": action_id,
    }
    if value:
        button["value"] = value
    if url:
        button["url"] = url
    if style in ("primary", "danger"):
        button["style"] = style
    return button


def message_blocks(message: ChatMessage) -> list[Block]:
    text = f"*{escape(message.subject)}*"
    if message.body.strip():
        text += "\n\n" + escape(message.body.strip())
    section: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _clip(text, SECTION_LIMIT)},
    }
    if message.url:
        section["accessory"] = _button(_("Open in Kith"), action_id=OPEN_ACTION, url=message.url)
    blocks = [section]
    if message.actions:
        blocks.append(
            {
                "type": "actions",
                "block_id": "kith_actions",
                "elements": [
                    _button(a.label, action_id=action_id_for(a, i), value=a.value, style=a.style)
                    for i, a in enumerate(message.actions[:MAX_BUTTONS])
                ],
            }
        )
    return blocks


def text_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_LIMIT)}}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150)}}


def context_line(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, SECTION_LIMIT)}]}


def link(url: str, label: str) -> str:
    """A mrkdwn link; the label is escaped, the URL has its |, < and > encoded."""
    safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{safe}|{escape(label)}>"
