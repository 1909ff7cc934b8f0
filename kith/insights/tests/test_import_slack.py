"""Slack workspace export: replies and mentions are interactions, text is never kept."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

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

W1 = "2024-03-04"
THREAD = "1709553600.000300"  # 2024-03-04T12:00:00Z
USERS = [
    {"id": "U1", "name": "ana", "profile": {"email": "Ana@example.com", "title": "zanzibar"}},
    {"id": "U2", "name": "ben", "profile": {"email": "ben@example.com"}},
    {"id": "U3", "name": "cleo", "profile": {"email": "cleo@example.com"}},
    {"id": "U4", "name": "dev", "profile": {"email": "dev@example.com"}},
    {"id": "U5", "name": "stranger", "profile": {"email": "stranger@elsewhere.org"}},
    {"id": "U6", "name": "no-email", "profile": {}},
    {"id": "B1", "name": "deploybot", "is_bot": True, "profile": {}},
]
CHANNELS = [
    {"id": "C1", "name": "general", "purpose": {"value": "quokka talk"}},
    {"id": "C2", "name": "random"},
]
DAY_1 = [
    {"type": "message", "user": "U1", "text": "Morning, zanzibar plans", "ts": "1709546400.000100"},
    {"type": "message", "user": "U1", "text": "<@U2> the quokka?", "ts": "1709550000.000200"},
    {"user": "U3", "text": "thread start", "ts": THREAD, "thread_ts": THREAD, "reply_count": 3},
    {
        "user": "U2",
        "text": "marmalade",
        "ts": "1709557200.000400",
        "thread_ts": THREAD,
        "parent_user_id": "U3",
        "blocks": [{"type": "rich_text", "elements": [{"type": "text", "text": "marmalade"}]}],
    },
    {  # no parent_user_id: the starter is found by thread_ts
        "user": "U4",
        "text": "<@U1> see <@U4|dev> and <@U5>",
        "ts": "1709560800.000500",
        "thread_ts": THREAD,
    },
    {"subtype": "channel_join", "user": "U2", "text": "<@U2> joined", "ts": "1709564400.000600"},
    {"subtype": "bot_message", "bot_id": "B1", "text": "<@U1> deployed", "ts": "1709564500.0007"},
    {"user": "B1", "text": "<@U1> ping", "ts": "1709564600.000800"},
    {"user": "U6", "text": "<@U1> hello xylophone", "ts": "1709568000.000900"},
]
DAY_2 = [
    {"user": "U1", "text": "late reply", "ts": "1709632800.000100", "thread_ts": THREAD},
    {
        "subtype": "thread_broadcast",
        "user": "U2",
        "text": "<@U1>",
        "ts": "1709636400.000200",
        "thread_ts": THREAD,
        "parent_user_id": "U3",
    },
]
RANDOM = [  # a reply to a thread begun before the export: only the mention counts
    {"user": "U1", "text": "<@U4>", "ts": "1709719200.000100", "thread_ts": "1709000000.000000"},
    {"user": "U2", "text": "<!channel> hi", "ts": "1709719300.000200"},
]


def export(files: dict[str, Any], root: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            data = content if isinstance(content, bytes) else json.dumps(content).encode()
            archive.writestr(root + name, data)
    return buffer.getvalue()


GOOD = {
    "users.json": USERS,
    "channels.json": CHANNELS,
    "general/2024-03-04.json": DAY_1,
    "general/2024-03-05.json": DAY_2,
    "random/2024-03-06.json": RANDOM,
    "secret-project/2024-03-04.json": [{"user": "U1", "text": "<@U2>", "ts": "1709550000.1"}],
    "integration_logs.json": [],
}


def test_replies_and_mentions_reduce_to_the_counts_worked_out_by_hand() -> None:
    reduced = read(export(GOOD), "slack")
    assert pairs(reduced) == {
        (ANA, BEN, W1, "chat"): (2, 0, 0),  # a mention, a broadcast reply mentioning ana
        (BEN, CLEO, W1, "chat"): (2, 0, 0),  # two replies to cleo's thread
        (CLEO, DEV, W1, "chat"): (1, 0, 0),  # a reply found by thread_ts alone
        (ANA, DEV, W1, "chat"): (2, 0, 0),  # mentioned in that reply; mention in random
        (ANA, CLEO, W1, "chat"): (1, 0, 0),  # a reply the next day
    }
    assert people(reduced) == {
        (ANA, W1): (6, 1, 0),  # 17:00 in Paris is after hours
        (BEN, W1): (3, 3, 0),  # every one before 09:00 in New York
        (CLEO, W1): (4, 0, 0),
        (DEV, W1): (2, 1, 0),  # 19:30 in Kolkata
    }
    assert reduced.events == 13  # every message read, system and bot ones too
    assert reduced.unknown_addresses == 2  # the stranger's email, the user with none
    assert reduced.events_with_unknown == 2


def test_an_export_zipped_inside_a_folder_reads_the_same() -> None:
    assert pairs(read(export(GOOD, root="Acme Slack export/"), "slack")) == pairs(
        read(export(GOOD), "slack")
    )


def test_no_message_text_reaches_the_result_or_the_problems() -> None:
    assert_no_content(PLANTED, everything_said(export(GOOD), "slack"))
    bad = dict(GOOD)
    bad["general/2024-03-06.json"] = [{"user": "U1", "text": "zanzibar quokka", "ts": "soon"}]
    said = everything_said(export(bad), "slack")
    assert "ImportFailed" in said
    assert_no_content((*PLANTED, "stranger@", "ana@"), said)


def test_a_bad_export_names_every_problem_with_its_place() -> None:
    bad = {
        "users.json": [*USERS, {"name": "nobody"}],
        "channels.json": CHANNELS,
        "general/2024-03-04.json": [
            "zanzibar",
            {"user": "U1", "text": "<@U2> quokka"},
            {"user": "U1", "text": "hi", "ts": "1709550000.1", "thread_ts": "yesterday"},
            {"user": "U1", "text": "<@U2>", "ts": "1709550000.2"},
        ],
        "general/2024-03-05.json": b'[{"user": "U1", "text": "marmalade", "ts": ',
        "random/2024-03-06.json": {"user": "U1"},
    }
    assert problems(export(bad), "slack") == [
        ("users.json, user 8", "has no id"),
        ("general/2024-03-04.json, message 1", "is not a message object"),
        (
            "general/2024-03-04.json, message 2",
            "has no valid ts (the message's time, Unix seconds)",
        ),
        (
            "general/2024-03-04.json, message 3",
            "has a thread_ts that is not a valid Slack timestamp",
        ),
        ("general/2024-03-05.json", "is not valid JSON (line 1, column 44)"),
        ("random/2024-03-06.json", "is not a list of messages"),
    ]


def test_a_file_that_is_not_a_slack_export_says_so() -> None:
    assert problems(b"zanzibar", "slack") == [
        ("file", "is not a ZIP file; expected a Slack workspace export")
    ]
    assert problems(export({"notes.txt": b"hi"}), "slack")[0][0] == "file"
    assert problems(export({"users.json": USERS}), "slack") == [
        ("channels.json", "is missing; expected it in a Slack workspace export")
    ]


def test_progress_counts_the_day_files() -> None:
    seen: list[tuple[int, int]] = []
    read(export(GOOD), "slack", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] > 0
