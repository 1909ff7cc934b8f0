from django.apps import AppConfig


class GatheringsConfig(AppConfig):
    name = "kith.gatherings"
    label = "gatherings"
    verbose_name = "Gatherings"
