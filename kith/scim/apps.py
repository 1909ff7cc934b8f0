from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_noop


class ScimConfig(AppConfig):
    name = "kith.scim"
    label = "scim"
    verbose_name = "SCIM provisioning"

    def ready(self) -> None:
        from kith.core import registry
        from kith.core.sensitive import register_personal_path

        # Answers are people's directory entries: never stored by a browser or a proxy.
        register_personal_path("/scim/v2/")
        registry.register_export_section(
            app_label=self.label, key="provisioning", build=registry.of_person(_my_record)
        )
        registry.register_integration(
            app_label=self.label,
            key="scim",
            title=gettext_noop("SCIM provisioning"),
            description=gettext_noop(
                "Okta, Microsoft Entra ID and other identity providers create, update "
                "and deactivate people (deactivating never deletes). Make a token for yours on "
                "its page."
            ),
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
        detail += f", last used {last.last_used_at:%Y-%m-%d %H:%M} UTC"
    return count > 0, detail + "."


def _my_record(person: Any) -> dict[str, object]:
    """What the identity provider sent about me that the directory has no column for, and
    the groups it put me in."""
    from kith.scim.models import ScimGroup, ScimUser

    if person is None:
        return {}
    record = ScimUser.objects.filter(person=person).first()
    groups = list(
        ScimGroup.objects.filter(members=person)
        .order_by("display_name")
        .values_list("display_name", flat=True)
    )
    if record is None and not groups:
        return {}
    fields: dict[str, object] = {}
    if record is not None:
        fields = {
            "user_name": record.user_name,
            "external_id": record.external_id,
            "given_name": record.given_name,
            "family_name": record.family_name,
            "display_name": record.display_name,
            "timezone": record.timezone,
            "employee_number": record.employee_number,
            "updated_at": record.updated_at,
        }
    return {**fields, "groups": groups}
