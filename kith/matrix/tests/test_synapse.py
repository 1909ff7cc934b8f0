"""Matrix against a real Synapse (kith/matrix/tests/synapse.py, one server per test session):
what the provider sends shows up in people's own /sync, and their answers come back through
the features' action handlers. Every Synapse test lives in this module, so pytest-xdist starts
at most one Synapse per worker that runs any of them."""

from __future__ import annotations

import datetime as dt
import secrets
import urllib.error
from collections import defaultdict

import pytest

from kith.connect import rounds, services
from kith.connect.engine.cadence import round_dates
from kith.connect.models import MatchMember, Participation
from kith.connect.tests.factories import ProgramFactory
from kith.directory.models import ContactPreference, Person
from kith.directory.tests.factories import PersonFactory
from kith.matrix import answers
from kith.matrix.models import MatrixRoom
from kith.matrix.provider import MatrixProvider
from kith.matrix.tests.synapse import MatrixUser, Synapse
from kith.notify import channels
from kith.notify.models import ChatIdentity, ChatThread
from kith.notify.services import notifications_deliver_due

# With `--dist loadgroup`, one xdist worker runs them all: one Synapse for the whole run.
pytestmark = pytest.mark.xdist_group("synapse")

PLANTED = "PLANTED-marmalade-7Q"


def choices(match: str = "7") -> tuple[channels.ChatAction, ...]:
    return (
        channels.ChatAction("test.follow_up", f"{match}:yes", "We met", "primary"),
        channels.ChatAction("test.follow_up", f"{match}:not_yet", "Not yet"),
        channels.ChatAction("test.follow_up", f"{match}:no", "Couldn't", "danger"),
        channels.ChatAction("test.pause", "3", "Pause me"),
    )


@pytest.fixture
def answered(monkeypatch) -> list[tuple[int, str, str]]:
    """Registers test actions; each call is kept as (person id, action id, value)."""
    calls: list[tuple[int, str, str]] = []

    def handler(action_id: str):
        def handle(person, value: str) -> str:
            calls.append((person.pk, action_id, value))
            if value.endswith(":no"):
                raise channels.ActionRefused("Already answered.")
            return "Thanks, noted."

        return handle

    for action_id in ("test.follow_up", "test.pause"):
        monkeypatch.setitem(channels._actions, action_id, handler(action_id))
    return calls


def invites(synapse: Synapse, user: MatrixUser) -> dict:
    return synapse.sync(user).get("rooms", {}).get("invite", {})


def timeline(synapse: Synapse, user: MatrixUser, room_id: str) -> list[dict]:
    room = synapse.sync(user).get("rooms", {}).get("join", {}).get(room_id, {})
    return room.get("timeline", {}).get("events", [])


def messages_in(synapse: Synapse, user: MatrixUser, room_id: str) -> list[dict]:
    return [e["content"] for e in timeline(synapse, user, room_id) if e["type"] == "m.room.message"]


def test_one_person_gets_a_direct_room_reused_for_the_next_message(
    synapse, matrix_account, matrix_bot, matrix_person
):
    person, user = matrix_person("amy")
    provider = MatrixProvider()
    assert provider.is_configured()

    address = provider.address_of(person)
    assert address == user.user_id
    assert ChatIdentity.objects.get(person=person, provider="matrix").external_id == address

    message = channels.ChatMessage("Meet <Bea> & Co", "Coffee?\nSoon.", "https://kith.example/x")
    room_id = provider.send([address], message)

    invite = invites(synapse, user)[room_id]["invite_state"]["events"]
    mine = [e for e in invite if e["type"] == "m.room.member" and e["state_key"] == user.user_id]
    assert mine and mine[0]["content"]["membership"] == "invite"
    assert mine[0]["content"].get("is_direct") is True
    direct = synapse.api(
        "GET",
        f"/_matrix/client/v3/user/{matrix_bot.user_id}/account_data/m.direct",
        token=matrix_bot.access_token,
    )
    assert room_id in direct[user.user_id]

    assert provider.send([address], channels.ChatMessage("Again", "Still here?")) == room_id
    synapse.join(user, room_id)
    first, second = messages_in(synapse, user, room_id)
    assert first["body"] == "Meet <Bea> & Co\n\nCoffee?\nSoon.\n\nhttps://kith.example/x"
    assert "<strong>Meet &lt;Bea&gt; &amp; Co</strong>" in first["formatted_body"]
    assert "Coffee?<br>Soon." in first["formatted_body"]
    assert '<a href="https://kith.example/x">' in first["formatted_body"]
    assert second["body"] == "Again\n\nStill here?"
    assert MatrixRoom.objects.filter(room_id=room_id, is_group=False).count() == 1


