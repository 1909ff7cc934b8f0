"""Connect in chat tools: one conversation per match, its buttons run the page's services, one
reminder for an unanswered "did you meet?" and one re-ask after "Not yet"."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.connect import chat, rounds
from kith.connect.models import Match, MatchMember, Participation
from kith.connect.tests.factories import ProgramFactory
from kith.directory.models import Person
from kith.notify import channels
from kith.notify.models import Notification

START = dt.date(2026, 9, 1)
ROUND_DAY = dt.date(2026, 9, 2)


@pytest.fixture
def four(db) -> list[Person]:
    return [
        Person.objects.create(
            employee_id=f"C{i}",
            full_name=f"Colleague {name}",
            email=f"{name.lower()}@example.org",
            timezone="Europe/Lisbon",
            city="Lisbon",
            country="PT",
        )
        for i, name in enumerate(["Ana", "Bea", "Caio", "Duda"])
    ]


def drawn_match(four: list[Person]) -> Match:
    program = ProgramFactory(starts_on=START, follow_up_days=7)
    drawn = rounds.round_run(program=program, round_date=ROUND_DAY)
    match = drawn.matches.first()
    assert match is not None
    return match


def test_intros_and_follow_ups_carry_the_match_as_their_group(four):
    match = drawn_match(four)
    intros = Notification.objects.filter(
        kind="connect.intro", person__match_memberships__match=match
    )
    assert {n.group_key for n in intros} == {f"connect.match:{match.pk}"}
    rounds.follow_ups_send_due(now=dt.datetime(2026, 9, 10, 12, tzinfo=dt.UTC))
    asks = Notification.objects.filter(
        kind="connect.follow_up", group_key=f"connect.match:{match.pk}"
    )
    assert asks.count() == match.members.count()


def test_the_group_message_names_everyone_and_offers_the_answers(four):
    match = drawn_match(four)
    people = [m.person for m in match.members.all()]
    intro = chat.render_group(f"connect.match:{match.pk}", "connect.intro", people)
    assert intro is not None
    for person in people:
        assert person.display_name in intro.subject
    assert [a.label for a in intro.actions] == ["Pause me"]
    assert intro.url.endswith(f"/connect/matches/{match.pk}/")
    ask = chat.render_group(f"connect.match:{match.pk}", "connect.follow_up", people)
    reminder = chat.render_group(f"connect.match:{match.pk}", "connect.reminder", people)
    assert reminder.subject.startswith("Reminder: Did you meet?")
    assert [a.label for a in reminder.actions] == [a.label for a in ask.actions]
    assert [a.label for a in ask.actions] == ["We met", "Not yet", "Couldn't", "Pause me"]
    assert ask.actions[0].value == f"{match.pk}:yes"
    assert chat.render_group("connect.match:999999", "connect.intro", people) is None


def test_answers_from_chat_are_recorded_as_on_the_page(four):
    match = drawn_match(four)
    ana, bea = [m.person for m in match.members.order_by("id")][:2]
    reply = channels.handle_action(ana, "connect.follow_up", f"{match.pk}:yes")
    assert "noted" in reply
    assert MatchMember.objects.get(match=match, person=ana).met == MatchMember.Met.YES
    channels.handle_action(bea, "connect.follow_up", f"{match.pk}:no")
    assert MatchMember.objects.get(match=match, person=bea).met == MatchMember.Met.NO
    outsider = next(p for p in four if not match.members.filter(person=p).exists())
    with pytest.raises(channels.ActionRefused, match="Only the people in this match"):
        channels.handle_action(outsider, "connect.follow_up", f"{match.pk}:yes")
    with pytest.raises(channels.ActionRefused):
        channels.handle_action(ana, "connect.follow_up", "not-a-match:yes")


def test_pause_me_pauses_the_person_in_that_program(four):
    match = drawn_match(four)
    ana = match.members.first().person
    reply = channels.handle_action(ana, "connect.pause", str(match.program_id))
    assert "paused" in reply
    row = Participation.objects.get(program=match.program, person=ana)
    assert row.paused_until is not None and row.paused_until > dt.date.today()


def test_one_reminder_and_one_re_ask_after_not_yet(four):
    match = drawn_match(four)
    ana, bea = [m.person for m in match.members.order_by("id")][:2]
    asked = dt.datetime(2026, 9, 10, 12, tzinfo=dt.UTC)
    rounds.follow_ups_send_due(now=asked)
    channels.handle_action(bea, "connect.follow_up", f"{match.pk}:not_yet")

    def asks(person: Person) -> list[str]:
        return list(
            Notification.objects.filter(
                person=person, kind__in=["connect.follow_up", "connect.reminder", "connect.reask"]
            )
            .order_by("id")
            .values_list("subject", flat=True)
        )

    # Three days on: Ana, who did not answer, is reminded once; Bea said "not yet".
    rounds.follow_ups_send_due(now=asked + dt.timedelta(days=3))
    rounds.follow_ups_send_due(now=asked + dt.timedelta(days=4))
    assert [s.split(":")[0] for s in asks(ana)] == [asks(ana)[0].split(":")[0], "Reminder"]
    assert len(asks(bea)) == 1
    # A week after "not yet" (from when she said it), Bea is asked once more, and only once.
    reask_at = MatchMember.objects.get(match=match, person=bea).reask_at
    assert reask_at is not None
    rounds.follow_ups_send_due(now=reask_at - dt.timedelta(minutes=1))
    assert len(asks(bea)) == 1
    rounds.follow_ups_send_due(now=reask_at)
    rounds.follow_ups_send_due(now=reask_at + dt.timedelta(days=12))
    assert len(asks(bea)) == 2 and asks(bea)[1].startswith("Once more")
    assert len(asks(ana)) == 2
    channels.handle_action(bea, "connect.follow_up", f"{match.pk}:not_yet")  # no third ask
    rounds.follow_ups_send_due(now=reask_at + dt.timedelta(days=40))
    assert len(asks(bea)) == 2


def test_pause_me_never_signs_up_someone_who_left_nor_shortens_a_longer_pause(four):
    match = drawn_match(four)
    ana, bea = [m.person for m in match.members.order_by("id")][:2]
    Participation.objects.update_or_create(
        program=match.program, person=ana, defaults={"status": Participation.Status.LEFT}
    )
    with pytest.raises(channels.ActionRefused, match="You left"):
        channels.handle_action(ana, "connect.pause", str(match.program_id))
    assert Participation.objects.get(program=match.program, person=ana).status == "left"
    far = dt.date.today() + dt.timedelta(days=200)
    Participation.objects.update_or_create(
        program=match.program, person=bea, defaults={"paused_until": far}
    )
    assert "already paused" in channels.handle_action(bea, "connect.pause", str(match.program_id))
    assert Participation.objects.get(program=match.program, person=bea).paused_until == far


def test_not_yet_promises_a_re_ask_only_when_one_is_coming(four):
    match = drawn_match(four)
    ana = match.members.order_by("id").first().person
    first = channels.handle_action(ana, "connect.follow_up", f"{match.pk}:not_yet")
    assert "once more in a week" in first
    MatchMember.objects.filter(match=match, person=ana).update(reasked_at=dt.datetime.now(dt.UTC))
    again = channels.handle_action(ana, "connect.follow_up", f"{match.pk}:not_yet")
    assert "once more" not in again and "noted" in again
