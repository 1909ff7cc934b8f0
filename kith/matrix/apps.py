from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "kith.matrix"
    label = "matrix"
    verbose_name = "Matrix"

    def ready(self) -> None:
        from kith.core import registry
        from kith.core.sensitive import register_personal_path
        from kith.matrix.provider import MatrixProvider
        from kith.matrix.selectors import my_matrix_data
        from kith.notify import channels

        channels.register_provider(MatrixProvider())
        register_personal_path("/integrations/matrix/me/")
        registry.register_export_section(
            app_label=self.label, key="matrix", build=registry.of_person(my_matrix_data)
        )
