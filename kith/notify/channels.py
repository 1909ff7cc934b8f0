"""Chat delivery: how a message reaches a person in their chat tool (Slack, Matrix), and how
their answers there come back, without notify or the features importing the chat apps.

Three registries, filled in `AppConfig.ready()`:

- **Providers** (`register_provider`): a chat app (kith.slack, kith.matrix) implements
  `ChatProvider`. Notify decides per notification whether it goes by chat (the person's
  preferred channel names a configured provider), and the delivery code in
  `kith.notify.services` calls `send` when the message is due: inside working hours, outside
  quiet periods, exactly like email.
- **Group renderers** (`register_group_renderer`): a feature that sends one notification per
  member of a group (Connect's intros: `group="connect.match:<id>"`) says how the group's one
  shared chat message reads. Notify then delivers the members who chose that provider in one
  conversation (a Slack group DM, a Matrix room) instead of one direct message each.
- **Actions** (`register_action`): buttons or replies in a chat message ("We met", "Pause me")
  come back as `handle_action(person, action_id, value)`, which runs the feature's own service,
  so an answer given in chat is recorded exactly as one given on the page.

Nothing the person writes in chat is stored: providers read an action's id and value, never a
message's text, and no provider keeps the messages it posted (only the conversation's id, in
`ChatThread`, so a follow-up lands in the same conversation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kith.directory.models import Person


@dataclass(frozen=True)
class ChatAction:
    """A button (Slack) or a numbered reply / reaction (Matrix)."""

    action_id: str  # a registered action, e.g. "connect.follow_up"
    value: str  # what the handler needs, e.g. "<match id>:yes"
    label: str  # "We met"
    style: str = ""  # "primary" or "danger" where the chat tool has styles


@dataclass(frozen=True)
class ChatMessage:
    subject: str
    body: str
    url: str = ""  # absolute (https://kith.example/connect/matches/7/) or empty
    actions: tuple[ChatAction, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        """Plain text for chat tools without layout (and for notifications' previews)."""
        parts = [self.subject, self.body.strip()]
        if self.url:
            parts.append(self.url)
        return "\n\n".join(p for p in parts if p)


class Unreachable(Exception):
    """This person has no account on the provider (or it cannot be found): notify falls back
    to email for them."""


class ChatFailed(Exception):
    """A temporary failure (network, rate limit, server error): notify retries later."""


class ChatProvider(Protocol):
    name: str  # "slack", "matrix": the value of ContactPreference.preferred_channel
    label: str  # "Slack"

    def is_configured(self) -> bool:
        """Credentials are set: people may choose this channel."""
        ...

    def address_of(self, person: Person) -> str:
        """The person's id on the provider (looked up and remembered in ChatIdentity).
        Raises Unreachable when they have none, ChatFailed on a temporary failure."""
        ...

    def send(self, addresses: Sequence[str], message: ChatMessage, *, thread: str = "") -> str:
        """Post `message` to one person (one address) or to a group in one conversation.
        `thread` is the conversation id an earlier send to the same group returned: post into
        it. Returns the conversation's id. Raises ChatFailed (retried) or Unreachable."""
        ...


GroupRenderer = Callable[[str, str, Sequence["Person"]], "ChatMessage | None"]
ActionHandler = Callable[["Person", str], str]


class ActionRefused(Exception):
    """The action cannot be taken (not a member, already answered, …); str() is the reason,
    shown to the person."""


_providers: dict[str, ChatProvider] = {}
_renderers: dict[str, GroupRenderer] = {}
_actions: dict[str, ActionHandler] = {}


def register_provider(provider: ChatProvider) -> None:
    _providers[provider.name] = provider


def provider(name: str) -> ChatProvider | None:
    return _providers.get(name)


def providers() -> list[ChatProvider]:
    return list(_providers.values())


def configured_provider(name: str) -> ChatProvider | None:
    found = _providers.get(name)
    return found if found is not None and found.is_configured() else None


def register_group_renderer(prefix: str, render: GroupRenderer) -> None:
    """`render(group_key, kind, people)` → the one message the group's conversation gets for
    notifications of `kind` (None: deliver each member their own message instead). `prefix`
    is the group key's part before the colon ("connect.match" for "connect.match:12")."""
    _renderers[prefix] = render


def render_group(group_key: str, kind: str, people: Sequence[Person]) -> ChatMessage | None:
    render = _renderers.get(group_key.split(":", 1)[0])
    return render(group_key, kind, people) if render is not None else None


def register_action(action_id: str, handler: ActionHandler) -> None:
    """`handler(person, value)` runs the feature's service and returns a short confirmation
    ("Thanks, noted that you met."); raises ActionRefused with the reason otherwise."""
    _actions[action_id] = handler


def handle_action(person: Person, action_id: str, value: str) -> str:
    """The answer (or the refusal's reason) is in the person's language, like the message
    they answered."""
    from django.utils import translation
    from django.utils.translation import gettext

    from kith.accounts.selectors import languages_for_emails

    email = (person.email or "").lower()
    with translation.override(languages_for_emails([email]).get(email)):
        handler = _actions.get(action_id)
        if handler is None:
            raise ActionRefused(gettext("This button is no longer in use."))
        return handler(person, value)
