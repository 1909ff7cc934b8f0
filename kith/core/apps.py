from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kith.core"
    label = "core"

    def ready(self) -> None:
        from kith.core import logsafe

        # Handlers that settings.LOGGING does not name (a library's own) get the mask too.
        logsafe.install_everywhere()
