"""Addresses to people. An address not in the directory becomes its hash, and only that."""

from __future__ import annotations

import re

from kith.insights.importers.hashing import MAX_ADDRESS, AddressBook, hash_address
from kith.insights.importers.model import Directory

_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")
Member = tuple[int, int]  # (person index or -1, address hash for an unknown address)


def address_problem(address: str) -> str:
    """What is wrong with a (stripped) address, or "" if it looks like one."""
    if not address:
        return "is empty; expected an email address"
    if len(address.encode("utf-8")) > MAX_ADDRESS:
        return f"is longer than {MAX_ADDRESS} characters; expected an email address"
    if address.count("@") != 1 or address[0] == "@" or address[-1] == "@":
        return "is not an email address; expected one like name@example.com"
    if _SPACE_OR_CONTROL.search(address):
        return "contains spaces or control characters; expected an email address"
    return ""


class People:
    """The directory's addresses, for lookups one at a time and (via `book`) in bulk."""

    def __init__(self, directory: Directory) -> None:
        self.emails = {email.strip().lower(): index for email, index in directory.emails.items()}
        self.book = AddressBook.build(directory)

    def member(self, address: str) -> Member:
        """A normalised (stripped, lowercased) address as a member of an event."""
        person = self.emails.get(address, -1)
        return (person, 0) if person >= 0 else (-1, hash_address(address))

    def unknown_key(self, key: str) -> Member:
        """A participant known only by some other key (a chat user id without an email)."""
        return (-1, hash_address("\x00" + key))
