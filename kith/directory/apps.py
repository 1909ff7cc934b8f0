from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "kith.directory"
    label = "directory"
