"""Writes of participatory budgeting, by subdomain; import them from here.

- ``processes``: phase transitions (``process_advance``) and the schedule;
- ``projects``: ``project_submit``, ``project_review``; staff's ``project_add``, ``project_update``;
- ``voting``: ``ballot_cast`` (online), ``paper_ballot_enter`` (staff), de-duplication;
- ``results``: ``results_compute`` (stored once, with the input checksum);
- ``pabulib_importing``: ``pabulib_import`` (a ``.pb`` file becomes a closed process);
- ``pabulib_exporting``: ``pabulib_export`` (a closed process's ballot, anonymised);
- ``personal_data``: a resident's part: export and erase.
"""

from budgeting.services.pabulib_exporting import pabulib_export
from budgeting.services.pabulib_importing import pabulib_import
from budgeting.services.personal_data import (
    budgeting_personal_data_erase,
    budgeting_personal_data_export,
)
from budgeting.services.processes import process_advance, processes_advance_due
from budgeting.services.projects import (
    project_add,
    project_review,
    project_submit,
    project_update,
)
from budgeting.services.results import results_compute
from budgeting.services.voting import ballot_cast, paper_ballot_enter

__all__ = [
    "ballot_cast",
    "budgeting_personal_data_erase",
    "budgeting_personal_data_export",
    "pabulib_export",
    "pabulib_import",
    "paper_ballot_enter",
    "process_advance",
    "processes_advance_due",
    "project_add",
    "project_review",
    "project_submit",
    "project_update",
    "results_compute",
]
