from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "kith.slack"
    label = "slack"
    verbose_name = "Slack"
