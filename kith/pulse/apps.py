from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "kith.pulse"
    label = "pulse"
    verbose_name = "Pulse surveys"
