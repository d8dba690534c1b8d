"""Census files: hashing residents' identifiers and reading the hashed import file.

The council never gives the portal raw national identifiers. Staff hash their census list
with ``manage.py census_hash`` (same key as the portal) and import the hashed file; a
resident's identifier is hashed the same way the moment they submit it. Only the hashes
are stored.

Import file format (UTF-8 CSV, one header line)::

    identifier_hash,area
    3f5c...64 hex characters...,old-town
    9a01...,                      <- the area column is optional, and may be empty

No database access here: the writes live in ``services.census_import``.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicportal.kernel.csv_export import csv_writer
from civicportal.kernel.validators import (
    control_character_line_message,
    find_control_characters_by_line,
)

HASH_HEADER = "identifier_hash"
RAW_HEADER = "identifier"
AREA_HEADER = "area"
# Errors listed in one message; a file with more says how many were left out.
MAX_REPORTED_ERRORS = 20

_HASH_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_SEPARATORS_RE = re.compile(r"[\s\-]+")


def normalise_identifier(raw: str) -> str:
    """Strip spaces and dashes and ignore letter case: '120174-3389' == '1201743389'."""
    return _SEPARATORS_RE.sub("", raw or "").upper()


def hash_identifier(raw: str) -> str:
    """HMAC-SHA256 (hex) of the normalised identifier under settings.CENSUS_HASH_KEY.

    Returns "" for an identifier that is empty once normalised.
    """
    normalised = normalise_identifier(raw)
    if not normalised:
        return ""
    return hmac.new(
        settings.CENSUS_HASH_KEY.encode("utf-8"), normalised.encode("utf-8"), hashlib.sha256
    ).hexdigest()


@dataclass(frozen=True)
class CensusRow:
    line: int
    identifier_hash: str
    area_slug: str


def _text_lines(file: IO) -> list[str]:
    """Decode an uploaded (binary) or opened (text) file as UTF-8, BOM tolerated, into its
    lines (as the ``csv`` module reads them: ``\n``, ``\r\n`` or ``\r`` ends one)."""
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ValidationError(
                _("Line %(line)s: the file is not UTF-8 text. Save it as CSV (UTF-8).")
                % {"line": line},
                code="encoding",
            ) from exc
    data = data.removeprefix("\ufeff")
    # Control characters are refused at once, every line that holds one named: they are
    # never part of an identifier or an area, and a NUL would reach the database.
    _raise_collected(
        [control_character_line_message(found) for found in find_control_characters_by_line(data)]
    )
    return io.StringIO(data, newline="").readlines()


def _raise_collected(errors: list[str]) -> None:
    if not errors:
        return
    messages = errors[:MAX_REPORTED_ERRORS]
    if len(errors) > MAX_REPORTED_ERRORS:
        messages.append(
            _("… and %(count)s more errors.") % {"count": len(errors) - MAX_REPORTED_ERRORS}
        )
    raise ValidationError(messages, code="invalid")


def _read_header(reader, expected_first: str) -> tuple[bool, list[str]]:
    """Return (has_area_column, errors) for the header line."""
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError(_("The file is empty."), code="empty") from None
    columns = [column.strip().lower() for column in header]
    if columns == [expected_first]:
        return False, []
    if columns == [expected_first, AREA_HEADER]:
        return True, []
    return False, [
        _('Line 1: the header must be "%(expected)s" or "%(expected)s,area", not "%(found)s".')
        % {"expected": expected_first, "found": ",".join(header)}
    ]


class CensusFile:
    """A hashed census file, read line by line (``services.census_import`` stores the rows
    as they come, and reports progress in lines).

    Opening it decodes the file and checks its header: a file that is not UTF-8 text, holds
    a control character, or has a wrong header raises ValidationError at once. ``rows()``
    then yields each good row in file order and collects a message naming every bad line in
    ``errors``; ``raise_errors()`` raises them together. The caller must store nothing (or
    roll back) when there are errors: the file is imported whole or not at all.
    """

    def __init__(self, file: IO, *, known_area_slugs: Iterable[str]) -> None:
        lines = _text_lines(file)
        self._reader = csv.reader(lines)
        self.has_area, self.errors = _read_header(self._reader, HASH_HEADER)
        _raise_collected(self.errors)
        self.line_count = max(len(lines) - 1, 0)  # the lines after the header
        self._known = set(known_area_slugs)
        self.row_count = 0

    @property
    def lines_read(self) -> int:
        """Lines after the header read so far (a row over several lines counts them all)."""
        return max(self._reader.line_num - 1, 0)

    def rows(self) -> Iterator[CensusRow]:
        errors = self.errors
        seen: dict[str, int] = {}
        for line, fields in _lines(self._reader, self.has_area, errors):
            value = fields[0].strip()
            slug = fields[1].strip() if self.has_area and len(fields) > 1 else ""
            if not _HASH_RE.match(value):
                # The value is not echoed back: it may be a raw identifier uploaded by
                # mistake.
                errors.append(
                    _(
                        "Line %(line)s: the value is not an identifier hash (64 hexadecimal "
                        "characters). Hash the census with the census_hash command first."
                    )
                    % {"line": line}
                )
                continue
            value = value.lower()
            if value in seen:
                errors.append(
                    _("Line %(line)s: the same identifier hash is already on line %(first)s.")
                    % {"line": line, "first": seen[value]}
                )
                continue
            if slug and slug not in self._known:
                errors.append(
                    _('Line %(line)s: there is no area with the slug "%(slug)s".')
                    % {"line": line, "slug": slug[:80]}
                )
                continue
            seen[value] = line
            self.row_count += 1
            yield CensusRow(line=line, identifier_hash=value, area_slug=slug)

    def raise_errors(self) -> None:
        """Raise ValidationError naming the bad lines, or one saying the file has no rows."""
        _raise_collected(self.errors)
        if not self.row_count:
            raise ValidationError(_("The file has a header but no rows."), code="empty")


def parse_census_file(file: IO, *, known_area_slugs: Iterable[str]) -> list[CensusRow]:
    """Read and check a hashed census file; every problem is reported with its line number.

    Raises ValidationError (one message per bad line) if anything is wrong, so that the
    caller imports all of the file or none of it. Blank lines are ignored.
    """
    census = CensusFile(file, known_area_slugs=known_area_slugs)
    rows = list(census.rows())
    census.raise_errors()
    return rows


def _lines(reader, has_area: bool, errors: list[str]) -> Iterator[tuple[int, list[str]]]:
    """The non-blank lines after the header, as (line number, fields); a line with too
    many columns, or a malformed CSV (which ends the reading), is added to ``errors``."""
    width = 2 if has_area else 1
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) > width:
                errors.append(
                    _("Line %(line)s: expected %(expected)s column(s), found %(found)s.")
                    % {"line": line, "expected": width, "found": len(fields)}
                )
                continue
            yield line, fields
    except csv.Error as exc:
        errors.append(
            _("Line %(line)s: the CSV is malformed (%(error)s).")
            % {"line": reader.line_num, "error": exc}
        )


def hash_census_file(source: IO, target: IO) -> int:
    """Turn a CSV of raw identifiers (header ``identifier[,area]``) into an import file.

    Writes ``identifier_hash[,area]`` rows to ``target`` and returns the number of rows.
    Nothing is written if any line is bad (empty identifier, duplicate after
    normalisation): the ValidationError names each such line.
    """
    reader = csv.reader(_text_lines(source))
    has_area, errors = _read_header(reader, RAW_HEADER)
    _raise_collected(errors)
    seen: dict[str, int] = {}
    out: list[list[str]] = []
    for line, fields in _lines(reader, has_area, errors):
        digest = hash_identifier(fields[0])
        if not digest:
            errors.append(_("Line %(line)s: the identifier is empty.") % {"line": line})
            continue
        if digest in seen:
            errors.append(
                _("Line %(line)s: the same identifier is already on line %(first)s.")
                % {"line": line, "first": seen[digest]}
            )
            continue
        seen[digest] = line
        row = [digest]
        if has_area:
            row.append(fields[1].strip() if len(fields) > 1 else "")
        out.append(row)
    _raise_collected(errors)
    writer = csv_writer(target, lineterminator="\n")  # staff may open it in a spreadsheet
    writer.writerow([HASH_HEADER, AREA_HEADER] if has_area else [HASH_HEADER])
    writer.writerows(out)
    return len(out)
