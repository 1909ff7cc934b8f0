"""The channel guide Kith ships: which kind of conversation belongs in which medium, and why.

Grounded in media richness (Daft and Lengel): the more a message can be misread, and the
more it matters to the person hearing it, the richer the channel should be: voice, face,
the chance to ask back at once. Sensitive conversations belong in person or on video, never
in chat or email, where tone is lost and the reader is alone with the words. Lean channels
win where the content is simple, factual or needs a record (a status update, a quick
question). HR edits the installed copy; "Reset to the default guide" brings this one back.
"""

from __future__ import annotations

from dataclasses import dataclass

CHANNELS = ("in_person", "video", "phone", "chat", "email")
BEST, GOOD, AVOID = "best", "good", "avoid"


@dataclass(frozen=True)
class DefaultKind:
    slug: str
    name: str
    description: str
    sensitivity: str  # low / medium / high
    cells: dict[str, tuple[str, str]]  # channel -> (fit, why)


def _kind(
    slug: str, name: str, description: str, sensitivity: str, *cells: tuple[str, str]
) -> DefaultKind:
    assert len(cells) == len(CHANNELS)
    return DefaultKind(
        slug, name, description, sensitivity, dict(zip(CHANNELS, cells, strict=True))
    )


DEFAULT_GUIDE: tuple[DefaultKind, ...] = (
    _kind(
        "feedback",
        "Feedback",
        "Telling someone how their work or behaviour lands, good or hard to hear.",
        "medium",
        (BEST, "Face to face you see how it lands and can explain at once."),
        (BEST, "Seeing each other keeps the tone warm when you cannot meet."),
        (GOOD, "Your voice carries the tone, though you miss their face."),
        (AVOID, "Written feedback is easily read as harsher than meant."),
        (AVOID, "An email leaves them alone with the words and no way to ask back."),
    ),
    _kind(
        "performance",
        "Performance",
        "Expectations, a review, a concern about how work is going.",
        "high",
        (BEST, "It matters to their livelihood: give it your full presence and time."),
        (BEST, "When you cannot meet, video keeps the conversation human and two-way."),
        (GOOD, "Better than writing, but only if video is not possible."),
        (AVOID, "Never handle performance in chat: it is too easy to misread."),
        (AVOID, "Follow up in writing afterwards, but never start it by email."),
    ),
    _kind(
        "conflict",
        "Conflict",
        "A disagreement or tension between people that needs resolving.",
        "high",
        (BEST, "Tension eases when people see each other and can listen properly."),
        (BEST, "Faces on screen keep a disagreement from hardening."),
        (GOOD, "A voice helps, but without faces misunderstandings linger."),
        (AVOID, "Chat turns disagreements into escalating threads."),
        (AVOID, "Email conflicts tend to grow: talk instead."),
    ),
    _kind(
        "bad-news",
        "Bad news",
        "A reorganisation, a cancelled project, a no to something they hoped for.",
        "high",
        (BEST, "Bad news is kindest in person, with time for questions and support."),
        (BEST, "If you cannot meet, let them see you and ask their questions right away."),
        (GOOD, "Only when video is impossible: make sure they have time to talk."),
        (AVOID, "Never deliver bad news in chat: it feels careless."),
        (AVOID, "An email leaves people alone with bad news: tell them first, then write."),
    ),
    _kind(
        "health",
        "Health and personal matters",
        "Wellbeing, illness, family circumstances, anything personal.",
        "high",
        (BEST, "A private, unhurried conversation in person shows you care."),
        (BEST, "A private video call works well when you are apart."),
        (GOOD, "A call is fine if they prefer not to be on camera."),
        (AVOID, "Personal matters do not belong in chat, where others may see it."),
        (AVOID, "Email is too formal and too permanent for something this personal."),
    ),
    _kind(
        "compensation",
        "Pay and compensation",
        "Salary, a raise, a bonus or why there is none.",
        "high",
        (BEST, "Pay is personal and emotional: talk it through face to face."),
        (BEST, "On video you can explain and answer questions as they come."),
        (GOOD, "A call works when video is not possible."),
        (AVOID, "Never discuss pay in chat."),
        (GOOD, "Confirm the figures in writing after you have talked, never instead."),
    ),
    _kind(
        "career",
        "Career and growth",
        "Ambitions, development, a next step or a change of role.",
        "medium",
        (BEST, "Growth conversations go deeper over a coffee than on a screen."),
        (BEST, "Video keeps it personal and lets you think together."),
        (GOOD, "A walk-and-talk call can work well."),
        (AVOID, "Chat is too brief for something this important."),
        (GOOD, "Useful to share a plan or notes before or after you talk."),
    ),
    _kind(
        "brainstorming",
        "Brainstorming",
        "Generating ideas and shaping something new together.",
        "low",
        (BEST, "Ideas build fastest in a room with a whiteboard."),
        (GOOD, "Works well with a shared board and cameras on."),
        (GOOD, "Fine for two people thinking out loud."),
        (GOOD, "Good for collecting ideas before or after a session."),
        (AVOID, "Long email threads kill momentum."),
    ),
    _kind(
        "status-update",
        "Status update",
        "Where a piece of work stands; facts more than feelings.",
        "low",
        (GOOD, "Not needed: save time together for what needs it."),
        (GOOD, "Fine when a discussion is likely to follow."),
        (GOOD, "Fine for a quick verbal update."),
        (BEST, "A short message keeps everyone informed without a meeting."),
        (BEST, "Good for a written record that people can read when it suits them."),
    ),
    _kind(
        "quick-question",
        "Quick question",
        "Something with a short answer that unblocks you.",
        "low",
        (GOOD, "Ask in person if you happen to be together."),
        (GOOD, "A meeting is more than a quick question needs."),
        (GOOD, "A short call is fine when it is urgent."),
        (BEST, "Chat is made for quick questions and quick answers."),
        (GOOD, "Fine when the answer can wait a day."),
    ),
    _kind(
        "celebration",
        "Celebration and thanks",
        "Recognising someone's work, a milestone, a win.",
        "low",
        (BEST, "Thanks said face to face mean the most."),
        (GOOD, "Say it on video, and in front of the team if they like that."),
        (GOOD, "A call to say thank you is a lovely surprise."),
        (GOOD, "A public message lets others join in; add a kudos in Kith."),
        (GOOD, "A written thank you is something they can keep."),
    ),
)

