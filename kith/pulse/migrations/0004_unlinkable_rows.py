"""Unlinkable storage, step 2 of 4, for the rows that already exist:

- each invitation flagged `responded` becomes a receipt (an HMAC keyed by SECRET_KEY, which
  is not in the database), written in random order;
- each sent wave's stored groups (no finer than k invitees, kith.pulse.engine.storage) are
  computed from its invitations, and its responses and comments, which carry their
  invitee's true codes today, are rewritten with the stored ones (the mapping is a function
  of the (unit, attributes) atom, so no person is needed for it);
- on PostgreSQL, the three tables are rewritten in random order.

A wave sent to fewer than k people (no longer possible) stores everything under its root
with no attributes: the coarsest there is.
"""

import random
from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

from kith.pulse.engine.results import Tree
from kith.pulse.engine.storage import TooFewInvitees, storage_groups

CHUNK = 500
Atom = tuple


def forwards(apps, schema_editor):
    Wave = apps.get_model("pulse", "Wave")
    for wave in Wave.objects.filter(sent_at__isnull=False).select_related("campaign"):
        _receipts(apps, wave)
        stored = _stored_groups(apps, wave)
        for name in ("Response", "Comment"):
            _rewrite(apps.get_model("pulse", name), wave, stored)
    if schema_editor.connection.vendor == "postgresql":
        from kith.pulse.storage import shuffle_table

        with schema_editor.connection.cursor() as cursor:
            for table in ("pulse_response", "pulse_comment", "pulse_receipt"):
                shuffle_table(cursor, table)


def _receipts(apps, wave):
    Invitation = apps.get_model("pulse", "Invitation")
    Receipt = apps.get_model("pulse", "Receipt")
    tokens = list(
        Invitation.objects.filter(wave=wave, responded=True).values_list("token", flat=True)
    )
    receipts = [
        Receipt(
            digest=salted_hmac(
                "kith.pulse.receipt",
                f"{wave.pk}:{token}",
                secret=settings.SECRET_KEY,
                algorithm="sha256",
            ).hexdigest(),
            wave_id=wave.pk,
        )
        for token in tokens
    ]
    random.SystemRandom().shuffle(receipts)  # not in the invitations' (people's) order
    Receipt.objects.bulk_create(receipts, batch_size=1000, ignore_conflicts=True)


def _stored_groups(apps, wave) -> dict[Atom, tuple[int, list[int]]]:
    """Each atom's stored codes, written to the wave's invitations."""
    Invitation = apps.get_model("pulse", "Invitation")
    width = len(wave.attributes)
    rows = list(Invitation.objects.filter(wave=wave).values_list("id", "unit", "attrs"))
    parent = np.array([int(u[2]) for u in wave.units] or [-1], dtype=np.int64)
    tree = Tree(parent=parent)
    unit = np.array([r[1] for r in rows], dtype=np.int64)
    attrs = np.array([list(r[2]) for r in rows], dtype=np.int64).reshape(len(rows), width)
    try:
        stored_unit, stored_attrs = storage_groups(tree, unit, attrs, wave.campaign.min_group)
    except TooFewInvitees:
        stored_unit = np.array([_root(parent, u) for u in unit.tolist()], dtype=np.int64)
        stored_attrs = np.full_like(attrs, -1)
    stored: dict[Atom, tuple[int, list[int]]] = {}
    ids: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    for i, (pk, u, codes) in enumerate(rows):
        target = (int(stored_unit[i]), tuple(int(x) for x in stored_attrs[i]))
        stored[(u, *codes)] = (target[0], list(target[1]))
        ids[target].append(pk)
    for (target_unit, target_attrs), pks in ids.items():
        for start in range(0, len(pks), CHUNK):
            Invitation.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                stored_unit=target_unit, stored_attrs=list(target_attrs)
            )
    return stored


def _root(parent: np.ndarray, unit: int) -> int:
    while parent[unit] >= 0:
        unit = int(parent[unit])
    return unit


def _rewrite(model, wave, stored: dict[Atom, tuple[int, list[int]]]) -> None:
    """Responses or comments of one wave under their atom's stored codes (an atom with no
    invitation, which should not exist, goes to the root with no attributes)."""
    width = len(wave.attributes)
    fallback = (0, [-1] * width)
    ids: dict[tuple[int, tuple[int, ...]], list] = defaultdict(list)
    for pk, u, codes in model.objects.filter(wave=wave).values_list("id", "unit", "attrs"):
        target_unit, target_attrs = stored.get((u, *codes), fallback)
        ids[(target_unit, tuple(target_attrs))].append(pk)
    for (target_unit, target_attrs), pks in ids.items():
        for start in range(0, len(pks), CHUNK):
            model.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                unit=target_unit, attrs=list(target_attrs)
            )


def backwards(apps, schema_editor):
    """Flags come back from the receipts (with the same SECRET_KEY); responses keep their
    stored codes: the finer ones are gone, by design."""
    Wave = apps.get_model("pulse", "Wave")
    Invitation = apps.get_model("pulse", "Invitation")
    Receipt = apps.get_model("pulse", "Receipt")
    for wave in Wave.objects.filter(sent_at__isnull=False):
        digests = set(Receipt.objects.filter(wave=wave).values_list("digest", flat=True))
        answered = [
            pk
            for pk, token in Invitation.objects.filter(wave=wave).values_list("id", "token")
            if salted_hmac(
                "kith.pulse.receipt", f"{wave.pk}:{token}", algorithm="sha256"
            ).hexdigest()
            in digests
        ]
        for start in range(0, len(answered), CHUNK):
            Invitation.objects.filter(pk__in=answered[start : start + CHUNK]).update(
                responded=True
            )


class Migration(migrations.Migration):
    dependencies = [("pulse", "0003_receipts_and_stored_groups")]

    operations = [migrations.RunPython(forwards, backwards)]
