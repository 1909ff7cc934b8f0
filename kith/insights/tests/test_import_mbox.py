"""mbox: From/To/Cc/Date headers only; bodies are skipped, never decoded or parsed."""

from __future__ import annotations

from email.parser import BytesHeaderParser

import pytest

from kith.insights.importers import mbox
from kith.insights.tests.test_import_support import (
    ANA,
    BEN,
    CLEO,
    DEV,
    PLANTED,
    assert_no_content,
    everything_said,
    pairs,
    people,
    problems,
    read,
)

W1, W2 = "2024-03-04", "2024-03-11"

GOOD = (
    b"From ana@example.com Mon Mar  4 09:00:00 2024\n"
    b"From: Ana <ana@example.com>\n"
    b'To: Ben <BEN@example.com>, "Cleo, C." <cleo@example.com>\n'
    b"Cc: stranger@elsewhere.org\n"
    b"Subject: zanzibar\n"
    b"Date: Mon, 04 Mar 2024 10:00:00 +0100\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"The quokka plan.\n"
    b">From the archive, quoted as mbox does\n"
    b"From: not a header, just body text with marmalade\n"
    b"\xff\xfe undecodable body bytes\n"
    b"\n"
    b"From ben@example.com Tue Mar  5 22:00:00 2024\n"
    b"From: ben@example.com\n"
    b"To: ana@example.com\n"
    b"Date: Tue, 05 Mar 2024 22:00:00 -0500\n"
    b"Subject: =?utf-8?q?xylophone?=\n"
    b"\n"
    b"Late.\n"
    b"\n"
    b"From cleo@example.com Sat Mar  9 12:00:00 2024\n"
    b"From: cleo@example.com\n"
    b"To: undisclosed-recipients:;\n"
    b"Date: Sat, 09 Mar 2024 12:00:00 +0000\n"
    b"\n"
    b"Nobody to talk to.\n"
    b"\n"
    b"From dev@example.com Mon Mar 11 06:00:00 2024\n"
    b"From: dev@example.com\n"
    b"To: cleo@example.com\n"
    b"Cc: dev@example.com\n"
    b"Date: Mon, 11 Mar 2024 06:00:00 -0000\n"
    b"\n"
    b"Bytes of an attachment\n"
)


def test_headers_reduce_to_the_counts_worked_out_by_hand() -> None:
    reduced = read(GOOD, "mbox")
    assert pairs(reduced) == {
        (ANA, BEN, W1, "email"): (2, 0, 0),  # ana to ben; ben's late reply
        (ANA, CLEO, W1, "email"): (1, 0, 0),
        (CLEO, DEV, W2, "email"): (1, 0, 0),  # -0000 is UTC; dev's Cc to self is not a pair
    }
    assert people(reduced) == {
        (ANA, W1): (2, 1, 0),  # 10:00 in Paris; the reply came at 04:00 there
        (BEN, W1): (2, 2, 0),  # 04:00 and 22:00 in New York
        (CLEO, W1): (1, 0, 0),
        (CLEO, W2): (1, 1, 0),  # 06:00 UTC, before cleo's 08:00
        (DEV, W2): (1, 0, 0),  # 11:30 in Kolkata, Monday
    }
    assert reduced.events == 4
    assert reduced.unknown_addresses == 1
    assert reduced.events_with_unknown == 1


def test_bodies_are_never_given_to_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []
    parser = BytesHeaderParser(policy=mbox.compat32)

    class Spy:
        def parsebytes(self, data: bytes) -> object:
            seen.append(data)
            return parser.parsebytes(data)

    monkeypatch.setattr(mbox, "_PARSER", Spy())
    read(GOOD, "mbox")
    assert len(seen) == 4
    for header in seen:
        assert b"quokka" not in header and b"marmalade" not in header and b"\xff" not in header
        assert b"Attachment" not in header


