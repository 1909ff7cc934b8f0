"""The generic CSV importer: counts checked by hand, every problem named, the fast (numpy)
path agreeing with the slow (csv module) path on any file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.insights import importers
from kith.insights.importers import csvfile
from kith.insights.tests.test_import_support import (
    ANA,
    BEN,
    CLEO,
    DEV,
    EVE,
    directory,
    everything_said,
    pairs,
    people,
    problems,
    read,
)

HEADER = "from_email,to_email,timestamp,channel,duration_minutes\n"
GUESTS = ";".join(f"guest{i}@partner.example" for i in range(1, 23))
GOOD = (
    HEADER
    + "ana@example.com,ben@example.com,2024-03-04T10:00:00+01:00,email,\n"
    + " ANA@Example.com ,ben@example.com; cleo@example.com,2024-03-05T16:30:00Z,chat,\n"
    + "ben@example.com,ana@example.com;cleo@example.com;dev@example.com,"
    + "2024-03-06T14:00:00Z,meeting,45\n"
    + "ana@example.com,ben@example.com,2024-03-07T15:00:00Z,call,30\n"
    + "ana@example.com,ana@example.com,2024-03-07T15:00:00Z,email,\n"
    + "ana@example.com,stranger@elsewhere.org,2024-03-08T08:00:00Z,email,\n"
    + "STRANGER@Elsewhere.org,ben@example.com;cleo@example.com,2024-03-09T12:00:00Z,Email,\n"
    + "cleo@example.com,dev@example.com,2024-03-10T06:00:00Z,meeting,30\n"
    + "ana@example.com,ben@example.com,2024-03-10T23:30:00-04:00,email,\n"
    + "eve@example.com,ana@example.com,2024-03-12T23:00:00Z,CHAT,\n"
    + f"ana@example.com,ben@example.com;cleo@example.com;dev@example.com;eve@example.com;{GUESTS},"
    + "2024-03-13T13:00:00Z,meeting,60\n"
)
W1, W2 = "2024-03-04", "2024-03-11"


def test_a_good_file_reduces_to_the_counts_worked_out_by_hand() -> None:
    reduced = read(GOOD.encode(), "csv")
    assert pairs(reduced) == {
        (ANA, BEN, W1, "email"): (1, 0, 0),
        (ANA, BEN, W1, "chat"): (1, 0, 0),  # ben and cleo were both written to: not a pair
        (ANA, CLEO, W1, "chat"): (1, 0, 0),
        (ANA, BEN, W1, "meeting"): (1, 45, 0),  # a meeting links every two attendees
        (ANA, CLEO, W1, "meeting"): (1, 45, 0),
        (ANA, DEV, W1, "meeting"): (1, 45, 0),
        (BEN, CLEO, W1, "meeting"): (1, 45, 0),
        (BEN, DEV, W1, "meeting"): (1, 45, 0),
        (CLEO, DEV, W1, "meeting"): (2, 75, 30),  # + a meeting of just the two of them
        (ANA, BEN, W1, "call"): (1, 30, 30),  # a call of two: one-to-one time
        (ANA, BEN, W2, "email"): (1, 0, 0),  # Sunday evening in New York, Monday in UTC
        (ANA, EVE, W2, "chat"): (1, 0, 0),
        # the 27-person meeting links nobody
    }
    assert people(reduced) == {
        # interactions, after hours (own zone and days), meeting minutes
        (ANA, W1): (5, 1, 45),  # 17:30 in Paris is after hours
        (BEN, W1): (5, 2, 45),  # 04:00 in New York, and a Saturday
        (CLEO, W1): (4, 3, 75),  # UTC 16:30, a Saturday, a Sunday
        (DEV, W1): (2, 1, 75),  # 19:30 in Kolkata; Sunday is a working day for dev
        (ANA, W2): (3, 2, 60),
        (BEN, W2): (2, 1, 60),  # 09:00 New York summer time is within hours
        (CLEO, W2): (1, 0, 60),
        (DEV, W2): (1, 1, 60),
        (EVE, W2): (2, 1, 60),  # midnight is inside eve's night shift, 14:00 is not
    }
    assert reduced.events == 11
    assert reduced.unknown_addresses == 23  # the stranger (in any case) and 22 guests
    assert reduced.events_with_unknown == 3


def test_the_arrays_have_the_documented_types_and_order() -> None:
    reduced = read(GOOD.encode(), "csv")
    assert reduced.week.dtype == np.dtype("datetime64[D]")
    assert reduced.person_week.dtype == np.dtype("datetime64[D]")
    assert all((reduced.week.astype("datetime64[D]").astype(np.int64) + 3) % 7 == 0)
    assert (reduced.pair_a < reduced.pair_b).all()
    order = np.lexsort((reduced.channel, reduced.week, reduced.pair_b, reduced.pair_a))
    assert (order == np.arange(order.size)).all()
    for name in ("pair_a", "pair_b", "count", "minutes", "one_to_one_minutes", "person"):
        assert getattr(reduced, name).dtype == np.int32


def test_a_meeting_of_25_links_its_attendees_and_one_of_26_does_not() -> None:
    guests = [f"g{i}@partner.example" for i in range(21)]
    known = "ben@example.com;cleo@example.com;dev@example.com;eve@example.com"
    rows = [
        f"ana@example.com,{known};{';'.join(guests[:20])},2024-03-06T10:00:00Z,meeting,30",
        f"ana@example.com,{known};{';'.join(guests)},2024-03-07T10:00:00Z,meeting,30",
    ]
    reduced = read((HEADER + "\n".join(rows) + "\n").encode(), "csv")
    assert len(pairs(reduced)) == 10  # 5 known people of 25: every two of them, once
    assert set(pairs(reduced).values()) == {(1, 30, 0)}
    assert people(reduced)[(ANA, W1)] == (2, 0, 60)  # both meetings are meeting time


def test_the_duration_column_is_optional_and_columns_come_in_any_order() -> None:
    data = (
        "Timestamp,Channel,To_Email,From_Email\n"
        "2024-03-05T10:00:00Z,call,ben@example.com,ana@example.com\n"
    )
    reduced = read(data.encode(), "csv")
    assert pairs(reduced) == {(ANA, BEN, W1, "call"): (1, 0, 0)}


def test_windows_line_ends_a_byte_order_mark_quotes_and_blank_lines_are_fine() -> None:
    data = (
        "\ufefffrom_email,to_email,timestamp,channel\r\n"
        '"ana@example.com","ben@example.com","2024-03-05T10:00:00Z","email"\r\n'
        "\r\n"
        "ana@example.com,cleo@example.com,2024-03-05T10:00:00Z,chat\r\n"
    )
    reduced = read(data.encode(), "csv")
    assert pairs(reduced) == {
        (ANA, BEN, W1, "email"): (1, 0, 0),
        (ANA, CLEO, W1, "chat"): (1, 0, 0),
    }


def test_a_bad_file_names_every_problem_with_its_place_and_returns_nothing() -> None:
    data = (
        "from_email,to_email,timestamp,channel,duration_minutes\n"
        "ana@example.com,ben@example.com,2024-03-04T10:00:00Z,email,\n"  # fine
        "ana@example.com,ben@example.com,2024-03-04T10:00:00,email,\n"
        "not-an-address,ben@example.com,2024-03-04T10:00:00Z,email,\n"
        "ana@example.com,,2024-03-04T10:00:00Z,email,\n"
        "ana@example.com,ben@example.com,2024-03-04T10:00:00Z,fax,\n"
        "ana@example.com,ben@example.com,2024-03-04T10:00:00Z\n"
        "ana@example.com,ben@example.com;x@,2024-13-04T10:00:00Z,email,\n"
        "ana@example.com,ben@example.com,1969-12-31T23:00:00Z,meeting,-5\n"
        "ana@example.com,ben@example.com,2024-03-04T10:00:00Z,meeting,2000\n"
        "ana@example.com,ben@example.com,2024-03-04T10:00:00Z,meeting,half an hour\n"
    )
    found = problems(data.encode(), "csv")
    assert [place for place, _ in found] == [
        "line 3, column timestamp",
        "line 4, column from_email",
        "line 5, column to_email",
        "line 6, column channel",
        "line 7",
        "line 8, column to_email, address 2",
        "line 8, column timestamp",
        "line 9, column timestamp",
        "line 9, column duration_minutes",
        "line 10, column duration_minutes",
        "line 11, column duration_minutes",
    ]
    messages = dict(found)
    assert "no UTC offset" in messages["line 3, column timestamp"]
    assert "not an email address" in messages["line 4, column from_email"]
    assert "email, chat, meeting, call, other" in messages["line 6, column channel"]
    assert "expected 5" in messages["line 7"]
    assert "1970" in messages["line 9, column timestamp"]
    assert "longer than a day" in messages["line 10, column duration_minutes"]


def test_recipients_separated_by_commas_get_a_hint() -> None:
    data = (
        HEADER + 'ana@example.com,"ben@example.com, cleo@example.com",2024-03-05T10:00:00Z,email,\n'
    )
    assert problems(data.encode(), "csv") == [
        (
            "line 2, column to_email",
            "holds addresses separated by commas; separate them with ;",
        )
    ]


def test_header_problems_are_named_before_any_row_is_read() -> None:
    found = problems(b"from,to_email,timestamp,channel,subject\nx,y,z,w,v\n", "csv")
    assert found == [
        (
            "line 1, column 1",
            "is not a known column; expected only from_email, to_email, "
            "timestamp, channel, duration_minutes",
        ),
        (
            "line 1, column 5",
            "is not a known column; expected only from_email, to_email, "
            "timestamp, channel, duration_minutes",
        ),
        (
            "line 1",
            "the required column from_email is missing; expected "
            "from_email,to_email,timestamp,channel[,duration_minutes]",
        ),
    ]
    assert problems(b"", "csv")[0][0] == "line 1"


def test_problems_are_capped_with_a_count_of_the_rest() -> None:
    rows = "".join("ana@example.com,ben@example.com,yesterday,email,\n" for _ in range(600))
    found = problems((HEADER + rows).encode(), "csv")
    assert len(found) == 501
    assert found[-1] == ("file", "and 100 more problems")


def test_no_address_reaches_the_result_or_the_problems() -> None:
    data = HEADER + "secret.person@hidden.example,ben@example.com,2024-03-05T10:00:00Z,email,\n"
    said = everything_said(data.encode(), "csv")
    assert "secret.person" not in said and "hidden.example" not in said
    bad = HEADER + "secret.person@@hidden.example,ben@example.com,2024-03-05T10:00:00Z,email,\n"
    said = everything_said(bad.encode(), "csv")
    assert "ImportFailed" in said and "secret.person" not in said


def test_sources_may_be_a_path_a_string_or_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(GOOD)
    expected = pairs(read(GOOD.encode(), "csv"))
    assert pairs(importers.read(path, "csv", directory=directory())) == expected
    assert pairs(importers.read(str(path), "csv", directory=directory())) == expected


def test_progress_is_reported_in_bytes_up_to_the_total() -> None:
    seen: list[tuple[int, int]] = []
    read(GOOD.encode(), "csv", progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (len(GOOD.encode()), len(GOOD.encode()))


def test_an_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        read(b"", "xlsx")


# --- the fast path against the slow path ---------------------------------------------------

ADDRESSES = [
    "ana@example.com",
    "ANA@example.com",
    " ben@example.com",
    "cleo@example.com ",
    "dev@example.com",
    "eve@example.com",
    "person5@example.com",
    "stranger@elsewhere.org",
    "other@elsewhere.org",
    "zoë@example.com",
]
STAMPS = st.builds(
    lambda day, second, offset, shape: _stamp(day, second, offset, shape),
    st.integers(19_700, 19_800),
    st.integers(0, 86_399),
    st.sampled_from([0, 60, -300, 330, 780]),
    st.sampled_from(["Z", "+", "basic", "space", "fraction", "minutes"]),
)


def _stamp(day: int, second: int, offset: int, shape: str) -> str:
    import datetime as dt

    zone = dt.timezone(dt.timedelta(minutes=offset))
    moment = dt.datetime.fromtimestamp(day * 86_400 + second, tz=zone)
    text = moment.isoformat()
    if shape == "Z" and offset == 0:
        text = text.replace("+00:00", "Z")
    elif shape == "basic":
        text = text[:-3] + text[-2:]
    elif shape == "space":
        text = text.replace("T", " ")
    elif shape == "fraction":
        text = moment.isoformat(timespec="milliseconds")
    elif shape == "minutes":
        text = moment.isoformat(timespec="minutes")
    return text


ROWS = st.lists(
    st.tuples(
        st.sampled_from(ADDRESSES),
        st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=4),
        STAMPS,
        st.sampled_from(["email", "chat", "meeting", "call", "other", "Meeting"]),
        st.sampled_from(["", "0", "15", "30", "45.4", " 60 "]),
    ),
    min_size=1,
    max_size=40,
)


def _csv(rows: list[tuple[str, list[str], str, str, str]], quoted: bool) -> bytes:
    def cell(text: str) -> str:
        return f'"{text}"' if quoted else text

    lines = [HEADER.strip()]
    for sender, recipients, stamp, channel, minutes in rows:
        fields = [sender, ";".join(recipients), stamp, channel, minutes]
        lines.append(",".join(cell(f) for f in fields))
    return ("\n".join(lines) + "\n").encode()


def _same(first: importers.Reduced, second: importers.Reduced) -> None:
    assert pairs(first) == pairs(second)
    assert people(first) == people(second)
    assert (first.events, first.unknown_addresses, first.events_with_unknown) == (
        second.events,
        second.unknown_addresses,
        second.events_with_unknown,
    )


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_the_fast_path_agrees_with_the_csv_module_row_by_row(
    rows: list[tuple[str, list[str], str, str, str]],
) -> None:
    data = _csv(rows, quoted=False)
    fast = read(data, "csv", directory=directory(extra=1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csvfile._Reader, "_fast_rows", _settle_nothing)
        slow = read(data, "csv", directory=directory(extra=1))
    _same(fast, slow)
    _same(fast, read(_csv(rows, quoted=True), "csv", directory=directory(extra=1)))


def _settle_nothing(self: object, data: object, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    del self, data, stop
    return np.zeros(len(start), dtype=np.bool_)


def test_rows_split_across_blocks_and_quoted_fields_across_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = read(GOOD.encode(), "csv")
    monkeypatch.setattr(csvfile, "BLOCK", 37)
    _same(whole, read(GOOD.encode(), "csv"))
    quoted = (
        HEADER
        + '"ana@example.com","ben@example.com;\ncleo@example.com",2024-03-05T10:00:00Z,email,\n'
    )
    reduced = read(quoted.encode(), "csv")
    assert pairs(reduced) == {
        (ANA, BEN, W1, "email"): (1, 0, 0),
        (ANA, CLEO, W1, "email"): (1, 0, 0),
    }


def test_a_large_file_reduces_like_its_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many blocks and several merges of the summed tables give the same sums."""
    rng = np.random.default_rng(5)
    emails = [f"person{i}@example.com" for i in range(5, 305)]
    lines = [HEADER.strip()]
    for _ in range(20_000):
        a, b = rng.choice(len(emails), 2, replace=False)
        day = 19_700 + int(rng.integers(0, 40))
        lines.append(
            f"{emails[a]},{emails[b]},{_stamp(day, int(rng.integers(0, 86_400)), 60, '+')},"
            f"{rng.choice(['email', 'chat', 'call'])},{int(rng.integers(0, 3)) * 15}"
        )
    data = ("\n".join(lines) + "\n").encode()
    whole = read(data, "csv", directory=directory(extra=300))
    monkeypatch.setattr(csvfile, "BLOCK", 4096)
    monkeypatch.setattr("kith.insights.importers.reduce._MIN_MERGE", 500)
    _same(whole, read(data, "csv", directory=directory(extra=300)))
    assert int(whole.count.sum()) == 20_000
    total = sum(v[0] for v in people(whole).values())
    assert total == 40_000


def test_an_unreadable_byte_is_named_by_line() -> None:
    data = HEADER.encode() + b"ana@example.com,b\xffn@example.com,2024-03-05T10:00:00Z,email,\n"
    assert problems(data, "csv") == [("line 2", "is not valid UTF-8 text; save the file as UTF-8")]


def test_a_non_ascii_address_is_matched_case_insensitively() -> None:
    data = HEADER + "ana@example.com,ZOË@example.com,2024-03-05T10:00:00Z,email,\n"
    d = directory()
    d.emails["zoë@example.com"] = EVE
    assert pairs(importers.read(io.BytesIO(data.encode()), "csv", directory=d)) == {
        (ANA, EVE, W1, "email"): (1, 0, 0)
    }
