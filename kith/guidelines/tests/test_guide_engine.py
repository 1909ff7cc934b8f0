"""The channel advisor's engine: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.guidelines import defaults
from kith.guidelines.engine.advisor import (
    DISTANCES,
    SENSITIVITIES,
    URGENCIES,
    Situation,
    advise,
    distance_between,
)

GUIDE = {k.slug: k for k in defaults.DEFAULT_GUIDE}


def _advice(slug: str, **situation: object):
    kind = GUIDE[slug]
    return advise(kind_name=kind.name, cells=kind.cells, situation=Situation(**situation))


@pytest.mark.parametrize("slug", ["health", "bad-news", "performance", "conflict", "compensation"])
@pytest.mark.parametrize("urgency", URGENCIES)
@pytest.mark.parametrize("distance", DISTANCES)
def test_sensitive_conversations_are_in_person_or_on_video_never_in_writing(
    slug: str, urgency: str, distance: str
) -> None:
    advice = _advice(slug, sensitivity="high", urgency=urgency, distance=distance)
    assert advice.recommended.channel in {"in_person", "video"}
    offered = {o.channel for o in advice.alternatives}
    assert not offered & {"chat", "email"}
    assert "never goes to chat or email" in advice.reason


def test_high_sensitivity_overrides_a_guide_that_says_chat_is_best() -> None:
    cells = {ch: ("avoid", "no") for ch in defaults.CHANNELS} | {"chat": ("best", "quick")}
    advice = advise(kind_name="Odd", cells=cells, situation=Situation(sensitivity="high"))
    assert advice.recommended.channel not in {"chat", "email"}


def test_same_place_sensitive_conversation_is_in_person_with_the_guides_reason() -> None:
    advice = _advice("bad-news", sensitivity="high", urgency="today", distance="same_place")
    assert advice.recommended.channel == "in_person"
    assert GUIDE["bad-news"].cells["in_person"][1] in advice.reason
    assert "same place" in advice.reason


def test_far_apart_and_urgent_sensitive_goes_to_video() -> None:
    advice = _advice("health", sensitivity="high", urgency="today", distance="far_apart")
    assert advice.recommended.channel == "video"
    in_person = next(o for o in advice.not_advised if o.channel == "in_person")
    assert in_person.excluded


def test_far_apart_and_urgent_quick_question_goes_to_chat() -> None:
    advice = _advice("quick-question", sensitivity="low", urgency="today", distance="far_apart")
    assert advice.recommended.channel == "chat"


def test_in_person_is_never_offered_today_unless_in_the_same_place() -> None:
    for distance in ("same_zone", "few_hours", "far_apart"):
        advice = _advice("feedback", urgency="today", distance=distance)
        assert advice.recommended.channel != "in_person"
        assert "in_person" not in {o.channel for o in advice.alternatives}


def test_the_situation_has_no_colleague_preference() -> None:
    """The colleague's in-person / virtual preference is private to them: the engine takes no
    such input, so neither the ranking nor a note can tell the asker."""
    with pytest.raises(TypeError):
        Situation(colleague_prefers="virtual")  # type: ignore[call-arg]
    advice = _advice("career", sensitivity="medium", urgency="no_rush", distance="same_place")
    assert advice.recommended.channel == "in_person"
    notes = " ".join(n for o in (advice.recommended, *advice.alternatives) for n in o.notes)
    assert "colleague" not in (advice.reason + notes).lower()


def test_status_update_is_written_when_not_sensitive() -> None:
    advice = _advice("status-update", sensitivity="low", distance="same_zone")
    assert advice.recommended.channel in {"chat", "email"}


def test_every_situation_gives_one_recommendation_and_ranks_all_five() -> None:
    for kind in defaults.DEFAULT_GUIDE:
        for s in SENSITIVITIES:
            for u in URGENCIES:
                for d in DISTANCES:
                    a = advise(
                        kind_name=kind.name,
                        cells=kind.cells,
                        situation=Situation(sensitivity=s, urgency=u, distance=d),
                    )
                    channels = [a.recommended, *a.alternatives, *a.not_advised]
                    assert sorted(o.channel for o in channels) == sorted(defaults.CHANNELS)
                    assert a.reason


def test_bad_choices_are_refused() -> None:
    with pytest.raises(ValueError, match="urgency"):
        Situation(urgency="yesterday")


def test_default_guide_has_every_kind_and_cell() -> None:
    wanted = {
        "feedback", "performance", "conflict", "bad-news", "health", "compensation", "career",
        "brainstorming", "status-update", "quick-question", "celebration",
    }  # fmt: skip
    assert wanted <= set(GUIDE)
    for kind in defaults.DEFAULT_GUIDE:
        assert set(kind.cells) == set(defaults.CHANNELS)
        assert all(0 < len(why) <= 300 for _fit, why in kind.cells.values())
        if kind.sensitivity == "high":
            assert kind.cells["chat"][0] == "avoid"
            assert kind.cells["in_person"][0] == kind.cells["video"][0] == "best"


AT = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)


def test_distance_from_the_directory() -> None:
    same = distance_between(
        place_a=("Lisbon", "PT"),
        place_b=("lisbon", "pt"),
        zone_a="Europe/Lisbon",
        zone_b="Europe/Lisbon",
        at=AT,
    )
    assert same == ("same_place", 0.0)
    zone = distance_between(
        place_a=("Lisbon", "PT"),
        place_b=("London", "GB"),
        zone_a="Europe/Lisbon",
        zone_b="Europe/London",
        at=AT,
    )
    assert zone == ("same_zone", 0.0)
    few = distance_between(
        place_a=("Lisbon", "PT"),
        place_b=("Athens", "GR"),
        zone_a="Europe/Lisbon",
        zone_b="Europe/Athens",
        at=AT,
    )
    assert few == ("few_hours", 2.0)
    far = distance_between(
        place_a=("Lisbon", "PT"),
        place_b=("Tokyo", "JP"),
        zone_a="Europe/Lisbon",
        zone_b="Asia/Tokyo",
        at=AT,
    )
    assert far == ("far_apart", 9.0)
    unknown = distance_between(
        place_a=("Lisbon", "PT"), place_b=("", ""), zone_a="Europe/Lisbon", zone_b="", at=AT
    )
    assert unknown == (None, None)
