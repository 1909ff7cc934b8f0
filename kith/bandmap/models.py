from __future__ import annotations

from django.db import models


class MapPreference(models.Model):
    """A person's choice about the Band Map. Hidden people are left out of every list,
    count and API answer of the map; having no row means shown (the default)."""

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, related_name="map_preference"
    )
    hidden = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["hidden"], name="mappref_hidden")]

    def __str__(self) -> str:
        return f"map preference of person {self.person_id}: {'hidden' if self.hidden else 'shown'}"
