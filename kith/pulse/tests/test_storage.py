"""Unlinkable storage (issue 9, attack 12): from a raw dump of every Pulse table, no response
or comment narrows to fewer than k people; rows are not in answering order; nothing holds a
time finer than a date; who answered is known only to SECRET_KEY's holder; a wave under k
is never sent; closing goes through one atomic service."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import random
import re
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test import Client, override_settings

from kith.core import keyed
from kith.core.dates import org_today
from kith.core.models import AuditEvent
from kith.directory.tests.factories import login_for
from kith.pulse import receipts, services, storage
from kith.pulse.models import Comment, Invitation, Receipt, Wave
from kith.pulse.models import Response as SurveyResponse
from kith.pulse.tests.builders import build_org, build_varied_org, campaign

pytestmark = pytest.mark.django_db
K = 5
TEXT = {"kind": "text", "text": "Anything else?"}


# --- the raw dump ----------------------------------------------------------------------------


def dump() -> dict[str, list[dict[str, Any]]]:
    """Every Pulse table, read raw (no ORM, no ORDER BY), JSON columns decoded."""
    tables = [t for t in connection.introspection.table_names() if t.startswith("pulse_")]
    found = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            names = [c[0] for c in cursor.description]
            found[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for rows in found.values():
        for row in rows:
            for name in ("units", "attrs", "stored_attrs", "values"):
                if isinstance(row.get(name), str):
                    row[name] = json.loads(row[name])
    assert {"pulse_response", "pulse_comment", "pulse_invitation", "pulse_receipt"} <= set(found)
    return found


def candidates(tables: dict[str, list[dict[str, Any]]], row: dict[str, Any]) -> dict[str, int]:
    """Invitees a stored response or comment could belong to, from the dump alone: those
    filed under the same stored group, and those whose true codes fit the stored ones (in the
    stored unit's subtree, equal on every attribute that was kept)."""
    wave = next(w for w in tables["pulse_wave"] if w["id"] == row["wave_id"])
    units = wave["units"] if isinstance(wave["units"], list) else json.loads(wave["units"])
    parent = [int(u[2]) for u in units]

    def inside(unit: int, top: int) -> bool:
        while unit >= 0 and unit != top:
            unit = parent[unit]
        return unit == top

    invited = [i for i in tables["pulse_invitation"] if i["wave_id"] == row["wave_id"]]
    same_group = [
        i for i in invited if (i["stored_unit"], i["stored_attrs"]) == (row["unit"], row["attrs"])
    ]
    fitting = [
        i
        for i in invited
        if inside(i["unit"], row["unit"])
        and all(s in (-1, a) for s, a in zip(row["attrs"], i["attrs"], strict=True))
    ]
    return {"same_group": len({i["person_id"] for i in same_group}), "fitting": len(fitting)}


@pytest.fixture
def varied():
    return build_varied_org(org_today())


@pytest.fixture
def org():
    return build_org()


def _send(hr_user, **options) -> Wave:
    c = campaign(hr_user, today=org_today(), min_group=K, **options)
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    return wave


def _answer(wave: Wave, token: str, values: dict[str, int], text: str = "") -> None:
    texts = {i["key"]: text for i in wave.items if i["kind"] == "text"} if text else {}
    services.answer_submit(token=token, answers=values, texts=texts)


def test_a_full_dump_narrows_no_answer_or_comment_to_fewer_than_k(varied):
    hr_user = login_for(varied.hr, hr=True)
    wave = _send(hr_user, attributes=("country", "tenure"), questions=[TEXT])
    rng = random.Random(4)
    invitations = list(Invitation.objects.filter(wave=wave).select_related("person"))
    rng.shuffle(invitations)
    answering = invitations[: len(invitations) * 2 // 3]  # a third do not answer
    for n, invitation in enumerate(answering):
        text = f"Comment {n}" if n % 3 == 0 else ""
        _answer(wave, invitation.token, {"enps.1": n % 11}, text)

    tables = dump()
    assert len(tables["pulse_response"]) == len(answering)
    assert len(tables["pulse_comment"]) == len(range(0, len(answering), 3))
    # The invitations no longer say who answered: only these columns are left.
    assert set(tables["pulse_invitation"][0]) == {
        "id", "wave_id", "person_id", "token", "unit", "attrs", "stored_unit", "stored_attrs"
    }  # fmt: skip
    for table in ("pulse_response", "pulse_comment"):
        for row in tables[table]:
            found = candidates(tables, row)
            assert found["same_group"] >= K, (table, row["unit"], row["attrs"], found)
            assert found["fitting"] >= K, (table, row["unit"], row["attrs"], found)
    # The receipts are HMACs: none of them is any invitation's token, id or person.
    tokens = {i["token"] for i in tables["pulse_invitation"]}
    assert not tokens & {r["digest"] for r in tables["pulse_receipt"]}
    assert {r["wave_id"] for r in tables["pulse_receipt"]} == {wave.pk}
    # Storing the true codes would have named people: most of them sit in groups under k.
    true_groups: dict[tuple[int, str], int] = {}
    for i in tables["pulse_invitation"]:
        key = (i["unit"], json.dumps(i["attrs"]))
        true_groups[key] = true_groups.get(key, 0) + 1
    assert sum(n for n in true_groups.values() if n < K) > len(invitations) / 2


def _rank_correlation(order: list[int]) -> float:
    return float(np.corrcoef(np.arange(len(order)), np.argsort(np.argsort(order)))[0, 1])


def test_raw_rows_follow_neither_answering_order_nor_the_people(varied):
    hr_user = login_for(varied.hr, hr=True)
    wave = _send(hr_user, instruments=("edmondson",), questions=[TEXT])
    items = [i["key"] for i in wave.items if i["kind"] != "text"]
    invitations = list(Invitation.objects.filter(wave=wave).order_by("id"))[:40]
    for n, invitation in enumerate(invitations):  # answered in the invitations' own order
        values = {items[0]: n // 7 + 1, items[1]: n % 7 + 1}  # n, readable back from the row
        _answer(wave, invitation.token, values, text=f"Comment number {n}")
    storage.wave_rows_shuffle(wave=wave)  # what closing does (PostgreSQL; SQLite needs none)

    tables = dump()
    responses = [(r["values"][0] - 1) * 7 + r["values"][1] - 1 for r in tables["pulse_response"]]
    comments = [int(c["text"].split()[-1]) for c in tables["pulse_comment"]]
    digests = {receipts.receipt_digest(wave.pk, i.token): n for n, i in enumerate(invitations)}
    receipt_order = [digests[r["digest"]] for r in tables["pulse_receipt"]]
    for order in (responses, comments, receipt_order):
        assert sorted(order) == list(range(40))
        assert order != list(range(40))
        assert abs(_rank_correlation(order)) < 0.8  # a random order: |rho| ~ 0.16
    if connection.vendor == "sqlite":  # WITHOUT ROWID: stored in random-key order
        for table, key in (
            ("pulse_response", "id"),
            ("pulse_comment", "id"),
            ("pulse_receipt", "digest"),
        ):
            keys = [row[key] for row in tables[table]]
            assert keys == sorted(keys)


def test_no_stored_time_is_finer_than_a_date(org):
    hr_user = login_for(org.hr, hr=True)
    wave = _send(hr_user, questions=[TEXT])
    everyone = org.platform_people + org.data_people + org.direct_people
    for person in everyone:
        token = Invitation.objects.get(wave=wave, person=person).token
        _answer(wave, token, {"enps.1": 9}, text="Fine.")
    for model in (SurveyResponse, Comment, Receipt, Invitation):
        kinds = {type(f) for f in model._meta.concrete_fields}
        assert not kinds & {models.DateTimeField, models.TimeField, models.DurationField}, model
    tables = dump()
    clock = re.compile(r"\d{1,2}:\d{2}")
    for table in ("pulse_response", "pulse_comment", "pulse_receipt", "pulse_invitation"):
        for row in tables[table]:
            for name, value in row.items():
                assert not isinstance(value, dt.datetime | dt.time), (table, name)
                if isinstance(value, str) and name not in ("digest", "token", "text", "id"):
                    assert not clock.search(value), (table, name, value)
    weeks = {dt.date.fromisoformat(str(r["week"])) for r in tables["pulse_response"]}
    assert all(week.weekday() == 0 for week in weeks)


def test_sqlite_keeps_the_answer_tables_without_rowid():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL rewrites the rows when a wave closes")
    with connection.cursor() as cursor:
        for model in storage.SHUFFLED_TABLES:
            table = model._meta.db_table
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table])
            (create,) = cursor.fetchone()
            # A migration that remade the table without calling sqlite_without_rowid again
            # would bring the insertion order back.
            assert storage.is_without_rowid(create), f"{table} has a rowid again"


# --- who answered ----------------------------------------------------------------------------


def test_receipts_are_keyed_by_the_secret_key_and_survive_its_rotation(org):
    hr_user = login_for(org.hr, hr=True)
    wave = _send(hr_user)
    first, second, third = (
        Invitation.objects.get(wave=wave, person=p) for p in org.platform_people[:3]
    )
    old, new = "the-old-key-" * 5, "the-new-key-" * 5
    with override_settings(SECRET_KEY=old):  # before a rotation
        _answer(wave, first.token, {"enps.1": 3})
        old_digest = receipts.receipt_digest(wave.pk, first.token)
    assert Receipt.objects.get().digest == old_digest
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old]):
        assert receipts.has_answered(first)
        with pytest.raises(ValidationError, match="already answered"):
            _answer(wave, first.token, {"enps.1": 4})
        _answer(wave, second.token, {"enps.1": 5})
        tokens = [first.token, second.token, third.token]
        assert receipts.answered_mask(wave.pk, tokens).tolist() == [True, True, False]
    with override_settings(SECRET_KEY=new):  # the old key retired
        assert receipts.answered_mask(wave.pk, tokens).tolist() == [False, True, False]
    # Without the key nobody can tell: the digest is not derivable from the dump.
    assert receipts.receipt_digest(wave.pk, first.token, secret="a-guess") != old_digest


