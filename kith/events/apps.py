from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kith.events"
    label = "events"
    verbose_name = "Events"
