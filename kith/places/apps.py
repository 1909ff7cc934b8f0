from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "kith.places"
    label = "places"
    verbose_name = "Places"

    def ready(self) -> None:
        from kith.places import registrations

        registrations.register_all(self.label)
