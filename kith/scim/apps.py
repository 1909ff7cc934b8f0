from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "kith.scim"
    label = "scim"
    verbose_name = "SCIM provisioning"
