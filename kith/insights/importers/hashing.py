"""Addresses as numbers: a 64-bit hash of the lowercased address.

The CSV reader maps millions of addresses to people without making one Python string per
row: it packs the raw bytes of every field into 8-byte words with numpy, hashes them, finds
the candidate in a hash table of the directory's addresses and confirms it by comparing the
words themselves, so a match is exact. Unknown addresses are counted by their hash, so no
unknown address is kept even while an import runs (two unknown addresses share a hash with
a chance of about one in 10^19 per pair: the count is exact in practice).
`hash_address` gives the same value for one address in Python.

The hash: the address's UTF-8 bytes, zero-padded to whole 8-byte little-endian words; each
word XOR a per-position key goes through the splitmix64 finaliser; the results are summed
and the sum, with the length, is finalised once more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kith.insights.importers.model import Directory

MAX_ADDRESS = 254  # RFC 5321: no longer address can be delivered
_WORDS = (MAX_ADDRESS + 8) // 8
_MASK = (1 << 64) - 1
_rng = np.random.default_rng(0x6B697468)  # fixed, so that hashes agree within one import
_KEYS = _rng.integers(0, 1 << 63, size=_WORDS + 1, dtype=np.uint64) * np.uint64(2)
_KEY_INTS = [int(k) for k in _KEYS]
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB

U64 = NDArray[np.uint64]
U8 = NDArray[np.uint8]
I64 = NDArray[np.int64]


def _mix(x: U64) -> U64:
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(_M1)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


def _mix_int(x: int) -> int:
    x = ((x ^ (x >> 30)) * _M1) & _MASK
    x = ((x ^ (x >> 27)) * _M2) & _MASK
    return x ^ (x >> 31)


def pack(chars: U8) -> U64:
    """Rows of bytes as rows of little-endian 8-byte words: (rows, width) -> (rows, words)."""
    rows, width = chars.shape
    words = max(-(-width // 8), 1)
    if width != words * 8:
        chars = np.concatenate((chars, np.zeros((rows, words * 8 - width), np.uint8)), axis=1)
    return np.ascontiguousarray(chars).view("<u8").reshape(rows, words)


def hash_packed(packed: U64, lengths: I64) -> U64:
    """Hashes of byte strings packed by `pack` (zero bytes after each string's end)."""
    used = (lengths + 7) // 8
    with np.errstate(over="ignore"):
        total = lengths.astype(np.uint64) * _KEYS[-1]
        for word in range(packed.shape[1]):
            mixed = _mix(packed[:, word] ^ _KEYS[word])
            total += np.where(word < used, mixed, np.uint64(0))
    return _mix(total)


def hash_address(address: str) -> int:
    """The same hash for one address (already stripped and lowercased)."""
    data = address.encode("utf-8")[: MAX_ADDRESS + 1]
    length = len(data)
    data += b"\0" * (-length % 8)
    total = length * _KEY_INTS[-1]
    for k in range(0, length, 8):
        total += _mix_int(int.from_bytes(data[k : k + 8], "little") ^ _KEY_INTS[k // 8])
    return _mix_int(total & _MASK)


def pack_strings(addresses: list[str]) -> tuple[U64, I64]:
    """Addresses (already stripped and lowercased) packed by `pack`, and their lengths."""
    encoded = [address.encode("utf-8")[: MAX_ADDRESS + 1] for address in addresses]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    width = max(int(lengths.max(initial=0)), 1)
    data = np.frombuffer(b"".join(encoded) + bytes(width), dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths
    windows = np.lib.stride_tricks.sliding_window_view(data, width)[starts]
    chars = windows * (np.arange(width) < lengths[:, None])
    return pack(chars.astype(np.uint8)), lengths


def lower_ascii(chars: U8) -> U8:
    upper = ((chars >= 65) & (chars <= 90)).astype(np.uint8)
    return np.asarray(np.bitwise_or(chars, upper * np.uint8(32)), dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class AddressBook:
    """The directory's addresses in an open-addressing hash table (linear probing): per
    slot the hash and the person (-1 for an empty slot); per person the packed address,
    to confirm a match byte for byte."""

    slot_hash: U64
    slot_person: I64
    probes: int  # the longest probe sequence: no lookup needs more
    packed: U64  # (people, words) the directory's addresses, packed
    lengths: I64  # (people,)

    @classmethod
    def build(cls, directory: Directory) -> AddressBook:
        emails = [email.strip().lower() for email in directory.emails]
        people = np.fromiter(directory.emails.values(), dtype=np.int64, count=len(emails))
        packed, lengths = pack_strings(emails)
        hashes = hash_packed(packed, lengths)
        by_person = np.zeros((directory.size, packed.shape[1]), dtype=np.uint64)
        by_person[people] = packed
        person_lengths = np.full(directory.size, -1, dtype=np.int64)
        person_lengths[people] = lengths
        size = 1 << max(4, (4 * len(emails)).bit_length())
        slot_hash = np.zeros(size, dtype=np.uint64)
        slot_person = np.full(size, -1, dtype=np.int64)
        slot = (hashes & np.uint64(size - 1)).astype(np.int64)
        waiting = np.arange(len(emails))
        probes = 0
        while waiting.size:
            probes += 1
            at = slot[waiting]
            # Of several addresses wanting the same free slot, the first one takes it.
            _, winner = np.unique(at, return_index=True)
            take = np.zeros(waiting.size, dtype=np.bool_)
            take[winner] = True
            take &= slot_person[at] < 0
            placed = waiting[take]
            slot_hash[slot[placed]] = hashes[placed]
            slot_person[slot[placed]] = people[placed]
            waiting = waiting[~take]
            slot[waiting] = (slot[waiting] + 1) & (size - 1)
        return cls(slot_hash, slot_person, probes, by_person, person_lengths)

    def lookup(self, packed: U64, lengths: I64, hashes: U64) -> I64:
        """Person index for each packed address, -1 where it is not in the directory."""
        mask = self.slot_person.size - 1
        slot = (hashes & np.uint64(mask)).astype(np.int64)
        person = np.full(hashes.shape, -1, dtype=np.int64)
        todo = np.arange(hashes.size)
        for _ in range(self.probes):
            at = slot[todo]
            occupant = self.slot_person[at]
            hit = (occupant >= 0) & (self.slot_hash[at] == hashes[todo])
            person[todo[hit]] = occupant[hit]
            todo = todo[~hit & (occupant >= 0)]  # an empty slot ends the search
            if not todo.size:
                break
            slot[todo] = (slot[todo] + 1) & mask
        return self._confirm(person, packed, lengths)

    def _confirm(self, person: I64, packed: U64, lengths: I64) -> I64:
        """Keep only the matches whose bytes are the directory's (equal hashes are not
        proof). Both sides are zero after the address's end, so equal lengths and equal
        words up to the shorter width mean equal addresses."""
        found = np.flatnonzero(person >= 0)
        if not found.size:
            return person
        who = person[found]
        same = self.lengths[who] == lengths[found]
        width = min(packed.shape[1], self.packed.shape[1])
        for word in range(width):
            same &= self.packed[who, word] == packed[found, word]
        if packed.shape[1] > width:  # longer than any directory address: no match
            same &= (packed[found, width:] == 0).all(axis=1)
        person[found[~same]] = -1
        return person
