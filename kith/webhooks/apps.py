from django.apps import AppConfig
from django.utils.translation import gettext_noop


class WebhooksConfig(AppConfig):
    name = "kith.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # The domain apps never import webhooks (DESIGN §2): webhooks listens to their hooks.
        from kith.connect import hooks as connect_hooks
        from kith.directory import hooks as directory_hooks
        from kith.events import hooks as events_hooks
        from kith.pulse import hooks as pulse_hooks
        from kith.webhooks import events
        from kith.webhooks.services import emitter

        key = "webhooks"
        directory_hooks.register_people_added(
            emitter(events.PERSON_JOINED, events.people_joined), key=key
        )
        directory_hooks.register_people_left(
            emitter(events.PERSON_LEFT, events.people_left), key=key
        )
        connect_hooks.register_round_drawn(emitter(events.ROUND_DRAWN, events.round_drawn), key=key)
        events_hooks.register_event_created(
            emitter(events.EVENT_CREATED, events.event_created), key=key
        )
        pulse_hooks.register_wave_closed(emitter(events.WAVE_CLOSED, events.wave_closed), key=key)

        from kith.core import registry

        registry.register_export_section(
            app_label=self.label, key="webhook_endpoints", build=_mine, needs_person=False
        )
        registry.register_integration(
            app_label=self.label,
            key="webhooks",
            title=gettext_noop("Webhooks"),
            description=gettext_noop(
                "Signed events for your own HR tools: people joined and left, rounds "
                "drawn, events created, survey results as published (aggregates only)."
            ),
            url_name="webhooks:endpoints",
            status=_status,
            order=50,
        )


def _status() -> tuple[bool, str]:
    from kith.webhooks.models import Endpoint

    active = Endpoint.objects.filter(is_active=True).count()
    return active > 0, f"{active} active endpoint{'s' if active != 1 else ''}."


def _mine(viewer: object) -> list[dict[str, object]]:
    """Endpoints this login created (HR): name, address and when; never the secret."""
    from kith.webhooks.models import Endpoint

    user = getattr(viewer, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = Endpoint.objects.filter(created_by=user).order_by("created_at")
    return [{"name": e.name, "url": e.url, "created_at": e.created_at} for e in rows]
