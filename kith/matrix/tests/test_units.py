"""The Matrix app without a homeserver: rendering, reading replies, errors, ids, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kith.core.sealing import seal
from kith.matrix import account, answers, services
from kith.matrix.account import TOKEN_PURPOSE, derived_id, is_matrix_id
from kith.matrix.client import MatrixError
from kith.matrix.models import MatrixAccount, MatrixRoom
from kith.matrix.provider import MatrixProvider, _failure, choices_line, content_of, reactable
from kith.matrix.tests.synapse import free_port
from kith.notify import channels
from kith.notify.models import ChatIdentity

ACTIONS = (
    channels.ChatAction("connect.follow_up", "5:yes", "We met"),
    channels.ChatAction("connect.follow_up", "5:not_yet", "Not yet"),
    channels.ChatAction("connect.follow_up", "5:no", "Couldn't"),
)


def test_a_message_reads_as_plain_text_and_escaped_html():
    message = channels.ChatMessage(
        "<script>x</script>", "a & b", "https://kith.example/m/5/?a=1&b=2", ACTIONS
    )
    content = content_of(message)
    assert content["msgtype"] == "m.text"
    assert content["body"] == (
        "<script>x</script>\n\na & b\n\nReply 1 for We met, 2 for Not yet, 3 for Couldn't, "
        "or react ✅ ⏳ ❌\n\nhttps://kith.example/m/5/?a=1&b=2"
    )
    html = content["formatted_body"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "a &amp; b" in html and 'href="https://kith.example/m/5/?a=1&amp;b=2"' in html


@pytest.mark.parametrize(
    ("event", "picked"),
    [
        ({"type": "m.room.message", "content": {"msgtype": "m.text", "body": "1"}}, "5:yes"),
        ({"type": "m.room.message", "content": {"msgtype": "m.text", "body": " 2. "}}, "5:not_yet"),
        (
            {
                "type": "m.room.message",
                "content": {"msgtype": "m.text", "body": "> <@kith:x> Did you meet?\n\n3"},
            },
            "5:no",
        ),
        ({"type": "m.room.message", "content": {"msgtype": "m.text", "body": "1 yes!"}}, None),
        ({"type": "m.room.message", "content": {"msgtype": "m.text", "body": "4"}}, None),
        ({"type": "m.room.message", "content": {"msgtype": "m.text", "body": "0"}}, None),
        ({"type": "m.room.message", "content": {"msgtype": "m.notice", "body": "1"}}, None),
        (
            {
                "type": "m.room.message",
                "content": {
                    "msgtype": "m.text",
                    "body": "* 1",
                    "m.relates_to": {"rel_type": "m.replace", "event_id": "$x"},
                },
            },
            None,
        ),
        ({"type": "m.reaction", "content": {}}, None),
    ],
)
def test_which_reply_picks_which_choice(db, event, picked):
    room = MatrixRoom(
        room_id="!r:x",
        offered=[[a.action_id, a.value] for a in ACTIONS],
        offered_event_id="$offer",
        offered_at=timezone.now() - dt.timedelta(minutes=1),
    )
    event = {
        "sender": "@ana:x",
        "origin_server_ts": int(timezone.now().timestamp() * 1000),
        **event,
    }
    choice = answers._choice(event, room, "@kith:x")
    assert (choice[1] if choice else None) == picked


def test_reactions_count_only_on_the_offered_message_and_after_it(db):
    now_ms = int(timezone.now().timestamp() * 1000)
    room = MatrixRoom(
        room_id="!r:x",
        offered=[[a.action_id, a.value] for a in ACTIONS],
        offered_event_id="$offer",
        offered_at=timezone.now() - dt.timedelta(minutes=1),
    )

    def reaction(key: str, on: str = "$offer", sender: str = "@ana:x", at: int = now_ms):
        relates = {"rel_type": "m.annotation", "event_id": on, "key": key}
        event = {"type": "m.reaction", "content": {"m.relates_to": relates}}
        return answers._choice({**event, "sender": sender, "origin_server_ts": at}, room, "@k:x")

    assert reaction("✅") == ("connect.follow_up", "5:yes")
    assert reaction("❌️") == ("connect.follow_up", "5:no")  # with the emoji variation selector
    assert reaction("👍") is None
    assert reaction("✅", on="$older") is None
    assert reaction("✅", sender="@k:x") is None  # the bot itself
    assert reaction("✅", at=now_ms - 3_600_000) is None  # before the message was posted


PAUSE = channels.ChatAction("connect.pause", "3", "Pause me")


def test_reactions_are_offered_only_for_answer_choices():
    # The follow-up: three answers share an action id, then "Pause me" (a reply only).
    assert reactable([a.action_id for a in (*ACTIONS, PAUSE)]) == 3
    assert choices_line((*ACTIONS, PAUSE)) == (
        "Reply 1 for We met, 2 for Not yet, 3 for Couldn't, 4 for Pause me, or react ✅ ⏳ ❌"
    )
    # The intro offers only "Pause me": numbered, and no reaction is mentioned.
    assert reactable([PAUSE.action_id]) == 0
    assert choices_line((PAUSE,)) == "Reply 1 for Pause me"
    assert "react" not in content_of(channels.ChatMessage("Meet", "", actions=(PAUSE,)))["body"]
    # Two different actions are not a set of answers; two answers are.
    assert reactable(["connect.pause", "connect.follow_up"]) == 0
    assert reactable(["a", "a", "a", "a", "b"]) == 3  # one reaction per answer, three at most
    assert choices_line(ACTIONS[:2]).endswith("or react ✅ ⏳")


def test_a_reaction_never_picks_an_action_offered_alone(db):
    now_ms = int(timezone.now().timestamp() * 1000)

    def react(offered: list, key: str):
        room = MatrixRoom(
            room_id="!r:x",
            offered=offered,
            offered_event_id="$offer",
            offered_at=timezone.now() - dt.timedelta(minutes=1),
        )
        relates = {"rel_type": "m.annotation", "event_id": "$offer", "key": key}
        event = {"type": "m.reaction", "content": {"m.relates_to": relates}}
        return answers._choice({**event, "sender": "@a:x", "origin_server_ts": now_ms}, room, "")

    intro = [["connect.pause", "3"]]
    assert react(intro, "✅") is None  # a ✅ on an intro pauses nobody
    follow_up = [[a.action_id, a.value] for a in (*ACTIONS, PAUSE)]
    assert react(follow_up, "✅") == ("connect.follow_up", "5:yes")
    assert react(follow_up, "❌") == ("connect.follow_up", "5:no")
    # A numbered reply still reaches "Pause me".
    reply = {"type": "m.room.message", "content": {"msgtype": "m.text", "body": "1"}}
    room = MatrixRoom(
        room_id="!r:x", offered=intro, offered_event_id="$offer", offered_at=timezone.now()
    )
    picked = answers._choice(
        {**reply, "sender": "@a:x", "origin_server_ts": now_ms + 60_000}, room, ""
    )
    assert picked == ("connect.pause", "3")


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (MatrixError(429, "M_LIMIT_EXCEEDED"), channels.ChatFailed),
        (MatrixError(502, ""), channels.ChatFailed),
        (MatrixError(0, "network"), channels.ChatFailed),
        (MatrixError(401, "M_UNKNOWN_TOKEN"), channels.ChatFailed),
        (MatrixError(404, "M_NOT_FOUND"), channels.Unreachable),
        (MatrixError(403, "M_FORBIDDEN"), channels.Unreachable),
    ],
)
def test_errors_are_retried_or_fall_back_to_email(error, raised):
    assert isinstance(_failure(error, "x"), raised)


def test_a_homeserver_that_does_not_answer_is_a_temporary_failure(db):
    MatrixAccount.objects.create(
        homeserver=f"http://127.0.0.1:{free_port()}",
        user_id="@kith:localhost",
        access_token=seal("token", purpose=TOKEN_PURPOSE),
    )
    with pytest.raises(channels.ChatFailed):
        MatrixProvider().send(["@ana:localhost"], channels.ChatMessage("Hi", ""))


def test_settings_are_the_fallback_and_a_saved_account_wins(db, settings):
    assert account.current() is None and not MatrixProvider().is_configured()
    settings.KITH_MATRIX_HOMESERVER = "https://matrix.example.org"
    settings.KITH_MATRIX_USER_ID = "@kith:example.org"
    settings.KITH_MATRIX_ACCESS_TOKEN = "syt_from_settings"
    settings.KITH_MATRIX_ID_TEMPLATE = "@{localpart}:example.org"
    current = account.current()
    assert current is not None and current.source == "settings"
    assert current.credentials.access_token == "syt_from_settings"
    MatrixAccount.objects.create(
        homeserver="https://m.example.net",
        user_id="@bot:example.net",
        access_token=seal("syt_saved", purpose=TOKEN_PURPOSE),
    )
    current = account.current()
    assert current is not None and current.source == "page"
    assert current.credentials.access_token == "syt_saved"
    assert current.id_template == "@{localpart}:example.org"  # from settings, none saved


def test_ids_follow_the_template_and_the_grammar():
    assert (
        derived_id("@{localpart}:example.org", "Jane.Doe@corp.example") == "@jane.doe:example.org"
    )
    assert derived_id("@{localpart}:example.org", "") == ""
    assert derived_id("", "jane@corp.example") == ""
    assert derived_id("@{localpart}:example.org", "jané@corp.example") == ""
    assert is_matrix_id("@ana:matrix.example.org:8448")
    assert not is_matrix_id("@Ana:example.org")
    assert not is_matrix_id("ana:example.org")
    assert not is_matrix_id("@ana")


def test_a_person_sets_their_own_id_but_not_a_colleagues(db, employee, manager, settings):
    settings.KITH_MATRIX_ID_TEMPLATE = "@{localpart}:example.org"
    with pytest.raises(ValidationError, match="matrix_id: write it like"):
        services.matrix_id_set(employee, "margarida")
    # Maya's email gives her @maya:example.org: nobody else may claim it.
    MatrixAccount.objects.create(
        homeserver="https://m.example.org",
        user_id="@kith:example.org",
        access_token=seal("t", purpose=TOKEN_PURPOSE),
    )
    with pytest.raises(ValidationError, match="colleague"):
        services.matrix_id_set(employee, "@maya:example.org")
    assert services.matrix_id_set(employee, " @marg:other.example ") == "@marg:other.example"
    ChatIdentity.objects.create(person=manager, provider="matrix", external_id="@boss:x.example")
    with pytest.raises(ValidationError, match="someone else"):
        services.matrix_id_set(employee, "@boss:x.example")
    assert services.matrix_id_set(employee, "") == ""
    assert not ChatIdentity.objects.filter(person=employee).exists()


def test_the_personal_page_sets_the_id_and_is_never_cached(employee_client, employee):
    response = employee_client.get("/integrations/matrix/me/")
    assert response.status_code == 200
    assert "no-store" in response.get("Cache-Control", "")
    response = employee_client.post("/integrations/matrix/me/", {"matrix_id": "@m:example.org"})
    assert response.status_code == 302
    assert ChatIdentity.objects.get(person=employee, provider="matrix").external_id == (
        "@m:example.org"
    )
    response = employee_client.post("/integrations/matrix/me/", {"matrix_id": "M"})
    assert "matrix_id: write it like" in response.content.decode()


def test_only_hr_sees_the_settings_page(employee_client, hr_client):
    assert employee_client.get("/integrations/matrix/").status_code == 403
    assert (
        employee_client.post("/integrations/matrix/", {"action": "disconnect"}).status_code == 403
    )
    assert hr_client.get("/integrations/matrix/").status_code == 200


def test_homeservers_need_https_except_on_this_machine():
    assert services.clean_homeserver("https://matrix.example.org/") == "https://matrix.example.org"
    assert services.clean_homeserver("http://127.0.0.1:8008") == "http://127.0.0.1:8008"
    for bad in ("http://matrix.example.org", "matrix.example.org", "https://u@m.example.org"):
        with pytest.raises(ValidationError, match="homeserver:"):
            services.clean_homeserver(bad)
    with pytest.raises(ValidationError, match="id_template:"):
        services.clean_template("@kith:example.org")
