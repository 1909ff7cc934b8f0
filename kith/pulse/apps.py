from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "kith.pulse"
    label = "pulse"
    verbose_name = "Pulse surveys"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path, register_secret_path

        # A personal survey link answers in someone's name: the page and the API by token.
        register_secret_path("/pulse/s/")
        register_secret_path("/api/v1/pulse/surveys/")
        register_personal_path("/api/v1/pulse/surveys")  # my open surveys list my links
