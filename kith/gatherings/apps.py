from django.apps import AppConfig


class GatheringsConfig(AppConfig):
    name = "kith.gatherings"
    label = "gatherings"
    verbose_name = "Gatherings"

    def ready(self) -> None:
        from kith.gatherings import registrations

        registrations.register(self.label)
