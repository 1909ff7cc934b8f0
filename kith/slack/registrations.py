"""What the Slack app shows in core: its entry on HR's integrations page and its privacy
section."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kith.core import registry
from kith.slack.models import SlackWorkspace


def status() -> tuple[bool, str]:
    names = [w.team_name or w.team_id for w in SlackWorkspace.objects.all()[:5]]
    if not names:
        return False, _("No workspace connected yet.")
    return True, _("Connected to %(names)s.") % {"names": ", ".join(names)}


def register_all(app_label: str) -> None:
    registry.register_integration(
        app_label=app_label,
        key="slack",
        title=gettext_noop("Slack"),
        description=gettext_noop(
            "Intros as group messages with follow-up buttons, reminders, a Home tab "
            "and /kudos, for people who choose Slack."
        ),
        url_name="slack:settings",
        status=status,
        order=10,
    )
    registry.register_privacy_section(app_label=app_label, template="slack/_privacy.html")
    registry.register_export_section(
        app_label=app_label, key="slack_installs", build=installs_data, needs_person=False
    )


def installs_data(viewer: object) -> list[dict[str, object]]:
    """Workspaces this login installed (HR): the workspace and when, never the token."""
    user = getattr(viewer, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = SlackWorkspace.objects.filter(installed_by=user).order_by("installed_at")
    return [
        {"team_id": w.team_id, "team_name": w.team_name, "installed_at": w.installed_at}
        for w in rows
    ]
