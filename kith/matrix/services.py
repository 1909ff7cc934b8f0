"""Every write of the Matrix integration: HR connects, tests and disconnects the bot account;
a person sets their own Matrix id. Administrative actions write an audit row (ids, never the
token or a password)."""

from __future__ import annotations

import contextlib
import ipaddress
import urllib.parse
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kith.core import audit
from kith.core.permissions import Viewer, require
from kith.core.sealing import seal
from kith.matrix import account, client
from kith.matrix.models import MatrixAccount, MatrixRoom, MatrixSyncState
from kith.matrix.provider import MatrixProvider
from kith.matrix.selectors import ONLY_HR, can_manage_matrix
from kith.notify import channels
from kith.notify.models import ChatIdentity

if TYPE_CHECKING:
    from kith.directory.models import Person

LOOPBACK_HOSTS = {"localhost"}
LOGOUT = "/_matrix/client/v3/logout"


def _loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def clean_homeserver(value: str) -> str:
    """https://matrix.example.org (http only on this machine: the token travels with it)."""
    url = value.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(
            {"homeserver": _("homeserver: give the full address, like https://matrix.example.org")}
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValidationError(
            {"homeserver": _("homeserver: use https (the access token is sent with every call)")}
        )
    if parts.query or parts.fragment or parts.username:
        raise ValidationError(
            {"homeserver": _("homeserver: only the address, without a query or a user name")}
        )
    return url


def clean_template(value: str) -> str:
    template = value.strip()
    if not template:
        return ""
    if "{localpart}" not in template or not account.is_matrix_id(
        template.replace("{localpart}", "someone")
    ):
        raise ValidationError(
            {"id_template": _("id_template: write it like @{localpart}:example.org")}
        )
    return template


def _error_text(exc: client.MatrixError) -> str:
    if exc.status == 0:
        return _("the homeserver did not answer")
    return _("the homeserver answered %(status)s %(code)s") % {
        "status": exc.status,
        "code": exc.errcode or "",
    }


def matrix_connect(
    *,
    viewer: Viewer,
    homeserver: str,
    user_id: str = "",
    password: str = "",
    access_token: str = "",
    id_template: str = "",
) -> MatrixAccount:
    """Log in with the bot's password once (only the access token is kept), or check a pasted
    access token with whoami; then save the account, replacing any earlier one."""
    require(can_manage_matrix(viewer), _(ONLY_HR))
    url = clean_homeserver(homeserver)
    template = clean_template(id_template)
    if bool(password) == bool(access_token):
        raise ValidationError(
            {"password": _("password: give the bot's password or an access token, not both")}
        )
    if password:
        user_id = user_id.strip()
        if not account.is_matrix_id(user_id):
            raise ValidationError({"user_id": _("user_id: write it like @kith:example.org")})
        try:
            user_id, token, device_id = client.login(url, user_id, password)
        except client.MatrixError as exc:
            raise ValidationError(
                {"password": _("password: login failed, %s") % _error_text(exc)}
            ) from exc
    else:
        token = access_token.strip()
        try:
            user_id, device_id = _whoami(client.Credentials(url, "", token))
        except client.MatrixError as exc:
            raise ValidationError(
                {"access_token": _("access_token: not accepted, %s") % _error_text(exc)}
            ) from exc
    with transaction.atomic():
        MatrixAccount.objects.all().delete()
        MatrixSyncState.objects.all().delete()  # another account: read its events afresh
        row = MatrixAccount.objects.create(
            homeserver=url,
            user_id=user_id,
            device_id=device_id,
            access_token=seal(token, purpose=account.TOKEN_PURPOSE),
            logged_in_by_kith=bool(password),
            id_template=template,
        )
        audit.record(
            actor=viewer.user,
            action="matrix.connected",
            target=user_id,
            how="password" if password else "token",
        )
    return row


def _whoami(credentials: client.Credentials) -> tuple[str, str]:
    answer = client.call(credentials, lambda s: s.raw("GET", "/_matrix/client/v3/account/whoami"))
    return str(answer.get("user_id", "")), str(answer.get("device_id", "") or "")


def matrix_template_set(*, viewer: Viewer, id_template: str) -> None:
    """Change how ids follow from emails. Ids found with the old template are forgotten (and
    found again with the new one); ids people set themselves stay."""
    require(can_manage_matrix(viewer), _(ONLY_HR))
    template = clean_template(id_template)
    row = MatrixAccount.objects.order_by("pk").first()
    if row is None:
        raise ValidationError({"id_template": _("id_template: connect the bot account first")})
    with transaction.atomic():
        old = row.id_template
        row.id_template = template
        row.save(update_fields=["id_template"])
        if old != template:
            _forget_derived(old)
        audit.record(actor=viewer.user, action="matrix.template_set", target=row.user_id)


def _forget_derived(template: str) -> None:
    if not template:
        return
    identities = ChatIdentity.objects.filter(provider=account.PROVIDER).select_related("person")
    stale = [
        i.pk
        for i in identities.iterator(chunk_size=2000)
        if i.external_id == account.derived_id(template, i.person.email or "")
    ]
    ChatIdentity.objects.filter(pk__in=stale).delete()


def matrix_check(*, viewer: Viewer) -> str:
    """Whoami as the bot: the id the homeserver knows the token by."""
    require(can_manage_matrix(viewer), _(ONLY_HR))
    current = account.current()
    if current is None:
        raise ValidationError(_("Matrix is not connected."))
    try:
        user_id, _device = _whoami(current.credentials)
    except client.MatrixError as exc:
        raise ValidationError(_("The bot's token does not work: %s") % _error_text(exc)) from exc
    audit.record(actor=viewer.user, action="matrix.checked", target=user_id)
    return user_id


def matrix_test_message_send(*, viewer: Viewer, url: str = "") -> str:
    """A test message to the HR admin's own Matrix id; returns the id it went to."""
    require(can_manage_matrix(viewer), _(ONLY_HR))
    if viewer.person is None:
        raise ValidationError(_("Your login has no directory entry, so no Matrix id."))
    provider = MatrixProvider()
    message = channels.ChatMessage(
        subject=_("Kith can reach you on Matrix"),
        body=_("This is a test message from Kith's Matrix settings. Nothing to do."),
        url=url,
    )
    try:
        address = provider.address_of(viewer.person)
        provider.send([address], message)
    except channels.Unreachable as exc:
        raise ValidationError(
            _("Kith found no Matrix account for you: set your Matrix id on your Matrix page.")
        ) from exc
    except channels.ChatFailed as exc:
        raise ValidationError(_("The test message failed; try again later.")) from exc
    audit.record(actor=viewer.user, action="matrix.test_message", target=address)
    return address


def matrix_disconnect(*, viewer: Viewer) -> None:
    """Forget the bot account (and log its token out when Kith made it). The rooms' rows go
    too; people's Matrix ids stay, for a reconnection."""
    require(can_manage_matrix(viewer), _(ONLY_HR))
    row = MatrixAccount.objects.order_by("pk").first()
    if row is None:
        return
    current = account.current()
    if row.logged_in_by_kith and current is not None:
        # Already invalid, or the server is away: forgetting the token is what matters.
        with contextlib.suppress(client.MatrixError):
            client.call(current.credentials, lambda s: s.raw("POST", LOGOUT, {}))
    with transaction.atomic():
        MatrixAccount.objects.all().delete()
        MatrixRoom.objects.all().delete()
        MatrixSyncState.objects.all().delete()
        audit.record(actor=viewer.user, action="matrix.disconnected", target=row.user_id)


def matrix_id_set(person: Person, value: str) -> str:
    """A person's own Matrix id ("" forgets it: the template's id is used again). Returns the
    id kept."""
    matrix_id = value.strip()
    if not matrix_id:
        ChatIdentity.objects.filter(person=person, provider=account.PROVIDER).delete()
        return ""
    if not account.is_matrix_id(matrix_id):
        raise ValidationError(
            {"matrix_id": _("matrix_id: write it like @jane:example.org (lower case)")}
        )
    if _colleagues_by_template(person, matrix_id):
        raise ValidationError(
            {"matrix_id": _("matrix_id: this is a colleague's Matrix id, by the id template")}
        )
    try:
        with transaction.atomic():
            ChatIdentity.objects.update_or_create(
                person=person, provider=account.PROVIDER, defaults={"external_id": matrix_id}
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"matrix_id": _("matrix_id: this Matrix id is already someone else's in Kith")}
        ) from exc
    return matrix_id


def _colleagues_by_template(person: Person, matrix_id: str) -> bool:
    """Whether the template gives this id to someone else (so nobody can claim a colleague's
    account and have their answers counted as theirs)."""
    from kith.directory.models import Person as PersonModel

    current = account.current()
    template = current.id_template if current is not None else ""
    if "{localpart}" not in template:
        return False
    before, after = template.split("{localpart}", 1)
    if not (matrix_id.startswith(before) and matrix_id.endswith(after)):
        return False
    localpart = matrix_id[len(before) : len(matrix_id) - len(after)]
    return (
        PersonModel.objects.filter(email__istartswith=localpart + "@")
        .exclude(pk=person.pk)
        .exists()
    )
