"""Issue 9's attacks on survey results, run as an attacker would: through the API, with
what HR knows (who sits where), combining everything published across campaigns and waves.
Each ends in a brute force: no set of fewer than k people lies in the span of what was
shown (people as atoms, every publication stacked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from kith.core.dates import org_today
from kith.core.models import DisclosedCell
from kith.directory.models import Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.pulse import results, selectors, services
from kith.pulse.models import Campaign, Invitation, ResultCell, Wave
from kith.pulse.receipts import has_answered
from kith.pulse.tests.builders import answer_all, build_org
from kith.pulse.tests.test_engine_suppression import people_leaks

pytestmark = pytest.mark.django_db
K = 5


def hr_client(person: Person) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=True))
    return client


def launch(
    actor,
    *,
    units: Iterable[Any] = (),
    instruments=("enps",),
    attributes=(),
    cadence_weeks: int = 0,
    name: str = "Pulse",
) -> Campaign:
    return services.campaign_save(
        campaign=None,
        fields={
            "name": name,
            "instruments": list(instruments),
            "attributes": list(attributes),
            "opens_on": org_today(),
            "closes_on": org_today() + dt.timedelta(days=7),
            "cadence_weeks": cadence_weeks,
            "min_group": K,
        },
        org_units=list(units),
        actor=actor,
    )


def send(wave: Wave) -> Wave:
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    return wave


def close(wave: Wave) -> None:
    results.wave_results_compute(wave=wave)
    wave.refresh_from_db()


def seen_through_api(client: Client, wave: Wave) -> list[dict]:
    """Every row the API shows for a wave: every unit as parent, under every filter."""
    rows: dict[tuple[int, int, int], dict] = {}
    filters = [(-1, -1)] + [(a, v) for a, v, _ in selectors.filters_for(wave)]
    for attr, value in filters:
        for parent in range(len(wave.units)):
            query = f"unit={parent}" + (f"&attr={attr}&value={value}" if attr >= 0 else "")
            response = client.get(f"/api/v1/pulse/waves/{wave.pk}/results?{query}")
            if response.status_code == 404:
                continue
            assert response.status_code == 200, response.content
            for row in response.json()["rows"]:
                if not row["withheld"]:
                    rows[(row["unit"], attr, value)] = row
    return [{"cell": cell, **row} for cell, row in sorted(rows.items())]


def _in_cell(wave: Wave, unit: int, codes: list[int], cell: tuple[int, int, int]) -> bool:
    u, j, v = cell
    if j >= 0 and codes[j] != v:
        return False
    while unit >= 0:
        if unit == u:
            return True
        unit = int(wave.units[unit][2])
    return False


def populations(wave: Wave, rows: list[dict], *, respondents: bool) -> list[set[int]]:
    """Who each shown row describes, from the invitations (what HR knows, plus — for the
    strongest attacker — who answered)."""
    invitations = list(Invitation.objects.filter(wave=wave))
    if respondents:
        invitations = [i for i in invitations if has_answered(i)]
    return [
        {i.person_id for i in invitations if _in_cell(wave, i.unit, list(i.attrs), r["cell"])}
        for r in rows
    ]


def answer_leaks(waves: list[Wave], client: Client) -> list[tuple[int, ...]]:
    rows: list[set[int]] = []
    for wave in waves:
        rows += populations(wave, seen_through_api(client, wave), respondents=True)
    people = sorted({p for row in rows for p in row})
    return people_leaks(rows, people, K)


# --- 1. two overlapping campaigns ------------------------------------------------------------


def test_two_overlapping_campaigns_never_give_one_persons_answers():
    """A department of 7 (Alpha 6, Beta 1): campaign X over the department, Y over Alpha.
    Each is safe alone; X's department minus Y's Alpha would be Beta's answers."""
    department = OrgUnitFactory(name="Finance", kind="department")
    alpha = OrgUnitFactory(name="Alpha", parent=department)
    beta = OrgUnitFactory(name="Beta", parent=department)
    alphas = [PersonFactory(org_unit=alpha) for _ in range(6)]
    betas = [PersonFactory(org_unit=beta)]
    hr = PersonFactory(org_unit=OrgUnitFactory(name="People", kind="department"))
    actor = login_for(hr, hr=True)
    x = send(launch(actor, units=[department], name="X").waves.get())
    y = send(launch(actor, units=[alpha], name="Y").waves.get())
    answer_all(x, alphas + betas)
    answer_all(y, alphas)
    close(x)
    close(y)
    client = hr_client(hr)
    shown_x, shown_y = seen_through_api(client, x), seen_through_api(client, y)
    assert shown_x, "the department's campaign shows its department"
    beta_person = betas[0].pk
    assert all(beta_person in row for row in populations(x, shown_x, respondents=True))
    assert answer_leaks([x, y], client) == []
    # Y alone would have shown Alpha; next to X it would single out Beta.
    assert shown_y == []


