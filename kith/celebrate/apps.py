from django.apps import AppConfig


class CelebrateConfig(AppConfig):
    name = "kith.celebrate"
    label = "celebrate"
    verbose_name = "Celebrations"
