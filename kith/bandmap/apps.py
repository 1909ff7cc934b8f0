from django.apps import AppConfig


class BandmapConfig(AppConfig):
    name = "kith.bandmap"
    label = "bandmap"
    verbose_name = "Band Map"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_delete, post_save

        from kith.bandmap.models import MapPreference
        from kith.bandmap.outlines import check_outlines
        from kith.bandmap.selectors import map_changed, my_bandmap_data, people_changed
        from kith.core import registry
        from kith.directory import hooks
        from kith.directory.models import Person

        checks.register(check_outlines)

        registry.register_export_section(
            app_label=self.label, key="bandmap", build=registry.of_person(my_bandmap_data)
        )

        # The cached city counts (selectors.city_counts) follow every person and map
        # preference saved or deleted, and the people an import adds or switches off.
        for model, name in ((Person, "person"), (MapPreference, "preference")):
            post_save.connect(map_changed, sender=model, dispatch_uid=f"bandmap-{name}-saved")
            post_delete.connect(map_changed, sender=model, dispatch_uid=f"bandmap-{name}-gone")
        hooks.register_people_added(people_changed, key="bandmap.added")
        hooks.register_people_left(people_changed, key="bandmap.left")