def test_the_fast_hmac_is_djangos_salted_hmac():
    for secret in ("x", "a" * 80, "ключ"):
        with override_settings(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=[]):
            (key,) = keyed.keys(receipts.SALT)
            messages = [b"7:abc", b"7:" + b"z" * 500, b""]
            fast = list(keyed.hmac_many(key, messages))
            assert fast == [hmac.digest(key, m, "sha256") for m in messages]
            assert fast[0].hex() == receipts.receipt_digest(7, "abc")


def test_my_surveys_say_whether_i_answered(org):
    hr_user = login_for(org.hr, hr=True)
    wave = _send(hr_user)
    me = org.platform_people[0]
    client = Client()
    client.force_login(login_for(me))
    assert client.get("/api/v1/pulse/surveys").json()[0]["answered"] is False
    _answer(wave, Invitation.objects.get(wave=wave, person=me).token, {"enps.1": 8})
    assert client.get("/api/v1/pulse/surveys").json()[0]["answered"] is True
    assert "Answered, thank you" in client.get("/pulse/").content.decode()


# --- sending and closing ---------------------------------------------------------------------


def test_a_wave_under_k_is_not_sent_and_says_why(org):
    hr_user = login_for(org.hr, hr=True)
    small = services.campaign_save(
        campaign=None,
        fields={
            "name": "Data pulse",
            "instruments": ["enps"],
            "opens_on": org_today(),
            "closes_on": org_today() + dt.timedelta(days=7),
            "min_group": K,
        },
        org_units=[org.data],  # 3 people
        actor=hr_user,
    )
    wave = small.waves.get()
    with pytest.raises(services.WaveTooSmall) as refused:
        services.wave_send(wave=wave)
    message = " ".join(refused.value.messages)
    assert "“Data pulse · wave 1” was not sent" in message
    assert "3 people" in message and "minimum group of 5" in message
    wave.refresh_from_db()
    assert wave.sent_at is None and wave.results_error == message
    assert not Invitation.objects.filter(wave=wave).exists()
    assert services.waves_send_due() == 0  # the scheduler does not try again every 15 minutes
    client = Client()
    client.force_login(hr_user)
    page = client.post(
        f"/pulse/manage/waves/{wave.pk}/send/", {"confirm": "yes"}, follow=True
    ).content.decode()
    assert "was not sent: its audience has 3 people" in page