def test_a_person_who_left_their_room_gets_a_new_one(synapse, matrix_account, matrix_person):
    person, user = matrix_person("cy")
    provider = MatrixProvider()
    address = provider.address_of(person)
    first = provider.send([address], channels.ChatMessage("Hello", ""))
    synapse.api("POST", f"/_matrix/client/v3/rooms/{first}/leave", token=user.access_token, body={})
    second = provider.send([address], channels.ChatMessage("Hello again", ""))
    assert second != first
    assert second in invites(synapse, user)


def test_someone_without_an_account_is_unreachable(matrix_account):
    nobody = PersonFactory(email="nobody-here@example.com")
    with pytest.raises(channels.Unreachable):
        MatrixProvider().address_of(nobody)
    assert not ChatIdentity.objects.filter(person=nobody).exists()


def test_a_group_gets_one_private_room_and_the_thread_gets_the_follow_up(
    synapse, matrix_account, matrix_person
):
    members = [matrix_person(name) for name in ("dee", "eli", "fay")]
    provider = MatrixProvider()
    addresses = [provider.address_of(person) for person, _ in members]

    intro = channels.ChatMessage("Meet each other", "Coffee?", actions=choices())
    room_id = provider.send(addresses, intro)
    for _, user in members:
        assert room_id in invites(synapse, user)
    assert MatrixRoom.objects.get(room_id=room_id).is_group

    assert provider.send(addresses, channels.ChatMessage("Did you meet?", ""), thread=room_id) == (
        room_id
    )
    _, dee = members[0]
    synapse.join(dee, room_id)
    bodies = [m["body"] for m in messages_in(synapse, dee, room_id)]
    assert bodies[0] == (
        "Meet each other\n\nCoffee?\n\nReply 1 for We met, 2 for Not yet, 3 for Couldn't, "
        "4 for Pause me, or react ✅ ⏳ ❌"
    )
    assert bodies[1] == "Did you meet?"
    state = synapse.api("GET", f"/_matrix/client/v3/rooms/{room_id}/state", token=dee.access_token)
    rules = [e["content"]["join_rule"] for e in state if e["type"] == "m.room.join_rules"]
    assert rules == ["invite"]  # private_chat


