from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "kith.directory"
    label = "directory"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path, register_secret_path

        register_personal_path("/people/me/")
        register_secret_path("/people/me/email-change/")
        register_personal_path("/api/v1/people/me")

        from kith.core import registry
        from kith.directory import selectors

        registry.register_person_lookup(selectors.person_for_user)
        registry.register_export_section(
            app_label=self.label,
            key="directory_entry",
            build=selectors.directory_entry_for_viewer,
        )
        registry.register_privacy_section(app_label=self.label, template="directory/_privacy.html")

        from kith.directory import caching

        caching.connect_signals()
