from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "kith.touchpoints"
    label = "touchpoints"
    verbose_name = "Touchpoints"

    def ready(self) -> None:
        from kith.touchpoints import registrations

        registrations.register_all(self.label)