# --- 2. the org tree changes between waves -----------------------------------------------


def test_a_new_department_between_waves_does_not_defeat_the_waves_rule():
    org = build_org()
    actor = login_for(org.hr, hr=True)
    c = launch(actor, cadence_weeks=1)
    everyone = org.platform_people + org.data_people + org.direct_people
    first = send(c.waves.get(number=1))
    answer_all(first, everyone)
    close(first)
    OrgUnitFactory(name="Aardvark", kind="department")  # renumbers the units after it
    second = send(c.waves.get(number=2))
    answer_all(second, everyone[1:], today=second.opens_on)  # one Platform colleague skips

    def index(wave: Wave, name: str) -> int:
        return next(i for i, u in enumerate(wave.units) if u[1] == name)

    assert index(first, "Platform") != index(second, "Platform")
    close(second)
    client = hr_client(org.hr)
    shown = {row["group"] for row in seen_through_api(client, second)}
    assert "Engineering / Platform" not in shown
    assert answer_leaks([first, second], client) == []
    keys = set(DisclosedCell.objects.values_list("key", flat=True))
    assert f"unit:{org.platform.pk}" in keys  # stable identity, not a position


# --- 5. items skipped by most of a cell ------------------------------------------------------


def test_an_item_answered_by_fewer_than_k_is_never_shown():
    org = build_org()
    actor = login_for(org.hr, hr=True)
    wave = send(launch(actor, instruments=("edmondson",)).waves.get())
    numeric = [i["key"] for i in wave.items if i["kind"] != "text"]
    full = {key: 4 for key in numeric}
    skipped = {key: 4 for key in numeric[1:]}  # the first item left blank
    answer_all(wave, org.platform_people[:2], answers=full)
    answer_all(wave, org.platform_people[2:] + org.data_people + org.direct_people, answers=skipped)
    close(wave)
    for row in seen_through_api(hr_client(org.hr), wave):
        item = row["items"].get(numeric[0])
        assert item is None or item["n"] >= K, row["group"]
        for key, stat in row["items"].items():
            skips = row["respondents"] - stat["n"]
            assert skips == 0 or skips >= K, (row["group"], key)
    assert ResultCell.objects.filter(wave=wave).exists()


# --- 6. participation ------------------------------------------------------------------------


@pytest.mark.parametrize("ceo_answers", [True, False])
def test_whether_the_one_person_outside_every_department_answered_stays_unknown(ceo_answers):
    org = build_org()
    ceo = PersonFactory(full_name="Chief Executive", org_unit=None)
    more = [PersonFactory(org_unit=org.hr.org_unit) for _ in range(5)]
    actor = login_for(org.hr, hr=True)
    wave = send(launch(actor).waves.get())
    everyone = org.platform_people + org.data_people + org.direct_people + more
    answer_all(wave, everyone + ([ceo] if ceo_answers else []))
    close(wave)
    client = hr_client(org.hr)
    shown = seen_through_api(client, wave)
    invited = populations(wave, shown, respondents=False)
    people = sorted({p for row in invited for p in row})
    # No set of fewer than k invitees lies in the span of the cells' invitee rows, so no
    # combination of respondent counts tells whether fewer than k named people answered.
    assert people_leaks(invited, people, K) == []
    assert ceo.pk in people  # the organisation's cell counts the CEO
    assert answer_leaks([wave], client) == []