def test_replies_and_reactions_run_the_offered_actions_once(
    synapse, matrix_account, matrix_bot, matrix_person, answered
):
    (ana, ana_user), (ben, ben_user), (cat, cat_user) = (
        matrix_person(n) for n in ("ana", "ben", "cat")
    )
    provider = MatrixProvider()
    addresses = [provider.address_of(p) for p in (ana, ben, cat)]
    room_id = provider.send(addresses, channels.ChatMessage("Did you meet?", "", actions=choices()))
    offered_event = MatrixRoom.objects.get(room_id=room_id).offered_event_id
    # Someone in the room Kith does not know (no ChatIdentity): their answer counts for nobody.
    outsider = synapse.register(f"outsider{ana.pk}")
    synapse.api(
        "POST",
        f"/_matrix/client/v3/rooms/{room_id}/invite",
        token=matrix_bot.access_token,
        body={"user_id": outsider.user_id},
    )
    for user in (ana_user, ben_user, cat_user, outsider):
        synapse.join(user, room_id)

    synapse.send_text(ana_user, room_id, "1")
    synapse.send_text(ana_user, room_id, f"{PLANTED} we had coffee, 2 hours")
    synapse.react(ben_user, room_id, offered_event, "⏳")
    synapse.send_text(cat_user, room_id, "9")  # not offered
    synapse.send_text(cat_user, room_id, "3")
    synapse.send_text(outsider, room_id, "4")

    assert answers.answers_read() == 3
    assert answered == [
        (ana.pk, "test.follow_up", "7:yes"),
        (ben.pk, "test.follow_up", "7:not_yet"),
        (cat.pk, "test.follow_up", "7:no"),
    ]
    # The room hears only that Ana and Ben answered; what the handler said, and Cat's refusal,
    # went to each of them alone (their direct room).
    notices = [m for m in messages_in(synapse, ana_user, room_id) if m["msgtype"] == "m.notice"]
    assert [n["body"] for n in notices] == [
        f"Thanks, {ana.display_name}: noted.",
        f"Thanks, {ben.display_name}: noted.",
    ]
    assert all("m.in_reply_to" in n["m.relates_to"] for n in notices)
    cats_rooms = invites(synapse, cat_user)
    assert len(cats_rooms) == 1  # a direct room of Cat's own, with the refusal in it
    [direct_room] = cats_rooms
    assert direct_room != room_id
    synapse.join(cat_user, direct_room)
    assert any(
        "Already answered." in m["body"] for m in messages_in(synapse, cat_user, direct_room)
    )

    assert answers.answers_read() == 0  # read from where it stopped: nothing twice
    assert len(answered) == 3


def test_answers_to_an_earlier_message_or_elsewhere_are_ignored(
    synapse, matrix_account, matrix_person, answered
):
    (ana, ana_user), (ben, ben_user) = matrix_person("gil"), matrix_person("hal")
    provider = MatrixProvider()
    addresses = [provider.address_of(p) for p in (ana, ben)]
    room_id = provider.send(addresses, channels.ChatMessage("Intro", "", actions=choices("8")))
    synapse.join(ana_user, room_id)
    synapse.send_text(ana_user, room_id, "2")
    assert answers.answers_read() == 1
    # A message without choices: the room offers nothing now, "1" means nothing.
    provider.send(addresses, channels.ChatMessage("Just news", ""), thread=room_id)
    synapse.send_text(ana_user, room_id, "1")
    # A stranger's room, the bot invited: never joined, never answered.
    stranger_room = synapse.api(
        "POST",
        "/_matrix/client/v3/createRoom",
        token=ben_user.access_token,
        body={"invite": [matrix_account.user_id], "is_direct": True},
    )["room_id"]
    synapse.send_text(ben_user, stranger_room, "1")
    assert answers.answers_read() == 0
    assert answered == [(ana.pk, "test.follow_up", "8:not_yet")]
    assert not MatrixRoom.objects.filter(room_id=stranger_room).exists()


def test_nothing_anyone_writes_is_stored(synapse, matrix_account, matrix_person, answered):
    (ana, ana_user), (ben, _) = matrix_person("ivy"), matrix_person("jo")
    provider = MatrixProvider()
    addresses = [provider.address_of(p) for p in (ana, ben)]
    room_id = provider.send(addresses, channels.ChatMessage("Hi", "", actions=choices()))
    synapse.join(ana_user, room_id)
    synapse.send_text(ana_user, room_id, f"1 {PLANTED}")
    synapse.send_text(ana_user, room_id, PLANTED)
    synapse.send_text(ana_user, room_id, "1")
    assert answers.answers_read() == 1
    assert_nowhere_in_database(PLANTED)


