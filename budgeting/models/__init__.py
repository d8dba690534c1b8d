"""Participatory budgeting: processes and their ballots, projects, the vote register, tallies.

- ``process``: ``BudgetProcess`` (phases, dates, state machine, tally rule, precedence),
  ``Ballot`` (one per process for the whole city and/or one per district) and
  ``ProcessTransition`` (the audit trail of every state change);
- ``projects``: ``Project`` (submitted by residents, reviewed by staff);
- ``votes``: ``BallotSubmission`` and ``BallotSelection`` (the register, online and paper);
- ``results``: ``TallyResult`` and ``TallyProjectResult`` (computed once, with a checksum).
"""

from budgeting.models.process import Ballot, BudgetProcess, ProcessTransition
from budgeting.models.projects import Project
from budgeting.models.results import TallyProjectResult, TallyResult
from budgeting.models.votes import BallotSelection, BallotSubmission

__all__ = [
    "Ballot",
    "BallotSelection",
    "BallotSubmission",
    "BudgetProcess",
    "ProcessTransition",
    "Project",
    "TallyProjectResult",
    "TallyResult",
]
