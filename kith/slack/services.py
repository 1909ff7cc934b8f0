"""HR's writes for Slack (install by token or OAuth, disconnect, a test message) and linking a
Slack user to a person. Keyword-only; administrative actions write audit rows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kith.core import audit
from kith.core.permissions import Viewer, require
from kith.directory.models import Person
from kith.notify.channels import ChatFailed, ChatMessage, Unreachable
from kith.notify.models import ChatIdentity
from kith.slack import client, selectors
from kith.slack.client import SlackError
from kith.slack.models import SlackWorkspace
from kith.slack.provider import SlackProvider, remember

BOT_TOKEN_PREFIX = "xoxb-"


def _save_workspace(
    *, viewer: Viewer, team_id: str, team_name: str, bot_user_id: str, token: str, how: str
) -> SlackWorkspace:
    with transaction.atomic():
        workspace, created = SlackWorkspace.objects.update_or_create(
            team_id=team_id,
            defaults={
                "team_name": team_name[:200],
                "bot_user_id": bot_user_id,
                "bot_token": token,
                "installed_by": viewer.user if viewer.is_authenticated else None,
            },
        )
        audit.record(
            actor=viewer.user,
            action="slack.installed" if created else "slack.reinstalled",
            target=f"slack:{team_id}",
            how=how,
        )
    return workspace


def workspace_install_token(
    *, viewer: Viewer, token: str, signing_secret: str = ""
) -> SlackWorkspace:
    """Install with a bot token pasted by HR: `auth.test` says which workspace it is."""
    require(selectors.can_manage_slack(viewer), selectors.ONLY_HR)
    token = (token or "").strip()
    if not token.startswith(BOT_TOKEN_PREFIX):
        raise ValidationError(
            {
                "token": [
                    _("Paste the app's bot token: it starts with “xoxb-” (OAuth & Permissions).")
                ]
            }
        )
    try:
        found = client.call(client.web_client(token), "auth.test")
    except SlackError as exc:
        raise ValidationError(
            {"token": [_("Slack did not accept this token (%(code)s).") % {"code": exc.code}]}
        ) from exc
    except ChatFailed as exc:
        raise ValidationError({"token": [_("Slack could not be reached: try again.")]}) from exc
    team_id = str(found.get("team_id") or "")
    if not team_id:
        raise ValidationError(
            {"token": [_("Slack did not say which workspace this token is for.")]}
        )
    workspace = _save_workspace(
        viewer=viewer,
        team_id=team_id,
        team_name=str(found.get("team") or ""),
        bot_user_id=str(found.get("user_id") or ""),
        token=token,
        how="token",
    )
    if signing_secret.strip():
        workspace.signing_secret = signing_secret.strip()
        workspace.save(update_fields=["signing_secret"])
    return workspace


def workspace_install_oauth(*, viewer: Viewer, code: str, redirect_uri: str) -> SlackWorkspace:
    """The OAuth v2 install's last step: exchange the code for the workspace's bot token."""
    require(selectors.can_manage_slack(viewer), selectors.ONLY_HR)
    if not selectors.oauth_configured():
        raise ValidationError(
            {"code": [_("Set KITH_SLACK_CLIENT_ID and KITH_SLACK_CLIENT_SECRET first.")]}
        )
    try:
        found = client.call(
            client.web_client(),
            "oauth.v2.access",
            client_id=str(getattr(settings, "KITH_SLACK_CLIENT_ID", "")),
            client_secret=str(getattr(settings, "KITH_SLACK_CLIENT_SECRET", "")),
            code=code,
            redirect_uri=redirect_uri,
        )
    except SlackError as exc:
        raise ValidationError(
            {"code": [_("Slack did not finish the install (%(code)s).") % {"code": exc.code}]}
        ) from exc
    except ChatFailed as exc:
        raise ValidationError({"code": [_("Slack could not be reached: try again.")]}) from exc
    team = found.get("team") or {}
    token = str(found.get("access_token") or "")
    if not team.get("id") or not token.startswith(BOT_TOKEN_PREFIX):
        raise ValidationError({"code": [_("Slack's answer has no bot token for a workspace.")]})
    return _save_workspace(
        viewer=viewer,
        team_id=str(team["id"]),
        team_name=str(team.get("name") or ""),
        bot_user_id=str(found.get("bot_user_id") or ""),
        token=token,
        how="oauth",
    )


def workspace_disconnect(*, viewer: Viewer, workspace_id: int) -> str:
    """Forget the workspace, its token and every Slack id linked in it."""
    require(selectors.can_manage_slack(viewer), selectors.ONLY_HR)
    with transaction.atomic():
        workspace = SlackWorkspace.objects.select_for_update().filter(pk=workspace_id).first()
        if workspace is None:
            raise ValidationError({"workspace": [_("This workspace is not connected.")]})
        identities = ChatIdentity.objects.filter(
            provider=selectors.PROVIDER, external_id__startswith=f"{workspace.team_id}:"
        )
        if SlackWorkspace.objects.count() == 1:  # bare ids belong to the only workspace
            identities = ChatIdentity.objects.filter(provider=selectors.PROVIDER)
        unlinked, _by_model = identities.delete()
        name = workspace.team_name or workspace.team_id
        audit.record(
            actor=viewer.user,
            action="slack.disconnected",
            target=f"slack:{workspace.team_id}",
            unlinked=unlinked,
        )
        workspace.delete()
    return name


def test_message_send(*, viewer: Viewer) -> None:
    """Send HR a direct message, so they see the app works end to end."""
    require(selectors.can_manage_slack(viewer), selectors.ONLY_HR)
    person = viewer.person
    if person is None:
        raise ValidationError({"person": [_("Your login has no directory entry to send to.")]})
    provider = SlackProvider()
    message = ChatMessage(
        subject=_("Kith is connected to Slack"),
        body=_(
            "This is the test message you asked for. Intros and reminders will arrive like this."
        ),
        url=f"{settings.KITH_BASE_URL}/integrations/slack/",
    )
    try:
        provider.send([provider.address_of(person)], message)
    except Unreachable as exc:
        raise ValidationError(
            {"person": [_("Slack has no account with your work email in the connected workspace.")]}
        ) from exc
    except ChatFailed as exc:
        raise ValidationError(
            {"person": [_("Slack could not take the message now: try again.")]}
        ) from exc
    audit.record(actor=viewer.user, action="slack.test_sent", target=f"person:{person.pk}")


def person_for_slack_user_looked_up(team_id: str, user_id: str) -> Person | None:
    """The person behind a Slack user: linked already, or found by the email Slack has for
    them (`users.info`) and linked now. Only the id is kept."""
    person = selectors.person_for_slack_user(team_id, user_id)
    if person is not None:
        return person
    workspace = selectors.workspace_for_team(team_id)
    if workspace is None or not user_id:
        return None
    try:
        found = client.call(client.web_client(workspace.bot_token), "users.info", user=user_id)
    except (SlackError, ChatFailed):
        return None
    user: dict[str, Any] = found.get("user") or {}
    email = str((user.get("profile") or {}).get("email") or "").strip().lower()
    if not email or user.get("deleted") or user.get("is_bot"):
        return None
    person = Person.objects.filter(email=email, is_active=True).first()
    if person is not None:
        remember(person, selectors.address(workspace.team_id, user_id))
    return person
