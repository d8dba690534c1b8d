"""Reading ``.pb`` text, checking it as it goes: every problem names its line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from budgeting.pabulib.elections import (
    POINTS_VOTE_TYPES,
    VOTE_TYPES,
    Ballot,
    Instance,
    Number,
    Profile,
    Project,
)

SECTIONS = ("meta", "projects", "votes")


class PabulibFormatError(ValueError):
    """A malformed ``.pb`` file; ``line`` is the 1-based line the problem was found on."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


def parse_number(text: str) -> Number:
    """An exact number from a Pabulib field: ``int`` when integral, ``Decimal`` otherwise.

    A decimal comma is accepted (``1000,50``) as some city exports use it. Raises ValueError.
    """
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return int(value) if value == value.to_integral_value() else value


def parse_file(path: str | Path) -> tuple[Instance, Profile]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return parse(handle.read())


def parse(text: str) -> tuple[Instance, Profile]:
    """Parse a whole ``.pb`` file; raises PabulibFormatError naming the offending line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    section = ""
    header: list[str] | None = None
    seen: dict[str, int] = {}
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: dict[str, Project] = {}
    project_columns: list[str] = []
    ballots: list[Ballot] = []
    voter_lines: dict[str, int] = {}
    vote_columns: list[str] = []
    vote_type = ""
    with_points = False
    read_ballot = None  # a _BallotReader once the VOTES header is known
    line = 0
    for row in reader:
        if section == "votes" and header is not None and len(row) > 1:
            # The hot path: a ballot row (Wrocław 2020 has 89,419 of them).
            line = reader.line_num
            ballot = read_ballot(row, line)
            first_line = voter_lines.setdefault(ballot.voter_id, line)
            if first_line != line:
                raise PabulibFormatError(
                    line,
                    f"duplicate voter id {ballot.voter_id!r} (first seen on line {first_line})",
                )
            ballots.append(ballot)
            continue
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if first in SECTIONS and not any(cell.strip() for cell in row[1:]):
            expected = SECTIONS[len(seen)] if len(seen) < len(SECTIONS) else None
            if first in seen:
                raise PabulibFormatError(line, f"the {first.upper()} section appears twice")
            if first != expected:
                raise PabulibFormatError(
                    line,
                    f"found the {first.upper()} section where the "
                    f"{(expected or 'end of file').upper()} section was expected",
                )
            if first == "projects":
                vote_type = _check_meta(meta, meta_lines, line)
                with_points = vote_type in POINTS_VOTE_TYPES
            seen[first] = line
            section = first
            header = None
            continue
        if not section:
            raise PabulibFormatError(line, "the file must start with the META section")
        if header is None:
            header = [cell.strip() for cell in row]
            _check_header(section, header, line, with_points)
            if section == "projects":
                project_columns = header
            elif section == "votes":
                vote_columns = header
                read_ballot = _BallotReader(header, projects, vote_type, with_points)
            continue
        if section == "meta":
            if len(row) < 2 or any(cell.strip() for cell in row[2:]):
                raise PabulibFormatError(
                    line, f"a META row needs exactly 2 fields (key;value), found {len(row)}"
                )
            key = row[0].strip()
            if key in meta:
                raise PabulibFormatError(
                    line, f"META key {key!r} already given on line {meta_lines[key]}"
                )
            meta[key] = row[1].strip()
            meta_lines[key] = line
        elif section == "projects":
            project = _parse_project(row, header, line)
            if project.project_id in projects:
                raise PabulibFormatError(line, f"duplicate project id {project.project_id!r}")
            projects[project.project_id] = project
        else:
            ballot = read_ballot(row, line)  # a one-column VOTES row (voter_id only)
            if ballot.voter_id in voter_lines:
                raise PabulibFormatError(
                    line,
                    f"duplicate voter id {ballot.voter_id!r} "
                    f"(first seen on line {voter_lines[ballot.voter_id]})",
                )
            voter_lines[ballot.voter_id] = line
            ballots.append(ballot)

    end = line + 1
    for name in SECTIONS:
        if name not in seen:
            raise PabulibFormatError(end, f"the {name.upper()} section is missing")
    if header is None:
        raise PabulibFormatError(end, "the VOTES section has no header line")
    _check_count(meta, meta_lines, "num_projects", len(projects), "projects")
    _check_count(meta, meta_lines, "num_votes", len(ballots), "ballots")
    instance = Instance(
        meta=meta,
        projects=list(projects.values()),
        budget=parse_number(meta["budget"]),
        project_columns=project_columns,
    )
    return instance, Profile(vote_type=vote_type, ballots=ballots, vote_columns=vote_columns)


def _check_meta(meta: dict[str, str], meta_lines: dict[str, int], line: int) -> str:
    """Check META once it is complete (at the PROJECTS line) and return the vote type."""
    for key in ("budget", "vote_type"):
        if not meta.get(key):
            raise PabulibFormatError(line, f"META has no {key!r} (required before PROJECTS)")
    try:
        budget = parse_number(meta["budget"])
    except ValueError:
        raise PabulibFormatError(
            meta_lines["budget"], f"budget {meta['budget']!r} is not a number"
        ) from None
    if budget < 0:
        raise PabulibFormatError(meta_lines["budget"], "budget must not be negative")
    vote_type = meta["vote_type"]
    if vote_type not in VOTE_TYPES:
        raise PabulibFormatError(
            meta_lines["vote_type"],
            f"unknown vote_type {vote_type!r} (expected one of {', '.join(VOTE_TYPES)})",
        )
    for key in ("num_projects", "num_votes"):
        if key in meta and not meta[key].isdigit():
            raise PabulibFormatError(meta_lines[key], f"{key} {meta[key]!r} is not a count")
    return vote_type


def _check_header(section: str, header: list[str], line: int, with_points: bool) -> None:
    if len(set(header)) != len(header):
        raise PabulibFormatError(line, f"the {section.upper()} header repeats a column")
    if section == "meta":
        if header[:2] != ["key", "value"]:
            raise PabulibFormatError(line, "the META header must be 'key;value'")
    elif section == "projects":
        if header[0] != "project_id" or "cost" not in header:
            raise PabulibFormatError(
                line, "the PROJECTS header must start with 'project_id' and have a 'cost' column"
            )
    else:
        if header[0] != "voter_id" or "vote" not in header:
            raise PabulibFormatError(
                line, "the VOTES header must start with 'voter_id' and have a 'vote' column"
            )
        if with_points and "points" not in header:
            raise PabulibFormatError(line, "this vote_type needs a 'points' column in VOTES")


def _row_dict(row: list[str], header: list[str], line: int, section: str) -> dict[str, str]:
    if len(row) > len(header) and not any(cell.strip() for cell in row[len(header) :]):
        row = row[: len(header)]  # trailing separators, as some exports write
    if len(row) != len(header):
        raise PabulibFormatError(
            line,
            f"{section} row has {len(row)} fields but the header has {len(header)}",
        )
    return dict(zip(header, row, strict=True))


def _parse_project(row: list[str], header: list[str], line: int) -> Project:
    values = _row_dict(row, header, line, "PROJECTS")
    project_id = values.pop("project_id").strip()
    if not project_id or "," in project_id:
        raise PabulibFormatError(line, f"invalid project id {project_id!r}")
    raw_cost = values.pop("cost")
    try:
        cost = parse_number(raw_cost)
    except ValueError:
        raise PabulibFormatError(
            line, f"cost {raw_cost!r} of project {project_id!r} is not a number"
        ) from None
    if cost < 0:
        raise PabulibFormatError(line, f"cost of project {project_id!r} is negative")
    name = values.pop("name", "")
    return Project(project_id=project_id, cost=cost, name=name, extra=values)


class _BallotReader:
    """Turns VOTES rows into Ballots; column positions are resolved once (100,000 rows)."""

    def __init__(
        self, header: list[str], projects: dict[str, Project], vote_type: str, with_points: bool
    ) -> None:
        self.header = header
        self.width = len(header)
        self.voter = header.index("voter_id")
        self.vote = header.index("vote")
        self.points = header.index("points") if with_points else None
        skip = {"voter_id", "vote"} | ({"points"} if with_points else set())
        self.extras = [(name, i) for i, name in enumerate(header) if name not in skip]
        self.known = set(projects)
        self.choose_one = vote_type == "choose-1"

    def __call__(self, row: list[str], line: int) -> Ballot:
        if len(row) != self.width:
            row = list(_row_dict(row, self.header, line, "VOTES").values())
        voter_id = row[self.voter].strip()
        if not voter_id:
            raise PabulibFormatError(line, "empty voter id")
        raw_vote = row[self.vote].strip()
        if not raw_vote:
            chosen: tuple[str, ...] = ()
        elif " " in raw_vote or "\t" in raw_vote:
            chosen = tuple(p.strip() for p in raw_vote.split(","))
        else:
            chosen = tuple(raw_vote.split(","))
        if not self.known.issuperset(chosen):
            unknown = next(p for p in chosen if p not in self.known)
            raise PabulibFormatError(
                line, f"voter {voter_id!r} votes for unknown project {unknown!r}"
            )
        if len(chosen) > 1 and len(set(chosen)) != len(chosen):
            raise PabulibFormatError(line, f"voter {voter_id!r} lists a project twice")
        if self.choose_one and len(chosen) > 1:
            raise PabulibFormatError(
                line, f"voter {voter_id!r} chose {len(chosen)} projects on a choose-1 ballot"
            )
        points = None if self.points is None else self._points(row, line, voter_id, chosen)
        extra = {name: row[i] for name, i in self.extras}
        return Ballot(voter_id=voter_id, projects=chosen, points=points, extra=extra)

    def _points(
        self, row: list[str], line: int, voter_id: str, chosen: tuple[str, ...]
    ) -> tuple[Number, ...]:
        raw_points = row[self.points].strip()
        parts = raw_points.split(",") if raw_points else []
        if len(parts) != len(chosen):
            raise PabulibFormatError(
                line,
                f"voter {voter_id!r} lists {len(chosen)} projects but {len(parts)} points",
            )
        parsed: list[Number] = []
        for part in parts:
            try:
                value = parse_number(part)
            except ValueError:
                raise PabulibFormatError(
                    line, f"points {part.strip()!r} of voter {voter_id!r} are not a number"
                ) from None
            if value < 0:
                raise PabulibFormatError(line, f"voter {voter_id!r} gives negative points")
            parsed.append(value)
        return tuple(parsed)


def _check_count(
    meta: dict[str, str], meta_lines: dict[str, int], key: str, actual: int, what: str
) -> None:
    if key in meta and int(meta[key]) != actual:
        raise PabulibFormatError(
            meta_lines[key],
            f"META {key} is {meta[key]} but the file holds {actual} {what} (truncated file?)",
        )
