"""Every write of the Band Map."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kith.bandmap.models import MapPreference
from kith.directory.models import Person


@transaction.atomic
def map_preference_set(*, person: Person, hidden: bool) -> MapPreference:
    """Hide a person from the map, or show them again. Takes effect on the next request:
    saving the preference moves the map's generation (apps.py), so the cached city counts
    are computed again, and near-me lists are never cached."""
    if not person.is_active:
        raise ValidationError(_("Only active colleagues appear on the map."))
    preference, _created = MapPreference.objects.select_for_update().get_or_create(person=person)
    if preference.hidden != hidden:
        preference.hidden = hidden
        preference.save(update_fields=["hidden", "updated_at"])
    return preference
