"""The accessibility statement at /accessibility/: the EU model statement's sections in its
order, a compliance status that follows the list of known problems, and the council's own
contact and enforcement details (issue 18)."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from civicportal.core import accessibility
from tests.core.test_settings import PRODUCTION, loaded, refused

pytestmark = pytest.mark.django_db

MODEL_SECTIONS = [
    "Scope of this statement",
    "Compliance status",
    "Non-accessible content",
    "Preparation of this statement",
    "Feedback and contact information",
    "Enforcement procedure",
]
PROBLEM = accessibility.NonAccessibleContent(
    description="The river map's legend is an image without text.",
    requirement="WCAG 2.1 success criterion 1.1.1, Non-text Content.",
    alternative="The list of places below the map names every place.",
    plan="We are working on a fix, but cannot yet say when it will be ready.",
)


@pytest.fixture(autouse=True)
def _plain_static(settings):
    """Render without a collected manifest (the e2e tests serve the collected files)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "en"


def _statement(client) -> str:
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    html = response.content.decode()
    # The statement itself, without the header and footer around it.
    return unescape(html[html.index("<article") : html.index("</article>")])


def test_statement_has_the_model_sections_in_order(client):
    page = _statement(client)

    headings = [f"<h2>{title}</h2>" for title in MODEL_SECTIONS]
    positions = [page.find(heading) for heading in headings]
    assert -1 not in positions, dict(zip(MODEL_SECTIONS, positions, strict=True))
    assert positions == sorted(positions)


def test_scope_names_the_council_and_the_site(client, settings):
    settings.COUNCIL_NAME = "Fjarðabyggð Council"
    settings.SITE_NAME = "Have your say"
    settings.SITE_URL = "https://participate.example.is"

    page = _statement(client)

    assert "Fjarðabyggð Council is committed to making its website accessible" in page
    assert "applies to Have your say, the website at https://participate.example.is." in page


def test_status_is_partial_while_known_problems_are_listed(client, monkeypatch):
    monkeypatch.setattr(accessibility, "NON_ACCESSIBLE_CONTENT", (PROBLEM,))

    assert accessibility.compliance_status() is accessibility.ComplianceStatus.PARTIALLY
    page = _statement(client)
    assert "This website is partially compliant with the Web Content Accessibility" in page
    assert "fully compliant" not in page
    assert PROBLEM.description in page
    assert f"Requirement not met: {PROBLEM.requirement}" in page
    assert f"What you can do instead: {PROBLEM.alternative}" in page


def test_status_is_full_once_the_list_is_empty(client, monkeypatch):
    monkeypatch.setattr(accessibility, "NON_ACCESSIBLE_CONTENT", ())

    assert accessibility.compliance_status() is accessibility.ComplianceStatus.FULLY
    page = _statement(client)
    assert "This website is fully compliant with the Web Content Accessibility" in page
    assert "partially compliant" not in page
    assert "We know of no content on this website that is not accessible." in page
    assert "Requirement not met" not in page


def test_every_listed_problem_is_shown_with_what_to_do_instead(client):
    page = _statement(client)

    for item in accessibility.NON_ACCESSIBLE_CONTENT:
        assert str(item.description) in page
        assert str(item.requirement) in page
        assert str(item.alternative) in page
        assert str(item.plan) in page
    listed = bool(accessibility.NON_ACCESSIBLE_CONTENT)
    assert ("partially compliant" in page) is listed
    assert ("fully compliant" in page) is not listed


def test_exempt_content_is_listed_apart_from_failures(client, monkeypatch):
    exempt = accessibility.NonAccessibleContent(
        description="The flood map is a picture.",
        requirement="Online maps are exempt (Article 1(4)(g)).",
        alternative="The streets it covers are listed below it.",
        reason=accessibility.Reason.OUT_OF_SCOPE,
    )
    monkeypatch.setattr(accessibility, "NON_ACCESSIBLE_CONTENT", (exempt,))

    page = _statement(client)

    assert "This website is partially compliant" in page
    assert "Content that is not within the scope of the accessibility requirements" in page
    assert "Non-compliance with the accessibility requirements" not in page
    assert f"Why it is exempt: {exempt.requirement}" in page
    assert "Requirement not met" not in page

    monkeypatch.setattr(accessibility, "NON_ACCESSIBLE_CONTENT", (PROBLEM, exempt))
    page = _statement(client)
    failures = page.index("Non-compliance with the accessibility requirements")
    exemptions = page.index("Content that is not within the scope")
    assert failures < page.index(PROBLEM.description) < exemptions < page.index(exempt.description)


def test_todays_list_names_the_maps_and_no_failure(client):
    """The ballot's faded projects were fixed (tests/e2e/test_budget_pages.py runs axe-core
    on a ballot with projects that no longer fit); the maps remain, as exempt content."""
    page = _statement(client)

    assert "This website is partially compliant" in page
    assert "Non-compliance with the accessibility requirements" not in page
    assert "can no longer be afforded" not in page
    assert "The maps (where an idea is" in page
    assert "Article 1(4)(g)" in page
    assert "arrow keys, then Enter" in page


def test_preparation_dates_and_method_are_shown(client, monkeypatch):
    monkeypatch.setattr(accessibility, "PREPARED_ON", date(2026, 3, 1))
    monkeypatch.setattr(accessibility, "REVIEWED_ON", date(2026, 12, 7))

    page = _statement(client)

    assert 'prepared on <time datetime="2026-03-01">1 March 2026</time>' in page
    assert 'last reviewed on <time datetime="2026-12-07">7 December 2026</time>' in page
    assert "(a self-assessment)" in page
    assert "axe-core" in page


def test_statement_is_reviewed_no_earlier_than_it_was_prepared():
    assert accessibility.REVIEWED_ON >= accessibility.PREPARED_ON


