"""Writes of the channel guide and proposals: validation, audit rows, installing, throttle."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kith.core import throttle
from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.guidelines import defaults
from kith.guidelines.models import ChannelAdvice, ConversationKind
from kith.guidelines.services import guide as services
from kith.guidelines.tests.guide_fixtures import PROPOSAL_RATE, proposal_rate  # noqa: F401
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(hr_person):
    return viewer_for_user(login_for(hr_person, hr=True))


@pytest.fixture
def me(employee):
    return viewer_for_user(login_for(employee))


def test_default_guide_installs_once_and_completely() -> None:
    assert services.guide_install_defaults() is True
    assert services.guide_install_defaults() is False
    assert ConversationKind.objects.count() == len(defaults.DEFAULT_GUIDE)
    assert ChannelAdvice.objects.count() == 5 * len(defaults.DEFAULT_GUIDE)


def test_install_is_safe_when_another_process_inserted_first() -> None:
    services._insert_defaults()  # a concurrent first use got there between check and insert
    services._insert_defaults()
    assert ConversationKind.objects.count() == len(defaults.DEFAULT_GUIDE)
    assert ChannelAdvice.objects.count() == 5 * len(defaults.DEFAULT_GUIDE)


def test_only_hr_edits(me) -> None:
    services.guide_install_defaults()
    kind = ConversationKind.objects.get(slug="feedback")
    with pytest.raises(PermissionDenied):
        services.kind_update(viewer=me, kind=kind, name="Other")
    with pytest.raises(PermissionDenied):
        services.guide_reset(viewer=me)
    with pytest.raises(PermissionDenied):
        services.cells_update(viewer=me, kind=kind, cells={"chat": ("best", "x")})


def test_hr_adds_a_kind_with_cells_from_its_sensitivity_and_an_audit_row(hr) -> None:
    services.guide_install_defaults()
    kind = services.kind_create(viewer=hr, name="Resignation", sensitivity="high")
    cells = {c.channel: c.fit for c in kind.advice.all()}
    assert cells["chat"] == cells["email"] == "avoid"
    assert kind.position == len(defaults.DEFAULT_GUIDE)
    assert AuditEvent.objects.filter(action="guidelines.kind_added", target=kind.slug).exists()
    with pytest.raises(ValidationError) as exc:
        services.kind_create(viewer=hr, name="resignation")
    assert "Name" in exc.value.message_dict["name"][0]


def test_cells_update_names_the_field_and_saves_nothing_when_one_is_bad(hr) -> None:
    services.guide_install_defaults()
    kind = ConversationKind.objects.get(slug="feedback")
    with pytest.raises(ValidationError) as exc:
        services.cells_update(
            viewer=hr,
            kind=kind,
            cells={"chat": ("good", "Fine now."), "email": ("good", "x" * 301)},
        )
    assert "Email why" in exc.value.message_dict["email_why"][0]
    assert ChannelAdvice.objects.get(kind=kind, channel="chat").fit == "avoid"
    services.cells_update(viewer=hr, kind=kind, cells={"chat": ("good", "Fine now.")})
    assert ChannelAdvice.objects.get(kind=kind, channel="chat").fit == "good"
    row = AuditEvent.objects.get(action="guidelines.cells_changed")
    assert row.detail["channels"] == ["chat"]


def test_rename_reorder_delete_and_reset(hr) -> None:
    services.guide_install_defaults()
    kind = ConversationKind.objects.get(slug="feedback")
    services.kind_update(viewer=hr, kind=kind, name="Giving feedback", sensitivity="high")
    kind.refresh_from_db()
    assert (kind.name, kind.slug, kind.sensitivity) == ("Giving feedback", "feedback", "high")
    services.kind_move(viewer=hr, kind=kind, by=1)
    order = list(ConversationKind.objects.values_list("slug", flat=True))
    assert order[:2] == ["performance", "feedback"]
    services.kind_delete(viewer=hr, kind=kind)
    assert not ConversationKind.objects.filter(slug="feedback").exists()
    assert services.guide_reset(viewer=hr) == len(defaults.DEFAULT_GUIDE)
    assert ConversationKind.objects.get(slug="feedback").name == "Feedback"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "guidelines.kind_changed",
        "guidelines.kinds_reordered",
        "guidelines.kind_removed",
        "guidelines.guide_reset",
    } <= actions


def test_the_last_kind_stays(hr) -> None:
    only = ConversationKind.objects.create(slug="only", name="Only")
    with pytest.raises(ValidationError):
        services.kind_delete(viewer=hr, kind=only)


def test_reorder_must_name_every_kind_once(hr) -> None:
    services.guide_install_defaults()
    ids = list(ConversationKind.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as exc:
        services.kinds_reorder(viewer=hr, kind_ids=ids[:-1])
    assert "order" in exc.value.message_dict


def _monday_morning() -> dt.datetime:
    now = timezone.now()
    return now + dt.timedelta(days=7 - now.weekday(), hours=1)


def test_propose_call_sends_the_colleague_an_ics_and_the_viewer_a_copy(me, employee) -> None:
    other = cast(Person, PersonFactory(full_name="Rui Costa"))
    when = services.call_times([employee, other], after=timezone.now())[0]
    services.call_propose(viewer=me, colleague=other, starts_at=when, channel="video")
    theirs = Notification.objects.get(person=other)
    mine = Notification.objects.get(person=employee)
    assert "proposes a video call" in theirs.subject
    assert "a conversation" in theirs.body
    assert mine.subject.startswith("Copy:")
    for note in (theirs, mine):
        ics = note.attachments[0]
        assert ics["filename"] == "invite.ics"
        assert "BEGIN:VEVENT" in ics["content"]
        assert other.email in ics["content"]


def test_the_topic_is_left_out_unless_chosen(me, employee) -> None:
    services.guide_install_defaults()
    kind = ConversationKind.objects.get(slug="health")
    other = PersonFactory()
    when = timezone.now() + dt.timedelta(days=2)
    services.call_propose(viewer=me, colleague=other, starts_at=when, kind=kind)
    note = Notification.objects.get(person=other)
    assert "health" not in (note.subject + note.body + note.attachments[0]["content"]).lower()
    services.call_propose(viewer=me, colleague=other, starts_at=when, kind=kind, include_kind=True)
    latest = Notification.objects.filter(person=other).order_by("-pk").first()
    assert "health and personal matters" in latest.body.lower()


def test_proposals_are_rate_limited(me) -> None:
    other = PersonFactory()
    when = timezone.now() + dt.timedelta(days=2)
    limit = int(PROPOSAL_RATE.split("/")[0])
    for i in range(limit):
        services.call_propose(viewer=me, colleague=other, starts_at=when + dt.timedelta(hours=i))
    with pytest.raises(throttle.Throttled):
        services.call_propose(viewer=me, colleague=other, starts_at=when - dt.timedelta(hours=1))


def test_the_same_proposal_twice_sends_one_invitation(me, employee) -> None:
    other = PersonFactory()
    when = timezone.now() + dt.timedelta(days=2)
    services.call_propose(viewer=me, colleague=other, starts_at=when)
    services.call_propose(viewer=me, colleague=other, starts_at=when)  # a second click
    assert Notification.objects.filter(person=other).count() == 1
    assert Notification.objects.filter(person=employee).count() == 1


def test_bad_proposals_name_the_field(me, employee) -> None:
    with pytest.raises(ValidationError) as exc:
        services.call_propose(
            viewer=me,
            colleague=employee,
            starts_at=timezone.now() - dt.timedelta(days=1),
            channel="email",
            minutes=7,
        )
    assert set(exc.value.message_dict) == {"colleague", "starts_at", "channel", "minutes"}
    assert not Notification.objects.exists()


def test_a_failed_proposal_does_not_block_the_retry(me, monkeypatch) -> None:
    other = PersonFactory()
    when = timezone.now() + dt.timedelta(days=2)
    real = services._send_proposal
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("mail provider hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_send_proposal", flaky)
    with pytest.raises(RuntimeError):
        services.call_propose(viewer=me, colleague=other, starts_at=when, channel="video")
    services.call_propose(viewer=me, colleague=other, starts_at=when, channel="video")  # retry
    assert Notification.objects.filter(person=other).count() == 1
    services.call_propose(viewer=me, colleague=other, starts_at=when, channel="video")  # click
    assert Notification.objects.filter(person=other).count() == 1
