from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "kith.scim"
    label = "scim"
    verbose_name = "SCIM provisioning"

    def ready(self) -> None:
        from kith.core import registry
        from kith.core.sensitive import register_personal_path

        # Answers are people's directory entries: never stored by a browser or a proxy.
        register_personal_path("/scim/v2/")
        registry.register_integration(
            app_label=self.label,
            key="scim",
            title="SCIM provisioning",
            description="Okta, Microsoft Entra ID and other identity providers create, update "
            "and deactivate people at /scim/v2/ (deactivation never deletes). Tokens are "
            "created with `kith scim_token create NAME`.",
            url_name="scim_admin:settings",
            status=_status,
            order=30,
        )


def _status() -> tuple[bool, str]:
    from kith.scim.models import ScimToken

    tokens = ScimToken.objects.filter(revoked_at__isnull=True)
    count = tokens.count()
    last = tokens.exclude(last_used_at=None).order_by("-last_used_at").first()
    detail = f"{count} active token{'s' if count != 1 else ''}"
    if last is not None and last.last_used_at is not None:
        detail += f"; last used {last.last_used_at:%Y-%m-%d %H:%M} UTC"
    return count > 0, detail
