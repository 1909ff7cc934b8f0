from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from kith.core import sealing
from kith.touchpoints.models import PrivateNote
from kith.touchpoints.services import oneonones
from kith.touchpoints.tests.test_oneonones_services import viewer


def test_round_trip_and_each_purpose_has_its_own_key():
    stored = sealing.seal("hello", purpose="a")
    assert stored.startswith(sealing.PREFIX) and "hello" not in stored
    assert sealing.unseal(stored, purpose="a") == "hello"
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(stored, purpose="b")
    assert sealing.seal("", purpose="a") == "" and sealing.unseal("", purpose="a") == ""


def test_a_new_key_opens_old_values_only_through_a_fallback(settings):
    stored = sealing.seal("hello", purpose="a")
    old = settings.SECRET_KEY
    settings.KITH_SEALING_KEY = "a-brand-new-sealing-key-" * 3
    settings.SECRET_KEY = "another-secret-key-" * 4
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(stored, purpose="a")
    settings.KITH_SEALING_KEY_FALLBACKS = [old]
    assert sealing.unseal(stored, purpose="a") == "hello"


def _raw_note() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM touchpoints_privatenote")
        return cursor.fetchone()[0]


def test_reseal_moves_every_value_to_the_current_key(db, settings, manager, employee):
    pair = oneonones.one_on_one_ensure(manager=manager, report=employee)
    meeting = oneonones.meeting_schedule(one_on_one=pair, actor=None)
    oneonones.private_note_save(viewer=viewer(employee), meeting=meeting, text="mine alone")
    before = _raw_note()
    old = settings.SECRET_KEY
    settings.KITH_SEALING_KEY = "a-brand-new-sealing-key-" * 3
    settings.KITH_SEALING_KEY_FALLBACKS = [old]
    call_command("reseal")
    after = _raw_note()
    assert after != before and "mine alone" not in after
    settings.KITH_SEALING_KEY_FALLBACKS = []
    settings.SECRET_KEY = "another-secret-key-" * 4
    assert PrivateNote.objects.get().text == "mine alone"  # the new key alone opens it


def test_a_sealed_value_tells_neither_the_time_nor_the_exact_length():
    import base64 as b64
    import struct

    short = sealing.seal("ok", purpose="a")
    longer = sealing.seal("a much longer answer, still under the pad size", purpose="a")
    assert len(short) == len(longer)
    token = b64.urlsafe_b64decode(short[len(sealing.PREFIX) :])
    (stamp,) = struct.unpack(">Q", token[1:9])
    assert stamp % 86400 == 0  # the day, never the second
    assert sealing.unseal(short, purpose="a") == "ok"
