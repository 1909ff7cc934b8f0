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
