from django.apps import AppConfig


class ConnectConfig(AppConfig):
    name = "kith.connect"
    label = "connect"
    verbose_name = "Connect"
