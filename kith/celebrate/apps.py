from django.apps import AppConfig


class CelebrateConfig(AppConfig):
    name = "kith.celebrate"
    label = "celebrate"
    verbose_name = "Celebrations"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path

        # My settings (birthday shown or not) and the kudos I received or gave.
        register_personal_path("/celebrate/me/")
        register_personal_path("/api/v1/celebrate/me/")

        from kith.celebrate.selectors import my_celebrate_data
        from kith.core import registry

        registry.register_export_section(
            app_label=self.label, key="celebrate", build=registry.of_person(my_celebrate_data)
        )
