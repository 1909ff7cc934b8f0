"""Typed inputs and outputs of the matching engines. Pure Python: no Django imports.

The Django side (kith.connect.services) turns people, history and program settings into
these dataclasses, calls the engine, and stores what comes back. Ids are Person primary keys.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Participant:
    """One person taking part in a round, as the matcher needs them (no names, no emails)."""

    id: int
    team: int  # org unit id of their team; -1 when they have none
    department: int  # id of the top-level org unit above their team; -1 when none
    city: str  # "Lisbon, PT" style key; "" when unknown. Same key = same city.
    # Working window for the round's week, in minutes after Monday 00:00 UTC of that week,
    # one (start, end) interval per working day. Empty = unknown (treated as no overlap data).
    work_windows: tuple[tuple[int, int], ...] = ()
    interests: frozenset[str] = frozenset()  # display names, e.g. "Climbing"
    tenure_days: int = 0  # days since start date (0 when unknown)
    is_new_joiner: bool = False  # joined within the program's new-joiner window
    manager: int | None = None  # their manager's person id
    # Their contact preference says "in person when possible": a shared city counts more.
    prefers_in_person: bool = False


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each preference adds to a pair's score (0 switches it off)."""

    different_team: float = 1.0
    different_department: float = 0.5
    shared_interests: float = 1.0
    working_hours_overlap: float = 1.0
    same_city: float = 1.0
    seniority_mix: float = 0.5
    new_joiners_first: float = 0.5


@dataclass(frozen=True, slots=True)
class Rules:
    """Hard rules: never broken. Pairs are stored as (smaller id, larger id)."""

    # Pairs met within the no-repeat window, plus everyone's do-not-pair lists.
    forbidden_pairs: frozenset[tuple[int, int]] = frozenset()
    # Manager / direct report pairs are forbidden too; derived from Participant.manager.
    avoid_manager_pairs: bool = True
    # A pair must share at least this many working minutes in the week so they can meet
    # (0 = no requirement). People with no work_windows are exempt.
    min_overlap_minutes: int = 30


class UnmatchedReason(enum.StrEnum):
    NO_ALLOWED_PARTNER = "no_allowed_partner"  # every possible partner is ruled out
    NO_OVERLAP = "no_overlap"  # nobody left shares working hours with them
    ALONE = "alone"  # the only participant
    NO_SHARED_TOPIC = "no_shared_topic"  # mentoring: no mentor offers any of their goals
    FULL = "full"  # mentoring / buddies: everyone who could take them is at capacity


@dataclass(frozen=True, slots=True)
class Unmatched:
    id: int
    reason: UnmatchedReason
    detail: str  # plain words, shown to the person and to the program's admins


@dataclass(frozen=True, slots=True)
class Match:
    members: tuple[
        int, ...
    ]  # sorted person ids; 2 for pairs (3 for the one odd trio), 3–4 for groups
    score: float
    reasons: tuple[str, ...]  # plain words: "different teams", "you both like climbing", …
    meet_in_person_city: str = ""  # the shared city when everyone is in it ("" otherwise)

    @property
    def explanation(self) -> str:
        return " · ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class RoundResult:
    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]
    algorithm: str  # "exact" or "greedy+local-search"
    total_score: float
    stats: dict[str, float] = field(default_factory=dict)  # candidates, seconds per phase, …


# --- Mentoring ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mentor:
    id: int
    capacity: int  # how many more mentees they can take now
    topics: frozenset[str]
    team: int = -1
    department: int = -1
    tenure_days: int = 0


@dataclass(frozen=True, slots=True)
class Mentee:
    id: int
    goals: frozenset[str]
    team: int = -1
    department: int = -1
    manager: int | None = None


@dataclass(frozen=True, slots=True)
class MentorAssignment:
    mentor: int
    mentee: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MentoringResult:
    assignments: tuple[MentorAssignment, ...]
    waitlisted: tuple[Unmatched, ...]  # mentees who could not be placed, with why


# --- Onboarding buddies ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Joiner:
    id: int
    team: int
    city: str
    manager: int | None
    start_ordinal: int  # date.toordinal() of their start date


@dataclass(frozen=True, slots=True)
class BuddyCandidate:
    id: int
    team: int
    city: str
    tenure_days: int
    current_buddies: int  # joiners they are already buddy to (the rule is at most 2)
    manager: int | None = None


@dataclass(frozen=True, slots=True)
class BuddyAssignment:
    joiner: int
    buddy: int
    same_city: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BuddyResult:
    assignments: tuple[BuddyAssignment, ...]
    unassigned: tuple[Unmatched, ...]
