"""Why these people were introduced, in plain words they can read in the intro message.

Reasons only say what the members can see for themselves or would say on meeting (teams,
cities, interests, shared hours). They never carry tenure, managers or anything else private:
"you joined at different times", never "7 years".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import combinations

from kith.connect.engine.scoring import merged_windows, tenure_band, units_differ
from kith.connect.engine.types import Participant, Weights

MAX_REASONS = 4
MAX_INTERESTS_NAMED = 2
FALLBACK_PAIR = "a new face for both of you"
FALLBACK_GROUP = "new faces for all of you"
# Shared hours are worth mentioning only when they are limited (people in other time zones).
MENTION_OVERLAP_BELOW_MINUTES = 6 * 60


def explain(members: Sequence[Participant], weights: Weights) -> tuple[tuple[str, ...], str]:
    """(reasons, meet_in_person_city): at most four short reasons, always at least one, and
    the shared city key when everyone is in it ("" otherwise)."""
    if len(members) < 2:
        return (FALLBACK_PAIR,), ""
    everyone = "both" if len(members) == 2 else "all"
    city = _shared_city(members)
    reasons: list[str] = []
    if city:
        reasons.append(f"you are {everyone} in {city_label(city)}, so meet in person")
    if weights.shared_interests > 0:
        reasons.extend(_interests_reason(members, everyone))
    reasons.extend(_units_reason(members, weights))
    if weights.working_hours_overlap > 0 and not city:
        reasons.extend(_overlap_reason(members))
    if weights.seniority_mix > 0 and _bands_differ(members):
        reasons.append("you joined at different times")
    if weights.new_joiners_first > 0 and any(p.is_new_joiner for p in members):
        reasons.append("a warm welcome for someone new")
    if not reasons:
        reasons.append(FALLBACK_PAIR if len(members) == 2 else FALLBACK_GROUP)
    return tuple(reasons[:MAX_REASONS]), city


def city_label(key: str) -> str:
    """ "Lisbon, PT" -> "Lisbon"."""
    return key.split(",")[0].strip() or key


def interest_label(name: str) -> str:
    """Lower-case for the sentence, except acronyms and names with inner capitals ("AI")."""
    return name if any(ch.isupper() for ch in name[1:]) else name.lower()


def _shared_city(members: Sequence[Participant]) -> str:
    first = members[0].city
    return first if first and all(p.city == first for p in members) else ""


def _interests_reason(members: Sequence[Participant], everyone: str) -> list[str]:
    shared = frozenset.intersection(*(p.interests for p in members))
    if not shared:
        return []
    names = [interest_label(n) for n in sorted(shared, key=lambda n: (n.casefold(), n))]
    named = names[:MAX_INTERESTS_NAMED]
    listed = " and ".join(named) if len(named) == 2 else named[0]
    return [f"you {everyone} like {listed}"]


def _units_reason(members: Sequence[Participant], weights: Weights) -> list[str]:
    pairs = list(combinations(members, 2))
    if weights.different_department > 0 and all(
        units_differ(a.department, b.department) for a, b in pairs
    ):
        return ["different departments"]
    if weights.different_team > 0 and all(units_differ(a.team, b.team) for a, b in pairs):
        return ["different teams"]
    return []


def _overlap_reason(members: Sequence[Participant]) -> list[str]:
    """The longest stretch of a day everyone is at work, when it is short enough to help."""
    if not all(p.work_windows for p in members):
        return []
    longest = _longest_common(tuple(p.work_windows for p in members))
    if longest < 60 or longest >= MENTION_OVERLAP_BELOW_MINUTES:
        return []
    hours = longest // 60
    return [f"your working hours overlap by {hours} hour{'s' if hours != 1 else ''}"]


@lru_cache(maxsize=65536)  # the same few working-hour patterns meet again and again
def _longest_common(windows: tuple[tuple[tuple[int, int], ...], ...]) -> int:
    common = merged_windows(windows[0])
    for other in windows[1:]:
        common = _intersect(common, merged_windows(other))
    return max((end - start for start, end in common), default=0)


def _intersect(
    a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, int], ...]:
    """Intersection of two merged (sorted, disjoint) interval lists."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _bands_differ(members: Sequence[Participant]) -> bool:
    bands = [tenure_band(p) for p in members]
    return all(b >= 0 for b in bands) and len(set(bands)) > 1
