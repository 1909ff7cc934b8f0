"""Survey instruments as data: wording, reverse scoring and instrument scores checked by hand
for every instrument. No database."""

from __future__ import annotations

import math

import pytest

from kith.pulse.engine.instruments import (
    INSTRUMENTS,
    Instrument,
    custom_item,
    instrument,
    instrument_score,
    item_value,
)


def score(key: str, answers: list[float | None]) -> float | None:
    """Score raw answers (None = unanswered) the way the Django side will: item_value first."""
    inst = instrument(key)
    values = {
        item.key: None if a is None else item_value(item, a)
        for item, a in zip(inst.items, answers, strict=True)
    }
    return instrument_score(inst, values)


def approx2(x: float | None) -> float:
    assert x is not None
    return round(x, 2)


# --- catalogue ------------------------------------------------------------------------------


def test_catalogue_has_the_six_instruments_with_unique_item_keys() -> None:
    assert set(INSTRUMENTS) == {
        "edmondson",
        "cbi_work",
        "loneliness3",
        "enps",
        "ai_connection",
        "connection",
    }
    # ai_connection 2 added the usage item (heavier vs lighter AI users); the rest are at 1.
    assert {k: inst.version for k, inst in INSTRUMENTS.items() if inst.version != 1} == {
        "ai_connection": 2
    }
    keys = [item.key for inst in INSTRUMENTS.values() for item in inst.items]
    assert len(keys) == len(set(keys))
    assert all(inst.citation and inst.licence and inst.reading for inst in INSTRUMENTS.values())


def test_unknown_instrument_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match=r"unknown survey instrument 'q12'.*edmondson"):
        instrument("q12")


def test_edmondson_wording_scale_and_reversed_items() -> None:
    inst = instrument("edmondson")
    assert len(inst.items) == 7
    assert inst.items[0].text == "If you make a mistake on this team, it is often held against you."
    assert inst.items[6].text == (
        "Working with members of this team, my unique skills and talents are valued and utilized."
    )
    assert [i.reverse for i in inst.items] == [True, False, True, False, True, False, False]
    labels = [o.label for o in inst.items[0].scale.options]
    assert labels[0] == "Very inaccurate" and labels[-1] == "Very accurate" and len(labels) == 7
    assert (inst.scoring, inst.score_range, inst.higher_is_better) == ("mean", (1.0, 7.0), True)
    assert inst.favourable_score_min == 5.5
    assert all(i.favourable_min == 6 for i in inst.items)
    assert "Administrative Science Quarterly 44(2):350–383" in inst.citation


def test_cbi_options_and_reversed_last_item() -> None:
    inst = instrument("cbi_work")
    first, fourth, last = inst.items[0], inst.items[3], inst.items[6]
    assert [(o.value, o.label) for o in first.scale.options] == [
        (100, "To a very high degree"),
        (75, "To a high degree"),
        (50, "Somewhat"),
        (25, "To a low degree"),
        (0, "To a very low degree"),
    ]
    assert [o.label for o in fourth.scale.options] == [
        "Always",
        "Often",
        "Sometimes",
        "Seldom",
        "Never/almost never",
    ]
    assert [i.reverse for i in inst.items] == [False] * 6 + [True]
    assert item_value(last, 100) == 0 and item_value(last, 25) == 75
    assert item_value(first, 75) == 75
    assert inst.higher_is_better is False and inst.score_range == (0.0, 100.0)
    assert "Work & Stress 19(3):192–207" in inst.citation
    assert "50–74 moderate" in inst.reading


def test_ai_connection_references_are_context_with_their_source() -> None:
    inst = instrument("ai_connection")
    assert inst.scoring == "items"
    assert all(i.scale.key == "agree5" for i in inst.items)
    # Agreeing is favourable for understanding and new work; disagreeing for the rest.
    # The usage item (7) is neither favourable nor not: it only splits heavier and lighter users.
    assert [i.favourable_min for i in inst.items] == [4, None, None, None, 4, None, None]
    assert [i.favourable_max for i in inst.items] == [None, 2, 2, 2, None, 2, None]
    # Each published figure names the item it compares with.
    assert [(r.item, r.disagree) for r in inst.reference] == [
        ("ai_connection.6", False),
        ("ai_connection.1", True),
        ("ai_connection.2", False),
        ("ai_connection.3", False),
        ("ai_connection.4", False),
        ("ai_connection.5", False),
    ]
    percents = [r.percent for r in inst.reference]
    assert percents == [88.0, 62.0, 67.0, 64.0, 85.0, 30.0]
    assert all(
        r.source == "Upwork Research Institute (2024), survey of 2,500 workers"
        for r in inst.reference
    )
    assert sum("among the most productive AI users" in r.text for r in inst.reference) == 5
    assert "full-time employees" in inst.reference[-1].text


def test_connection_items() -> None:
    inst = instrument("connection")
    assert [i.text for i in inst.items] == [
        "There is someone at work I can talk to about non-work things.",
        "I met a colleague in person in the last month.",
        "I had a 1:1 with my manager in the last two weeks.",
        "I understand how my use of AI relates to our goals.",
    ]
    assert inst.scoring == "items" and "free" in inst.licence


