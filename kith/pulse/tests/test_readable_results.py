"""Results people can read (issue 14, items 10, 11 and 4): every header names its scale's
range and direction, a reverse-scored item is shown as answered, a manager sees their own
team's trend (only what the disclosure ledger recorded, within one look-back window), the
AI comparison sets the published figures beside the organisation's own heavier AI users, and
sending or closing a wave asks first and happens once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from kith.core.dates import org_today
from kith.core.models import AuditEvent, DisclosedCell
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import login_for
from kith.notify.models import Notification
from kith.pulse import results, selectors, services
from kith.pulse.models import Invitation, ResultCell, Wave
from kith.pulse.tests.builders import answer_all, build_org, campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def hr_user(org):
    return login_for(org.hr, hr=True)


def _client(person, *, hr=False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _html(response) -> str:
    """The page with the whitespace between tags taken out."""
    return re.sub(r">\s+<", "><", response.content.decode())


def _closed(org, hr_user, instruments, answers=None) -> Wave:
    c = campaign(hr_user, today=org_today(), instruments=instruments)
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    everyone = org.platform_people + org.data_people + org.direct_people
    answer_all(wave, everyone, answers=answers)
    results.wave_results_compute(wave=wave)
    wave.refresh_from_db()
    return wave


# --- Item 10: ranges, directions, reverse-scored items -------------------------------------------


def test_every_score_header_names_its_range_and_direction(org, hr_user):
    wave = _closed(org, hr_user, ("edmondson", "cbi_work", "loneliness3", "enps"))
    html = _html(_client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/"))
    assert 'Team psychological safety<span class="scale">1–7, higher is better</span>' in html
    assert 'Work-related burnout<span class="scale">0–100, lower is better</span>' in html
    assert 'Loneliness (three-item scale)<span class="scale">3–9, lower is better</span>' in html
    assert "Employee Net Promoter Score" in html and "−100 to +100, higher is better" in html


def test_a_reverse_scored_item_is_shown_as_answered_with_its_own_direction(org, hr_user):
    # Everyone answers "Very accurate" (7) to every item, including "If you make a mistake
    # on this team, it is often held against you": a bad answer, whatever the score counts.
    wave = _closed(org, hr_user, ("edmondson",))
    columns = {c.key: c for c in selectors.columns_for(wave, items=True)}
    mistake, risk = columns["edmondson.1"], columns["edmondson.4"]
    assert mistake.reverse and not mistake.higher_is_better
    assert mistake.scale_text == "1–7, lower is better"
    assert not risk.reverse and risk.scale_text == "1–7, higher is better"

    html = _html(_client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/?view=items"))
    # The whole statement (never cut short), its range, its raw direction and a note.
    assert (
        "If you make a mistake on this team, it is often held against you."
        '<span class="scale">1–7, lower is better</span>'
        '<span class="reverse">Reverse-scored: shown as answered</span>'
    ) in html
    text = (
        "Working with members of this team, my unique skills and talents are valued and utilized."
    )
    assert text in html  # 88 characters, whole
    organisation = re.search(r'<tr><th scope="row" class="depth-0">.*?</tr>', html).group(0)
    cells = re.findall(r'<td class="(heat-[^"]+)">([^<]*)</td>', organisation)
    assert cells[0] == ("heat-1", "7.00")  # the raw 7, red: lower is better for this item
    assert cells[3] == ("heat-5", "7.00")  # "It is safe to take a risk": 7 is good
    # The instrument's score still counts item 1 reversed (8 − 7 = 1 for everyone).
    stored = ResultCell.objects.get(wave=wave, unit=0, attr=-1).items["edmondson.1"]["mean"]
    assert stored == 1.0


def test_the_reverse_scored_burnout_item_reads_higher_is_better(org, hr_user):
    wave = _closed(org, hr_user, ("cbi_work",))
    energy = next(c for c in selectors.columns_for(wave, items=True) if c.key == "cbi.7")
    assert energy.reverse and energy.higher_is_better  # "enough energy … ?" Always = good
    assert energy.scale_text == "0–100, higher is better"


def test_the_ai_usage_item_claims_no_better_end(org, hr_user):
    wave = _closed(org, hr_user, ("ai_connection",))
    usage = next(c for c in selectors.columns_for(wave) if c.key == "ai_connection.7")
    assert usage.scale_text == "1–5, neither end is better"
    html = _html(_client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/"))
    assert "1–5, neither end is better" in html


def test_headers_in_portuguese(org, hr_user):
    wave = _closed(org, hr_user, ("edmondson",))
    with translation.override("pt"):
        column = selectors.columns_for(wave)[0]
        assert column.scale_text == "1–7, quanto mais alto, melhor"
    page = _client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/", HTTP_ACCEPT_LANGUAGE="pt")
    assert "quanto mais alto, melhor" in page.content.decode()


# --- Item 10: a manager's own team's trend, through the ledger --------------------------------


def _two_waves(org, hr_user) -> tuple[Wave, Wave]:
    c = services.campaign_save(
        campaign=None,
        fields={
            "name": "Weekly",
            "instruments": ["edmondson"],
            "opens_on": org_today(),
            "closes_on": org_today(),
            "cadence_weeks": 1,
        },
        org_units=[],
        actor=hr_user,
    )
    everyone = org.platform_people + org.data_people + org.direct_people
    waves = []
    for number in (1, 2):
        wave = c.waves.get(number=number)
        services.wave_send(wave=wave)
        wave.refresh_from_db()
        answer_all(wave, everyone)  # the same people: each team is published in both waves
        results.wave_results_compute(wave=wave)
        wave.refresh_from_db()
        waves.append(wave)
    return waves[0], waves[1]


def test_a_manager_sees_their_own_teams_trend_on_their_results_page(org, hr_user):
    _first, second = _two_waves(org, hr_user)
    html = _html(_client(org.manager).get(f"/pulse/waves/{second.pk}/"))
    assert "Trend, wave by wave · Platform" in html
    trend = html.split('id="trend-title"', 1)[1]
    assert "Team psychological safety" in trend and "1–7, higher is better" in trend
    assert trend.count('<th scope="row">') == 2  # both waves
    # An employee's page shows the organisation's trend, never a team's.
    employee = _html(_client(org.platform_people[0]).get(f"/pulse/waves/{second.pk}/"))
    assert "Trend, wave by wave · " in employee and "· Platform" not in employee


def test_the_trend_shows_only_cells_the_ledger_recorded(org, hr_user):
    first, second = _two_waves(org, hr_user)
    viewer = viewer_for_user(login_for(org.manager))
    platform = org.platform.pk
    points = selectors.trend_for_viewer(viewer, second.campaign, platform)
    assert [p["cell"] is not None for p in points] == [True, True]
    DisclosedCell.objects.filter(batch=f"wave:{first.pk}", key=f"unit:{platform}").delete()
    points = selectors.trend_for_viewer(viewer, second.campaign, platform)
    assert [p["cell"] is not None for p in points] == [False, True]  # fails closed


def test_the_trend_leaves_out_waves_older_than_the_disclosure_window(org, hr_user, settings):
    first, second = _two_waves(org, hr_user)
    viewer = viewer_for_user(login_for(org.manager))
    # Wave 1 published 25 months before wave 2: wave 2 was never checked against it, so
    # setting the two side by side would invite the differencing the window gave up.
    later = DisclosedCell.objects.filter(batch=f"wave:{second.pk}").first().published_at
    settings.KITH_DISCLOSURE_WINDOW_MONTHS = 24
    DisclosedCell.objects.filter(batch=f"wave:{first.pk}").update(
        published_at=later - dt.timedelta(days=25 * 31)
    )
    points = selectors.trend_for_viewer(viewer, second.campaign, org.platform.pk)
    assert [p["wave"].pk for p in points] == [second.pk]
    html = _html(_client(org.manager).get(f"/pulse/waves/{second.pk}/"))
    assert "Trend, wave by wave" not in html  # one wave is no trend


# --- Item 11: the published figures beside the organisation's own heavier AI users -----------


def test_ai_figures_compare_with_the_organisations_heavier_users(org, hr_user):
    wave = _closed(org, hr_user, ("ai_connection",))  # everyone answers 5: all heavier users
    html = _html(_client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/"))
    assert "describe the most productive AI users, not everyone" in html
    assert '<th scope="col">Your heavier AI users</th>' in html
    # Burnout: published 88 %, heavier users here 100 %, everyone here 100 %.
    assert "Report burnout (among the most productive AI users)</td><td>88%</td><td>100%</td>" in (
        html
    )
    # A figure Kith does not split by AI use says so instead of a number.
    assert "cannot say: Kith does not split this figure by AI use" in html


def test_ai_figures_say_when_the_split_is_withheld(org, hr_user):
    # Three of fifteen use AI most days: fewer than k heavier users, so no split.
    c = campaign(hr_user, today=org_today(), instruments=("ai_connection",))
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    everyone = org.platform_people + org.data_people + org.direct_people
    light = {f"ai_connection.{n}": 2 for n in range(1, 8)}
    heavy = {**light, "ai_connection.7": 5}
    answer_all(wave, everyone[:3], answers=heavy)
    answer_all(wave, everyone[3:], answers=light)
    results.wave_results_compute(wave=wave)
    html = _html(_client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/"))
    assert "Report burnout (among the most productive AI users)</td><td>88%</td>" in html
    assert "cannot say: withheld to protect a small group" in html


# --- Item 4: sending and closing ask first and happen once -------------------------------------


def test_sending_needs_the_confirmation_and_happens_once(org, hr_user):
    wave = campaign(hr_user, today=org_today()).waves.get(number=1)
    client = Client()
    client.force_login(hr_user)
    manage = _html(client.get("/pulse/manage/"))
    assert "Send wave 1 now?" in manage and 'name="confirm" value="yes"' in manage
    url = f"/pulse/manage/waves/{wave.pk}/send/"

    page = client.post(url, follow=True).content.decode()  # no confirmation: nothing happens
    assert "Nothing was done: confirm first" in page
    assert not Invitation.objects.filter(wave=wave).exists()

    page = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    invited = Invitation.objects.filter(wave=wave).count()
    notes = Notification.objects.count()
    assert invited > 0 and f"Sent to {invited} people." in page

    # Double submit, or Back and submit again: nothing is sent twice.
    for _ in range(2):
        page = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
        assert "Wave 1 was already sent; nothing was sent again." in page
    assert Invitation.objects.filter(wave=wave).count() == invited
    assert Notification.objects.count() == notes


def test_closing_needs_the_confirmation_and_happens_once(org, hr_user):
    c = campaign(hr_user, today=org_today())
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    client = Client()
    client.force_login(hr_user)
    assert "Close wave 1 now?" in _html(client.get("/pulse/manage/"))
    url = f"/pulse/manage/waves/{wave.pk}/close/"

    page = client.post(url, follow=True).content.decode()
    assert "Nothing was done: confirm first" in page
    wave.refresh_from_db()
    assert wave.results_at is None

    page = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "Closed." in page and "passed the privacy rules" in page
    wave.refresh_from_db()
    closed_at = wave.results_at
    for _ in range(2):
        page = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
        assert "Wave 1 is already closed; nothing changed." in page
    wave.refresh_from_db()
    assert wave.results_at == closed_at
    assert AuditEvent.objects.filter(action="pulse.wave_closed").count() == 1


# --- Item 5: no raw database text; item 14: Kith's words translated, validated items kept -------


def test_constraints_name_the_field_and_the_limit(hr_user):
    from django.core.exceptions import ValidationError

    from kith.pulse.models import Campaign

    bad = Campaign(
        name="Dates",
        instruments=["enps"],
        opens_on=org_today(),
        closes_on=org_today() - dt.timedelta(days=1),
        min_group=5,
    )
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    text = " ".join(refused.value.messages)
    assert "Constraint" not in text and "is violated" not in text
    assert "Closes on: the closing day must be on or after the opening day." in text
    with pytest.raises(ValidationError) as refused:
        services.campaign_save(
            campaign=None,
            fields={
                "name": "Dates",
                "instruments": ["enps"],
                "opens_on": org_today(),
                "closes_on": org_today() - dt.timedelta(days=1),
            },
            org_units=[],
            actor=hr_user,
        )
    assert refused.value.message_dict == {
        "closes_on": ["Closes on: the closing day must be on or after the opening day."]
    }


def test_a_service_message_in_portuguese(hr_user):
    from django.core.exceptions import ValidationError

    with translation.override("pt"), pytest.raises(ValidationError) as refused:
        services.campaign_save(
            campaign=None,
            fields={"name": "X", "instruments": ["nope"], "opens_on": org_today()},
            org_units=[],
            actor=hr_user,
        )
    assert refused.value.message_dict == {"instruments": ["Instrumentos: desconhecido nope."]}


def test_every_word_of_the_engine_a_person_reads_is_listed_for_translation():
    from kith.pulse import wording
    from kith.pulse.engine.instruments import AGREE_5, INSTRUMENTS, ZERO_TO_TEN

    listed = set(wording.ABOUT_INSTRUMENTS) | set(wording.OWN_ITEMS)
    for inst in INSTRUMENTS.values():
        for text in (inst.name, inst.summary, inst.reading, inst.licence):
            assert text in listed, text
        for ref in inst.reference:
            assert ref.text in listed, ref.text
        if inst.key not in wording.PUBLISHED_WORDING:
            for item in inst.items:
                assert item.text in listed, item.text
    for option in AGREE_5.options:
        assert option.label in listed
    assert {ZERO_TO_TEN.options[0].label, ZERO_TO_TEN.options[-1].label} <= listed


def test_the_survey_keeps_validated_wording_and_translates_kiths_own(org, hr_user):
    c = campaign(hr_user, today=org_today(), instruments=("edmondson", "connection"))
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    token = Invitation.objects.filter(wave=wave).first().token
    page = Client().get(f"/pulse/s/{token}/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert "Confidencial por construção." in page
    assert "língua em que foram publicadas e validadas" in page  # the visible note
    # Edmondson keeps its published English, marked as such for screen readers.
    assert "It is safe to take a risk on this team." in page
    assert '<fieldset class="question" lang="en">' in page
    assert "Very accurate" in page
    # Kith's own items and answer labels are translated.
    assert "Há alguém no trabalho com quem posso falar de assuntos fora do trabalho." in page
    assert "Concordo totalmente" in page


# --- Item 9: a manager's reporting line is cached, and follows the directory -------------------


def test_a_managers_cached_reporting_line_follows_a_saved_change(
    org, hr_user, django_assert_max_num_queries
):
    from kith.directory.tests.factories import PersonFactory

    wave = _closed(org, hr_user, ("enps",))
    platform = next(i for i, u in enumerate(wave.units) if u[1] == "Platform")
    first = selectors.scope_for_viewer(viewer_for_user(login_for(org.manager)), wave)
    assert first is not None and first.units is not None and platform in first.units
    # Read again: from the cache, no recursive query over the directory.
    viewer = viewer_for_user(login_for(org.manager))
    with django_assert_max_num_queries(2):
        again = selectors.scope_for_viewer(viewer, wave)
        assert again is not None and again.units == first.units
    # Platform's people move to another manager (saved, as forms, imports and SCIM do).
    other = PersonFactory(full_name="Other Lead", org_unit=org.engineering)
    for person in org.platform_people:
        person.manager = other
        person.save()
    moved = selectors.scope_for_viewer(viewer_for_user(login_for(org.manager)), wave)
    assert moved is not None and moved.units is not None and platform not in moved.units


def test_invitations_are_written_in_each_invitees_language(org, hr_user):
    from kith.accounts.models import User

    portuguese = org.platform_people[0]
    account = login_for(portuguese)
    User.objects.filter(pk=account.pk).update(language="pt")
    wave = campaign(hr_user, today=org_today()).waves.get(number=1)
    services.wave_send(wave=wave)
    theirs = Notification.objects.get(person=portuguese)
    english = Notification.objects.get(person=org.platform_people[1])
    assert "respondido em confidencialidade" in theirs.subject
    assert "answered in confidence" in english.subject
