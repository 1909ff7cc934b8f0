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
        from kith.bandmap.selectors import map_changed, my_bandmap_data
        from kith.core import registry

        checks.register(check_outlines)

        registry.register_export_section(
            app_label=self.label, key="bandmap", build=registry.of_person(my_bandmap_data)
        )

        # The cached city counts (selectors.city_counts) follow every map preference saved
        # or deleted; writes to people move the directory's generation, which they follow too.
        post_save.connect(map_changed, sender=MapPreference, dispatch_uid="bandmap-pref-saved")
        post_delete.connect(map_changed, sender=MapPreference, dispatch_uid="bandmap-pref-gone")
