"""The engine's reasons reach a Portuguese reader in Portuguese (kith.connect.reasons)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone, translation

from kith.accounts.services import user_language_set
from kith.connect import reasons, rounds, services
from kith.connect.models import Program
from kith.connect.tests.factories import ProgramFactory
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _program() -> Program:
    return ProgramFactory.create(
        name="Coffee",
        join_mode=Program.JoinMode.OPT_IN,
        starts_on=timezone.localdate(),
        weekday=timezone.localdate().isoweekday(),
    )


def test_reasons_render_in_the_active_language_and_unknown_ones_stay_as_they_are():
    stored = (
        "you are both in Lisbon, so meet in person · you both like AI and climbing · "
        "different teams · your working hours overlap by 1 hour · something newer"
    )
    assert reasons.explanation_text(stored) == stored
    with translation.override("pt"):
        shown = reasons.explanation_text(stored)
        alone = reasons.detail_text("You were the only person in this round.")
    assert shown == (
        "estão os dois em Lisbon, por isso encontrem-se pessoalmente · gostam os dois de AI e "
        "climbing · equipas diferentes · as vossas horas de trabalho coincidem durante 1 hora · "
        "something newer"
    )
    assert alone == "Foi a única pessoa nesta ronda."


@pytest.mark.django_db
def test_a_portuguese_intro_explains_the_match_in_portuguese(employee, team):
    other = PersonFactory.create(full_name="Rui Costa")
    for p in (employee, other):
        user_language_set(user=login_for(p), language="pt")
    program = _program()
    for p in (employee, other):
        services.participation_join(program=program, person=p)
    with translation.override("en"):  # whoever draws the round reads English
        rounds.round_run(program=program, round_date=timezone.localdate())
    note = Notification.objects.filter(person=employee).exclude(kind="connect.unmatched").get()
    why = [line for line in note.body.splitlines() if line.startswith("Porqu")]
    assert why, note.body
    assert not any(" you " in f" {line} " for line in why), why


@pytest.mark.django_db
def test_an_unmatched_portuguese_colleague_gets_one_language(employee, team):
    user_language_set(user=login_for(employee), language="pt")
    program = _program()
    services.participation_join(program=program, person=employee)  # alone in the round
    with translation.override("en"):
        rounds.round_run(program=program, round_date=timezone.localdate())
    note = Notification.objects.get(person=employee, kind="connect.unmatched")
    assert "You were the only person" not in note.body
    assert "Foi a única pessoa nesta ronda." in note.body


def test_pages_show_the_reasons_in_the_viewers_language():
    from django.template import Context, Template

    page = Template("{% load connect_reasons %}{{ why|why_text }} | {{ detail|no_match_text }}")
    context = Context({"why": "different departments", "detail": "an older free text"})
    with translation.override("pt"):
        assert page.render(context) == "departamentos diferentes | an older free text"
