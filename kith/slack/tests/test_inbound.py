"""Slack's requests into Kith: signatures, url_verification, button presses, the App Home and
slash commands — with payloads from Slack's documentation, signed as Slack signs them."""

from __future__ import annotations

import datetime as dt
import io
import json
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from kith.celebrate.models import Kudos
from kith.connect.models import Match, MatchMember, Round
from kith.connect.tests.factories import ProgramFactory
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events.models import Event, Rsvp
from kith.events.tests.builders import make_event
from kith.notify import channels
from kith.notify.channels import ActionRefused
from kith.notify.models import ChatIdentity
from kith.slack.tests.conftest import (
    payload,
    post_command,
    post_event,
    post_interaction,
    signed_headers,
)
from kith.slack.tests.fake_slack import BOT_USER_ID, TEAM_ID

pytestmark = pytest.mark.django_db

ANA = "U0ANA0001"
BO = "U0BO00002"
PLANTED = "Zyxwvutsrq-planted"


@pytest.fixture
def recorded():
    """Test-only Kith actions: one answered in the open, one private, one refused."""
    calls: list[tuple[int, str, str]] = []

    def answer(person, value):
        calls.append((person.pk, "test.answer", value))
        return "Thanks, noted."

    def private(person, value):
        calls.append((person.pk, "connect.pause", value))
        return "Paused."

    def refuse(person, value):
        raise ActionRefused("You already answered.")

    channels.register_action("test.answer", answer)
    channels.register_action("test.refuse", refuse)
    saved = channels._actions.get("connect.pause")
    channels.register_action("connect.pause", private)
    yield calls
    channels._actions.pop("test.answer", None)
    channels._actions.pop("test.refuse", None)
    if saved is None:
        channels._actions.pop("connect.pause", None)
    else:
        channels._actions["connect.pause"] = saved


@pytest.fixture
def ana(workspace, fake_slack, employee):
    fake_slack.add_user(ANA, employee.email, employee.full_name)
    ChatIdentity.objects.create(person=employee, provider="slack", external_id=f"{TEAM_ID}:{ANA}")
    return employee


def group_dm(fake_slack):
    fake_slack.add_user(BO, "bo@example.com", "Bo")
    return fake_slack.m_conversations_open({"users": f"{ANA},{BO}"}, TEAM_ID)["channel"]["id"]


def press(channel, *, action_id, value, label="We met", user=ANA, text="Meet Bo"):
    data = payload("block_actions.json")
    data["team"]["id"] = TEAM_ID
    data["user"] = {"id": user, "username": "ana", "team_id": TEAM_ID}
    data["channel"] = {"id": channel, "name": "mpdm-ana--bo-1"}
    data["container"]["channel_id"] = channel
    data["message"]["text"] = text
    data["message"]["blocks"][0]["text"]["text"] = text
    data["actions"][0].update(
        {"action_id": action_id, "value": value, "text": {"type": "plain_text", "text": label}}
    )
    return data


# --- Signatures ----------------------------------------------------------------------------------


