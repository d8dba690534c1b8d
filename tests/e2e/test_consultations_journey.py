"""A resident answers a questionnaire whose follow-up question appears when the answer that
opens it is chosen, and comments on a paragraph of the draft; the consultation closes, a
consultation manager publishes the results, and the resident sees them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from consultations.models import Consultation, Question, Response
from consultations.roles import CONSULTATION_MANAGER
from tests.accounts.factories import (
    AreaFactory,
    StaffFactory,
    UserFactory,
)
from tests.consultations.factories import (
    ConsultationFactory,
    QuestionFactory,
    draft_with_paragraphs,
)
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e


def test_resident_answers_comments_and_sees_published_results(page: Page, browser: Browser, site):
    area = AreaFactory(name="Old Town", slug="old-town")
    resident = UserFactory(home_area=area, email="anna@example.org")
    manager = StaffFactory(role=CONSULTATION_MANAGER, mfa=True, email="manager@example.org")
    consultation = ConsultationFactory(
        title="Cycling in the Old Town", slug="old-town-cycling", area=area
    )
    travel = QuestionFactory(
        consultation=consultation,
        order=1,
        text="How do you get to work?",
        kind=Question.Kind.SINGLE,
        required=True,
        choices=["Bike", "Bus"],
    )
    bike = travel.choices.get(label="Bike")
    days = QuestionFactory(
        consultation=consultation,
        order=2,
        text="How many days a week do you cycle?",
        kind=Question.Kind.RATING,
        rating_min=1,
        rating_max=7,
        depends_on=travel,
        required=True,
    )
    days.depends_on_choices.set([bike])
    QuestionFactory(
        consultation=consultation, order=3, text="Anything else?", kind=Question.Kind.TEXT
    )
    draft, (paragraph, _second) = draft_with_paragraphs(
        consultation, texts=("Cycle lanes on Harbour Street.", "Parking moves to the edge.")
    )

    sign_in(page, site, resident.email)
    page.goto(f"{site}/consultations/old-town-cycling/")
    page.get_by_role("link", name="Answer the questions").click()
    follow_up = page.get_by_role("group", name=re.compile("How many days a week"))
    expect(follow_up).to_be_hidden()
    page.get_by_label("Bus").check()
    expect(follow_up).to_be_hidden()
    page.get_by_label("Bike").check()
    expect(follow_up).to_be_visible()
    expect(page.locator("[data-questionnaire-status]")).to_contain_text("How many days a week")
    follow_up.get_by_label("5", exact=True).check()
    page.get_by_role("group", name="Anything else?").get_by_role("textbox").fill("Safer crossings")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".alert-success")).to_contain_text("your answers are saved")
    saved = Response.objects.get(user=resident)
    assert saved.answers.get(question=days).number == 5

    # A comment on a paragraph of the draft, in place beside it.
    page.get_by_role("link", name="Draft plan").click()
    beside = page.locator(f"#paragraph-{paragraph.pk}")
    expect(beside.locator("[data-paragraph-text]")).to_contain_text(
        "Cycle lanes on Harbour Street."
    )
    beside.locator("summary[data-comment-count]").click()
    beside.get_by_label("Your comment").fill("Please add a crossing by the school.")
    beside.get_by_role("button", name="Post comment").click()
    expect(beside.locator(".comment-body")).to_contain_text("Please add a crossing by the school.")
    page.goto(f"{site}/consultations/old-town-cycling/drafts/{draft.pk}/")
    expect(beside.locator("summary[data-comment-count]")).to_contain_text("1 comment")

    # Closing time passes; the manager publishes the results from the staff results page.
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    page.goto(f"{site}/consultations/old-town-cycling/results/")
    expect(page.locator(".alert-info")).to_contain_text("not published yet")

    staff = browser.new_context(locale="en-GB").new_page()
    sign_in(staff, site, manager.email, staff=True)
    staff.goto(f"{site}/staff/consultations/old-town-cycling/results/")
    expect(staff.get_by_role("heading", level=1)).to_have_text(
        "Live results of Cycling in the Old Town"
    )
    expect(staff.locator("svg[role=img]").first).to_be_visible()
    expect(staff.locator("body")).to_contain_text("Safer crossings")
    staff.get_by_role("button", name="Publish the results").click()
    expect(staff.locator(".alert-success").first).to_contain_text("The results are published")
    staff.context.close()

    page.goto(f"{site}/consultations/old-town-cycling/results/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results of Cycling in the Old Town")
    table = page.locator("table[data-result-table]").first
    expect(table.get_by_role("row", name=re.compile("Bike"))).to_contain_text("1")
    expect(page.get_by_role("img", name=re.compile("How do you get to work"))).to_be_visible()
