"""A consultation manager opens the live results of a consultation that is still open, with
answers to several questions that take written answers (a free-text question, "Other" on a
multiple-choice question, a comment on a yes/no question): the latest of each are shown
beside the counts, on PostgreSQL and on the embedded default (SQLite) alike."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consultations.models import Question
from consultations.roles import CONSULTATION_MANAGER
from consultations.services import response_submit
from tests.accounts.factories import StaffFactory, UserFactory
from tests.consultations.factories import ConsultationFactory, QuestionFactory
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e


def test_manager_sees_live_results_with_written_answers_of_an_open_consultation(page: Page, site):
    manager = StaffFactory(role=CONSULTATION_MANAGER, mfa=True, email="clara@example.org")
    consultation = ConsultationFactory(title="A new plan for the park", slug="park-plan")
    visit = QuestionFactory(
        consultation=consultation,
        order=1,
        text="Do you visit the park?",
        kind=Question.Kind.YES_NO,
        allow_comment=True,
    )
    wanted = QuestionFactory(
        consultation=consultation,
        order=2,
        text="What should the park offer?",
        kind=Question.Kind.MULTIPLE,
        choices=["Benches", "Toilets"],
        allow_other=True,
    )
    anything = QuestionFactory(
        consultation=consultation, order=3, text="Anything else?", kind=Question.Kind.TEXT
    )
    benches = wanted.choices.get(label="Benches").pk
    written = [
        ("Only at weekends", "A pond", "Keep the oak trees"),
        ("Every morning", "A bandstand", "More bins, please"),
        ("With the dog", "Table tennis", "Light the main path"),
    ]
    for comment, other, text in written:
        response_submit(
            consultation=consultation,
            user=UserFactory(),
            answers={
                visit.pk: {"value": "yes", "comment": comment},
                wanted.pk: {"choices": [benches], "other": other},
                anything.pk: {"text": text},
            },
        )

    sign_in(page, site, manager.email, staff=True)
    response = page.goto(f"{site}/staff/consultations/park-plan/results/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Live results of A new plan for the park"
    )
    results = page.locator("main")
    for texts in written:
        for text in texts:
            expect(results).to_contain_text(text)
    benches_row = (
        page.locator("table[data-result-table]")
        .nth(1)
        .get_by_role("row", name=re.compile("Benches"))
    )
    expect(benches_row).to_contain_text("3")
