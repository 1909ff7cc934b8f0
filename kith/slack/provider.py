"""Kith's chat provider for Slack (kith.notify.channels.ChatProvider).

A person is found by their work email (`users.lookupByEmail`) and remembered in ChatIdentity
as "T…:U…". One person gets a direct message; two to eight people a group DM
(`conversations.open` takes at most eight users); more a private channel. Only the
conversation's id comes back (notify keeps it in ChatThread): no message is kept.

A private channel is remembered as soon as it is created (a ChatThread row of this provider,
group key "slack.channel:<digest of the workspace and the members' Slack ids>"), before
anyone is invited: when the invite or the post fails and notify retries, the retry invites
into that channel instead of creating another empty one. Like a group DM for the same people
(`conversations.open`), the same members later get the same channel; an archived or deleted
one is forgotten and replaced."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from kith.directory.models import Person
from kith.notify.channels import ChatFailed, ChatMessage, Unreachable
from kith.notify.models import ChatIdentity, ChatThread
from kith.slack import blocks, client
from kith.slack.client import SlackError
from kith.slack.models import SlackWorkspace
from kith.slack.selectors import PROVIDER, address, split_address, workspace_for_team

log = logging.getLogger(__name__)

GROUP_DM_LIMIT = 8  # conversations.open takes 1–8 users
CHANNEL_KEY = "slack.channel:"  # ChatThread.group_key of a private channel Kith created


class SlackProvider:
    name = PROVIDER
    label = "Slack"

    def is_configured(self) -> bool:
        return SlackWorkspace.objects.exists()

    def address_of(self, person: Person) -> str:
        known = ChatIdentity.objects.filter(person=person, provider=PROVIDER).first()
        if known is not None:
            return known.external_id
        for workspace in SlackWorkspace.objects.all():
            web = client.web_client(workspace.bot_token)
            try:
                found = client.call(web, "users.lookupByEmail", email=person.email)
            except SlackError as exc:
                if exc.code in client.UNREACHABLE_ERRORS:
                    continue
                raise Unreachable(f"Slack users.lookupByEmail: {exc.code}") from exc
            user = found.get("user") or {}
            if user.get("id") and not user.get("deleted") and not user.get("is_bot"):
                return remember(person, address(workspace.team_id, str(user["id"])))
        raise Unreachable("No Slack account has this person's work email.")

    def send(self, addresses: Sequence[str], message: ChatMessage, *, thread: str = "") -> str:
        teams = {split_address(a)[0] for a in addresses}
        if len(teams) > 1:
            # A conversation lives in one workspace: people in several cannot share one.
            raise Unreachable("These people are in different Slack workspaces.")
        workspace = workspace_for_team(next(iter(teams), ""))
        if workspace is None or (not addresses and not thread):
            raise Unreachable("Slack is not connected for these people.")
        web = client.web_client(workspace.bot_token)
        users = [split_address(a)[1] for a in addresses]
        channel = thread or _open(web, workspace.team_id, users)
        client.call_for_delivery(
            web,
            "chat.postMessage",
            channel=channel,
            text=message.text,
            blocks=blocks.message_blocks(message),
            unfurl_links=False,
            unfurl_media=False,
        )
        log.info("slack message posted team=%s channel=%s", workspace.team_id, channel)
        return channel


def _open(web: client.WebClient, team_id: str, users: list[str]) -> str:
    if len(users) <= GROUP_DM_LIMIT:
        opened = client.call_for_delivery(web, "conversations.open", users=users)
        return str((opened.get("channel") or {}).get("id") or "")
    key = channel_key(team_id, users)
    known = ChatThread.objects.filter(provider=PROVIDER, group_key=key).first()
    if known is not None:
        try:
            for user in users:  # one by one: who is already in it is no error
                _invite(web, known.conversation_id, [user])
            return known.conversation_id
        except _ChannelGone:  # archived or deleted since: forget it, make another
            known.delete()
    name = f"kith-{timezone.now():%Y%m%d}-{secrets.token_hex(3)}"
    created = client.call_for_delivery(web, "conversations.create", name=name, is_private=True)
    channel = str((created.get("channel") or {}).get("id") or "")
    ChatThread.objects.update_or_create(
        provider=PROVIDER, group_key=key, defaults={"conversation_id": channel[:255]}
    )
    _invite(web, channel, users)
    return channel


def channel_key(team_id: str, users: Sequence[str]) -> str:
    digest = hashlib.sha256(f"{team_id}:{','.join(sorted(set(users)))}".encode()).hexdigest()
    return f"{CHANNEL_KEY}{digest[:40]}"


class _ChannelGone(Unreachable):
    """The channel was archived or deleted, or the bot is no longer in it."""


CHANNEL_GONE_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})


def _invite(web: client.WebClient, channel: str, users: list[str]) -> None:
    try:
        client.call(web, "conversations.invite", channel=channel, users=users)
    except SlackError as exc:
        if exc.code == "already_in_channel":
            return
        if exc.code in CHANNEL_GONE_ERRORS:
            raise _ChannelGone(f"Slack conversations.invite: {exc.code}") from exc
        if exc.code in client.UNREACHABLE_ERRORS:
            raise Unreachable(f"Slack conversations.invite: {exc.code}") from exc
        raise ChatFailed(f"Slack conversations.invite: {exc.code}") from exc


def remember(person: Person, external_id: str) -> str:
    """Keep the person's Slack id. An id linked to someone else (their email moved to this
    person) moves with the email."""
    with transaction.atomic():
        ChatIdentity.objects.filter(provider=PROVIDER, external_id=external_id).exclude(
            person=person
        ).delete()
        try:
            with transaction.atomic():
                ChatIdentity.objects.update_or_create(
                    person=person, provider=PROVIDER, defaults={"external_id": external_id}
                )
        except IntegrityError:  # linked concurrently: the row there is as good
            pass
    return external_id