# --- item values ----------------------------------------------------------------------------


def test_item_value_reverses_and_validates() -> None:
    edm = instrument("edmondson").items
    assert item_value(edm[0], 2) == 6  # 8 - 2
    assert item_value(edm[1], 2) == 2
    with pytest.raises(ValueError, match=r"item 'edmondson.1': 8 is not an answer option"):
        item_value(edm[0], 8)
    with pytest.raises(ValueError, match=r"cbi\.1"):
        item_value(instrument("cbi_work").items[0], 30)
    with pytest.raises(ValueError, match="not an answer option"):
        item_value(edm[0], math.nan)


def test_custom_items() -> None:
    agree = custom_item("custom.1", "I enjoy our offsites.", "agree")
    assert (agree.scale.lo, agree.scale.hi, agree.favourable_min, agree.kind) == (1, 5, 4, "scale")
    assert agree.scale.options[0].label == "Strongly disagree"
    choice = custom_item("custom.2", "Where do you work most?", "choice", ["Office", "Home", "Mix"])
    assert [(o.value, o.label) for o in choice.scale.options] == [
        (1, "Office"),
        (2, "Home"),
        (3, "Mix"),
    ]
    assert choice.kind == "choice" and not choice.has_favourable
    ten = custom_item("custom.3", "How likely …?", "zero_to_ten")
    assert (ten.scale.lo, ten.scale.hi, ten.favourable_min, ten.kind) == (0, 10, 9, "nps")
    text = custom_item("custom.4", "Anything else?", "text")
    assert text.kind == "text" and text.scale.options == ()
    with pytest.raises(ValueError, match="free text"):
        item_value(text, 1)
    with pytest.raises(ValueError, match="two or more choices"):
        custom_item("custom.5", "?", "choice", ["Only one"])
    with pytest.raises(ValueError, match="unknown kind 'slider'"):
        custom_item("custom.6", "?", "slider")
    with pytest.raises(ValueError, match="only 'choice' questions take choices"):
        custom_item("custom.7", "?", "agree", ["a", "b"])


# --- hand-computed scores -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # items 1, 3, 5 reversed: 2->6, 3->5, 1->7; (6+6+5+5+7+6+7)/7
        ([2, 6, 3, 5, 1, 6, 7], 6.00),
        # reversed 7s become 1s: everything is 1
        ([7, 1, 7, 1, 7, 1, 1], 1.00),
        # 4->4, 5, 2->6, 6, (skipped), 3, 7: 31 / 6
        ([4, 5, 2, 6, None, 3, 7], 5.17),
        # four answered is at least half: 1->7, 7, 7->1, 4: 19 / 4
        ([1, 7, 7, 4, None, None, None], 4.75),
    ],
)
def test_edmondson_scores(answers: list[float | None], expected: float) -> None:
    assert approx2(score("edmondson", answers)) == expected


def test_edmondson_needs_half_the_items() -> None:
    assert score("edmondson", [1, 7, 7, None, None, None, None]) is None


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # item 7 reversed: 100 -> 0; (75+50+100+25+0+50+0)/7 = 300/7
        ([75, 50, 100, 25, 0, 50, 100], 42.86),
        # "Never/almost never" enough energy (0) reverses to 100: severe
        ([100, 100, 100, 100, 100, 100, 0], 100.00),
        ([50, 50, 50, 50, 50, 50, 50], 50.00),
        # (25+0+25+0+(100-75))/5 with two skipped = 75/5
        ([25, 0, None, 25, 0, None, 75], 15.00),
    ],
)
def test_cbi_scores(answers: list[float | None], expected: float) -> None:
    assert approx2(score("cbi_work", answers)) == expected


def test_cbi_favourable_is_below_50() -> None:
    inst: Instrument = instrument("cbi_work")
    assert inst.is_favourable_score(42.86)
    assert not inst.is_favourable_score(50.0)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [([1, 2, 3], 6.0), ([1, 1, 2], 4.0), ([3, 3, 3], 9.0), ([1, 1, 1], 3.0), ([2, None, 2], None)],
)
def test_loneliness_sum_needs_every_item(
    answers: list[float | None], expected: float | None
) -> None:
    assert score("loneliness3", answers) == expected


def test_loneliness_reading_six_to_nine_is_lonely() -> None:
    inst = instrument("loneliness3")
    assert inst.is_favourable_score(5) and not inst.is_favourable_score(6)
    assert inst.score_range == (3.0, 9.0) and inst.higher_is_better is False


def test_enps_score_is_the_answer() -> None:
    assert score("enps", [9]) == 9.0
    assert score("enps", [None]) is None
    inst = instrument("enps")
    assert inst.items[0].kind == "nps" and inst.score_range == (-100.0, 100.0)


def test_items_only_instruments_have_no_score() -> None:
    assert score("connection", [5, 5, 5, 5]) is None
    assert score("ai_connection", [1, 2, 3, 4, 5, 1, 4]) is None
