from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    """One due run of a periodic job. The unique (job, slot) pair is the claim: whichever
    scheduler inserts it first enqueues the job, every other one gets an IntegrityError."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField(help_text="The due time this run stands for (UTC)")
    claimed_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=200, help_text="host:pid of the scheduler")
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobrun_unique_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
