"""An anonymous town hall question is unlinkable, even in a database dump (as decision 0008
makes survey answers): the question tables and the audit log, read raw, column by column,
hold nothing that ties it to the person who asked; no time finer than the day; no insertion
order; nothing in the logs or the session. Runs on SQLite and, with KITH_TEST_DATABASE_URL,
on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection, transaction
from django.test import Client

from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import town_hall_services as th_services
from kith.events.models import Question, QuestionVote, TownHall
from kith.events.storage import is_without_rowid
from kith.events.tests.builders import make_town_hall

pytestmark = pytest.mark.django_db
QUESTION_TABLES = ("events_question", "events_questionvote", "events_townhall")
SECRET = "Is the Porto office closing? Asking for my team."


def dump(*tables: str) -> dict[str, list[dict[str, Any]]]:
    """Every column of every row, read raw (no ORM, no ORDER BY)."""
    found = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            names = [c[0] for c in cursor.description]
            found[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return found


def _text_of(value: Any) -> str:
    return json.dumps(value, default=str) if not isinstance(value, str) else value


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_dump_holds_nothing_that_links_an_anonymous_question_to_its_asker(
    hr_person, caplog, django_capture_on_commit_callbacks
):
    ana = PersonFactory(full_name="Ana Anonymity", email="ana.asker@example.com")
    ben, cai = PersonFactory(full_name="Ben Named"), PersonFactory(full_name="Cai Voter")
    ana_user, ben_user = login_for(ana), login_for(ben)
    hr_user = login_for(hr_person, hr=True)
    hall = make_town_hall()
    ana_client = _client(ana_user)
    session_before = list(Session.objects.values_list("session_key", "session_data", "expire_date"))

    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        asked = ana_client.post(
            f"/events/{hall.pk}/questions/", {"text": SECRET, "asker": "anonymous"}
        )
        api = ana_client.post(
            f"/api/v1/events/{hall.pk}/questions",
            {"text": "And the Faro one?", "anonymous": True},
            content_type="application/json",
        )
    assert asked.status_code == 302 and api.status_code == 201
    assert queued == []  # nothing enqueued by asking
    assert "messages" not in asked.cookies and "sessionid" not in asked.cookies
    assert list(Session.objects.values_list("session_key", "session_data", "expire_date")) == (
        session_before
    )
    secret = Question.objects.get(text=SECRET)
    anonymous_ids = {str(secret.pk), str(api.json()["id"])}

    # What happens around it: a named question, votes (Ana's own included), moderation.
    th_services.question_ask(
        viewer=viewer_for_user(ben_user), event_id=hall.pk, text="Named one?", anonymous=False
    )
    for person in (ana, cai):
        _client(login_for(person)).post(
            f"/events/{hall.pk}/questions/{secret.pk}/vote/", {"vote": "up"}
        )
    hr = _client(hr_user)
    hr.post(f"/events/{hall.pk}/questions/{secret.pk}/moderate/", {"action": "answered"})
    hr.post(f"/events/{hall.pk}/questions/settings/", {"approval": "needed"})

    tables = dump(*QUESTION_TABLES, AuditEvent._meta.db_table)
    # The anonymous rows: exactly these columns, no author, the day only.
    rows = [r for r in tables["events_question"] if _uuid_text(r["id"]) in _hex(anonymous_ids)]
    assert len(rows) == 2
    for row in rows:
        assert set(row) == {
            "id", "event_id", "text", "author_id", "asked_on", "state", "answered",
            "hidden_reason",
        }  # fmt: skip
        assert row["author_id"] is None
        assert len(str(row["asked_on"])) == len("2026-01-01")
    # No column anywhere in these tables holds a time.
    for table in QUESTION_TABLES[:2]:
        for row in tables[table]:
            assert not any(isinstance(v, dt.datetime) for v in row.values()), table
            assert not any(name.endswith(("_at", "time", "created")) for name in row), table

    # Nothing in any question row, vote row or audit row names Ana as the asker.
    names = {ana.full_name, ana.display_name, ana.email, ana.employee_id}
    for table, table_rows in tables.items():
        for row in table_rows:
            text = " ".join(_text_of(v) for v in row.values())
            assert not any(name in text for name in names), (table, row)
    assert all(r["author_id"] != ana.pk for r in tables["events_question"])
    ana_votes = [r for r in tables["events_questionvote"] if r["person_id"] == ana.pk]
    assert len(ana_votes) == 1  # she voted, as anyone may: a vote is not a question
    audit = tables[AuditEvent._meta.db_table]
    assert all(r["actor_id"] != ana_user.pk for r in audit)
    about_it = [r for r in audit if any(i in _text_of(r["detail"]) for i in anonymous_ids)]
    assert {r["actor_id"] for r in about_it} == {hr_user.pk}  # the moderator, never the asker
    assert [r["actor_id"] for r in audit if r["action"] == "events.question_asked"] == [ben_user.pk]

    # Nor does any log line written meanwhile.
    for record in caplog.records:
        message = record.getMessage()
        assert not any(name in message for name in names), message
        assert SECRET not in message


def _hex(ids: set[str]) -> set[str]:
    return {i.replace("-", "") for i in ids}


def _uuid_text(value: Any) -> str:
    """A UUID as the database hands it back raw: 32 hex digits on SQLite, a UUID on
    PostgreSQL."""
    return str(value).replace("-", "")


def test_rows_keep_no_order_of_asking_or_voting():
    hall = make_town_hall()
    people = PersonFactory.create_batch(8)
    asked = []
    for n, person in enumerate(people):
        asked.append(
            th_services.question_ask(
                viewer=viewer_for_user(login_for(person)),
                event_id=hall.pk,
                text=f"Question number {n}?",
                anonymous=n % 2 == 0,
            )
        )
    first = asked[0]
    for person in people:
        th_services.question_vote(
            viewer=viewer_for_user(login_for(person)),
            event_id=hall.pk,
            question_id=first.pk,
            up=True,
        )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in ("events_question", "events_questionvote"):
                cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table])
                assert is_without_rowid(cursor.fetchone()[0]), table
                with pytest.raises(OperationalError), transaction.atomic():
                    cursor.execute(f'SELECT rowid FROM "{table}"')  # no hidden counter
            # Rows come back in key order (random), not in the order people asked.
            cursor.execute('SELECT id FROM "events_question" WHERE event_id = %s', [hall.pk])
            raw = [row[0] for row in cursor.fetchall()]
            assert raw == sorted(raw)
        else:
            # PostgreSQL keeps rows where they were written, so each new row rewrites its
            # set (an event's questions, a question's votes): the earlier rows move.
            def place(table: str, pk: Any) -> str:
                cursor.execute(f"SELECT ctid::text FROM {table} WHERE id = %s", [pk])
                return cursor.fetchone()[0]

            before = place("events_question", first.pk)
            th_services.question_ask(
                viewer=viewer_for_user(login_for(PersonFactory())),
                event_id=hall.pk,
                text="One more?",
                anonymous=True,
            )
            assert place("events_question", first.pk) != before
            vote = QuestionVote.objects.filter(question=first).first()
            before = place("events_questionvote", vote.pk)
            th_services.question_vote(
                viewer=viewer_for_user(login_for(PersonFactory())),
                event_id=hall.pk,
                question_id=first.pk,
                up=True,
            )
            assert place("events_questionvote", vote.pk) != before
    assert Question.objects.filter(event=hall).count() >= 8
    assert QuestionVote.objects.filter(question=first).count() >= 8


def test_the_town_hall_row_holds_settings_and_notes_only():
    hall = make_town_hall()
    TownHall.objects.create(event=hall, approval_needed=True)
    (row,) = dump("events_townhall")["events_townhall"]
    assert set(row) == {"event_id", "approval_needed", "notes", "notes_published_at"}
