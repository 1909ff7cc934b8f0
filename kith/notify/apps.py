from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kith.notify"
    label = "notify"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path

        register_personal_path("/notifications/")
