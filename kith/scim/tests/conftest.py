from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kith.scim.tokens import scim_token_create

SCIM = "application/scim+json"


class ScimClient:
    """Django's test client speaking SCIM with a bearer token."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        call = getattr(self.client, method)
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=body, content_type=SCIM)
        return call(f"/scim/v2/{path}", **kwargs)

    def get(self, path: str) -> Any:
        return self._send("get", path)

    def post(self, path: str, body: Any) -> Any:
        return self._send("post", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("put", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self._send("patch", path, body)

    def delete(self, path: str) -> Any:
        return self._send("delete", path)


@pytest.fixture
def scim_token(db: Any) -> str:
    _, raw = scim_token_create(name="okta")
    return raw


@pytest.fixture
def scim(scim_token: str) -> ScimClient:
    return ScimClient(scim_token)