def test_no_subject_or_body_reaches_the_result_or_the_problems() -> None:
    assert_no_content(PLANTED, everything_said(GOOD, "mbox"))
    bad = GOOD.replace(b"Date: Mon, 04 Mar 2024 10:00:00 +0100\n", b"Date: zanzibar\n")
    said = everything_said(bad, "mbox")
    assert "ImportFailed" in said
    assert_no_content((*PLANTED, "stranger"), said)


def test_a_bad_mbox_names_every_problem_with_its_place() -> None:
    bad = (
        b"From x Mon Mar  4 09:00:00 2024\n"
        b"To: ben@example.com\n"
        b"Date: Mon, 04 Mar 2024 10:00:00 +0100\n"
        b"\n"
        b"body\n"
        b"From x Mon Mar  4 09:00:00 2024\n"
        b"From: MAILER-DAEMON\n"
        b"To: ben@example.com\n"
        b"Date: the day after tomorrow\n"
        b"\n"
        b"From x Mon Mar  4 09:00:00 2024\n"
        b"From: ana@example.com\n"
        b"To: ben@example.com\n"
        b"Date: Mon, 04 Mar 2024 10:00:00\n"
        b"\n"
        b"From x Mon Mar  4 09:00:00 2024\n"
        b"From: ana@example.com\n"
        b"To: ben@example.com\n"
        b"\n"
    )
    assert problems(bad, "mbox") == [
        ("message 1 (line 1)", "the From address is empty; expected an email address"),
        (
            "message 2 (line 6)",
            "the From address is not an email address; expected one like name@example.com",
        ),
        ("message 2 (line 6)", "has a Date that cannot be read; expected an RFC 5322 date"),
        ("message 3 (line 11)", "has a Date without a time zone"),
        ("message 4 (line 16)", "has no Date header"),
    ]


def test_a_file_that_is_not_an_mbox_says_so() -> None:
    assert problems(b"Dear ana, zanzibar\n", "mbox") == [
        ("line 1", 'comes before the first "From " line; expected an mbox file')
    ]
    assert problems(b"", "mbox") == [("file", "has no messages; expected an mbox file")]


@pytest.mark.parametrize("chunk", [1, 2, 5, 6, 7, 13, 64, 333])
def test_chunk_boundaries_anywhere_read_the_same(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = read(GOOD, "mbox")
    crlf = GOOD.replace(b"\n", b"\r\n")
    whole_crlf = read(crlf, "mbox")
    bad = b"\n\n" + GOOD.replace(b"Date: Sat, 09 Mar 2024 12:00:00 +0000\n", b"")
    bad_problems = problems(bad, "mbox")
    monkeypatch.setattr(mbox, "CHUNK", chunk)
    again = read(GOOD, "mbox")
    assert (pairs(again), people(again), again.events) == (
        pairs(whole),
        people(whole),
        whole.events,
    )
    assert pairs(read(crlf, "mbox")) == pairs(whole_crlf) == pairs(whole)
    assert problems(bad, "mbox") == bad_problems == [("message 3 (line 24)", "has no Date header")]


def test_messages_without_a_body_or_a_blank_line_follow_each_other() -> None:
    data = (
        b"From a Mon Mar  4 09:00:00 2024\n"
        b"From: ana@example.com\nTo: ben@example.com\nDate: Mon, 04 Mar 2024 10:00:00 +0100\n"
        b"From b Mon Mar  4 09:00:00 2024\n"
        b"From: ben@example.com\nTo: cleo@example.com\nDate: Mon, 04 Mar 2024 10:00:00 +0100\n"
        b"\n"
        b"From c Mon Mar  4 09:00:00 2024\n"
        b"From: cleo@example.com\nTo: ana@example.com\nDate: Mon, 04 Mar 2024 10:00:00 +0100"
    )
    for chunk in (3, 8 << 20):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(mbox, "CHUNK", chunk)
            reduced = read(data, "mbox")
        assert reduced.events == 3
        assert set(pairs(reduced)) == {
            (ANA, BEN, W1, "email"),
            (BEN, CLEO, W1, "email"),
            (ANA, CLEO, W1, "email"),
        }
