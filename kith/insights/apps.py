from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kith.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path

        register_personal_path("/insights/me/")
        register_personal_path("/api/v1/insights/me")

        from kith.core import registry
        from kith.insights import selectors

        registry.register_export_section(
            app_label=self.label,
            key="insights",
            build=registry.of_person(selectors.my_insights_data),
        )
        registry.register_privacy_section(app_label=self.label, template="insights/_privacy.html")
        registry.register_page_context(app_label=self.label, build=selectors.notice_context)

        from kith.core.disclosure import ledger
        from kith.insights.compute import SOURCE, population_of

        ledger.register_source(SOURCE, population_of)
