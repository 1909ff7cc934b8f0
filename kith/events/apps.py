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

        from kith.directory import hooks

        # A feed address is a key: one who left keeps none, even if they come back later.
        hooks.register_people_left(_revoke_feeds, key="events")


def _revoke_feeds(person_ids: list[int]) -> None:
    from django.utils import timezone

    from kith.events.models import FeedToken

    FeedToken.objects.filter(person_id__in=person_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
