"""Reads for the Slack app: workspaces, who a Slack user is in Kith, a person's link status."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _

from kith.core.permissions import Viewer, viewer_for_user
from kith.directory.models import Person
from kith.notify.models import ChatIdentity
from kith.slack.models import SlackWorkspace

PROVIDER = "slack"
ONLY_HR = "Only HR admins can connect Kith to Slack."


def can_manage_slack(viewer: Viewer) -> bool:
    return viewer.is_hr


def workspaces() -> list[SlackWorkspace]:
    return list(SlackWorkspace.objects.all())


def workspace_for_team(team_id: str) -> SlackWorkspace | None:
    """The workspace of `team_id`; with an empty id (an address stored before a team was
    known), the first workspace."""
    if team_id:
        return SlackWorkspace.objects.filter(team_id=team_id).first()
    return SlackWorkspace.objects.first()


def all_secrets() -> list[str]:
    """Every secret Kith knows: the app's from settings and any sealed in a workspace row."""
    secrets = [str(getattr(settings, "KITH_SLACK_SIGNING_SECRET", "") or "")]
    secrets += [w.signing_secret for w in SlackWorkspace.objects.exclude(signing_secret="")]
    return [s for s in dict.fromkeys(secrets) if s]


def signing_secret_for_team(team_id: str) -> str:
    """The one secret a request naming this workspace must be signed with: the secret sealed in
    its row (an app installed for that workspace alone), else the app's from settings."""
    workspace = SlackWorkspace.objects.filter(team_id=team_id).first() if team_id else None
    if workspace is not None and workspace.signing_secret:
        return str(workspace.signing_secret)
    return str(getattr(settings, "KITH_SLACK_SIGNING_SECRET", "") or "")


def oauth_configured() -> bool:
    return bool(
        getattr(settings, "KITH_SLACK_CLIENT_ID", "")
        and getattr(settings, "KITH_SLACK_CLIENT_SECRET", "")
    )


def address(team_id: str, user_id: str) -> str:
    """A person's address: "T123:U456" (the team, so several workspaces can be served)."""
    return f"{team_id}:{user_id}" if team_id else user_id


def split_address(value: str) -> tuple[str, str]:
    """(team id, user id); a bare "U456" has no team (the first workspace's)."""
    team, _, user = value.rpartition(":")
    return team, user


def person_for_slack_user(team_id: str, user_id: str) -> Person | None:
    """The active person linked to this Slack user (ChatIdentity), or None."""
    if not user_id:
        return None
    candidates = [address(team_id, user_id), user_id]
    identity = (
        ChatIdentity.objects.filter(provider=PROVIDER, external_id__in=candidates)
        .select_related("person")
        .first()
    )
    if identity is None or not identity.person.is_active:
        return None
    return identity.person


def viewer_for_person(person: Person) -> Viewer:
    """The viewer a person is in Kith (their login's roles when they have one), so what Slack
    shows them follows the same rules as the pages."""
    user = get_user_model().objects.filter(email__iexact=person.email, is_active=True).first()
    if user is not None:
        viewer = viewer_for_user(user)
        if viewer.person is not None and viewer.person.pk == person.pk:
            return viewer
    return Viewer(user=AnonymousUser(), person=person)


def slack_status_for(person: Person) -> str:
    """One sentence for the person's boundaries page."""
    if not SlackWorkspace.objects.exists():
        return "Slack is not connected to Kith."
    if ChatIdentity.objects.filter(person=person, provider=PROVIDER).exists():
        return "Your Slack account is linked (found by your work email)."
    return (
        "Your Slack account is not linked yet: choose Slack as your channel and Kith finds "
        "it by your work email."
    )


def kith_url(viewname: str, *args: object) -> str:
    """An absolute link into Kith (KITH_BASE_URL), for messages and the App Home."""
    base = str(getattr(settings, "KITH_BASE_URL", "")).rstrip("/")
    return base + reverse(viewname, args=args)


def link_your_account_text() -> str:
    boundaries = kith_url("guidelines:boundaries")
    return _(
        "Kith does not know your Slack account yet. Choose Slack as your channel on "
        "%(link)s in Kith: it links your account by your work email."
    ) % {"link": f"<{boundaries}|{_('My boundaries')}>"}
