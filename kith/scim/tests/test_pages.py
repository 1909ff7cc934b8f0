"""HR's SCIM page: the base URL, tokens made here (shown once, stored as a hash) and revoked,
the identity provider's groups; nobody else opens it."""

from __future__ import annotations

from kith.core.models import AuditEvent
from kith.scim.models import ScimGroup, ScimToken, hash_token

PAGE = "/integrations/scim/"


def test_hr_makes_a_token_that_is_shown_once_and_works(hr_client, client, employee):
    page = hr_client.get(PAGE)
    assert page.status_code == 200 and "/scim/v2/" in page.content.decode()
    made = hr_client.post(f"{PAGE}tokens/", {"name": "okta"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    raw = made.context["new_token"]
    token = ScimToken.objects.get(name="okta")
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    assert raw not in hr_client.get(PAGE).content.decode()  # never again
    answer = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert answer.status_code == 200
    assert AuditEvent.objects.filter(action="scim.token_created").exists()

    hr_client.post(f"{PAGE}tokens/revoke/", {"name": "okta"})
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_bad_token_names_are_named(hr_client):
    hr_client.post(f"{PAGE}tokens/", {"name": "okta"})
    again = hr_client.post(f"{PAGE}tokens/", {"name": "okta"})
    assert again.status_code == 400 and "already exists" in again.content.decode()
    blank = hr_client.post(f"{PAGE}tokens/", {"name": "  "})
    assert blank.status_code == 400 and "name: required" in blank.content.decode()
    assert ScimToken.objects.count() == 1


def test_groups_are_listed_with_their_size(hr_client, employee, manager):
    group = ScimGroup.objects.create(display_name="Engineering Guild")
    group.members.add(employee, manager)
    text = hr_client.get(PAGE).content.decode()
    assert "Engineering Guild" in text and "2 members" in text


def test_only_hr(employee_client, manager_client):
    for client in (employee_client, manager_client):
        assert client.get(PAGE).status_code == 403
        assert client.post(f"{PAGE}tokens/", {"name": "x"}).status_code == 403
    assert not ScimToken.objects.exists()
