"""The onboarding-buddy engine (pure, no database)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.connect.engine.buddies import assign_buddies, city_name, duration_words
from kith.connect.engine.types import BuddyCandidate, Joiner, UnmatchedReason

LISBON, BERLIN = "Lisbon, PT", "Berlin, DE"
YEAR = 365


def joiner(id: int, team: int = 1, city: str = LISBON, manager: int | None = None) -> Joiner:
    return Joiner(id=id, team=team, city=city, manager=manager, start_ordinal=739_000)


def buddy(
    id: int,
    team: int = 2,
    city: str = LISBON,
    tenure_days: int = 2 * YEAR,
    current_buddies: int = 0,
    manager: int | None = None,
) -> BuddyCandidate:
    return BuddyCandidate(
        id=id,
        team=team,
        city=city,
        tenure_days=tenure_days,
        current_buddies=current_buddies,
        manager=manager,
    )


def pairs(result) -> set[tuple[int, int]]:
    return {(a.joiner, a.buddy) for a in result.assignments}


def test_buddy_from_another_team_in_the_same_city_with_reasons():
    result = assign_buddies([joiner(1)], [buddy(10, team=1), buddy(11, city=BERLIN), buddy(12)])
    [assignment] = result.assignments
    assert (assignment.joiner, assignment.buddy, assignment.same_city) == (1, 12, True)
    assert assignment.reasons == (
        "from another team",
        "you are both in Lisbon",
        "has been with us for 2 years",
    )


def test_same_city_wins_over_longer_tenure_and_lighter_load():
    candidates = [
        buddy(10, city=BERLIN, tenure_days=9 * YEAR),
        buddy(11, tenure_days=200, current_buddies=1),
    ]
    assert pairs(assign_buddies([joiner(1)], candidates)) == {(1, 11)}


def test_buddy_in_another_city_when_nobody_nearby_can():
    result = assign_buddies([joiner(1)], [buddy(10, team=1), buddy(11, city=BERLIN)])
    [assignment] = result.assignments
    assert (assignment.buddy, assignment.same_city) == (11, False)
    assert not any("both in" in reason for reason in assignment.reasons)


def test_joiners_share_the_nearby_buddies_so_most_get_one_in_their_city():
    joiners = [joiner(1), joiner(2, city=BERLIN)]
    candidates = [buddy(10, city=BERLIN), buddy(11, current_buddies=1)]
    assert pairs(assign_buddies(joiners, candidates)) == {(1, 11), (2, 10)}


def test_at_most_two_at_once_counting_current_ones():
    joiners = [joiner(n) for n in range(1, 5)]
    candidates = [buddy(10, current_buddies=1), buddy(11, current_buddies=0)]
    result = assign_buddies(joiners, candidates)
    load = {10: 1, 11: 0}
    for assignment in result.assignments:
        load[assignment.buddy] += 1
    assert load == {10: 2, 11: 2}
    assert len(result.unassigned) == 1
    [waiting] = result.unassigned
    assert waiting.reason is UnmatchedReason.FULL
    assert waiting.detail.startswith("Everyone who could be your buddy already looks after 2")


def test_load_is_spread_before_anyone_gets_a_second_joiner():
    joiners = [joiner(1), joiner(2)]
    candidates = [buddy(10, tenure_days=8 * YEAR), buddy(11, tenure_days=YEAR)]
    assert {a.buddy for a in assign_buddies(joiners, candidates).assignments} == {10, 11}


def test_longer_tenure_is_preferred_mildly():
    candidates = [buddy(10, tenure_days=YEAR), buddy(11, tenure_days=4 * YEAR)]
    assert pairs(assign_buddies([joiner(1)], candidates)) == {(1, 11)}


def test_tenure_rule():
    candidates = [buddy(10, tenure_days=181), buddy(11, tenure_days=182, city=BERLIN)]
    assert pairs(assign_buddies([joiner(1)], candidates)) == {(1, 11)}
    result = assign_buddies([joiner(1)], candidates, min_tenure_days=365)
    [waiting] = result.unassigned
    assert waiting.reason is UnmatchedReason.NO_ALLOWED_PARTNER
    assert waiting.detail.startswith(
        "Nobody from another team who has been here for at least 1 year can be your buddy yet"
    )


def test_never_their_manager_their_report_or_themselves():
    candidates = [buddy(10), buddy(11, manager=1), buddy(1)]
    result = assign_buddies([joiner(1, manager=10)], candidates)
    assert result.assignments == ()
    assert result.unassigned[0].reason is UnmatchedReason.NO_ALLOWED_PARTNER


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="joiner 1 appears twice"):
        assign_buddies([joiner(1), joiner(1)], [])


def test_words():
    assert city_name("Lisbon, PT") == "Lisbon"
    assert city_name("Springfield") == "Springfield"
    assert duration_words(182) == "6 months"
    assert duration_words(365) == "1 year"
    assert duration_words(1) == "1 day"
    assert duration_words(800) == "2 years"


# --- properties -----------------------------------------------------------------------------

CITIES = ("", LISBON, BERLIN)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Joiner], list[BuddyCandidate]]:
    joiner_ids = draw(st.lists(st.integers(1, 10), max_size=4, unique=True))
    candidate_ids = draw(st.lists(st.integers(1, 10), max_size=4, unique=True))
    everyone = st.sampled_from(sorted({*joiner_ids, *candidate_ids, 99}))
    joiners = [
        Joiner(
            id=i,
            team=draw(st.integers(-1, 2)),
            city=draw(st.sampled_from(CITIES)),
            manager=draw(st.none() | everyone),
            start_ordinal=739_000,
        )
        for i in joiner_ids
    ]
    candidates = [
        BuddyCandidate(
            id=i,
            team=draw(st.integers(-1, 2)),
            city=draw(st.sampled_from(CITIES)),
            tenure_days=draw(st.sampled_from([0, 100, 182, 400, 3000])),
            current_buddies=draw(st.integers(0, 3)),
            manager=draw(st.none() | everyone),
        )
        for i in candidate_ids
    ]
    return joiners, candidates


def allowed(j: Joiner, c: BuddyCandidate, min_tenure: int) -> bool:
    return (
        c.id != j.id
        and (j.team == -1 or c.team != j.team)
        and c.tenure_days >= min_tenure
        and c.id != j.manager
        and c.manager != j.id
    )


def brute_force_best(
    joiners: list[Joiner], candidates: list[BuddyCandidate], min_tenure: int, max_buddies: int
) -> tuple[int, int]:
    """(joiners placed, of them with a buddy in their city), best over every placement."""
    best = (0, 0)
    for choice in itertools.product([None, *candidates], repeat=len(joiners)):
        chosen = [(j, c) for j, c in zip(joiners, choice, strict=True) if c is not None]
        if not all(allowed(j, c, min_tenure) for j, c in chosen):
            continue
        if any(
            c.current_buddies + sum(other is c for _j, other in chosen) > max_buddies
            for _j, c in chosen
        ):
            continue
        same_city = sum(bool(j.city) and j.city == c.city for j, c in chosen)
        best = max(best, (len(chosen), same_city))
    return best


@settings(max_examples=150, deadline=None)
@given(instances(), st.sampled_from([0, 182]), st.integers(1, 2))
def test_every_rule_holds_and_placement_is_optimal(instance, min_tenure, max_buddies):
    joiners, candidates = instance
    result = assign_buddies(
        joiners, candidates, min_tenure_days=min_tenure, max_buddies=max_buddies
    )
    joiner_by_id = {j.id: j for j in joiners}
    candidate_by_id = {c.id: c for c in candidates}
    placed = [a.joiner for a in result.assignments]
    assert sorted(placed + [u.id for u in result.unassigned]) == sorted(joiner_by_id)
    for assignment in result.assignments:
        j, c = joiner_by_id[assignment.joiner], candidate_by_id[assignment.buddy]
        assert allowed(j, c, min_tenure)
        assert assignment.same_city == (bool(j.city) and j.city == c.city)
    for c in candidates:
        new = sum(a.buddy == c.id for a in result.assignments)
        assert new == 0 or c.current_buddies + new <= max_buddies
    same_city = sum(a.same_city for a in result.assignments)
    assert (len(placed), same_city) == brute_force_best(
        joiners, candidates, min_tenure, max_buddies
    )


def test_forbidden_pairs_are_never_assigned():
    from kith.connect.engine.buddies import assign_buddies
    from kith.connect.engine.types import BuddyCandidate, Joiner

    joiner = Joiner(id=1, team=1, city="Lisbon, PT", manager=None, start_ordinal=739000)
    near = BuddyCandidate(id=2, team=2, city="Lisbon, PT", tenure_days=900, current_buddies=0)
    far = BuddyCandidate(id=3, team=3, city="Porto, PT", tenure_days=900, current_buddies=0)
    free = assign_buddies([joiner], [near, far])
    assert [a.buddy for a in free.assignments] == [2]
    ruled_out = assign_buddies([joiner], [near, far], forbidden_pairs=frozenset({(1, 2)}))
    assert [a.buddy for a in ruled_out.assignments] == [3]
