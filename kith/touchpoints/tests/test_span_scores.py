"""The team scores beside a span are the cells Pulse and Insights published, as published;
a group the disclosure layer withheld shows nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from kith.core.dates import org_today
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import login_for
from kith.insights import services as insights
from kith.insights.models import UnitFigures
from kith.insights.selectors import values_of
from kith.insights.tests.test_compute import connect_all
from kith.pulse import services as pulse
from kith.pulse.models import ResultCell
from kith.pulse.tests.builders import answer_all, build_org, campaign
from kith.touchpoints.selectors import span as selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    """Maya manages Platform (7 people) and Data (3): a Pulse wave with psychological safety
    and connection, closed; collaboration figures computed for the wave's week."""
    org = build_org()
    hr_user = login_for(org.hr, hr=True)
    wave = campaign(hr_user, today=org_today(), instruments=("edmondson", "connection")).waves.get(
        number=1
    )
    pulse.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.direct_people + org.data_people)
    pulse.wave_close(wave=wave, actor=hr_user)
    wave.refresh_from_db()
    connect_all(org.platform_people)
    connect_all(org.data_people)
    insights.insights_enable(actor=None)
    insights.insights_compute_week(week=wave.closes_on)
    return org, wave


def test_a_managers_teams_show_the_published_scores_and_nothing_for_a_withheld_group(published):
    org, wave = published
    detail = selectors.span_detail_for_viewer(
        viewer_for_user(login_for(org.manager)), org.manager.pk
    )
    assert detail is not None
    scores = {s.name: s for s in detail.scores}
    assert set(scores) == {"Platform", "Data"}  # the highest units of Maya's reporting line
    platform_cell = ResultCell.objects.get(
        wave=wave, attr=-1, value=-1, unit=_snapshot_index(wave, org.platform.pk)
    )
    platform = scores["Platform"]
    assert platform.safety == platform_cell.scores["edmondson"]["mean"]
    assert platform.safety is not None
    items = platform_cell.items
    assert platform.talk == items["connection.1"]["favourable"]
    assert platform.met == items["connection.2"]["favourable"]
    assert platform.one_on_one == items["connection.3"]["favourable"]
    assert platform.one_on_one is not None
    figures = UnitFigures.objects.filter(unit=org.platform.pk).order_by("-computation__week")
    assert platform.connection_index == values_of(figures.first())["connection_index"]
    assert platform.connection_index is not None
    # Data has 3 people: Pulse and Insights withheld it, so nothing shows for it.
    assert not ResultCell.objects.filter(
        wave=wave, unit=_snapshot_index(wave, org.data.pk)
    ).exists()
    data = scores["Data"]
    assert not data.published
    assert detail.scores_published


def test_the_page_shows_them_with_dashes_for_the_withheld_group(published):
    org, _wave = published
    client = Client()
    client.force_login(login_for(org.hr, hr=True))
    text = client.get(f"/touchpoints/span/managers/{org.manager.pk}/").content.decode()
    assert "Psychological safety (1 to 5)" in text
    data_row = text[text.index('<th scope="row">Data</th>') :].split("</tr>")[0]
    assert data_row.count("–") == 5


def _snapshot_index(wave, unit_id: int) -> int:
    return next(i for i, unit in enumerate(wave.units) if unit[0] == unit_id)
