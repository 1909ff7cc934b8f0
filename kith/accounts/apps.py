from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kith.accounts"
    label = "accounts"

    def ready(self) -> None:
        from kith.core.sensitive import (
            register_personal_path,
            register_secret_path,
            register_secret_pattern,
        )

        # allauth's emailed links carry their key in the path.
        register_secret_path("/accounts/confirm-email/")
        register_secret_path("/accounts/password/reset/key/")
        # A personal API token (ApiToken.PREFIX plus 43 characters), wherever it turns up.
        register_secret_pattern(r"\bkith_[A-Za-z0-9_-]{20,}", "kith_…")
        register_personal_path("/me/")  # settings, API tokens, my data export

        from kith.accounts import selectors
        from kith.core.registry import register_export_section

        for key, build in (
            ("account", selectors.account_data_for_viewer),
            ("sign_in", selectors.sign_in_data_for_viewer),
            ("who_sees_what", lambda viewer: selectors.WHO_SEES_WHAT),
        ):
            register_export_section(app_label=self.label, key=key, build=build, needs_person=False)
