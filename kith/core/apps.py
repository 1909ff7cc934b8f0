from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kith.core"
    label = "core"