def test_a_first_read_only_notes_the_position(synapse, matrix_account, matrix_person, answered):
    """Reconnecting forgets the position: the next /sync is a first one, returning recent
    history. Answering it again would undo what people changed since (a pause lifted)."""
    from kith.matrix.models import MatrixSyncState

    (ana, ana_user), (ben, _) = matrix_person("kim"), matrix_person("lou")
    provider = MatrixProvider()
    addresses = [provider.address_of(p) for p in (ana, ben)]
    room_id = provider.send(addresses, channels.ChatMessage("Hi", "", actions=choices()))
    synapse.join(ana_user, room_id)
    synapse.send_text(ana_user, room_id, "4")
    assert answers.answers_read() == 1
    MatrixSyncState.objects.all().delete()  # what reconnecting the bot does

    assert answers.answers_read() == 0  # "4" is in the first sync's history: not again
    state = MatrixSyncState.objects.get()
    assert state.next_batch and state.claimed_until is None
    synapse.send_text(ana_user, room_id, "1")
    assert answers.answers_read() == 1
    assert answered == [(ana.pk, "test.pause", "3"), (ana.pk, "test.follow_up", "7:yes")]


def test_a_burst_of_chatter_does_not_hide_an_answer(
    synapse, matrix_account, matrix_person, answered, monkeypatch
):
    """More new events than the /sync filter's limit: the timeline comes back `limited`, and
    the gap is read back with /messages (to where the last read stopped, never further)."""
    monkeypatch.setattr(answers, "TIMELINE_LIMIT", 3)
    (ana, ana_user), (ben, ben_user) = matrix_person("max"), matrix_person("ned")
    provider = MatrixProvider()
    addresses = [provider.address_of(p) for p in (ana, ben)]
    room_id = provider.send(addresses, channels.ChatMessage("Met?", "", actions=choices()))
    synapse.join(ana_user, room_id)
    synapse.join(ben_user, room_id)
    synapse.send_text(ana_user, room_id, "1")
    for n in range(5):
        synapse.send_text(ben_user, room_id, f"chatter {n}")
    assert answers.answers_read() == 1
    assert answered == [(ana.pk, "test.follow_up", "7:yes")]

    synapse.send_text(ben_user, room_id, "2")
    for n in range(7):
        synapse.send_text(ana_user, room_id, f"more chatter {n}")
    assert answers.answers_read() == 1  # Ben's "2"; Ana's "1" (before the last read) not again
    assert answered == [
        (ana.pk, "test.follow_up", "7:yes"),
        (ben.pk, "test.follow_up", "7:not_yet"),
    ]


def test_someone_who_left_the_group_room_is_invited_again(synapse, matrix_account, matrix_person):
    (ana, ana_user), (ben, ben_user), (cy, cy_user) = (
        matrix_person(n) for n in ("ona", "pat", "quin")
    )
    provider = MatrixProvider()
    addresses = [provider.address_of(p) for p in (ana, ben, cy)]
    room_id = provider.send(addresses, channels.ChatMessage("Meet", ""))
    synapse.join(ana_user, room_id)
    synapse.join(ben_user, room_id)
    leave = f"/_matrix/client/v3/rooms/{room_id}/leave"
    synapse.api("POST", leave, token=ben_user.access_token, body={})  # Ben left
    synapse.api("POST", leave, token=cy_user.access_token, body={})  # Cy declined the invite
    assert room_id not in invites(synapse, cy_user)

    follow_up = channels.ChatMessage("Did you meet?", "")
    assert provider.send(addresses, follow_up, thread=room_id) == room_id
    for user in (ben_user, cy_user):
        assert room_id in invites(synapse, user)  # invited again, so the message reaches them
    synapse.join(cy_user, room_id)
    assert [m["body"] for m in messages_in(synapse, cy_user, room_id)][-1] == "Did you meet?"
    # Ana, still in the room, is not invited again (and the follow-up reached her).
    assert [m["body"] for m in messages_in(synapse, ana_user, room_id)] == ["Meet", "Did you meet?"]


