from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "kith.calendars"
    label = "calendars"
    verbose_name = "Calendars"
