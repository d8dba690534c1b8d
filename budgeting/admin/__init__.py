"""Budget officers' screens: processes and their phases, feasibility review, paper ballots,
conflicts between online and paper ballots, counting and publishing results.

One module per admin area; importing them here registers them when the admin loads the app:

- ``processes``: ``BudgetProcessAdmin`` with its ballots and phase changes inline, the
  actions that move a process on, count and publish, and the paper ballot, conflicts and
  Pabulib import pages;
- ``projects``: ``ProjectAdmin``, the feasibility review queue;
- ``votes``: ``BallotSubmissionAdmin``, the vote register (read-only);
- ``results``: ``TallyResultAdmin`` with its rows inline (read-only);
- ``common``: helpers shared by the screens.
"""

from budgeting.admin import processes, projects, results, votes  # noqa: F401  (registers them)
