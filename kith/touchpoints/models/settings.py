from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

QUARTER_DAYS = 91  # "quarterly at least": no cadence may be longer than this


class TouchpointSettings(models.Model):
    """The organisation's rules for touchpoints, one row (pk=1), set by HR."""

    default_cadence_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(7), MaxValueValidator(QUARTER_DAYS)],
        help_text="How often a manager and each report meet, unless they agree otherwise",
    )
    floor_cadence_days = models.PositiveSmallIntegerField(
        default=QUARTER_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(QUARTER_DAYS)],
        help_text="The longest gap any pair may agree on (at most a quarter)",
    )
    one_on_one_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(15), MaxValueValidator(120)]
    )
    skip_level_enabled = models.BooleanField(default=True)
    skip_level_cadence_days = models.PositiveSmallIntegerField(
        default=QUARTER_DAYS, validators=[MinValueValidator(14), MaxValueValidator(182)]
    )
    span_warn_at = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text="Direct reports from which a span is flagged as wide",
    )
    span_alert_at = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(3), MaxValueValidator(200)],
        help_text="Direct reports from which a span is flagged as too wide to coach",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "touchpoint settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_cadence_days__lte=models.F("floor_cadence_days")),
                name="touchpoints_default_within_floor",
                violation_error_message=_(
                    "Default rhythm: at most the longest gap allowed (in days)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(span_warn_at__lt=models.F("span_alert_at")),
                name="touchpoints_warn_below_alert",
                violation_error_message=_(
                    "Too wide from: must be more direct reports than wide from."
                ),
            ),
        ]

    def __str__(self) -> str:
        return "Touchpoint settings"

    @classmethod
    def current(cls) -> TouchpointSettings:
        return cls.objects.get_or_create(pk=1)[0]
