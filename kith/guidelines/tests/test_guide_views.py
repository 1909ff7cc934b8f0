"""Pages of the channel guide and the advisor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.directory.tests.factories import PersonFactory
from kith.guidelines.models import ChannelAdvice, ConversationKind
from kith.guidelines.tests.guide_fixtures import proposal_rate  # noqa: F401
from kith.notify.models import Notification
from kith.touchpoints.services.oneonones import one_on_one_ensure

pytestmark = pytest.mark.django_db


def test_everyone_reads_the_guide_as_a_table_and_as_cards(employee_client) -> None:
    response = employee_client.get(reverse("guidelines:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "guide-table" in html and "guide-cards" in html
    assert "Bad news is kindest in person" in html
    assert reverse("guidelines:manage") not in html


def test_only_hr_opens_the_editor(employee_client, hr_client) -> None:
    assert employee_client.get(reverse("guidelines:manage")).status_code == 403
    assert employee_client.post(reverse("guidelines:reset"), {"confirm": "yes"}).status_code == 403
    assert hr_client.get(reverse("guidelines:manage")).status_code == 200


def test_hr_edits_a_kind_and_bad_input_names_the_field(hr_client) -> None:
    hr_client.get(reverse("guidelines:home"))
    kind = ConversationKind.objects.get(slug="feedback")
    data = {"kind": kind.pk, f"k{kind.pk}-name": "Feedback", f"k{kind.pk}-sensitivity": "high"}
    for cell in kind.advice.all():
        data[f"k{kind.pk}-{cell.channel}_fit"] = cell.fit
        data[f"k{kind.pk}-{cell.channel}_why"] = cell.why
    data[f"k{kind.pk}-chat_why"] = ""
    response = hr_client.post(reverse("guidelines:manage"), data)
    assert response.status_code == 400
    assert "Chat: why: This field is required." in response.content.decode()
    data[f"k{kind.pk}-chat_why"] = "Never in chat."
    response = hr_client.post(reverse("guidelines:manage"), data)
    assert response.status_code == 302
    assert ChannelAdvice.objects.get(kind=kind, channel="chat").why == "Never in chat."
    assert ConversationKind.objects.get(pk=kind.pk).sensitivity == "high"
    assert AuditEvent.objects.filter(action="guidelines.cells_changed").exists()


def test_hr_adds_removes_and_resets_with_confirmation(hr_client) -> None:
    hr_client.get(reverse("guidelines:home"))
    response = hr_client.post(
        reverse("guidelines:manage"),
        {"action": "add", "new-name": "Layoffs", "new-sensitivity": "high"},
    )
    assert response.status_code == 302
    kind = ConversationKind.objects.get(name="Layoffs")
    url = reverse("guidelines:kind_delete", args=[kind.pk])
    assert "Remove “Layoffs”?" in hr_client.get(url).content.decode()
    hr_client.post(url, {"confirm": "yes"})
    assert not ConversationKind.objects.filter(pk=kind.pk).exists()
    assert "cannot be undone" in hr_client.get(reverse("guidelines:reset")).content.decode()
    hr_client.post(reverse("guidelines:reset"), {"confirm": "yes"})
    assert AuditEvent.objects.filter(action="guidelines.guide_reset").exists()


def test_advisor_recommends_in_person_for_bad_news_with_a_teammate_in_the_same_city(
    employee_client, employee
) -> None:
    teammate = PersonFactory(full_name="Ana Teammate", org_unit=employee.org_unit)
    response = employee_client.get(
        reverse("guidelines:advisor"),
        {"kind": "bad-news", "urgency": "this_week", "colleague": teammate.pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-channel="in_person"' in html
    assert "worked out from the directory" in html
    assert "Propose a time to meet" in html
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_advisor_offers_the_1on1_flow_with_my_manager(employee_client, employee, manager) -> None:
    pair = one_on_one_ensure(manager=manager, report=employee)
    response = employee_client.get(
        reverse("guidelines:advisor"), {"kind": "career", "colleague": manager.pk}
    )
    html = response.content.decode()
    assert reverse("touchpoints:ask", args=[pair.pk]) in html
    assert "Ask Maya Jackson for a 1:1" in html


def test_advisor_without_colleague_needs_a_distance(employee_client) -> None:
    response = employee_client.get(reverse("guidelines:advisor"), {"kind": "health"})
    assert response.status_code == 400
    assert "How far apart" in response.content.decode()


def test_propose_from_the_page_sends_the_notification(employee_client, employee) -> None:
    other = PersonFactory(full_name="Rui Costa")
    response = employee_client.post(
        reverse("guidelines:propose"),
        {
            "colleague": other.pk,
            "starts_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
            "channel": "video",
            "minutes": "30",
            "kind": "feedback",
        },
    )
    assert response.status_code == 302
    note = Notification.objects.get(person=other)
    assert "feedback" not in note.body.lower()
    assert note.attachments[0]["filename"] == "invite.ics"
