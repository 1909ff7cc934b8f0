"""The Slack provider against the fake Web API: finding people by email, direct messages,
group DMs, private channels past eight people, Block Kit, and what errors mean."""

from __future__ import annotations

import pytest

from kith.directory.tests.factories import PersonFactory
from kith.notify import channels
from kith.notify.channels import ChatAction, ChatFailed, ChatMessage, Unreachable
from kith.notify.models import ChatIdentity, ChatThread
from kith.slack.blocks import kith_action_of
from kith.slack.provider import SlackProvider
from kith.slack.tests.fake_slack import TEAM_ID

pytestmark = pytest.mark.django_db

MESSAGE = ChatMessage(
    subject="Meet Ana & Bo <this week>",
    body="You two were matched.",
    url="https://kith.example/connect/matches/7/",
    actions=(
        ChatAction("connect.follow_up", "7:yes", "We met", "primary"),
        ChatAction("connect.follow_up", "7:not_yet", "Not yet"),
        ChatAction("connect.follow_up", "7:no", "Couldn't", "danger"),
        ChatAction("connect.pause", "3", "Pause me"),
    ),
)


def people(fake, count):
    found = []
    for i in range(count):
        person = PersonFactory(email=f"p{i}@example.com")
        fake.add_user(f"U{i:07d}", person.email, person.full_name)
        found.append(person)
    return found


def test_registered_and_configured_only_with_a_workspace(fake_slack):
    provider = channels.provider("slack")
    assert isinstance(provider, SlackProvider)
    assert not provider.is_configured()
    assert channels.configured_provider("slack") is None


def test_address_found_by_email_and_remembered(workspace, fake_slack):
    (person,) = people(fake_slack, 1)
    provider = SlackProvider()
    assert provider.is_configured()
    assert provider.address_of(person) == f"{TEAM_ID}:U0000000"
    assert ChatIdentity.objects.get(person=person, provider="slack").external_id == (
        f"{TEAM_ID}:U0000000"
    )
    provider.address_of(person)
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 1  # remembered, not asked again


def test_no_slack_account_is_unreachable(workspace, fake_slack):
    person = PersonFactory(email="nobody@example.com")
    with pytest.raises(Unreachable):
        SlackProvider().address_of(person)
    assert not ChatIdentity.objects.filter(person=person).exists()


def test_one_person_gets_a_direct_message_with_buttons(workspace, fake_slack):
    (person,) = people(fake_slack, 1)
    provider = SlackProvider()
    channel = provider.send([provider.address_of(person)], MESSAGE)
    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.args["users"] == "U0000000"
    (posted,) = fake_slack.calls_to("chat.postMessage")
    assert posted.args["channel"] == channel and channel.startswith("D")
    section, actions = posted.args["blocks"]
    assert section["text"]["text"].startswith("*Meet Ana &amp; Bo &lt;this week&gt;*")
    assert section["accessory"]["url"] == MESSAGE.url
    assert section["accessory"]["text"]["text"] == "Open in Kith"
    buttons = actions["elements"]
    assert [b["text"]["text"] for b in buttons] == ["We met", "Not yet", "Couldn't", "Pause me"]
    assert [b["value"] for b in buttons] == ["7:yes", "7:not_yet", "7:no", "3"]
    assert [b.get("style") for b in buttons] == ["primary", None, "danger", None]
    assert len({b["action_id"] for b in buttons}) == 4  # unique within the block
    assert [kith_action_of(b["action_id"]) for b in buttons] == [
        "connect.follow_up",
        "connect.follow_up",
        "connect.follow_up",
        "connect.pause",
    ]


def test_two_to_eight_people_share_one_group_dm(workspace, fake_slack):
    group = people(fake_slack, 8)
    provider = SlackProvider()
    addresses = [provider.address_of(p) for p in group]
    channel = provider.send(addresses, MESSAGE)
    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.args["users"].split(",") == [f"U{i:07d}" for i in range(8)]
    assert channel.startswith("G")
    assert not fake_slack.calls_to("conversations.create")