def test_someone_banned_from_the_group_room_is_unreachable_there(
    synapse, matrix_account, matrix_bot, matrix_person
):
    (ana, ana_user), (ben, _) = matrix_person("ray"), matrix_person("sid")
    provider = MatrixProvider()
    addresses = [provider.address_of(p) for p in (ana, ben)]
    room_id = provider.send(addresses, channels.ChatMessage("Meet", ""))
    synapse.api(
        "POST",
        f"/_matrix/client/v3/rooms/{room_id}/ban",
        token=matrix_bot.access_token,
        body={"user_id": ana_user.user_id},
    )
    with pytest.raises(channels.Unreachable):  # notify starts a new room for them
        provider.send(addresses, channels.ChatMessage("Did you meet?", ""), thread=room_id)


def assert_nowhere_in_database(word: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                assert word not in repr(row), f"{word!r} found in table {table}"


# --- The acceptance: an intro round through notify and Connect ---------------------------

ROUND_START = dt.date(2030, 5, 1)
ALWAYS_AT_WORK = {
    "timezone": "UTC",
    "work_start": dt.time(0, 0),
    "work_end": dt.time(23, 59, 59, 999999),
    "work_days": [1, 2, 3, 4, 5, 6, 7],
}


def on_matrix(synapse: Synapse, number: int) -> tuple[Person, MatrixUser]:
    localpart = f"round{number}x{secrets.token_hex(3)}"
    user = synapse.register(localpart)
    person = PersonFactory.create(
        full_name=f"Colleague {number}", email=f"{localpart}@example.com", **ALWAYS_AT_WORK
    )
    ContactPreference.objects.create(person=person, preferred_channel="matrix")
    return person, user


def test_an_intro_round_through_synapse(synapse, matrix_account):
    people = dict(on_matrix(synapse, n) for n in range(1, 8))
    paused = next(iter(people))
    program = ProgramFactory(starts_on=ROUND_START, weekday=3, local_hour=10, follow_up_days=7)
    services.participation_pause(
        program=program, person=paused, until=ROUND_START + dt.timedelta(weeks=8), today=ROUND_START
    )
    (day,) = round_dates(
        starts_on=ROUND_START, weekday=3, cadence="weekly", after=ROUND_START, count=1
    )
    drawn = rounds.round_run(
        program=program, round_date=day, now=dt.datetime.combine(ROUND_START, dt.time(8), dt.UTC)
    )
    members: dict[int, list[Person]] = defaultdict(list)
    for row in MatchMember.objects.filter(match__round=drawn).select_related("person"):
        members[row.match_id].append(row.person)
    assert len(members) == 3 and all(len(group) == 2 for group in members.values())

    intro_time = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), dt.UTC)
    notifications_deliver_due(now=intro_time)

    # One private room per match; every member finds its invite, and the intro, in /sync.
    rooms = {t.group_key: t.conversation_id for t in ChatThread.objects.filter(provider="matrix")}
    assert set(rooms) == {f"connect.match:{m}" for m in members}
    assert len(set(rooms.values())) == 3
    for match_id, group in members.items():
        room_id = rooms[f"connect.match:{match_id}"]
        for person in group:
            user = people[person]
            assert room_id in invites(synapse, user)
            synapse.join(user, room_id)
            (intro,) = messages_in(synapse, user, room_id)
            assert intro["body"].startswith(f"{program.name}: meet ")
            assert "Reply 1 for Pause me" in intro["body"]
            assert "react" not in intro["body"]  # the intro's one action takes no reaction
    # The paused person receives nothing: no invite, no room.
    assert synapse.sync(people[paused]).get("rooms", {}).get("invite", {}) == {}
    assert not ChatIdentity.objects.filter(person=paused).exists()

    # A ✅ on the intro is a greeting, not "Pause me": nobody is paused.
    first_match, (first_person, _) = next(iter(members.items()))
    intro_event = MatrixRoom.objects.get(room_id=rooms[f"connect.match:{first_match}"])
    synapse.react(
        people[first_person],
        intro_event.room_id,
        intro_event.offered_event_id,
        "✅",
    )
    assert answers.answers_read() == 0
    assert not Participation.objects.filter(
        program=program, person=first_person, paused_until__isnull=False
    ).exists()

    # A week later "did you meet?" lands in the same rooms, with numbered choices.
    follow_up_time = intro_time + dt.timedelta(days=8)
    assert rounds.follow_ups_send_due(now=follow_up_time) == 6
    notifications_deliver_due(now=follow_up_time)
    assert ChatThread.objects.filter(provider="matrix").count() == 3
    match_id, (ana, bea) = next(iter(members.items()))
    room_id = rooms[f"connect.match:{match_id}"]
    intro, follow_up = messages_in(synapse, people[ana], room_id)
    assert (
        "Reply 1 for We met, 2 for Not yet, 3 for Couldn't, 4 for Pause me" in (follow_up["body"])
    )

    # Ana replies "1" (and chats on); Bea reacts ❌ to the follow-up.
    synapse.send_text(people[ana], room_id, "1")
    synapse.send_text(people[ana], room_id, f"{PLANTED} was lovely, thanks")
    follow_up_event = MatrixRoom.objects.get(room_id=room_id).offered_event_id
    synapse.react(people[bea], room_id, follow_up_event, "❌")
    assert answers.answers_read() == 2
    answers_of = dict(MatchMember.objects.filter(match_id=match_id).values_list("person_id", "met"))
    assert answers_of == {ana.pk: MatchMember.Met.YES, bea.pk: MatchMember.Met.NO}
    notices = [m for m in messages_in(synapse, people[bea], room_id) if m["msgtype"] == "m.notice"]
    assert len(notices) == 2 and all(n["body"].endswith(": noted.") for n in notices)
    assert_nowhere_in_database(PLANTED)


