"""The engine's reasons (why a match, why no match) in the reader's language.

The engine stays pure and writes plain English; what is stored (Match.explanation, reasons
joined by " · ", and Unmatched.detail) is rendered here at the moment it is shown or sent,
with gettext, so it follows the active language (`in_language_of(reader)` for mail, the
viewer's language on pages). A sentence this module does not know is shown as it is, so
older rows and new engine wording never break a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SEPARATOR = " · "


def _everyone(word: str, both: str, all_: str) -> str:
    return both if word == "both" else all_


def _city(m: re.Match[str]) -> str:
    everyone = _everyone(
        m["who"],
        _("you are both in %(city)s, so meet in person"),
        _("you are all in %(city)s, so meet in person"),
    )
    return everyone % {"city": m["city"]}


def _like(m: re.Match[str]) -> str:
    what = m["what"]
    if what.count(" and ") == 1:
        first, second = what.split(" and ")
        what = _("%(first)s and %(second)s") % {"first": first, "second": second}
    text = _everyone(m["who"], _("you both like %(what)s"), _("you all like %(what)s"))
    return text % {"what": what}


def _overlap(m: re.Match[str]) -> str:
    hours = int(m["hours"])
    return ngettext(
        "your working hours overlap by %(n)d hour",
        "your working hours overlap by %(n)d hours",
        hours,
    ) % {"n": hours}


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"you are (?P<who>both|all) in (?P<city>.+), so meet in person"), _city),
    (re.compile(r"you (?P<who>both|all) like (?P<what>.+)"), _like),
    (re.compile(r"your working hours overlap by (?P<hours>\d+) hours?"), _overlap),
    (
        re.compile(r"you are both in (?P<city>.+)"),
        lambda m: _("you are both in %(city)s") % {"city": m["city"]},
    ),
    (
        re.compile(r"you share (?P<topics>.+)"),
        lambda m: _("you share %(topics)s") % {"topics": m["topics"]},
    ),
]


def _fixed() -> dict[str, str]:
    return {
        "different departments": _("different departments"),
        "different teams": _("different teams"),
        "you joined at different times": _("you joined at different times"),
        "a warm welcome for someone new": _("a warm welcome for someone new"),
        "a new face for both of you": _("a new face for both of you"),
        "new faces for all of you": _("new faces for all of you"),
        "from another department": _("from another department"),
        "from another team": _("from another team"),
    }


def reason_text(reason: str) -> str:
    """One engine reason in the active language (unknown ones as they are)."""
    fixed = _fixed().get(reason)
    if fixed is not None:
        return fixed
    for pattern, render in _PATTERNS:
        m = pattern.fullmatch(reason)
        if m:
            return render(m)
    return reason


def explanation_text(explanation: str) -> str:
    """A stored explanation (reasons joined by " · ") in the active language."""
    return SEPARATOR.join(reason_text(r) for r in explanation.split(SEPARATOR) if r)


def detail_text(detail: str) -> str:
    """Why someone has no match this round, in the active language (unknown as it is)."""
    known = {
        "You were the only person in this round.": _("You were the only person in this round."),
        "Everyone else in this round was met recently, is on a do-not-pair list or is in "
        "your reporting line.": _(
            "Everyone else in this round was met recently, is on a do-not-pair list or is "
            "in your reporting line."
        ),
        "Nobody else in this round shares enough working hours with you to meet this week.": _(
            "Nobody else in this round shares enough working hours with you to meet this week."
        ),
        "There were not enough people you could meet left over to make a group this round.": _(
            "There were not enough people you could meet left over to make a group this round."
        ),
        "Everyone you could meet was already paired this round, and the round's one trio "
        "was already made.": _(
            "Everyone you could meet was already paired this round, and the round's one trio "
            "was already made."
        ),
        "Everyone you could meet was already paired this round, and no pair could take a "
        "third person.": _(
            "Everyone you could meet was already paired this round, and no pair could take a "
            "third person."
        ),
    }
    return known.get(detail, detail)