def test_the_same_cells_are_shown_whether_or_not_one_person_answered():
    shown = {}
    for ceo_answers in (True, False):
        with transaction.atomic():
            org = build_org()
            ceo = PersonFactory(full_name="Chief Executive", org_unit=None)
            actor = login_for(org.hr, hr=True)
            wave = send(launch(actor).waves.get())
            who = org.platform_people + org.direct_people + ([ceo] if ceo_answers else [])
            answer_all(wave, who)
            close(wave)
            shown[ceo_answers] = {r["group"] for r in seen_through_api(hr_client(org.hr), wave)}
            transaction.set_rollback(True)  # the same organisation again, the other way
    assert shown[True] == shown[False]
    assert shown[True]


# --- review findings: the ledger must not forget, and links must not tell ---------------------


def _department_of_seven():
    department = OrgUnitFactory(name="Finance", kind="department")
    alpha = OrgUnitFactory(name="Alpha", parent=department)
    beta = OrgUnitFactory(name="Beta", parent=department)
    alphas = [PersonFactory(org_unit=alpha) for _ in range(6)]
    betas = [PersonFactory(org_unit=beta)]
    hr = PersonFactory(org_unit=OrgUnitFactory(name="People", kind="department"))
    return department, alpha, alphas, betas, hr


def test_results_shown_before_the_ledger_existed_are_recorded_by_the_migration():
    import importlib

    from django.apps import apps

    department, alpha, alphas, betas, hr = _department_of_seven()
    actor = login_for(hr, hr=True)
    x = send(launch(actor, units=[department], name="X").waves.get())
    answer_all(x, alphas + betas)
    close(x)
    DisclosedCell.objects.all().delete()  # as on an install upgraded from before the ledger
    migration = importlib.import_module("kith.pulse.migrations.0008_record_published_cells")
    migration.record(apps, None)
    assert DisclosedCell.objects.filter(batch=f"wave:{x.pk}").count() == (
        ResultCell.objects.filter(wave=x).count()
    )
    y = send(launch(actor, units=[alpha], name="Y").waves.get())
    answer_all(y, alphas)
    close(y)
    assert answer_leaks([x, y], hr_client(hr)) == []


def test_a_lost_secret_key_stops_results_instead_of_forgetting_who_answered(settings):
    from kith.pulse.results import ReceiptKeyMissing

    department, alpha, alphas, betas, hr = _department_of_seven()
    actor = login_for(hr, hr=True)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a" * 60, []
    x = send(launch(actor, units=[department], name="X").waves.get())
    answer_all(x, alphas + betas)
    close(x)
    settings.SECRET_KEY = "b" * 60  # rotated without keeping the old key
    y = send(launch(actor, units=[alpha], name="Y").waves.get())
    answer_all(y, alphas)
    with pytest.raises(ReceiptKeyMissing, match="SECRET_KEY_FALLBACKS"):
        close(y)
    assert not ResultCell.objects.filter(wave=y).exists()
    settings.SECRET_KEY_FALLBACKS = ["a" * 60]  # the documented remedy
    close(y)
    assert answer_leaks([x, y], hr_client(hr)) == []


def test_a_closed_surveys_link_does_not_tell_whether_it_was_answered():
    department = OrgUnitFactory(name="Ops", kind="department")
    people = [PersonFactory(org_unit=department) for _ in range(8)]
    hr = PersonFactory(org_unit=OrgUnitFactory(name="People", kind="department"))
    wave = send(launch(login_for(hr, hr=True), units=[department]).waves.get())
    answer_all(wave, people[:6])
    close(wave)
    for person in people:  # every link, as read from a dump
        token = Invitation.objects.get(wave=wave, person=person).token
        body = Client().get(f"/pulse/s/{token}/").content.decode()
        assert "closed on" in body and "Thank you" not in body, person.pk


