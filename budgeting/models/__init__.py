"""Participatory budgeting: processes and their ballots, projects, the vote register, tallies.

- ``process``: ``BudgetProcess`` (phases, dates, state machine, tally rule, precedence);
- ``ballots``: ``Ballot`` (one per process for the whole city and/or one per district);
- ``phases``: ``ProcessTransition`` (the audit trail of every state change);
- ``projects``: ``Project`` (submitted by residents, reviewed by staff);
- ``votes``: ``BallotSubmission`` and ``BallotSelection`` (the register, online and paper);
- ``results``: ``TallyResult`` and ``TallyProjectResult`` (computed once, with a checksum).
"""

# These imports keep the models' registration order (BudgetProcess, Ballot, ProcessTransition,
# Project...) as it was when the first three shared a module: ``ballots`` loads ``process``.
from budgeting.models.ballots import Ballot
from budgeting.models.phases import ProcessTransition
from budgeting.models.process import BudgetProcess
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
