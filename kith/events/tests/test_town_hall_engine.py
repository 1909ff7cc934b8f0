"""The town hall rules that need no database: closing, refreshing, cleaning and comparing
question text."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kith.events.engine.town_hall import (
    QUESTIONS_CLOSE_AFTER,
    asking_open,
    clean_block,
    clean_line,
    is_live,
    is_storable,
    questions_close_at,
    same_question_key,
)

START = dt.datetime(2031, 5, 6, 15, 0, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=1)


def test_questions_close_half_an_hour_after_the_end_or_with_the_notes():
    assert questions_close_at(END, None) == END + QUESTIONS_CLOSE_AFTER
    notes = END + dt.timedelta(minutes=10)
    assert questions_close_at(END, notes) == notes
    assert asking_open(END + dt.timedelta(minutes=29), END, None)
    assert not asking_open(END + QUESTIONS_CLOSE_AFTER, END, None)
    assert not asking_open(notes, END, notes)
    assert asking_open(START - dt.timedelta(days=30), END, None)  # asked well before


def test_the_list_is_live_from_an_hour_before_until_questions_close():
    closes = questions_close_at(END, None)
    assert not is_live(START - dt.timedelta(minutes=61), START, closes)
    assert is_live(START - dt.timedelta(minutes=60), START, closes)
    assert is_live(END + dt.timedelta(minutes=29), START, closes)
    assert not is_live(closes, START, closes)


def test_cleaning_a_line():
    assert clean_line("  Will\twe\n\nhire?\x00 ") == "Will we hire?"
    assert clean_line("\ufeff\x85\x1f ") == ""
    assert clean_line("Zero\u200bwidth stays") == "Zero\u200bwidth stays"


def test_cleaning_a_block_keeps_paragraphs():
    text = "First line  \r\nsecond line\r\n\r\n\r\n\r\nNext paragraph\x00.\n\n"
    assert clean_block(text) == "First line\nsecond line\n\nNext paragraph ."
    assert clean_block("\n\n  \n") == ""


def test_the_same_question_ignores_case_spaces_and_punctuation():
    assert same_question_key("Will we hire in 2027?") == same_question_key("will we HIRE in 2027")
    assert same_question_key("Ｗill we") == same_question_key("will we")  # width folded
    assert same_question_key("Will we hire?") != same_question_key("Will we fire?")
    assert same_question_key("???") == ""


def test_storable_text():
    assert is_storable("Olá, 世界")
    assert not is_storable("lone \ud800 surrogate")


@given(st.text())
def test_a_cleaned_line_is_idempotent_and_has_no_control_characters(text):
    once = clean_line(text)
    assert clean_line(once) == once
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in once)
    assert once == once.strip()
