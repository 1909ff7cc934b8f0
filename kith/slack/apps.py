from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "kith.slack"
    label = "slack"
    verbose_name = "Slack"

    def ready(self) -> None:
        from kith.notify import channels
        from kith.slack import registrations
        from kith.slack.provider import SlackProvider

        channels.register_provider(SlackProvider())
        registrations.register_all(self.label)
