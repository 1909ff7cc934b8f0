from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who looked at or changed what, and when. Written by kith.core.audit.record()."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


class DisclosedCell(models.Model):
    """One aggregate about people that Kith published, keyed by stable identity (never by
    positional codes): the disclosure ledger (kith/core/disclosure/ledger.py).

    The ledger stores no people: each source app resolves its cells' populations from its
    own records when a new publication is checked, so a database dump learns nothing here
    that the published pages did not show. Rows are never deleted by a recompute: what was
    shown once stays known."""

    source = models.CharField(max_length=40, help_text="The registered population source")
    batch = models.CharField(max_length=80, help_text="The source's unit of publication")
    key = models.CharField(max_length=300, help_text="Stable identity of the cell in the batch")
    published_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "batch", "key"], name="disclosedcell_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.batch} {self.key}"
