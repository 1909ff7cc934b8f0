"""A focus group's invitations are written in each invitee's language, not HR's (issue 14)."""

from __future__ import annotations

import pytest
from django.utils import translation

from kith.accounts.services import user_language_set
from kith.core.dates import org_today
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification
from kith.pulse import results
from kith.pulse import services as pulse_services
from kith.pulse.tests import test_focus_groups as tfg
from kith.pulse.tests.builders import answer_all, build_org, campaign

pytestmark = pytest.mark.django_db


def test_focus_group_invitations_follow_each_invitee():
    org = build_org()
    hr_user = login_for(org.hr, hr=True)
    wave = campaign(hr_user, today=org_today()).waves.get(number=1)
    pulse_services.wave_send(wave=wave, notify=False)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    results.wave_results_compute(wave=wave)
    wave.refresh_from_db()
    for person in org.platform_people:
        user_language_set(user=login_for(person), language="pt")
    facilitator = PersonFactory.create(full_name="Fatima Okafor", email="fatima@example.com")
    with translation.override("en"):  # HR's page is in English
        tfg._create(viewer_for_user(hr_user), wave, facilitator)
    invitations = Notification.objects.filter(kind="pulse.focus_invite")
    portuguese = {p.pk for p in org.platform_people}
    assert invitations.exists()
    for note in invitations:
        if note.person_id in portuguese:
            assert not note.subject.startswith("You are invited"), note.subject
        else:
            assert note.subject.startswith("You are invited"), note.subject


def test_a_team_conversation_reaches_each_member_in_their_language():
    import datetime as dt

    from django.utils import timezone

    from kith.pulse.models import Wave

    org = build_org()
    hr_user = login_for(org.hr, hr=True)
    wave = campaign(hr_user, today=org_today()).waves.get(number=1)
    pulse_services.wave_send(wave=wave, notify=False)
    wave = Wave.objects.get(pk=wave.pk)
    portuguese, english = org.platform_people[0], org.platform_people[1]
    user_language_set(user=login_for(portuguese), language="pt")
    item = "edmondson.1"
    with translation.override("en"):  # the manager's page is in English
        pulse_services.action_plan(
            owner=org.manager,
            wave=wave,
            unit=tfg._unit(wave, "Platform"),
            item=item,
            meeting_at=timezone.now() + dt.timedelta(days=2),
            minutes=30,
            location="Room 2",
            note="",
            team=[portuguese, english],
            actor=hr_user,
        )
    to_pt = Notification.objects.get(person=portuguese, kind="pulse_action")
    to_en = Notification.objects.get(person=english, kind="pulse_action")
    assert to_en.subject.startswith("Team conversation")
    assert not to_pt.subject.startswith("Team conversation"), to_pt.subject