# --- HR's page against the real homeserver ------------------------------------------------------


def test_hr_connects_with_the_password_once_tests_and_disconnects(synapse, hr_client, hr_person):
    from kith.core.models import AuditEvent
    from kith.matrix.models import MatrixAccount

    bot = synapse.register(f"pagebot{secrets.token_hex(3)}")
    page = "/integrations/matrix/"
    form = {
        "action": "connect",
        "homeserver": synapse.url,
        "user_id": bot.user_id,
        "password": bot.password,
        "id_template": "@{localpart}:localhost",
    }
    response = hr_client.post(page, form)
    assert response.status_code == 302
    row = MatrixAccount.objects.get()
    assert (row.user_id, row.logged_in_by_kith, row.device_id != "") == (bot.user_id, True, True)
    assert row.access_token.startswith("sealed:v1:")
    assert_nowhere_in_database(bot.password)

    assert hr_client.post(page, {"action": "check"}).status_code == 302
    assert AuditEvent.objects.filter(action="matrix.checked", target=bot.user_id).exists()
    body = hr_client.get(page).content.decode()
    assert bot.user_id in body and "sealed:" not in body

    from kith.core.sealing import unseal
    from kith.matrix.account import TOKEN_PURPOSE

    token = unseal(row.access_token, purpose=TOKEN_PURPOSE)
    assert hr_client.post(page, {"action": "disconnect"}).status_code == 302
    assert not MatrixAccount.objects.exists()
    with pytest.raises(urllib.error.HTTPError) as refused:  # Kith's login is logged out
        synapse.api("GET", "/_matrix/client/v3/account/whoami", token=token)
    assert refused.value.code == 401


def test_a_wrong_password_or_token_is_refused_by_field(synapse, hr_client, hr_person):
    page = "/integrations/matrix/"
    bot = synapse.register(f"wrongbot{secrets.token_hex(3)}")
    base = {"action": "connect", "homeserver": synapse.url, "user_id": bot.user_id}
    response = hr_client.post(page, {**base, "password": "not-it"})
    assert response.status_code == 200
    assert "password: login failed" in response.content.decode()
    response = hr_client.post(page, {**base, "access_token": "syt_made_up"})
    assert "access_token: not accepted" in response.content.decode()
    from kith.matrix.models import MatrixAccount

    assert not MatrixAccount.objects.exists()
