"""What SCIM provisioning keeps besides the directory itself.

A SCIM User *is* a directory `Person` (its SCIM id is the person's id). `ScimUser` holds only
what the identity provider sends that the directory has no column for, so a GET answers the
IdP with what it wrote: its user name, its external id and its split of the name. `ScimGroup`
is a group the IdP pushes (shown to HR, used for nothing else yet). Tokens are stored hashed.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models

TOKEN_PREFIX_LENGTH = 8


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ScimToken(models.Model):
    """A bearer token for one identity provider. Only the SHA-256 of the raw value and its
    first characters (to tell tokens apart in `scim_token list`) are stored."""

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_raw_value() -> str:
        return secrets.token_urlsafe(32)


class ScimUser(models.Model):
    """The SCIM side of a person the IdP provisioned. A person with no row is still a SCIM
    User (userName = their work email), so an IdP can match people HR imported before."""

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, related_name="scim_user"
    )
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=254, blank=True, db_index=True)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    # The IdP's own time zone and employee number ("" when it sends none): the person's
    # time zone then comes from their city, and their employee id stays what it was.
    timezone = models.CharField(max_length=64, blank=True)
    employee_number = models.CharField(max_length=64, blank=True)
    # Set by a SCIM DELETE: the person is deactivated (never deleted) and the IdP no longer
    # sees the resource; a later POST for the same person brings them back.
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(models.functions.Lower("user_name"), name="scimuser_name_lower")]

    def __str__(self) -> str:
        return f"SCIM user of person {self.person_id}"


class ScimGroup(models.Model):
    display_name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=254, blank=True, db_index=True)
    members = models.ManyToManyField("directory.Person", blank=True, related_name="scim_groups")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name
