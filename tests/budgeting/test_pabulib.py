"""The Pabulib parser and writer (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budgeting.pabulib import PabulibFormatError, parse, parse_file, write
from tests.budgeting.conftest import PB_FILES

SMALL = """META
key;value
description;Test
num_projects;3
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost;name;category
1;40;"Park ""Zielony"";  phase 1";green
2;60.50;Bench;
3;30;Lamp;light
VOTES
voter_id;vote;age
a;1,2;30
b;2;41
c;;
"""


@pytest.mark.parametrize("path", PB_FILES, ids=lambda p: p.stem)
def test_parse_reference_file_counts_match_meta(path):
    instance, profile = parse_file(path)
    assert len(instance.projects) == int(instance.meta["num_projects"])
    assert len(profile.ballots) == int(instance.meta["num_votes"])
    assert instance.budget == int(instance.meta["budget"])
    assert profile.vote_type == instance.meta["vote_type"]
    known = {p.project_id for p in instance.projects}
    assert all(set(b.projects) <= known for b in profile.ballots)
    if profile.vote_type == "cumulative":
        assert all(len(b.points) == len(b.projects) for b in profile.ballots)


@pytest.mark.parametrize("path", PB_FILES, ids=lambda p: p.stem)
def test_round_trip_reference_file(path):
    instance, profile = parse_file(path)
    assert parse(write(instance, profile)) == (instance, profile)


def test_parse_keeps_unknown_columns_and_quoted_fields():
    instance, profile = parse(SMALL)
    first = instance.projects[0]
    assert first.name == 'Park "Zielony";  phase 1'
    assert first.extra == {"category": "green"}
    assert instance.projects[1].cost == Decimal("60.50")
    assert instance.project_columns == ["project_id", "cost", "name", "category"]
    assert profile.ballots[0].projects == ("1", "2")
    assert profile.ballots[0].extra == {"age": "30"}
    assert profile.ballots[2].projects == ()
    assert parse(write(instance, profile)) == (instance, profile)


def test_parse_accepts_crlf_bom_and_blank_lines():
    text = "\ufeff" + SMALL.replace("\n", "\r\n").replace("PROJECTS", "\r\nPROJECTS")
    assert parse(text) == parse(SMALL)


def test_parse_cumulative_points_and_writer_round_trip():
    text = SMALL.replace("approval", "cumulative").replace(
        "voter_id;vote;age", "voter_id;vote;points;age"
    )
    text = (
        text.replace("a;1,2;30", "a;1,2;3,2;30")
        .replace("b;2;41", "b;2;5;41")
        .replace("c;;", "c;;;")
    )
    instance, profile = parse(text)
    assert profile.ballots[0].points == (3, 2)
    assert profile.ballots[2].points == ()
    assert parse(write(instance, profile)) == (instance, profile)


def test_parse_keeps_ordinal_and_scoring_ballots():
    _, profile = parse(SMALL.replace("approval", "ordinal").replace("a;1,2;30", "a;2,1;30"))
    assert profile.ballots[0].projects == ("2", "1")  # a ranking keeps its order
    scoring = SMALL.replace("approval", "scoring").replace(
        "voter_id;vote;age", "voter_id;vote;points;age"
    )
    scoring = (
        scoring.replace("a;1,2;30", "a;1,2;1,9;30")
        .replace("b;2;41", "b;2;4;41")
        .replace("c;;", "c;;;")
    )
    assert parse(scoring)[1].ballots[0].points == (1, 9)


def _replace_line(text: str, number: int, new: str | None) -> str:
    lines = text.split("\n")
    if new is None:
        del lines[number - 1]
    else:
        lines[number - 1] = new
    return "\n".join(lines)


MALFORMED = [
    # (description, transformed text, line named, words in the message)
    ("bad cost", _replace_line(SMALL, 11, "1;forty;Park;green"), 11, "cost 'forty'"),
    ("negative cost", _replace_line(SMALL, 11, "1;-4;Park;green"), 11, "negative"),
    ("unknown project", _replace_line(SMALL, 17, "b;9;41"), 17, "unknown project '9'"),
    ("duplicate voter", _replace_line(SMALL, 17, "a;2;41"), 17, "duplicate voter id 'a'"),
    ("duplicate project", _replace_line(SMALL, 12, "1;60;Bench;"), 12, "duplicate project id"),
    ("project twice in a vote", _replace_line(SMALL, 16, "a;1,1;30"), 16, "twice"),
    ("missing budget", _replace_line(SMALL, 6, None), 7, "'budget'"),
    ("non-numeric budget", _replace_line(SMALL, 6, "budget;lots"), 6, "budget 'lots'"),
    ("unknown vote type", _replace_line(SMALL, 7, "vote_type;ranked"), 7, "unknown vote_type"),
    ("wrong field count", _replace_line(SMALL, 16, "a;1,2"), 16, "2 fields"),
    ("no cost column", _replace_line(SMALL, 9, "project_id;price;name;category"), 9, "'cost'"),
    ("no vote column", _replace_line(SMALL, 14, "voter_id;ballot;age"), 14, "'vote'"),
    ("missing VOTES", SMALL.split("VOTES")[0], 13, "VOTES section is missing"),
    (
        "sections out of order",
        SMALL.replace("META\n", "", 1).replace("key;value\n", "", 1),
        1,
        "META",
    ),
    ("count mismatch", _replace_line(SMALL, 5, "num_votes;4"), 5, "num_votes is 4"),
    ("choose-1 with two", _replace_line(SMALL, 7, "vote_type;choose-1"), 15, "choose-1"),
]


@pytest.mark.parametrize(
    ("text", "line", "words"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_input_names_the_line(text, line, words):
    with pytest.raises(PabulibFormatError) as caught:
        parse(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("points", "words"),
    [("3,x", "points 'x'"), ("3", "2 projects but 1 points"), ("3,-1", "negative points")],
)
def test_malformed_points_name_the_line(points, words):
    text = SMALL.replace("approval", "cumulative").replace(
        "voter_id;vote;age", "voter_id;vote;points;age"
    )
    text = text.replace("a;1,2;30", f"a;1,2;{points};30").replace("b;2;41", "b;2;5;41")
    text = text.replace("c;;", "c;;;")
    with pytest.raises(PabulibFormatError, match=f"^line 15: .*{words}"):
        parse(text)


def test_cumulative_without_points_column_is_refused():
    with pytest.raises(PabulibFormatError, match=r"^line 14: .*'points'"):
        parse(SMALL.replace("approval", "cumulative"))