def test_more_than_eight_people_get_a_private_channel(workspace, fake_slack):
    group = people(fake_slack, 9)
    provider = SlackProvider()
    channel = provider.send([provider.address_of(p) for p in group], MESSAGE)
    assert not fake_slack.calls_to("conversations.open")
    (created,) = fake_slack.calls_to("conversations.create")
    assert created.args["is_private"] in (True, "true", "True", "1")
    (invited,) = fake_slack.calls_to("conversations.invite")
    assert invited.args["channel"] == channel
    assert invited.args["users"].split(",") == [f"U{i:07d}" for i in range(9)]
    assert fake_slack.conversations[channel].members >= {f"U{i:07d}" for i in range(9)}


def test_a_retry_reuses_the_private_channel_it_created(workspace, fake_slack):
    """The invite (or the post) fails after conversations.create: notify retries, and the retry
    invites into the channel already made instead of leaving an empty one behind each time."""
    group = people(fake_slack, 9)
    users = {f"U{i:07d}" for i in range(9)}
    provider = SlackProvider()
    addresses = [provider.address_of(p) for p in group]
    fake_slack.fail("conversations.invite", "ratelimited", status=429)
    with pytest.raises(ChatFailed):
        provider.send(addresses, MESSAGE)
    fake_slack.fail("chat.postMessage", "internal_error")
    with pytest.raises(ChatFailed):  # invited this time; the post fails
        provider.send(addresses, MESSAGE)
    channel = provider.send(addresses, MESSAGE)  # everyone already in: no error
    assert len(fake_slack.calls_to("conversations.create")) == 1
    assert {c.args["channel"] for c in fake_slack.calls_to("conversations.invite")} == {channel}
    assert fake_slack.conversations[channel].members >= users
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == [channel] * 2
    assert len(fake_slack.conversations[channel].messages) == 1
    assert [
        c.conversation_id for c in ChatThread.objects.filter(group_key__startswith="slack.channel:")
    ] == [channel]

    # Archived since: forgotten, and a new channel made.
    fake_slack.conversations[channel].is_archived = True
    again = provider.send(addresses, MESSAGE)
    assert again != channel and len(fake_slack.calls_to("conversations.create")) == 2
    assert fake_slack.conversations[again].members >= users
    assert ChatThread.objects.get(group_key__startswith="slack.channel:").conversation_id == again


def test_a_thread_posts_into_the_same_conversation(workspace, fake_slack):
    group = people(fake_slack, 2)
    provider = SlackProvider()
    addresses = [provider.address_of(p) for p in group]
    first = provider.send(addresses, MESSAGE)
    again = provider.send(addresses, MESSAGE, thread=first)
    assert again == first
    assert len(fake_slack.calls_to("conversations.open")) == 1
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == [first, first]


@pytest.mark.parametrize(
    ("error", "status"), [("ratelimited", 429), ("fatal_error", 500), ("internal_error", 200)]
)
def test_temporary_errors_are_retried_later(workspace, fake_slack, error, status):
    (person,) = people(fake_slack, 1)
    provider = SlackProvider()
    address = provider.address_of(person)
    fake_slack.fail("chat.postMessage", error, status=status)
    with pytest.raises(ChatFailed):
        provider.send([address], MESSAGE)


@pytest.mark.parametrize("error", ["channel_not_found", "user_not_found"])
def test_missing_people_or_conversations_are_unreachable(workspace, fake_slack, error):
    (person,) = people(fake_slack, 1)
    provider = SlackProvider()
    address = provider.address_of(person)
    fake_slack.fail("conversations.open", error)
    with pytest.raises(Unreachable):
        provider.send([address], MESSAGE)


def test_slack_down_is_a_temporary_failure(workspace, fake_slack, settings):
    (person,) = people(fake_slack, 1)
    provider = SlackProvider()
    address = provider.address_of(person)
    settings.KITH_SLACK_API_URL = "http://127.0.0.1:9/api/"  # nothing listens there
    with pytest.raises(ChatFailed):
        provider.send([address], MESSAGE)