def test_url_verification_answers_the_challenge(client, workspace):
    response = post_event(client, payload("url_verification.json"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_bad_signature_is_refused_and_nothing_recorded(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    data = press(channel, action_id="kith:test.answer#0", value="7:yes")
    response = post_interaction(client, data, secret="not-the-signing-secret")
    assert response.status_code == 401
    assert recorded == []
    assert not fake_slack.calls_to("chat.update")
    for path in ("/integrations/slack/events", "/integrations/slack/commands"):
        assert client.post(path, b"{}", content_type="application/json").status_code == 401


def test_an_old_timestamp_is_refused(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    data = press(channel, action_id="kith:test.answer#0", value="7:yes")
    response = post_interaction(client, data, at=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    assert recorded == []


def test_another_workspaces_secret_cannot_speak_for_this_one(client, ana, fake_slack, recorded):
    """Workspace B, installed with its own app and secret, signs a press claiming to come from
    Ana in workspace A: refused, because A's requests must be signed with A's secret."""
    from kith.slack.models import SlackWorkspace

    SlackWorkspace.objects.create(team_id="T0OTHER01", team_name="B", signing_secret="b-secret")
    channel = group_dm(fake_slack)
    data = press(channel, action_id="kith:test.answer#0", value="7:yes")
    assert post_interaction(client, data, secret="b-secret").status_code == 401
    assert recorded == []
    # Workspace A's own secret (here the app's, from settings) still works.
    assert post_interaction(client, data).status_code == 200
    assert recorded == [(ana.pk, "test.answer", "7:yes")]


def test_a_workspace_with_its_own_secret_needs_that_one(client, ana, fake_slack, recorded):
    from kith.slack.models import SlackWorkspace

    SlackWorkspace.objects.filter(team_id=TEAM_ID).update(signing_secret="")
    row = SlackWorkspace.objects.get(team_id=TEAM_ID)
    row.signing_secret = "a-own-secret"
    row.save()
    data = press(group_dm(fake_slack), action_id="kith:test.answer#0", value="7:yes")
    assert post_interaction(client, data).status_code == 401  # the settings secret no longer
    assert post_interaction(client, data, secret="a-own-secret").status_code == 200


def test_a_timestamp_that_is_not_a_number_is_a_401_not_an_error(client, workspace):
    body = b"{}"
    response = client.post(
        "/integrations/slack/events",
        body,
        content_type="application/json",
        HTTP_X_SLACK_REQUEST_TIMESTAMP="soon",
        HTTP_X_SLACK_SIGNATURE="v0=00",
    )
    assert response.status_code == 401


def test_a_tampered_body_is_refused(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    body = json.dumps(payload("url_verification.json")).encode()
    headers = signed_headers(body)
    response = client.post(
        "/integrations/slack/events",
        body.replace(b"url_verification", b"event_callback"),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 401
    assert channel  # the workspace exists: the refusal is the signature's


def test_the_secret_sealed_in_the_workspace_also_verifies(client, workspace, settings):
    settings.KITH_SLACK_SIGNING_SECRET = ""
    workspace.signing_secret = "a-per-workspace-secret"
    workspace.save()
    response = post_event(client, payload("url_verification.json"), secret="a-per-workspace-secret")
    assert response.status_code == 200
    assert post_event(client, payload("url_verification.json")).status_code == 401


# --- Button presses ----------------------------------------------------------------------------


def test_a_button_runs_the_action_and_shows_who_answered(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    data = press(channel, action_id="kith:test.answer#0", value="7:yes")
    assert post_interaction(client, data).status_code == 200
    assert recorded == [(ana.pk, "test.answer", "7:yes")]
    (update,) = fake_slack.calls_to("chat.update")
    assert update.args["channel"] == channel and update.args["ts"] == "1548261231.000200"
    assert update.args["blocks"][-1]["elements"][0]["text"] == f"{ana.display_name} answered ✓"
    (reply,) = fake_slack.calls_to("chat.postEphemeral")
    assert reply.args["user"] == ANA and reply.args["text"] == "Thanks, noted."


def test_slack_gets_its_answer_before_kith_calls_slack(
    client, ana, fake_slack, recorded, monkeypatch
):
    """Slack wants the interaction answered within three seconds: the answer is recorded in
    the request, and the message update and the private reply wait until the response is
    sent (Django's request_finished)."""
    from kith.slack import inbound

    seen: dict[str, list] = {}
    original = inbound.handle_interaction

    def handle(payload):
        original(payload)
        seen["recorded"] = list(recorded)
        seen["slack calls"] = [c.method for c in fake_slack.calls]

    monkeypatch.setattr(inbound, "handle_interaction", handle)
    channel = group_dm(fake_slack)
    response = post_interaction(
        client, press(channel, action_id="kith:test.answer#0", value="7:yes")
    )
    assert response.status_code == 200
    assert seen == {"recorded": [(ana.pk, "test.answer", "7:yes")], "slack calls": []}
    assert [c.method for c in fake_slack.calls] == ["chat.update", "chat.postEphemeral"]


def test_slack_failing_after_the_response_changes_nothing(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    fake_slack.fail("chat.update", "internal_error", status=500)
    fake_slack.fail("chat.postEphemeral", "ratelimited", status=429)
    response = post_interaction(
        client, press(channel, action_id="kith:test.answer#0", value="7:yes")
    )
    assert response.status_code == 200
    assert recorded == [(ana.pk, "test.answer", "7:yes")]
    assert [c.method for c in fake_slack.calls] == ["chat.update", "chat.postEphemeral"]


def test_a_second_press_replaces_the_persons_answered_line(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    bo = PersonFactory(full_name="Bo Lind", email="bo-lind@example.com")
    ChatIdentity.objects.create(person=bo, provider="slack", external_id=f"{TEAM_ID}:{BO}")

    def lines(blocks):
        return [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]

    first = press(channel, action_id="kith:test.answer#0", value="7:yes")
    post_interaction(client, first)
    after_first = fake_slack.calls_to("chat.update")[-1].args["blocks"]
    # Slack sends the message as it is now with the next press: Ana changes her answer.
    changed = press(channel, action_id="kith:test.answer#1", value="7:not_yet", label="Not yet")
    changed["message"]["blocks"] = after_first
    post_interaction(client, changed)
    after_change = fake_slack.calls_to("chat.update")[-1].args["blocks"]
    assert lines(after_change) == [f"{ana.display_name} answered ✓"]
    assert len(after_change) == len(after_first)
    # Bo's answer adds his own line under Ana's.
    by_bo = press(channel, action_id="kith:test.answer#0", value="7:yes", user=BO)
    by_bo["message"]["blocks"] = after_change
    post_interaction(client, by_bo)
    after_bo = fake_slack.calls_to("chat.update")[-1].args["blocks"]
    assert lines(after_bo) == [f"{ana.display_name} answered ✓", f"{bo.display_name} answered ✓"]
    assert after_bo[0] == after_first[0]  # the message itself is unchanged
    assert recorded == [
        (ana.pk, "test.answer", "7:yes"),
        (ana.pk, "test.answer", "7:not_yet"),
        (bo.pk, "test.answer", "7:yes"),
    ]


def test_a_private_answer_is_not_shown_to_the_group(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    data = press(channel, action_id="kith:connect.pause#3", value="4", label="Pause me")
    post_interaction(client, data)
    assert recorded == [(ana.pk, "connect.pause", "4")]
    assert not fake_slack.calls_to("chat.update")
    assert fake_slack.calls_to("chat.postEphemeral")[0].args["text"] == "Paused."


def test_a_refused_action_tells_only_the_person(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    post_interaction(client, press(channel, action_id="kith:test.refuse#0", value="7:yes"))
    assert not fake_slack.calls_to("chat.update")
    (reply,) = fake_slack.calls_to("chat.postEphemeral")
    assert reply.args["text"] == "You already answered."


def test_an_unknown_slack_user_is_asked_to_link_their_account(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    data = press(channel, action_id="kith:test.answer#0", value="7:yes", user=BO)
    assert post_interaction(client, data).status_code == 200
    assert recorded == []
    (reply,) = fake_slack.calls_to("chat.postEphemeral")
    assert reply.args["user"] == BO and "/guidelines/boundaries/" in reply.args["text"]
    assert not fake_slack.calls_to("users.info")  # no lookup for a button press


def test_the_open_in_kith_link_is_ignored(client, ana, fake_slack, recorded):
    channel = group_dm(fake_slack)
    post_interaction(client, press(channel, action_id="kith.open", value=""))
    assert recorded == [] and fake_slack.calls == []


def test_no_inbound_text_is_stored(client, ana, fake_slack, recorded, caplog):
    caplog.set_level("DEBUG")
    channel = group_dm(fake_slack)
    post_interaction(
        client, press(channel, action_id="kith:test.answer#0", value="7:yes", text=PLANTED)
    )
    event = payload("message_im.json")
    event["team_id"] = TEAM_ID
    event["event"].update({"user": ANA, "text": f"hello {PLANTED}"})
    assert post_event(client, event).status_code == 200
    command = payload("slash_command.json")
    command.update({"team_id": TEAM_ID, "user_id": ANA, "command": "/kith", "text": PLANTED})
    assert post_command(client, command).status_code == 200
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert recorded  # the press was handled
    assert PLANTED not in dump.getvalue()
    assert PLANTED not in caplog.text


# --- App Home ------------------------------------------------------------------------------------


def test_app_home_lists_my_intros_and_only_events_i_may_see(client, ana, fake_slack, team):
    login_for(ana)
    other = PersonFactory(full_name="Bruno Costa", email="bruno@example.com", org_unit=team)
    program = ProgramFactory(name="Coffee roulette")
    today = timezone.localdate()
    round_ = Round.objects.create(program=program, scheduled_for=today, ran_at=timezone.now())
    match = Match.objects.create(round=round_, program=program, explanation="x")
    MatchMember.objects.create(match=match, person=ana, met="yes")
    MatchMember.objects.create(match=match, person=other)
    future = Match.objects.create(
        round=Round.objects.create(
            program=program, scheduled_for=today + dt.timedelta(days=7), ran_at=timezone.now()
        ),
        program=program,
        explanation="x",
    )
    MatchMember.objects.create(match=future, person=ana)
    MatchMember.objects.create(
        match=future, person=PersonFactory(full_name="Zed Future", email="zed@example.com")
    )
    visible = make_event(title="Board games night", host=Event.Host.HR)
    elsewhere = make_event(
        title="Secret team offsite",
        host=Event.Host.TEAM,
        org_unit=OrgUnitFactory(name="Legal", kind="team"),
    )
    for event in (visible, elsewhere):
        Rsvp.objects.create(
            event=event, person=ana, status=Rsvp.Status.GOING, queued_at=timezone.now()
        )
    data = payload("app_home_opened.json")
    data["team_id"] = TEAM_ID
    data["event"]["user"] = ANA
    assert post_event(client, data).status_code == 200
    (published,) = fake_slack.calls_to("views.publish")
    assert published.args["user_id"] == ANA
    view = json.dumps(published.args["view"])
    assert published.args["view"]["type"] == "home"
    assert "Coffee roulette" in view and "Bruno Costa" in view and "you met" in view
    assert "Zed Future" not in view  # an intro whose date has not come
    assert "Board games night" in view
    assert "Secret team offsite" not in view


def test_app_home_of_an_unknown_user_says_how_to_link(client, workspace, fake_slack):
    fake_slack.add_user(BO, "bo@example.com", "Bo")
    data = payload("app_home_opened.json")
    data["team_id"] = TEAM_ID
    data["event"]["user"] = BO
    post_event(client, data)
    (published,) = fake_slack.calls_to("views.publish")
    assert "/guidelines/boundaries/" in json.dumps(published.args["view"])


# --- Slash commands ------------------------------------------------------------------------------


def command(text, *, name="/kudos", user=ANA):
    form = payload("slash_command.json")
    form.update({"team_id": TEAM_ID, "user_id": user, "command": name, "text": text})
    return form


def test_kudos_from_slack(client, ana, fake_slack, manager):
    fake_slack.add_user(BO, manager.email, manager.full_name)
    response = post_command(
        client, command(f"<@{BO}|maya> thanks for untangling the release & the <docs>!")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral" and "Kudos sent to" in body["text"]
    kudos = Kudos.objects.get()
    assert kudos.sender == ana
    assert [p.pk for p in kudos.recipients.all()] == [manager.pk]
    assert kudos.message == "thanks for untangling the release & the <docs>!"
    # Maya was found by the email Slack has for her, and is remembered.
    assert ChatIdentity.objects.get(person=manager).external_id == f"{TEAM_ID}:{BO}"


def test_kudos_errors_are_shown_only_to_the_sender(client, ana, fake_slack):
    yourself = post_command(client, command(f"<@{ANA}> great work")).json()
    assert yourself["response_type"] == "ephemeral"
    assert "yourself" in yourself["text"]
    nobody = post_command(client, command("great work")).json()
    assert "Name the colleague" in nobody["text"]
    fake_slack.add_user(BO, "stranger@elsewhere.example", "Stranger")
    stranger = post_command(client, command(f"<@{BO}> great work")).json()
    assert "not in Kith's directory" in stranger["text"]
    assert not Kudos.objects.exists()


def test_kudos_from_someone_kith_cannot_find(client, workspace, fake_slack):
    fake_slack.add_user(BO, "bo@elsewhere.example", "Bo")
    answer = post_command(client, command(f"<@{ANA}> thanks", user=BO)).json()
    assert "/guidelines/boundaries/" in answer["text"]
    assert not Kudos.objects.exists()


def test_kith_help(client, workspace):
    for text in ("", "help"):
        answer = post_command(client, command(text, name="/kith")).json()
        assert answer["response_type"] == "ephemeral"
        assert "/kudos" in answer["text"] and "/guidelines/boundaries/" in answer["text"]
    assert BOT_USER_ID  # the fake's bot exists (keeps the import honest)
