from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "kith.communities"
    label = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        from kith.communities.selectors import my_communities_data
        from kith.core import registry

        registry.register_export_section(
            app_label=self.label, key="communities", build=registry.of_person(my_communities_data)
        )
        registry.register_privacy_section(
            app_label=self.label, template="communities/_privacy.html"
        )
