"""1:1 and check-in coverage for HR: per org unit (its whole subtree), the share of people who
had a 1:1 with their manager, who wrote a check-in, and of 1:1 pairs that are overdue.
Published through the disclosure layer (docs/touchpoints/coverage.md): a run keeps the people
it counted (ids only) and the unit tree, so the ledger can resolve its cells later; a cell the
layer withholds keeps no figure and no head count."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoverageRun(models.Model):
    """One computation of coverage over the days from `since` to `until`, both included."""

    computed_at = models.DateTimeField()
    since = models.DateField(help_text="First day counted")
    until = models.DateField(help_text="Last day counted")
    k = models.PositiveSmallIntegerField(help_text="Minimum group size it was published with")
    members = models.BinaryField(help_text="npz: person ids and their own unit ids")
    tree = models.JSONField(default=dict, help_text="{unit id: parent unit id}")
    published = models.PositiveIntegerField(default=0)
    withheld = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["computed_at"], name="coverage_run_at")]

    def __str__(self) -> str:
        return f"Coverage run {self.pk}"


class CoverageCell(models.Model):
    """One unit's subtree in one run (unit 0: the organisation). Unpublished: no head count,
    no figure. A figure the layer withholds inside a published cell is named in `withheld`;
    a null figure not named there had nobody to count."""

    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="cells")
    unit = models.IntegerField(help_text="org unit id, 0 for the organisation")
    name = models.CharField(max_length=1024, help_text="names from the top level down")
    depth = models.PositiveSmallIntegerField()
    parent = models.IntegerField(null=True, help_text="the parent unit's id; null for the org")
    published = models.BooleanField()
    people = models.PositiveIntegerField(null=True)
    one_on_one_share = models.FloatField(null=True)
    check_in_share = models.FloatField(null=True)
    overdue_share = models.FloatField(null=True)
    withheld = models.JSONField(default=list, help_text="figures withheld to protect people")

    class Meta:
        ordering = ["depth", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "unit"],
                name="coverage_cell_once",
                violation_error_message=_("Unit: a coverage run has one row per unit."),
            )
        ]
        indexes = [models.Index(fields=["run", "parent"], name="coverage_cell_parent")]

    def __str__(self) -> str:
        return f"Coverage of {self.name}"