def test_invitations_keep_true_and_stored_groups(varied):
    wave = _send(login_for(varied.hr, hr=True), attributes=("country", "tenure"))
    rows = list(Invitation.objects.filter(wave=wave).values_list("unit", "attrs", "stored_unit"))
    stored = list(Invitation.objects.filter(wave=wave).values_list("stored_unit", "stored_attrs"))
    sizes: dict[str, int] = {}
    for unit, attrs in stored:
        sizes[json.dumps([unit, attrs])] = sizes.get(json.dumps([unit, attrs]), 0) + 1
    assert min(sizes.values()) >= K
    apps = next(i for i, u in enumerate(wave.units) if u[1] == "Apps")
    assert any(unit == apps and stored_unit == apps for unit, _a, stored_unit in rows)


def test_close_now_is_one_atomic_service_with_an_audit_row(org, monkeypatch):
    hr_user = login_for(org.hr, hr=True)
    wave = _send(hr_user)
    closes_on = wave.closes_on

    def broken(**kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr(services.pulse_results, "wave_results_compute", broken)
    with pytest.raises(RuntimeError):
        services.wave_close(wave=wave, actor=hr_user)
    wave.refresh_from_db()
    assert wave.closes_on == closes_on and wave.results_at is None
    assert not AuditEvent.objects.filter(action="pulse.wave_closed").exists()

    shuffled = []
    monkeypatch.setattr(services.pulse_results, "wave_results_compute", lambda **kw: 3)
    monkeypatch.setattr(services, "wave_rows_shuffle", lambda *, wave: shuffled.append(wave.pk))
    client = Client()
    client.force_login(hr_user)
    page = client.post(
        f"/pulse/manage/waves/{wave.pk}/close/", {"confirm": "yes"}, follow=True
    ).content.decode()
    assert "Closed. 3 groups passed the privacy rules." in page
    wave.refresh_from_db()
    assert wave.closes_on == min(closes_on, org_today()) and shuffled == [wave.pk]
    event = AuditEvent.objects.get(action="pulse.wave_closed")
    assert event.target == f"wave:{wave.pk}" and event.actor == hr_user


def test_close_now_computes_the_results(org):
    hr_user = login_for(org.hr, hr=True)
    wave = _send(hr_user)
    for person in org.platform_people:
        _answer(wave, Invitation.objects.get(wave=wave, person=person).token, {"enps.1": 9})
    assert services.wave_close(wave=wave, actor=hr_user) >= 1
    wave.refresh_from_db()
    assert wave.results_at is not None
    with pytest.raises(ValidationError, match="Only an open wave"):
        services.wave_close(wave=wave, actor=hr_user)
    with pytest.raises(ValidationError, match="closed"):
        _answer(wave, Invitation.objects.get(wave=wave, person=org.manager).token, {"enps.1": 1})


def test_answering_files_under_the_stored_group_and_never_writes_the_invitation(varied):
    wave = _send(login_for(varied.hr, hr=True), attributes=("country", "tenure"), questions=[TEXT])
    invitation = next(
        i
        for i in Invitation.objects.filter(wave=wave)
        if (i.stored_unit, i.stored_attrs) != (i.unit, i.attrs)  # generalised
    )
    before = Invitation.objects.filter(pk=invitation.pk).values().get()
    _answer(wave, invitation.token, {"enps.1": 7}, text="Hello")
    assert Invitation.objects.filter(pk=invitation.pk).values().get() == before
    response, comment = SurveyResponse.objects.get(), Comment.objects.get()
    assert (response.unit, response.attrs) == (invitation.stored_unit, invitation.stored_attrs)
    assert (comment.unit, comment.attrs) == (invitation.stored_unit, invitation.stored_attrs)


# --- the migration of existing rows ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_receipts_and_stored_groups():
    """Rows written before unlinkable storage (true codes on responses, `responded` flags)
    come out of migrations 0003-0006 with receipts, stored groups of at least k, and no flag."""
    from django.db.migrations.executor import MigrationExecutor

    varied = build_varied_org(org_today())
    before, latest = [("pulse", "0002_wave_attributes_list")], None
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("pulse")
    try:
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        people = varied.people[:30]  # 30 invitees, two thirds of them answered
        codes = [(1 + i % 3, [i % 4, i % 2]) for i in range(len(people))]
        campaign_row = old.get_model("pulse", "Campaign").objects.create(
            name="Old", instruments=["enps"], attributes=["country", "tenure"],
            opens_on=org_today(), closes_on=org_today(), min_group=K,
        )  # fmt: skip
        wave_row = old.get_model("pulse", "Wave").objects.create(
            campaign=campaign_row, number=1, opens_on=org_today(), closes_on=org_today(),
            sent_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), invited=len(people),
            units=[[None, "Org", -1], [None, "A", 0], [None, "B", 0], [None, "C", 1]],
            attributes=[["country", ["a", "b", "c", "d"]], ["tenure", ["x", "y"]]],
        )  # fmt: skip
        invitation = old.get_model("pulse", "Invitation")
        for i, (person, (unit, attrs)) in enumerate(zip(people, codes, strict=True)):
            flagged = i % 3 != 2
            invitation.objects.create(
                wave=wave_row, person_id=person.pk, unit=unit, attrs=attrs, responded=flagged
            )
            if flagged:
                old.get_model("pulse", "Response").objects.create(
                    wave=wave_row, unit=unit, attrs=attrs, week=org_today(), values=[i % 11]
                )
                old.get_model("pulse", "Comment").objects.create(
                    wave=wave_row, item="custom.1", unit=unit, attrs=attrs, text=f"c{i}"
                )
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    wave = Wave.objects.get(pk=wave_row.pk)
    invitations = list(Invitation.objects.filter(wave=wave).order_by("id"))
    answered = [i for n, i in enumerate(invitations) if n % 3 != 2]
    assert Receipt.objects.filter(wave=wave).count() == len(answered) == 20
    assert all(receipts.has_answered(i) for i in answered)
    assert not any(receipts.has_answered(i) for n, i in enumerate(invitations) if n % 3 == 2)
    tables = dump()
    for table in ("pulse_response", "pulse_comment"):
        assert len(tables[table]) == 20
        for row in tables[table]:
            assert candidates(tables, row)["same_group"] >= K
    groups = {(i.stored_unit, tuple(i.stored_attrs)) for i in invitations}
    stored = {(r.unit, tuple(r.attrs)) for r in SurveyResponse.objects.filter(wave=wave)}
    assert stored <= groups and len(groups) > 1
    assert "responded" not in {f.name for f in Invitation._meta.get_fields()}
