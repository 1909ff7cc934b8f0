from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kith.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path, register_secret_path

        # A calendar feed's address is its only key, and it lists where its owner will be.
        register_secret_path("/events/feed/", keep_suffix=".ics")
        register_personal_path("/events/feed/")  # the page shows my feed address
        register_personal_path("/api/v1/events/feed")

        from kith.core import registry
        from kith.events.selectors import my_events_data

        registry.register_export_section(
            app_label=self.label, key="events", build=registry.of_person(my_events_data)
        )
        registry.register_privacy_section(app_label=self.label, template="events/_privacy.html")
