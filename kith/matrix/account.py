"""The bot account Kith posts as: the row HR saved on /integrations/matrix/, else settings.

Settings (read with getattr, so none is required): KITH_MATRIX_HOMESERVER,
KITH_MATRIX_USER_ID, KITH_MATRIX_ACCESS_TOKEN, and KITH_MATRIX_ID_TEMPLATE
("@{localpart}:example.org") for people's ids. A saved account wins over settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from kith.core.sealing import Unreadable, unseal
from kith.matrix.client import Credentials
from kith.matrix.models import MatrixAccount

PROVIDER = "matrix"
TOKEN_PURPOSE = "matrix.token"
# A Matrix user id (spec, "User identifiers"): @localpart:server, the localpart in the
# lower-case grammar, the server a host name, IPv4 or [IPv6] literal with an optional port.
MATRIX_ID = re.compile(
    r"^@[a-z0-9._=\-/+]+:(?:[A-Za-z0-9\-.]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$"
)
MATRIX_ID_MAX = 255


@dataclass(frozen=True)
class Account:
    credentials: Credentials
    id_template: str
    source: str  # "page" or "settings"


def current() -> Account | None:
    """The bot's credentials, or None when Matrix is not configured (or the token no longer
    opens: the sealing key changed)."""
    row = MatrixAccount.objects.order_by("pk").first()
    if row is not None:
        try:
            token = unseal(row.access_token, purpose=TOKEN_PURPOSE)
        except Unreadable:
            return None
        creds = Credentials(row.homeserver, row.user_id, token, row.device_id)
        return Account(creds, row.id_template or _setting("KITH_MATRIX_ID_TEMPLATE"), "page")
    homeserver = _setting("KITH_MATRIX_HOMESERVER")
    user_id = _setting("KITH_MATRIX_USER_ID")
    token = _setting("KITH_MATRIX_ACCESS_TOKEN")
    if not (homeserver and user_id and token):
        return None
    creds = Credentials(homeserver, user_id, token)
    return Account(creds, _setting("KITH_MATRIX_ID_TEMPLATE"), "settings")


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def is_matrix_id(value: str) -> bool:
    return len(value) <= MATRIX_ID_MAX and MATRIX_ID.match(value) is not None


def derived_id(template: str, email: str) -> str:
    """The id the template gives this email ("" when it gives none that is valid)."""
    localpart = email.rsplit("@", 1)[0].strip().lower() if "@" in email else ""
    if not template or not localpart:
        return ""
    candidate = template.replace("{localpart}", localpart)
    return candidate if is_matrix_id(candidate) else ""
