from django.apps import AppConfig


class BandmapConfig(AppConfig):
    name = "kith.bandmap"
    label = "bandmap"
    verbose_name = "Band Map"
