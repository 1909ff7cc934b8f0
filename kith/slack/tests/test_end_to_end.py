"""The issue's acceptance with Slack configured: an intro round creates one group DM per match
on the fake Slack server, the "We met" button press (a signed interaction payload) records the
answer, and a paused person receives nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from kith.connect import rounds, services
from kith.connect.engine.cadence import round_dates
from kith.connect.models import MatchMember
from kith.connect.tests.factories import ProgramFactory
from kith.directory.models import ContactPreference
from kith.directory.tests.factories import PersonFactory
from kith.notify.models import ChatThread
from kith.notify.services import notifications_deliver_due
from kith.slack.tests.conftest import payload, post_interaction
from kith.slack.tests.fake_slack import TEAM_ID

pytestmark = pytest.mark.django_db

START = dt.date(2030, 5, 1)
ALWAYS_AT_WORK = {
    "timezone": "UTC",
    "work_start": dt.time(0, 0),
    "work_end": dt.time(23, 59, 59, 999999),
    "work_days": [1, 2, 3, 4, 5, 6, 7],
}


def on_slack(fake, number):
    person = PersonFactory(
        full_name=f"Colleague {number}", email=f"c{number}@example.com", **ALWAYS_AT_WORK
    )
    ContactPreference.objects.create(person=person, preferred_channel="slack")
    fake.add_user(f"U{number:08d}", person.email, person.full_name)
    return person


def slack_id(person):
    return f"U{int(person.email[1:].split('@')[0]):08d}"


def test_an_intro_round_in_slack(client, workspace, fake_slack):
    people = [on_slack(fake_slack, n) for n in range(1, 8)]
    paused = people[-1]
    program = ProgramFactory(starts_on=START, weekday=3, local_hour=10, follow_up_days=7)
    services.participation_pause(
        program=program, person=paused, until=START + dt.timedelta(weeks=8), today=START
    )
    (day,) = round_dates(starts_on=START, weekday=3, cadence="weekly", after=START, count=1)
    drawn = rounds.round_run(
        program=program, round_date=day, now=dt.datetime.combine(START, dt.time(8), dt.UTC)
    )
    members: dict[int, set[str]] = defaultdict(set)
    for row in MatchMember.objects.filter(match__round=drawn).select_related("person"):
        members[row.match_id].add(slack_id(row.person))
    assert len(members) == 3 and all(len(ids) == 2 for ids in members.values())

    intro_time = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), dt.UTC)
    notifications_deliver_due(now=intro_time)

    # One group DM per match, opened with all its members' ids, and one intro in each.
    opened = [set(c.args["users"].split(",")) for c in fake_slack.calls_to("conversations.open")]
    assert sorted(map(sorted, opened)) == sorted(map(sorted, members.values()))
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) == 3
    threads = {t.group_key: t.conversation_id for t in ChatThread.objects.filter(provider="slack")}
    assert set(threads) == {f"connect.match:{m}" for m in members}
    assert {p.args["channel"] for p in posts} == set(threads.values())
    for conversation_id in threads.values():
        assert fake_slack.conversations[conversation_id].is_mpim

    # The paused person receives nothing: no call mentions them.
    assert fake_slack.mentioning(slack_id(paused)) == []

    # A week later, "did you meet?" lands in the same group DM, with the buttons.
    follow_up_time = intro_time + dt.timedelta(days=8)
    assert rounds.follow_ups_send_due(now=follow_up_time) == 6
    notifications_deliver_due(now=follow_up_time)
    follow_ups = fake_slack.calls_to("chat.postMessage")[3:]
    assert len(follow_ups) == 3
    assert len(fake_slack.calls_to("conversations.open")) == 3  # no new conversation
    match_id = next(iter(members))
    channel = threads[f"connect.match:{match_id}"]
    (post,) = [p for p in follow_ups if p.args["channel"] == channel]
    (buttons,) = [b["elements"] for b in post.args["blocks"] if b["type"] == "actions"]
    we_met = next(b for b in buttons if b["value"] == f"{match_id}:yes")
    assert we_met["text"]["text"] == "We met"
    assert fake_slack.mentioning(slack_id(paused)) == []

    # Ana presses "We met": a signed interaction payload, as Slack sends it.
    ana = MatchMember.objects.filter(match_id=match_id).select_related("person").first()
    assert ana is not None
    press = payload("block_actions.json")
    press["team"]["id"] = TEAM_ID
    press["user"] = {"id": slack_id(ana.person), "username": "ana", "team_id": TEAM_ID}
    press["channel"] = {"id": channel, "name": "mpdm"}
    press["message"] = {"type": "message", "ts": "1700000000.000100", "blocks": post.args["blocks"]}
    press["actions"] = [{**we_met, "block_id": "kith_actions", "type": "button"}]
    assert post_interaction(client, press).status_code == 200
    ana.refresh_from_db()
    assert ana.met == MatchMember.Met.YES and ana.answered_at is not None
    (update,) = fake_slack.calls_to("chat.update")
    assert update.args["blocks"][-1]["elements"][0]["text"] == (
        f"{ana.person.display_name} answered ✓"
    )
