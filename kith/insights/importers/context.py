"""What every format reader gets: where events go, who is who, problems, progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from kith.insights.importers.identity import People
from kith.insights.importers.model import Directory, Problems
from kith.insights.importers.reduce import EventBuilder, Reducer
from kith.insights.importers.sources import Reporter


@dataclass
class Context:
    directory: Directory
    reducer: Reducer
    people: People
    problems: Problems
    report: Reporter
    builder: EventBuilder = field(init=False)

    def __post_init__(self) -> None:
        self.builder = EventBuilder(self.reducer)

    @classmethod
    def start(cls, directory: Directory, report: Reporter) -> Context:
        return cls(directory, Reducer(directory), People(directory), Problems(), report)
