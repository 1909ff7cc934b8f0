from django.apps import AppConfig


class BandmapConfig(AppConfig):
    name = "kith.bandmap"
    label = "bandmap"
    verbose_name = "Band Map"

    def ready(self) -> None:
        from django.core import checks

        from kith.bandmap.outlines import check_outlines
        from kith.bandmap.selectors import my_bandmap_data
        from kith.core import registry

        checks.register(check_outlines)

        registry.register_export_section(
            app_label=self.label, key="bandmap", build=registry.of_person(my_bandmap_data)
        )
