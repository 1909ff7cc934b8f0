from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from django.http import HttpRequest

    from kith.core.permissions import Viewer


def _unread(request: HttpRequest, viewer: Viewer) -> dict[str, Any]:
    """The inbox badge in every page's header."""
    from kith.notify.selectors import unread_count_for_person

    unread = 0
    if request.user.is_authenticated and viewer.person is not None:
        unread = unread_count_for_person(person=viewer.person)
    return {"unread_notifications": unread}


class NotifyConfig(AppConfig):
    name = "kith.notify"
    label = "notify"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path

        register_personal_path("/notifications/")

        from kith.core import registry
        from kith.notify.selectors import my_chat_accounts_data, my_notifications_data

        registry.register_page_context(app_label=self.label, build=_unread)
        registry.register_export_section(
            app_label=self.label,
            key="notifications",
            build=registry.of_person(my_notifications_data),
        )
        from kith.directory import hooks
        from kith.notify.services import chat_accounts_forget

        # An account found by the old address may be someone else's; one who left gets nothing.
        hooks.register_emails_changed(chat_accounts_forget, key="notify")
        hooks.register_people_left(chat_accounts_forget, key="notify")
        registry.register_export_section(
            app_label=self.label,
            key="chat_accounts",
            build=registry.of_person(my_chat_accounts_data),
        )
