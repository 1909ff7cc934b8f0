"""The human-touch audit: the employee lifecycle as processes and steps, each marked
automated, human or hybrid and whether it needs a human touch; and anonymous feedback per
step ("did this feel human?").

Feedback is unlinkable like survey answers (decision 0008): `StepReceipt` records that a
person answered a step as an HMAC keyed by the secret key (so nobody answers twice, and the
running application can tell the disclosure layer who is in a published figure), never as a
link to the person; `StepFeedback` holds only tallies per step and answer, with no person and
no time, so a dump tells neither who answered nor when."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    RECRUIT = "recruit", _("Recruit")
    ONBOARD = "onboard", _("Onboard")
    PERFORM = "perform", _("Perform")
    ENGAGE = "engage", _("Engage")
    DEVELOP = "develop", _("Develop")
    RESOLVE = "resolve", _("Resolve conflict")
    OFFBOARD = "offboard", _("Offboard")


class Mode(models.TextChoices):
    AUTOMATED = "automated", _("Automated")
    HUMAN = "human", _("Human")
    HYBRID = "hybrid", _("Hybrid")


class LifecycleProcess(models.Model):
    stage = models.CharField(max_length=10, choices=Stage.choices)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=2000)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "name"],
                name="lifecycle_process_once",
                violation_error_message=_("Name: this stage already has a process of that name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    process = models.ForeignKey(LifecycleProcess, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=2000)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    needs_human_touch = models.BooleanField(
        default=False, help_text="Emotional weight: reviews, grievances, career talks, layoffs"
    )
    why_human = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    asks_feedback = models.BooleanField(
        default=True, help_text="Ask people who went through it whether it felt human"
    )

    class Meta:
        ordering = ["process_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class StepReceipt(models.Model):
    """Only that someone answered this step's question (never what, never who in the open):
    `digest` is HMAC-SHA256 of "step:<id>:person:<id>" keyed by SECRET_KEY
    (kith.touchpoints.audit_receipts). The id follows answering order on purpose: a
    published figure covers the receipts up to one id, which is how the disclosure ledger
    finds its people again (with the key; a dump without it cannot)."""

    step = models.ForeignKey(ProcessStep, on_delete=models.CASCADE, related_name="receipts")
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"Step receipt {self.pk}"


class StepFeedback(models.Model):
    """A tally: how many answered `answer` for this step. No person, no time."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes, it felt human")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    step = models.ForeignKey(ProcessStep, on_delete=models.CASCADE, related_name="feedback")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["step", "answer"],
                name="step_feedback_tally",
                violation_error_message=_("Answer: a step keeps one tally per answer."),
            )
        ]

    def __str__(self) -> str:
        return f"Step feedback {self.pk}"


class StepFigure(models.Model):
    """One publication of a step's feedback through the disclosure layer: the answers of the
    `respondents` whose receipts have ids up to `up_to_receipt`. Written only when the engine
    allows it, and only in batches (at least k more respondents than the last one), so the
    newest answers are never shown on their own. The latest row is what HR sees."""

    step = models.ForeignKey(ProcessStep, on_delete=models.CASCADE, related_name="figures")
    respondents = models.PositiveIntegerField()
    felt_human = models.PositiveIntegerField(help_text="Answered yes")
    partly = models.PositiveIntegerField()
    not_human = models.PositiveIntegerField(help_text="Answered no")
    up_to_receipt = models.BigIntegerField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["step_id", "-up_to_receipt"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "up_to_receipt"],
                name="step_figure_once",
                violation_error_message=_("Step: this figure is already published."),
            )
        ]

    def __str__(self) -> str:
        return f"Step figure {self.pk}"
