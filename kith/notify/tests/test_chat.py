"""Chat delivery in notify: who gets chat instead of email, one conversation per group, the
same quiet hours, retries and the fall back to email. The provider here records calls in
process: it tests notify's own rules. The real providers are tested against a fake Slack Web
API server (kith/slack) and a real Synapse (kith/matrix)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from kith.directory.models import ContactPreference, Person
from kith.notify import channels, services
from kith.notify.models import ChatIdentity, ChatThread, Notification
from kith.notify.services import MAX_EMAIL_ATTEMPTS
from kith.notify.tests.conftest import ALWAYS_AT_WORK

LISBON = ZoneInfo("Europe/Lisbon")
State = Notification.EmailState
TUESDAY_NIGHT = dt.datetime(2030, 5, 14, 22, 0, tzinfo=LISBON)
WEDNESDAY_MORNING = dt.datetime(2030, 5, 15, 9, 0, tzinfo=LISBON)
WEDNESDAY_NOON = dt.datetime(2030, 5, 15, 12, 0, tzinfo=LISBON)


class Recorder:
    """A chat provider that keeps what it was asked to send."""

    name = "slack"
    label = "Recorder"

    def __init__(self) -> None:
        self.sent: list[tuple[list[str], channels.ChatMessage, str]] = []
        self.unknown: set[str] = set()
        self.failing = False
        self.configured = True

    def is_configured(self) -> bool:
        return self.configured

    def address_of(self, person: Person) -> str:
        if person.email in self.unknown:
            raise channels.Unreachable(person.email)
        row, _ = ChatIdentity.objects.get_or_create(
            person=person, provider=self.name, defaults={"external_id": f"U{person.pk}"}
        )
        return row.external_id

    def send(self, addresses: Sequence[str], message: channels.ChatMessage, *, thread=""):
        if self.failing:
            raise channels.ChatFailed("503")
        self.sent.append((sorted(addresses), message, thread))
        return thread or f"C{len(self.sent)}"


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    provider = Recorder()
    monkeypatch.setitem(channels._providers, "slack", provider)
    return provider


def on_chat(person: Person, channel: str = "slack") -> Person:
    ContactPreference.objects.update_or_create(
        person=person, defaults={"preferred_channel": channel}
    )
    return person


def test_a_person_on_chat_gets_the_chat_message_instead_of_the_email(make_person, recorder):
    ana = on_chat(make_person(**ALWAYS_AT_WORK))
    note = services.notification_send(
        person=ana, subject="Meet Bea", body="Coffee?", url="/people/2/", now=WEDNESDAY_NOON
    )
    assert (note.chat_state, note.email_state) == (State.PENDING, State.NONE)
    assert services.notifications_deliver_due(now=WEDNESDAY_NOON) == 1
    [(addresses, message, thread)] = recorder.sent
    assert addresses == [f"U{ana.pk}"] and thread == ""
    assert message.subject == "Meet Bea" and message.url.endswith("/people/2/")
    note.refresh_from_db()
    assert note.chat_state == State.SENT and note.chatted_at == WEDNESDAY_NOON
    assert mail.outbox == []
    # Sent once: a second sweep finds nothing.
    assert services.notifications_deliver_due(now=WEDNESDAY_NOON) == 0
    assert len(recorder.sent) == 1


def test_chat_waits_for_working_hours_like_email(make_person, recorder):
    ana = on_chat(make_person())  # Lisbon, 9–17 on weekdays
    note = services.notification_send(person=ana, subject="Hello", now=TUESDAY_NIGHT)
    assert note.deliver_at == WEDNESDAY_MORNING
    assert services.notifications_deliver_due(now=TUESDAY_NIGHT) == 0
    assert recorder.sent == []
    assert services.notifications_deliver_due(now=WEDNESDAY_MORNING) == 1


def test_a_chat_tool_that_is_not_configured_means_email(make_person, recorder):
    recorder.configured = False
    ana = on_chat(make_person(**ALWAYS_AT_WORK))
    note = services.notification_send(person=ana, subject="Hello", now=WEDNESDAY_NOON)
    assert (note.chat_state, note.email_state) == (State.NONE, State.PENDING)


def test_kith_only_gets_neither_and_security_notices_always_email(make_person, recorder):
    ana = on_chat(make_person(**ALWAYS_AT_WORK), ContactPreference.Channel.IN_APP)
    quiet = services.notification_send(person=ana, subject="Hello", now=WEDNESDAY_NOON)
    assert (quiet.chat_state, quiet.email_state) == (State.NONE, State.NONE)
    bea = on_chat(make_person(**ALWAYS_AT_WORK))
    notice = services.notification_send(
        person=bea, subject="Your sign-in address changed", kind="directory.email_changed"
    )
    assert (notice.chat_state, notice.email_state) == (State.NONE, State.PENDING)


def test_email_false_keeps_it_in_kith(make_person, recorder):
    ana = on_chat(make_person(**ALWAYS_AT_WORK))
    note = services.notification_send(person=ana, subject="Hi", email=False, now=WEDNESDAY_NOON)
    assert note.chat_state == State.NONE


def test_a_group_shares_one_conversation_and_its_follow_up_lands_there(
    make_person, recorder, monkeypatch
):
    people = [on_chat(make_person(**ALWAYS_AT_WORK)) for _ in range(3)]
    by_email = make_person(**ALWAYS_AT_WORK)
    rendered: list[tuple[str, str, list[int]]] = []

    def render(key: str, kind: str, members: Sequence[Person]) -> channels.ChatMessage:
        rendered.append((key, kind, sorted(p.pk for p in members)))
        return channels.ChatMessage(subject=f"{kind} for the group", body="")

    monkeypatch.setitem(channels._renderers, "test.group", render)
    for person in [*people, by_email]:
        services.notification_send(
            person=person, subject="Meet", kind="test.intro", group="test.group:1",
            now=WEDNESDAY_NOON,
        )  # fmt: skip
    assert services.notifications_deliver_due(now=WEDNESDAY_NOON) == 4  # 3 by chat, 1 email
    [(addresses, message, thread)] = recorder.sent
    assert addresses == sorted(f"U{p.pk}" for p in people)
    assert message.subject == "test.intro for the group" and thread == ""
    assert rendered == [("test.group:1", "test.intro", sorted(p.pk for p in people))]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [by_email.email]
    stored = ChatThread.objects.get(group_key="test.group:1")
    assert stored.conversation_id == "C1" and stored.members == sorted(p.pk for p in people)

    later = WEDNESDAY_NOON + dt.timedelta(days=7)
    for person in people:
        services.notification_send(
            person=person, subject="Did you meet?", kind="test.follow_up",
            group="test.group:1", now=later,
        )  # fmt: skip
    assert services.notifications_deliver_due(now=later) == 3
    assert len(recorder.sent) == 2
    assert recorder.sent[1][2] == "C1"  # into the intro's conversation


def test_a_group_waits_for_a_member_whose_day_starts_soon(make_person, recorder, monkeypatch):
    monkeypatch.setitem(
        channels._renderers, "test.group", lambda k, kind, m: channels.ChatMessage("Hi", "")
    )
    early = on_chat(make_person(**ALWAYS_AT_WORK))
    lisbon = on_chat(make_person())  # not at work on Tuesday night
    for person in (early, lisbon):
        services.notification_send(
            person=person, subject="Meet", kind="test.intro", group="test.group:2",
            now=TUESDAY_NIGHT,
        )  # fmt: skip
    assert services.notifications_deliver_due(now=TUESDAY_NIGHT) == 0
    assert recorder.sent == []
    assert services.notifications_deliver_due(now=WEDNESDAY_MORNING) == 2
    [(addresses, _, _)] = recorder.sent
    assert addresses == sorted([f"U{early.pk}", f"U{lisbon.pk}"])


def test_someone_the_chat_tool_cannot_find_gets_the_email(make_person, recorder):
    ana = on_chat(make_person(**ALWAYS_AT_WORK))
    recorder.unknown.add(ana.email)
    note = services.notification_send(person=ana, subject="Hello", now=WEDNESDAY_NOON)
    services.notifications_deliver_due(now=WEDNESDAY_NOON)
    note.refresh_from_db()
    assert note.chat_state == State.NONE and note.email_state == State.SENT
    assert [m.to for m in mail.outbox] == [[ana.email]]


def test_failed_chat_is_retried_then_falls_back_to_email(make_person, recorder):
    ana = on_chat(make_person(**ALWAYS_AT_WORK))
    recorder.failing = True
    note = services.notification_send(person=ana, subject="Hello", now=WEDNESDAY_NOON)
    moment = WEDNESDAY_NOON
    for attempt in range(1, MAX_EMAIL_ATTEMPTS):
        services.notifications_deliver_due(now=moment)
        note.refresh_from_db()
        assert (note.chat_state, note.chat_attempts) == (State.FAILED, attempt)
        assert note.chat_retry_at is not None and note.chat_retry_at > moment
        moment = note.chat_retry_at
    services.notifications_deliver_due(now=moment)
    note.refresh_from_db()
    assert note.chat_state == State.FAILED and note.email_state == State.SENT
    assert [m.to for m in mail.outbox] == [[ana.email]]


def test_no_chat_for_someone_who_switched_to_kith_only_meanwhile(make_person, recorder):
    ana = on_chat(make_person(**ALWAYS_AT_WORK))
    note = services.notification_send(person=ana, subject="Hello", now=TUESDAY_NIGHT)
    on_chat(ana, ContactPreference.Channel.IN_APP)
    services.notifications_deliver_due(now=WEDNESDAY_NOON)
    note.refresh_from_db()
    assert recorder.sent == [] and mail.outbox == []
    assert (note.chat_state, note.email_state) == (State.NONE, State.NONE)


def test_an_unknown_action_is_refused_politely(make_person):
    with pytest.raises(channels.ActionRefused, match="no longer in use"):
        channels.handle_action(make_person(), "nobody.registered.this", "1")


def test_a_wellness_week_holds_chat_like_email(make_person, recorder):
    from kith.guidelines.models import WellnessWeek

    ana = on_chat(make_person(**ALWAYS_AT_WORK))
    # Queued before the week was announced: the send-time check holds it.
    early = services.notification_send(person=ana, subject="Early", now=TUESDAY_NIGHT)
    WellnessWeek.objects.create(
        name="Rest", starts_on=dt.date(2030, 5, 15), ends_on=dt.date(2030, 5, 19)
    )
    during = services.notification_send(person=ana, subject="During", now=WEDNESDAY_NOON)
    assert during.deliver_at.date() == dt.date(2030, 5, 20)
    assert services.notifications_deliver_due(now=WEDNESDAY_NOON) == 0
    assert recorder.sent == []
    early.refresh_from_db()
    assert early.chat_state == State.PENDING and early.chat_retry_at.date() == dt.date(2030, 5, 20)
    after = dt.datetime(2030, 5, 20, 12, 0, tzinfo=LISBON)
    assert services.notifications_deliver_due(now=after) == 2
    assert sorted(m.subject for _, m, _ in recorder.sent) == ["During", "Early"]


def _group_of(people, recorder, monkeypatch, *, key="test.group:9", kind="test.intro", now):
    monkeypatch.setitem(
        channels._renderers, "test.group", lambda k, kd, m: channels.ChatMessage("Group", "")
    )
    return [
        services.notification_send(person=p, subject="Own", kind=kind, group=key, now=now)
        for p in people
    ]


def test_a_group_message_waits_for_a_moment_inside_everyones_hours(
    make_person, recorder, monkeypatch
):
    lisbon = on_chat(make_person(work_start=dt.time(9), work_end=dt.time(17)))
    # New York, 9–17: overlaps Lisbon 14:00–17:00 Lisbon time.
    new_york = on_chat(
        make_person(timezone="America/New_York", work_start=dt.time(9), work_end=dt.time(17))
    )
    morning = dt.datetime(2030, 5, 15, 9, 30, tzinfo=LISBON)  # 04:30 in New York
    _group_of([lisbon, new_york], recorder, monkeypatch, now=morning)
    # New York's own time comes first at 14:00 Lisbon; the group waits for it, then goes once.
    assert services.notifications_deliver_due(now=morning) == 0
    two_pm = dt.datetime(2030, 5, 15, 14, 0, tzinfo=LISBON)
    assert services.notifications_deliver_due(now=two_pm) == 2
    [(addresses, message, _)] = recorder.sent
    assert len(addresses) == 2 and message.subject == "Group"


def test_a_group_with_no_shared_hours_gets_a_message_each_at_their_own_time(
    make_person, recorder, monkeypatch
):
    lisbon = on_chat(make_person(work_start=dt.time(9), work_end=dt.time(17)))
    tokyo = on_chat(make_person(timezone="Asia/Tokyo", work_start=dt.time(9), work_end=dt.time(17)))
    morning = dt.datetime(2030, 5, 15, 9, 0, tzinfo=LISBON)  # 17:00 in Tokyo: day over
    notes = _group_of([lisbon, tokyo], recorder, monkeypatch, now=morning)
    for moment in (morning, morning + dt.timedelta(hours=1), morning + dt.timedelta(hours=16)):
        services.notifications_deliver_due(now=moment)
    assert sorted(len(a) for a, _, _ in recorder.sent) == [1, 1]  # nobody pinged at night
    assert {m.subject for _, m, _ in recorder.sent} == {"Own"}  # each their own message
    for note in notes:
        note.refresh_from_db()
        assert note.chat_state == State.SENT
        local = note.chatted_at.astimezone(ZoneInfo(note.person.timezone))
        assert 9 <= local.hour < 17


def test_a_member_sent_alone_never_takes_the_groups_conversation(
    make_person, recorder, monkeypatch
):
    people = [on_chat(make_person(**ALWAYS_AT_WORK)) for _ in range(2)]
    _group_of(people, recorder, monkeypatch, now=WEDNESDAY_NOON)
    services.notifications_deliver_due(now=WEDNESDAY_NOON)
    group = ChatThread.objects.get(group_key="test.group:9")
    # A reminder for one member goes to them alone (a post in the group's conversation would
    # ping everyone in it)...
    later = WEDNESDAY_NOON + dt.timedelta(days=3)
    _group_of(people[:1], recorder, monkeypatch, kind="test.reminder", now=later)
    services.notifications_deliver_due(now=later)
    assert recorder.sent[-1][0] == [f"U{people[0].pk}"] and recorder.sent[-1][2] == ""
    # ...and the record of the group's conversation is unchanged.
    group.refresh_from_db()
    assert group.members == sorted(p.pk for p in people) and group.conversation_id == "C1"
    # The next message for the whole group lands in it.
    week = WEDNESDAY_NOON + dt.timedelta(days=7)
    _group_of(people, recorder, monkeypatch, kind="test.follow_up", now=week)
    services.notifications_deliver_due(now=week)
    assert recorder.sent[-1][2] == "C1"


def test_a_vanished_conversation_is_forgotten_and_the_message_sent_afresh(
    make_person, recorder, monkeypatch
):
    people = [on_chat(make_person(**ALWAYS_AT_WORK)) for _ in range(2)]
    _group_of(people, recorder, monkeypatch, now=WEDNESDAY_NOON)
    services.notifications_deliver_due(now=WEDNESDAY_NOON)
    sent_before = recorder.send

    def send(addresses, message, *, thread=""):
        if thread:
            raise channels.Unreachable("channel_not_found")
        return sent_before(addresses, message, thread=thread)

    monkeypatch.setattr(recorder, "send", send)
    later = WEDNESDAY_NOON + dt.timedelta(days=7)
    _group_of(people, recorder, monkeypatch, kind="test.follow_up", now=later)
    assert services.notifications_deliver_due(now=later) == 2
    assert recorder.sent[-1][2] == ""
    assert ChatThread.objects.get(group_key="test.group:9").conversation_id == "C2"


def test_a_chat_tool_that_crashes_holds_up_no_email(make_person, recorder, monkeypatch):
    def broken(key, kind, members):
        raise RuntimeError("renderer bug")

    monkeypatch.setitem(channels._renderers, "test.group", broken)
    on_chat_people = [on_chat(make_person(**ALWAYS_AT_WORK)) for _ in range(2)]
    for person in on_chat_people:
        services.notification_send(
            person=person, subject="x", kind="test.intro", group="test.group:5", now=WEDNESDAY_NOON
        )
    by_email = make_person(**ALWAYS_AT_WORK)
    services.notification_send(person=by_email, subject="Hello", now=WEDNESDAY_NOON)
    services.notifications_deliver_due(now=WEDNESDAY_NOON)
    assert [m.to for m in mail.outbox] == [[by_email.email]]


def test_an_email_queued_before_choosing_chat_goes_by_chat(make_person, recorder):
    ana = make_person()  # Lisbon, 9–17
    note = services.notification_send(person=ana, subject="Hello", now=TUESDAY_NIGHT)
    assert note.email_state == State.PENDING
    on_chat(ana)
    services.notifications_deliver_due(now=WEDNESDAY_MORNING)
    services.notifications_deliver_due(now=WEDNESDAY_MORNING)
    note.refresh_from_db()
    assert (note.email_state, note.chat_state) == (State.NONE, State.SENT)
    assert mail.outbox == [] and [m.subject for _, m, _ in recorder.sent] == ["Hello"]


def test_a_member_left_alone_is_still_not_messaged_at_night(make_person, recorder, monkeypatch):
    lisbon = on_chat(make_person(work_start=dt.time(9), work_end=dt.time(17)))
    new_york = on_chat(
        make_person(timezone="America/New_York", work_start=dt.time(11), work_end=dt.time(17))
    )
    recorder.unknown.add(lisbon.email)
    evening = dt.datetime(2030, 5, 15, 17, 30, tzinfo=LISBON)  # 12:30 in New York
    notes = _group_of([lisbon, new_york], recorder, monkeypatch, now=evening)
    thursday_morning = dt.datetime(2030, 5, 16, 9, 0, tzinfo=LISBON)  # 04:00 in New York
    services.notifications_deliver_due(now=thursday_morning)
    assert recorder.sent == []  # New York is asleep
    # The group waits for 11:00 in New York (16:00 in Lisbon), when both are at work; there
    # Lisbon turns out not to be on the chat tool, and New York gets it alone, awake.
    eleven_ny = dt.datetime(2030, 5, 16, 11, 0, tzinfo=ZoneInfo("America/New_York"))
    services.notifications_deliver_due(now=eleven_ny)
    sent = next(n for n in notes if n.person_id == new_york.pk)
    sent.refresh_from_db()
    assert sent.chat_state == State.SENT
    assert 11 <= sent.chatted_at.astimezone(ZoneInfo("America/New_York")).hour < 17


def test_one_member_the_tool_cannot_reach_falls_back_alone(make_person, recorder, monkeypatch):
    people = [on_chat(make_person(**ALWAYS_AT_WORK)) for _ in range(3)]
    gone = people[0]
    original = recorder.send

    def send(addresses, message, *, thread=""):
        if f"U{gone.pk}" in addresses:
            raise channels.Unreachable("user_disabled")
        return original(addresses, message, thread=thread)

    monkeypatch.setattr(recorder, "send", send)
    _group_of(people, recorder, monkeypatch, now=WEDNESDAY_NOON)
    services.notifications_deliver_due(now=WEDNESDAY_NOON)
    assert sorted(a[0] for a, _, _ in recorder.sent) == sorted(f"U{p.pk}" for p in people[1:])
    assert [m.to for m in mail.outbox] == [[gone.email]]


def test_a_waiting_group_steps_aside_in_the_sweep(make_person, recorder, monkeypatch):
    early = on_chat(make_person(**ALWAYS_AT_WORK))
    lisbon = on_chat(make_person())
    notes = _group_of([early, lisbon], recorder, monkeypatch, now=TUESDAY_NIGHT)
    services.notifications_deliver_due(now=TUESDAY_NIGHT)
    waiting = next(n for n in notes if n.person_id == early.pk)
    waiting.refresh_from_db()
    assert waiting.chat_retry_at == WEDNESDAY_MORNING  # out of the due list until then
