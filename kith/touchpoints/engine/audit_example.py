"""Kith's example lifecycle map: a sensible set of processes and steps for all seven stages,
for HR to start from and change. A few steps are automated although they carry emotional
weight (a rejection email after interviews, the performance-review form, a grievance web
form with no conversation, a redundancy letter by email), so the journey map has something
to flag on day one. Data only: HR's map is what gets stored, in HR's words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExampleStep:
    name: str
    mode: str
    description: str = ""
    why_human: str = ""  # non-empty: the step needs a human touch, and this is why
    asks_feedback: bool = True

    @property
    def needs_human_touch(self) -> bool:
        return bool(self.why_human)


@dataclass(frozen=True, slots=True)
class ExampleProcess:
    stage: str
    name: str
    description: str
    steps: tuple[ExampleStep, ...]


EXAMPLE_MAP: tuple[ExampleProcess, ...] = (
    ExampleProcess(
        "recruit",
        "Hiring a new colleague",
        "From the job advert to a signed offer.",
        (
            ExampleStep(
                "Job advert and application", "automated", "Online form on the careers site."
            ),
            ExampleStep("CV screening", "automated", "The applicant-tracking system ranks CVs."),
            ExampleStep(
                "Interviews with the team",
                "human",
                "Two conversations: the hiring manager, then the team.",
                why_human="Candidates decide whether they want to join us by how they are met.",
            ),
            ExampleStep(
                "Rejection after interviews",
                "automated",
                "A standard email from the applicant-tracking system.",
                why_human="Someone who met us and hoped for the job should hear no from a person.",
            ),
            ExampleStep(
                "Offer",
                "human",
                "The hiring manager calls, then the contract follows by email.",
                why_human="A life decision for the candidate; questions deserve a person.",
            ),
        ),
    ),
    ExampleProcess(
        "onboard",
        "First weeks",
        "Everything between the signed contract and feeling at home.",
        (
            ExampleStep("Contract and paperwork", "automated", "E-signature and the HR portal."),
            ExampleStep("Laptop and accounts", "automated", "Ready on the first morning."),
            ExampleStep(
                "Welcome on day one",
                "human",
                "The manager meets the new joiner and introduces the team.",
                why_human="First impressions decide whether people feel they belong.",
            ),
            ExampleStep(
                "Onboarding buddy",
                "hybrid",
                "Kith suggests a buddy; they meet when they find the time.",
                why_human="A buddy is how newcomers learn the unwritten rules and find a place.",
            ),
            ExampleStep("30-day check-in survey", "automated", "Five questions by email."),
        ),
    ),
    ExampleProcess(
        "perform",
        "Performance review",
        "The yearly cycle, from goals to the outcome.",
        (
            ExampleStep(
                "Goal setting", "hybrid", "Goals agreed with the manager, kept in the HR system."
            ),
            ExampleStep(
                "Performance-review form",
                "automated",
                "Everyone fills in a self-assessment and receives ratings in the HR system.",
                why_human="It judges someone's work and can affect their pay and future.",
            ),
            ExampleStep(
                "Calibration between managers",
                "human",
                "Managers compare ratings across teams.",
                asks_feedback=False,
            ),
            ExampleStep(
                "Outcome and pay letter",
                "hybrid",
                "A letter from HR; the manager is asked to follow up.",
                why_human="Pay and ratings need explaining, and questions need a person to answer.",
            ),
        ),
    ),
    ExampleProcess(
        "engage",
        "Listening and recognition",
        "How we ask people how they are, and show we heard them.",
        (
            ExampleStep("Pulse survey", "automated", "Short surveys through Kith every quarter."),
            ExampleStep(
                "Team conversation about the results",
                "human",
                "The manager talks the team's results through with them.",
                why_human="People need to see that they were heard, and by whom.",
            ),
            ExampleStep("Work anniversaries", "automated", "Kith congratulates people on the day."),
            ExampleStep("Kudos between colleagues", "human", "Anyone thanks anyone, in Kith."),
        ),
    ),
    ExampleProcess(
        "develop",
        "Growing here",
        "Learning, career conversations and internal moves.",
        (
            ExampleStep("Learning catalogue", "automated", "Courses anyone can book."),
            ExampleStep(
                "Career conversation",
                "hybrid",
                "A self-assessment form first, then a talk with the manager if there is time.",
                why_human="Talking about someone's future shows they matter here.",
            ),
            ExampleStep(
                "Internal application outcome",
                "automated",
                "Internal candidates who were not chosen get the standard email.",
                why_human="A colleague turned down for a move should hear why and what comes next.",
            ),
        ),
    ),
    ExampleProcess(
        "resolve",
        "Raising a grievance",
        "When someone feels treated unfairly.",
        (
            ExampleStep(
                "Grievance web form",
                "automated",
                "A form on the HR portal; the case number arrives by email. Nobody calls.",
                why_human="Someone who raises a grievance needs to be listened to by a person.",
            ),
            ExampleStep(
                "Investigation",
                "human",
                "An HR partner talks to the people involved.",
                why_human="Everyone involved needs to be heard fairly.",
            ),
            ExampleStep(
                "Outcome letter",
                "hybrid",
                "The decision by letter; a meeting on request.",
                why_human="A decision about a grievance needs explaining face to face.",
            ),
        ),
    ),
    ExampleProcess(
        "resolve",
        "Mediation",
        "When two colleagues cannot work it out alone.",
        (
            ExampleStep(
                "Mediation meeting",
                "human",
                "A trained mediator meets both colleagues, then together.",
                why_human="Conflict is resolved in conversation, not in writing.",
            ),
        ),
    ),
    ExampleProcess(
        "offboard",
        "Leaving by choice",
        "From the resignation to the farewell.",
        (
            ExampleStep("Resignation acknowledged", "automated", "A confirmation email from HR."),
            ExampleStep(
                "Exit conversation",
                "human",
                "An HR partner asks what we could have done better.",
                why_human="Honest answers come only in a real conversation.",
            ),
            ExampleStep(
                "Handover and access removal",
                "automated",
                "Accounts close on the last evening.",
                asks_feedback=False,
            ),
            ExampleStep("Farewell with the team", "human", "A lunch or a call, the team's choice."),
        ),
    ),
    ExampleProcess(
        "offboard",
        "Redundancy",
        "When roles are cut.",
        (
            ExampleStep(
                "Consultation with the people affected",
                "human",
                "Group and one-to-one meetings, as the law asks.",
                why_human="People losing their jobs need to be told and heard in person.",
            ),
            ExampleStep(
                "Redundancy letter",
                "automated",
                "The formal notice, sent by email.",
                why_human="Losing a job is among the hardest news of all: say it in person first.",
            ),
            ExampleStep(
                "Outplacement support",
                "hybrid",
                "Access to a job-search portal; a coach on request.",
                why_human="Finding the next job is easier with someone in your corner.",
            ),
        ),
    ),
)
