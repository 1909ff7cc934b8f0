# ruff: noqa: E501  (each string whole, as the catalogue holds it)
"""Kith's own words about Pulse's instruments, marked for translation.

The engine (kith/pulse/engine/instruments.py) imports nothing from Django, so the strings a
person reads from it are listed here for `kith messages` to extract, and translated where they
are shown (`translated`, `item_text`, `option_label`). A test checks this list against the
engine, so a new or changed string cannot be missed.

What is translated and what is not (docs/pulse.md, "Languages"): the items and answers of the
validated questionnaires (Edmondson's team psychological safety, the Copenhagen Burnout
Inventory, the three-item loneliness scale) keep their published English wording, because an
unvalidated translation would change the instrument; Kith's own items (eNPS as Kith words it,
AI and connection, connection at work), the agreement and 0–10 answer labels, and everything
around the items (instrument names, summaries, how to read a score) are translated.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

# Instruments whose items and answers keep their published, validated wording.
PUBLISHED_WORDING = frozenset({"edmondson", "cbi_work", "loneliness3"})

ABOUT_INSTRUMENTS = [
    gettext_noop("Team psychological safety"),
    gettext_noop(
        "Whether people feel safe to speak up, take risks and ask for help in their team."
    ),
    gettext_noop(
        "Mean of the seven items after reverse-scoring items 1, 3 and 5 (1–7, higher is safer); a person scoring 5.5 or more counts as favourable."
    ),
    gettext_noop("Published academic scale, free to use with citation."),
    gettext_noop("Work-related burnout"),
    gettext_noop("How worn out people feel because of their work (Copenhagen Burnout Inventory)."),
    gettext_noop(
        "Mean of the seven items (0–100, higher is more burnout; item 7 reverse-scored): 50–74 moderate, 75–99 high, 100 severe; below 50 counts as favourable."
    ),
    gettext_noop("Widely described as free to use; cite the source."),
    gettext_noop("Loneliness (three-item scale)"),
    gettext_noop("How often people feel they lack companionship, are left out or isolated."),
    gettext_noop(
        "Sum of the three items (3–9); 6–9 is often read as lonely, 3–5 counts as favourable."
    ),
    gettext_noop("Not a copyrighted scale; free to use with citation."),
    gettext_noop("Employee Net Promoter Score"),
    gettext_noop("How likely people are to recommend the organisation as a place to work."),
    gettext_noop(
        "Percent promoters (9–10) minus percent detractors (0–6), from −100 to +100; 7–8 are passives."
    ),
    gettext_noop("A single generic question; free to use."),
    gettext_noop("AI and connection"),
    gettext_noop(
        "How people relate to AI tools and to each other, asked like the Upwork Research Institute survey so you can see yourselves beside its published figures."
    ),
    gettext_noop(
        "Per-question results only, % agreeing (4–5) beside the published figures; the figures are context, not targets."
    ),
    gettext_noop("Kith's own neutral wording of the published survey's measures; free to use."),
    gettext_noop("report burnout (among the most productive AI users)"),
    gettext_noop(
        "do not understand how their AI use relates to company goals (among the most productive AI users)"
    ),
    gettext_noop("trust AI more than their colleagues (among the most productive AI users)"),
    gettext_noop(
        "have a better relationship with AI than with their teammates (among the most productive AI users)"
    ),
    gettext_noop("are more polite to AI than to people (among the most productive AI users)"),
    gettext_noop("of full-time employees say AI helped them take on new work"),
    gettext_noop("Connection at work"),
    gettext_noop("Whether people have someone to talk to, meet in person and see their manager."),
    gettext_noop("Per-question results only: % agreeing (4–5) with each statement."),
    gettext_noop("Kith's own items, free to use."),
]

OWN_ITEMS = [
    gettext_noop("How likely are you to recommend this organisation as a place to work?"),
    gettext_noop("I understand how my use of AI relates to my company's goals."),
    gettext_noop("I trust AI tools more than I trust my colleagues."),
    gettext_noop("I have a better relationship with AI tools than with my teammates."),
    gettext_noop("I am more polite to AI tools than to people."),
    gettext_noop("AI tools have helped me take on new work."),
    gettext_noop("I have felt burnt out at work in the last month."),
    gettext_noop("I use AI tools in my work most days."),
    gettext_noop("There is someone at work I can talk to about non-work things."),
    gettext_noop("I met a colleague in person in the last month."),
    gettext_noop("I had a 1:1 with my manager in the last two weeks."),
    gettext_noop("I understand how my use of AI relates to our goals."),
    gettext_noop("Strongly disagree"),
    gettext_noop("Disagree"),
    gettext_noop("Neither agree nor disagree"),
    gettext_noop("Agree"),
    gettext_noop("Strongly agree"),
    gettext_noop("0 – Not at all likely"),
    gettext_noop("10 – Extremely likely"),
]

_TRANSLATABLE = frozenset(ABOUT_INSTRUMENTS) | frozenset(OWN_ITEMS)


def translated(text: str) -> str:
    """One of the strings above in the current language (anything else as it is)."""
    return gettext(text) if text in _TRANSLATABLE else text


def keeps_published_wording(data: dict[str, Any]) -> bool:
    """Whether a stored question (an entry of Wave.items) is shown in its published wording."""
    return data.get("instrument", "") in PUBLISHED_WORDING


def item_text(data: dict[str, Any]) -> str:
    """A stored question's text as shown: published wording kept, Kith's own translated,
    a campaign's own questions (HR's words) as written."""
    if not data.get("instrument") or keeps_published_wording(data):
        return str(data["text"])
    return translated(str(data["text"]))


def option_label(data: dict[str, Any], label: str) -> str:
    """An answer's label as shown: kept for published wording and a choice question's own
    choices (HR's words), else Kith's scale labels translated."""
    if keeps_published_wording(data) or data.get("kind") == "choice":
        return label
    return translated(label)


def shown(data: dict[str, Any]) -> dict[str, Any]:
    """A stored question ready for a page: its text and options as shown, and `published`
    when it keeps its published wording (the page marks it lang="en")."""
    return {
        **data,
        "text": item_text(data),
        "options": [[v, option_label(data, str(label))] for v, label in data["options"]],
        "published": keeps_published_wording(data),
    }
