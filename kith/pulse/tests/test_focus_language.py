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
