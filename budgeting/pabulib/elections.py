"""What a Pabulib file holds: the instance (META, budget, projects), the profile (ballots)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

Number = int | Decimal

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
# Vote types the tallies understand; choose-1 is an approval ballot with one project.
TALLY_VOTE_TYPES = ("approval", "choose-1", "cumulative")
POINTS_VOTE_TYPES = ("cumulative", "scoring")


@dataclass
class Project:
    project_id: str
    cost: Number
    name: str = ""
    # Every other column of the PROJECTS section, by header name, as written in the file.
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Instance:
    meta: dict[str, str]
    projects: list[Project]
    budget: Number
    # The PROJECTS header in file order; the writer uses it to put columns back in place.
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost", "name"])

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    def project(self, project_id: str) -> Project:
        for project in self.projects:
            if project.project_id == project_id:
                return project
        raise KeyError(project_id)


@dataclass(slots=True)
class Ballot:
    voter_id: str
    # Project ids in the order the file lists them (a ranking for ordinal ballots).
    projects: tuple[str, ...]
    # Points in the same order for cumulative and scoring ballots, None otherwise.
    points: tuple[Number, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Profile:
    vote_type: str
    ballots: list[Ballot]
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])
