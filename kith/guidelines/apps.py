from django.apps import AppConfig


class GuidelinesConfig(AppConfig):
    name = "kith.guidelines"
    label = "guidelines"
    verbose_name = "Guidelines and boundaries"

    def ready(self) -> None:
        from kith.guidelines import registrations

        registrations.register_all(self.label)
