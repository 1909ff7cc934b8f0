from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "kith.pulse"
    label = "pulse"
    verbose_name = "Pulse surveys"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path, register_secret_path

        # A personal survey link answers in someone's name: the page and the API by token.
        register_secret_path("/pulse/s/")
        register_secret_path("/api/v1/pulse/surveys/")
        register_personal_path("/api/v1/pulse/surveys")  # my open surveys list my links

        from kith.core import registry
        from kith.pulse.selectors import my_pulse_data

        registry.register_export_section(
            app_label=self.label, key="pulse", build=registry.of_person(my_pulse_data)
        )
        registry.register_privacy_section(app_label=self.label, template="pulse/_privacy.html")
        from kith.pulse.focus import my_focus_data

        registry.register_export_section(
            app_label=self.label, key="pulse_focus_groups", build=registry.of_person(my_focus_data)
        )

        from django.db.models.signals import post_delete, post_save

        from kith.directory.models import Person
        from kith.pulse.selectors import directory_changed

        # Cached reporting lines (selectors.report_units) follow every saved or deleted person.
        post_save.connect(directory_changed, sender=Person, dispatch_uid="pulse-line-units")
        post_delete.connect(directory_changed, sender=Person, dispatch_uid="pulse-line-units-del")

        from kith.core.disclosure import ledger
        from kith.pulse.results import SOURCE, population_of

        ledger.register_source(SOURCE, population_of)
        from kith.pulse import ai

        # The heavier vs lighter AI users split: recorded by its counts (kith/pulse/ai.py).
        ledger.register_source(ai.SOURCE, ai.population_of)
