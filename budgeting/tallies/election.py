"""The ballots of a Pabulib instance boiled down to what the tallies need.

Identical ballots are grouped (Wrocław 2020: 89,419 ballots, 76 distinct ones): the Method of
Equal Shares treats voters with the same ballot identically at every step, so one group with a
multiplicity gives exactly the same result as its voters one by one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from budgeting.pabulib import TALLY_VOTE_TYPES, Instance, Profile


class UnsupportedVoteType(ValueError):
    pass


def _exact(value: int | Decimal) -> int | Fraction:
    return value if isinstance(value, int) else Fraction(value)


@dataclass
class Election:
    ids: list[str]
    costs: list[Fraction]
    budget: Fraction
    num_voters: int
    cumulative: bool
    # votes[p]: approvals (approval) or total points (cumulative) of project index p.
    votes: list[int | Fraction]
    # Distinct non-empty ballots ("groups") with how many voters cast each ...
    multiplicity: np.ndarray
    # ... flattened: entry e says group entry_group[e] supports project entry_project[e],
    # with entry_points[e] points (cumulative ballots only; zero points are left out).
    entry_group: np.ndarray
    entry_project: np.ndarray
    entry_points: list[int | Fraction] | None

    @classmethod
    def from_pabulib(cls, instance: Instance, profile: Profile) -> Election:
        if profile.vote_type not in TALLY_VOTE_TYPES:
            raise UnsupportedVoteType(
                f"vote_type {profile.vote_type!r} cannot be tallied: greedy and the Method of "
                f"Equal Shares need {', '.join(TALLY_VOTE_TYPES)} ballots"
            )
        ids = [p.project_id for p in instance.projects]
        index = {project_id: i for i, project_id in enumerate(ids)}
        cumulative = profile.vote_type == "cumulative"
        # Ballots are grouped by the text of their vote (and points): two groups holding the
        # same set in another order behave exactly like one, so no need to normalise.
        if cumulative:
            counted = Counter((b.projects, b.points) for b in profile.ballots)
            projects_of, points_of = [], []
            for projects, points in counted:
                pairs = [(p, _exact(x)) for p, x in zip(projects, points, strict=True) if x]
                projects_of.append(tuple(p for p, _ in pairs))
                points_of.append([x for _, x in pairs])
        else:
            counted = Counter(b.projects for b in profile.ballots)
            projects_of, points_of = list(counted), None
        kept = [g for g, projects in enumerate(projects_of) if projects]
        multiplicity = np.fromiter(counted.values(), np.int64, len(counted))[kept]
        projects_of = [projects_of[g] for g in kept]
        lengths = np.fromiter(map(len, projects_of), np.int64, len(projects_of))
        entry_group = np.repeat(np.arange(len(projects_of), dtype=np.int64), lengths)
        flat = [p for projects in projects_of for p in projects]
        entry_project = np.fromiter(map(index.__getitem__, flat), np.int64, len(flat))
        entry_points = None
        if cumulative:
            entry_points = [x for g in kept for x in points_of[g]]
            totals: list[int | Fraction] = [0] * len(ids)
            for p, x, n in zip(
                entry_project.tolist(),
                entry_points,
                multiplicity[entry_group].tolist(),
                strict=True,
            ):
                totals[p] += n * x
            votes = [
                v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v for v in totals
            ]
        else:
            counts = np.bincount(
                entry_project, weights=multiplicity[entry_group], minlength=len(ids)
            )
            votes = [round(v) for v in counts.tolist()]
        return cls(
            ids=ids,
            costs=[Fraction(p.cost) for p in instance.projects],
            budget=Fraction(instance.budget),
            num_voters=len(profile.ballots),
            cumulative=cumulative,
            votes=votes,
            multiplicity=multiplicity,
            entry_group=entry_group,
            entry_project=entry_project,
            entry_points=entry_points,
        )