def test_contact_details_come_from_the_councils_settings(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@riverside.example"
    settings.ACCESSIBILITY_CONTACT_PHONE = "+1 555 0100"
    settings.ACCESSIBILITY_RESPONSE_DAYS = 10

    page = _statement(client)

    assert '<a href="mailto:access@riverside.example">access@riverside.example</a>' in page
    assert '<a href="tel:+15550100">+1 555 0100</a>' in page
    assert "We answer within 10 days." in page


def test_no_phone_is_shown_when_none_is_set(client, settings):
    settings.ACCESSIBILITY_CONTACT_PHONE = ""
    settings.ACCESSIBILITY_RESPONSE_DAYS = 1

    page = _statement(client)

    assert "Phone:" not in page
    assert "tel:" not in page
    assert "We answer within 1 day." in page


def test_contact_email_defaults_to_the_councils_address(client, settings):
    assert django_settings.ACCESSIBILITY_CONTACT_EMAIL == django_settings.COUNCIL_CONTACT_EMAIL
    # Set but empty: residents still get the council's address rather than a blank link.
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    settings.COUNCIL_CONTACT_EMAIL = "hello@riverside.example"

    page = _statement(client)

    assert '<a href="mailto:hello@riverside.example">hello@riverside.example</a>' in page
    assert 'href="mailto:"' not in page


def test_enforcement_body_is_named_and_linked_when_the_council_sets_it(client, settings):
    settings.ACCESSIBILITY_ENFORCEMENT_BODY = "Digital Accessibility Authority"
    settings.ACCESSIBILITY_ENFORCEMENT_URL = "https://accessibility.example.gov/complaints"

    page = _statement(client)

    assert (
        '<a href="https://accessibility.example.gov/complaints">'
        "Digital Accessibility Authority</a>" in page
    )
    assert "has not yet named that body" not in page


def test_enforcement_body_without_an_address_is_named_without_a_link(client, settings):
    settings.ACCESSIBILITY_ENFORCEMENT_BODY = "Digital Accessibility Authority"
    settings.ACCESSIBILITY_ENFORCEMENT_URL = ""

    page = _statement(client)
    enforcement = page[page.index("<h2>Enforcement procedure</h2>") :]

    assert "That body is:\n    Digital Accessibility Authority</p>" in enforcement
    assert "<a " not in enforcement


def test_without_an_enforcement_body_the_page_says_whom_to_ask(client, settings):
    settings.COUNCIL_NAME = "Riverside City Council"
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@riverside.example"
    settings.ACCESSIBILITY_ENFORCEMENT_BODY = ""
    settings.ACCESSIBILITY_ENFORCEMENT_URL = ""

    page = _statement(client)
    enforcement = page[page.index("<h2>Enforcement procedure</h2>") :]

    assert "Riverside City Council has not yet named that body here." in enforcement
    assert (
        'Write to us at <a href="mailto:access@riverside.example">access@riverside.example</a> '
        "to learn which body handles complaints." in enforcement
    )
    assert "That body is:" not in enforcement


def test_statement_renders_in_icelandic(client, monkeypatch):
    monkeypatch.setattr(accessibility, "REVIEWED_ON", date(2026, 12, 7))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "is"

    response = client.get(reverse("accessibility"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="is"' in html
    # Django's own Icelandic month names: the dates follow the reader's language.
    assert "7. desember 2026" in html


# --- The settings, read from the environment as gunicorn would ---------------------------

ACCESSIBILITY_SETTINGS = [
    "ACCESSIBILITY_CONTACT_EMAIL",
    "ACCESSIBILITY_CONTACT_PHONE",
    "ACCESSIBILITY_RESPONSE_DAYS",
    "ACCESSIBILITY_ENFORCEMENT_BODY",
    "ACCESSIBILITY_ENFORCEMENT_URL",
]


def test_settings_default_to_the_council_address_and_no_named_body():
    values = loaded(
        {**PRODUCTION, "COUNCIL_CONTACT_EMAIL": "hello@riverside.example"},
        ACCESSIBILITY_SETTINGS,
    )

    assert values == {
        "ACCESSIBILITY_CONTACT_EMAIL": "hello@riverside.example",
        "ACCESSIBILITY_CONTACT_PHONE": "",
        "ACCESSIBILITY_RESPONSE_DAYS": "14",
        "ACCESSIBILITY_ENFORCEMENT_BODY": "",
        "ACCESSIBILITY_ENFORCEMENT_URL": "",
    }


def test_settings_are_read_from_the_environment():
    env = {
        "ACCESSIBILITY_CONTACT_EMAIL": "access@riverside.example",
        "ACCESSIBILITY_CONTACT_PHONE": "+1 555 0100",
        "ACCESSIBILITY_RESPONSE_DAYS": "10",
        "ACCESSIBILITY_ENFORCEMENT_BODY": "Digital Accessibility Authority",
        "ACCESSIBILITY_ENFORCEMENT_URL": "https://accessibility.example.gov/",
    }

    assert loaded({**PRODUCTION, **env}, ACCESSIBILITY_SETTINGS) == env


@pytest.mark.parametrize(
    "env",
    [
        {"ACCESSIBILITY_RESPONSE_DAYS": "0"},
        {"ACCESSIBILITY_RESPONSE_DAYS": "two weeks"},
        {"ACCESSIBILITY_ENFORCEMENT_URL": "javascript:alert(1)"},
        {"ACCESSIBILITY_ENFORCEMENT_URL": "accessibility.example.gov"},
    ],
)
def test_settings_refuse_a_response_time_or_address_the_page_could_not_use(env):
    assert next(iter(env)) in refused({**PRODUCTION, **env})
