"""Read and write participatory-budgeting elections in the Pabulib ``.pb`` format.

The format (https://pabulib.org/format) is three ``;``-separated sections, each opened by a
line holding only its name and followed by a header line:

- ``META``: ``key;value`` rows; ``budget``, ``vote_type``, ``num_projects`` and ``num_votes``
  are required.
- ``PROJECTS``: ``project_id;cost;...`` (``name``, ``category``, ``votes``... are optional).
- ``VOTES``: ``voter_id;vote;...`` where ``vote`` lists project ids separated by commas and,
  for ``cumulative`` and ``scoring`` ballots, ``points`` lists the points in the same order.

Fields may be quoted the CSV way (a double quote inside a quoted field is doubled); files may
be UTF-8 with a BOM and CRLF line ends. Columns we do not know are kept as strings and written
back unchanged.

This package needs neither Django nor a database: ``pabulib tally`` and the tests use it as is
(keep Django out of its modules). Its parts, all imported from here:

- ``elections``: what a file holds: ``Instance`` (META, budget, projects) and ``Profile``
  (the ballots), and the vote types;
- ``parsing``: ``parse``, ``parse_file``, ``parse_number`` and ``PabulibFormatError``;
- ``writing``: ``write``, the way back to ``.pb`` text.
"""

from budgeting.pabulib.elections import (
    POINTS_VOTE_TYPES,
    TALLY_VOTE_TYPES,
    VOTE_TYPES,
    Ballot,
    Instance,
    Number,
    Profile,
    Project,
)
from budgeting.pabulib.parsing import (
    SECTIONS,
    PabulibFormatError,
    parse,
    parse_file,
    parse_number,
)
from budgeting.pabulib.writing import write

__all__ = [
    "POINTS_VOTE_TYPES",
    "SECTIONS",
    "TALLY_VOTE_TYPES",
    "VOTE_TYPES",
    "Ballot",
    "Instance",
    "Number",
    "PabulibFormatError",
    "Profile",
    "Project",
    "parse",
    "parse_file",
    "parse_number",
    "write",
]
