from django.apps import AppConfig
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


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
        registry.register_integration(
            app_label=self.label,
            key="matrix",
            title=gettext_noop("Matrix"),
            description=gettext_noop(
                "Intros, follow-ups and every notification in a Matrix room for people "
                "who choose Matrix; answers by a number or a reaction."
            ),
            url_name="matrix:settings",
            status=_status,
            order=15,
        )


def _status() -> tuple[bool, str]:
    from kith.matrix.account import current

    account = current()
    if account is None:
        return False, _("No bot account connected yet.")
    return True, _("Kith posts as %(user)s.") % {"user": account.credentials.user_id}
