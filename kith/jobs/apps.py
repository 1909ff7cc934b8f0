from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "kith.jobs"
    label = "jobs"

    def ready(self) -> None:
        # Importing every app's tasks.py registers its @periodic jobs.
        autodiscover_modules("tasks")
