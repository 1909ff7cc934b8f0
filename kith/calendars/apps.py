from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "kith.calendars"
    label = "calendars"
    verbose_name = "Calendars"

    def ready(self) -> None:
        from kith.calendars import registrations

        registrations.register(self.label)
