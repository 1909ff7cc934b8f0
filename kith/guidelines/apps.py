from django.apps import AppConfig


class GuidelinesConfig(AppConfig):
    name = "kith.guidelines"
    label = "guidelines"
    verbose_name = "Guidelines and boundaries"
