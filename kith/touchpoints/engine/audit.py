"""The human-touch audit's rules, pure: how risky a lifecycle step is, and when a step's
feedback may be published again.

Risk of a step (its mode, whether it needs a human touch, and published feedback):

- **high**: it needs a human touch (emotional weight: reviews, grievances, career talks,
  layoffs) and nobody takes part in it (automated); or it needs one, a person is only part
  of it (hybrid), and the people who went through it say it did not feel human. The
  evidence confirms the gap, so it is as urgent as a fully automated one.
- **medium**: it needs a human touch and is hybrid (the person's part can shrink to a
  sign-off); or, whatever HR marked, the people who went through it say it did not feel
  human: a third or more of those who answered said "No" (HR may have mis-marked it).
- **low**: everything else: a step done by people, or one without emotional weight that
  people did not object to.

Feedback counts only once it is published (at least k people, through the disclosure
layer), so a single unhappy answer never changes a step's colour on its own.

The engine returns codes (risk, reasons, the stage for the suggestion); the words are in
kith.touchpoints.selectors.audit, translatable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

STAGES = ("recruit", "onboard", "perform", "engage", "develop", "resolve", "offboard")
MODES = ("automated", "human", "hybrid")
ANSWERS = ("yes", "partly", "no")


class Risk(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RISK_ORDER = {Risk.HIGH: 0, Risk.MEDIUM: 1, Risk.LOW: 2}


class Reason(StrEnum):
    AUTOMATED_WITH_WEIGHT = "automated_with_weight"
    HYBRID_WITH_WEIGHT = "hybrid_with_weight"
    FEEDBACK_NOT_HUMAN = "feedback_not_human"


@dataclass(frozen=True, slots=True)
class Feedback:
    """A step's published answers to "Did this feel human?"."""

    respondents: int
    felt_human: int
    partly: int
    not_human: int

    def __post_init__(self) -> None:
        parts = (self.felt_human, self.partly, self.not_human)
        if min(parts) < 0 or sum(parts) != self.respondents:
            raise ValueError(f"answers {parts} do not add up to {self.respondents} respondents")

    @property
    def says_not_human(self) -> bool:
        """A third or more of those who answered said it did not feel human."""
        return self.respondents > 0 and 3 * self.not_human >= self.respondents

    def share(self, answer: str) -> float:
        count = {"yes": self.felt_human, "partly": self.partly, "no": self.not_human}[answer]
        return count / self.respondents if self.respondents else 0.0


@dataclass(frozen=True, slots=True)
class StepFacts:
    stage: str
    mode: str
    needs_human_touch: bool
    feedback: Feedback | None = None

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}")


@dataclass(frozen=True, slots=True)
class Assessment:
    risk: Risk
    reasons: tuple[Reason, ...]
    stage: str  # which stage's suggestion fits, for the words

    @property
    def flagged(self) -> bool:
        return self.risk is not Risk.LOW


def assess(facts: StepFacts) -> Assessment:
    """A step's risk and why (see the module's docstring for the rules)."""
    reasons: list[Reason] = []
    if facts.needs_human_touch and facts.mode == "automated":
        reasons.append(Reason.AUTOMATED_WITH_WEIGHT)
    elif facts.needs_human_touch and facts.mode == "hybrid":
        reasons.append(Reason.HYBRID_WITH_WEIGHT)
    unhappy = facts.feedback is not None and facts.feedback.says_not_human
    if unhappy:
        reasons.append(Reason.FEEDBACK_NOT_HUMAN)
    if Reason.AUTOMATED_WITH_WEIGHT in reasons:
        risk = Risk.HIGH
    elif Reason.HYBRID_WITH_WEIGHT in reasons:
        risk = Risk.HIGH if unhappy else Risk.MEDIUM
    elif unhappy:
        risk = Risk.MEDIUM
    else:
        risk = Risk.LOW
    return Assessment(risk=risk, reasons=tuple(reasons), stage=facts.stage)


def risk_counts(assessments: Iterable[Assessment]) -> dict[Risk, int]:
    counts = dict.fromkeys(Risk, 0)
    for assessment in assessments:
        counts[assessment.risk] += 1
    return counts


def worst(risks: Iterable[Risk]) -> Risk:
    """The most urgent of these risks (low for none)."""
    return min(risks, key=RISK_ORDER.__getitem__, default=Risk.LOW)


def due_for_publication(respondents: int, last_published: int, k: int) -> bool:
    """Whether a step's feedback should be offered for publication again: at least k people
    answered, and at least k more than when it was last published. Publishing after every
    new answer would let anyone watching the figure read the newest answer off its change;
    in batches of k, a change always sums k people or more. (The disclosure engine checks
    each publication as well; this only decides when to ask it.)"""
    if k < 1:
        raise ValueError(f"k must be positive; got {k}")
    return respondents >= k and respondents - last_published >= k
