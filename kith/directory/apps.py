from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "kith.directory"
    label = "directory"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path

        register_personal_path("/people/me/")
        register_personal_path("/api/v1/people/me")