@pytest.mark.django_db(transaction=True)  # the lock ends with a real transaction
def test_two_waves_closing_at_once_are_checked_one_after_the_other():
    """The ledger is read and recorded under one lock: a second publisher waits, then sees
    the first's cells."""
    import threading

    from kith.core.disclosure import ledger

    order: list[str] = []
    with ledger.publishing():
        with ledger.publishing():  # re-entrant in one thread
            order.append("first")

        def second() -> None:
            from django.db import connection

            try:
                with ledger.publishing():
                    order.append("second")
            finally:
                connection.close()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # waiting for the lock
        order.append("first done")
    thread.join(timeout=5)
    assert order == ["first", "first done", "second"]


# --- the heavier vs lighter AI users split, across waves -------------------------------------


def _ai_answers(*, usage: int, burnt: int) -> dict[str, int]:
    from kith.pulse import ai
    from kith.pulse.engine.instruments import AI_USAGE_ITEM

    found = {f"ai_connection.{n}": 3 for n in range(1, 8)}
    found |= {f"connection.{n}": 3 for n in range(1, 5)}
    return found | {AI_USAGE_ITEM: usage, ai.BURNOUT_ITEM: burnt}


@pytest.mark.parametrize("switches", [True, False])
def test_one_colleague_switching_to_heavier_ai_use_is_not_isolated_across_waves(switches):
    """Wave 1: 5 heavier users, 2 burnt out; wave 2, the same people but colleague X now
    uses AI most days: 6 heavier, 3 burnt out would say X is burnt out. The second split
    differs from the first by one person, so it is withheld (on the AI page and beside the
    published figures); with nobody switching, both waves show it."""
    from kith.pulse.models import AICell

    org = build_org()
    extra: list[Person] = [
        PersonFactory(full_name=f"P{i}", org_unit=org.hr.org_unit) for i in range(12)
    ]
    everyone = org.platform_people + org.data_people + org.direct_people + extra
    actor = login_for(org.hr, hr=True)
    c = launch(actor, instruments=("ai_connection", "connection"), cadence_weeks=1, name="AI")
    heavy, x = extra[:5], extra[5]
    rest = [p for p in everyone if p not in heavy and p != x]

    def run(wave: Wave, x_usage: int) -> Wave:
        send(wave)
        day = wave.opens_on
        for i, p in enumerate(heavy):
            answer_all(wave, [p], answers=_ai_answers(usage=5, burnt=5 if i < 2 else 1), today=day)
        answer_all(wave, [x], answers=_ai_answers(usage=x_usage, burnt=5), today=day)
        answer_all(wave, rest, answers=_ai_answers(usage=1, burnt=1), today=day)
        close(wave)
        return wave

    first = run(c.waves.get(number=1), x_usage=2)
    second = run(c.waves.get(number=2), x_usage=5 if switches else 2)
    split = AICell.objects.get(wave=first, unit=0).figures["split"]
    assert split["heavier"]["people"] == 5
    assert split["heavier"]["burnout"]["percent"] == 40.0
    assert DisclosedCell.objects.filter(source="pulse-ai", batch=f"wave:{first.pk}").exists()
    later = AICell.objects.get(wave=second, unit=0).figures["split"]
    employee = Client()
    employee.force_login(login_for(rest[0]))
    ai_page = employee.get(f"/pulse/waves/{second.pk}/ai/").content.decode()
    results_page = employee.get(f"/pulse/waves/{second.pk}/").content.decode()
    if switches:
        assert later is None
        assert "Heavier vs lighter users: withheld to protect a small group." in ai_page
        assert "cannot say: withheld to protect a small group" in results_page
        assert "50%" not in ai_page + results_page
        in_portuguese = employee.get(f"/pulse/waves/{second.pk}/ai/", HTTP_ACCEPT_LANGUAGE="pt")
        assert "É também retida quando" in in_portuguese.content.decode()
        withheld = DisclosedCell.objects.filter(source="pulse-ai", batch=f"wave:{second.pk}")
        assert not withheld.filter(key__startswith="unit:org|")  # not shown, not recorded
    else:
        assert later == split
        assert "Heavier users (5)" in ai_page
        # A recompute of the first wave shows what it showed before.
        results.wave_results_compute(wave=first)
        assert AICell.objects.get(wave=first, unit=0).figures["split"] == split