# Cells for a kind HR adds, until HR edits them: what the default guide does for its
# sensitivity.
_NEW_KIND_CELLS: dict[str, tuple[tuple[str, str], ...]] = {
    "high": (
        (BEST, "Sensitive conversations belong face to face."),
        (BEST, "Video keeps a sensitive conversation human when you are apart."),
        (GOOD, "A call works when video is not possible."),
        (AVOID, "Sensitive conversations do not belong in chat."),
        (AVOID, "Sensitive conversations do not belong in email."),
    ),
    "medium": (
        (BEST, "Face to face you can see how it lands."),
        (BEST, "Video works well when you are apart."),
        (GOOD, "A call carries your tone."),
        (AVOID, "Written words are easily misread here."),
        (GOOD, "Useful to follow up in writing after you talk."),
    ),
    "low": (
        (GOOD, "Fine if you are together anyway."),
        (GOOD, "Fine when a discussion is likely."),
        (GOOD, "Fine for something quick."),
        (BEST, "A short message is usually enough."),
        (GOOD, "Good when it needs a record."),
    ),
}


def cells_for_new_kind(sensitivity: str) -> dict[str, tuple[str, str]]:
    """The starting cells of a kind HR adds, from its sensitivity."""
    return dict(
        zip(CHANNELS, _NEW_KIND_CELLS.get(sensitivity, _NEW_KIND_CELLS["medium"]), strict=True)
    )
