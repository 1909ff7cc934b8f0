"""A Slack workspace Kith is installed in: its ids and the bot token (sealed). Nothing a person
writes in Slack is ever stored; people's Slack user ids live in notify's ChatIdentity."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kith.core.fields import SealedTextField


class SlackWorkspace(models.Model):
    team_id = models.CharField(max_length=32, unique=True)
    team_name = models.CharField(max_length=200, blank=True)
    bot_user_id = models.CharField(max_length=32, blank=True)
    bot_token = SealedTextField(purpose="slack.bot_token")
    # When the app's signing secret is not in settings (KITH_SLACK_SIGNING_SECRET).
    signing_secret = SealedTextField(purpose="slack.signing_secret", blank=True, default="")
    installed_at = models.DateTimeField(auto_now_add=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["installed_at", "id"]

    def __str__(self) -> str:
        return f"Slack workspace {self.team_id}"
