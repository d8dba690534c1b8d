"""Staff screens outside the admin, linked from the admin per role (issue 18, point 2)."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from civicportal.core import staff_screens
from civicportal.kernel.second_factor import mark_second_factor
from consultations.roles import CONSULTATION_MANAGER
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts import factories as alert_factories
from tests.budgeting.factories import ProcessFactory
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def _request(user, path="/admin/"):
    request = RequestFactory().get(path)
    mark_second_factor(user, verified=True)
    request.user = user
    return request


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def _staff_screen_links(html: str) -> dict[str, str]:
    """``data-staff-screen`` key → href of every staff screen link on the page."""
    return {
        key: href
        for href, key in re.findall(r'<a href="([^"]+)" data-staff-screen="([^"]+)"', html)
    }


# --- The registry --------------------------------------------------------------------------


def test_links_follow_the_permission_the_screen_asks():
    author = alert_factories.author()
    approver = alert_factories.approver()
    moderator = StaffFactory(role=roles.MODERATOR, mfa=True)

    author_keys = [link.key for link in staff_screens.links(_request(author))]
    approver_keys = [link.key for link in staff_screens.links(_request(approver))]
    moderator_keys = [link.key for link in staff_screens.links(_request(moderator))]

    assert {"alerts.desk", "alerts.draft", "alerts.reports"} <= set(author_keys)
    assert "alerts.desk" in approver_keys and "alerts.draft" not in approver_keys
    assert not any(key.startswith("alerts.") for key in moderator_keys)
    assert "budgeting.import" not in author_keys


def test_a_session_without_the_second_factor_gets_no_staff_screen():
    author = alert_factories.author()
    request = RequestFactory().get("/admin/")
    mark_second_factor(author, verified=False)
    request.user = author
    assert staff_screens.links(request) == []


def test_residents_get_no_staff_screen():
    request = RequestFactory().get("/")
    request.user = UserFactory()
    assert staff_screens.links(request) == []
    assert staff_screens.modules(request) == []


def test_a_screen_whose_url_does_not_resolve_is_left_out():
    author = alert_factories.author()
    staff_screens.register(
        app_label="alerts",
        key="tests.nowhere",
        label="Nowhere",
        url_name="alerts:no-such-page",
        permission="alerts.view_alert",
    )
    try:
        keys = [link.key for link in staff_screens.links(_request(author))]
    finally:
        staff_screens.unregister("tests.nowhere")
    assert "tests.nowhere" not in keys
    assert "alerts.desk" in keys


def test_object_links_of_a_pending_message_offer_approval_to_a_second_person_only():
    author = alert_factories.author()
    approver = alert_factories.approver()
    alert = alert_factories.pending(by=author)
    message = alert.messages.get()

    for_approver = {
        link.key: link.url for link in staff_screens.object_links(_request(approver), message)
    }
    for_author = {link.key for link in staff_screens.object_links(_request(author), message)}

    assert for_approver["alerts.message-approve"] == reverse(
        "alerts:staff-approve", args=[message.pk]
    )
    assert for_approver["alerts.message-desk"] == alert.get_staff_url()
    assert "alerts.message-approve" not in for_author  # no self-approval
    assert "alerts.message-draft" not in for_author  # no longer a draft


def test_modules_point_object_screens_to_their_admin_list_unless_a_screen_covers_it():
    manager = StaffFactory(role=CONSULTATION_MANAGER, mfa=True)
    author = alert_factories.author()

    consultations = {
        module.app_label: module for module in staff_screens.modules(_request(manager))
    }["consultations"]
    alerts = {module.app_label: module for module in staff_screens.modules(_request(author))}[
        "alerts"
    ]

    assert [(link.key, link.url) for link in consultations.links] == [
        ("consultations.results", reverse("admin:consultations_consultation_changelist"))
    ]
    # The alert desk is linked from the alert lists: no second way to each alert's page.
    assert [link.key for link in alerts.links] == [
        "alerts.desk",
        "alerts.draft",
        "alerts.reports",
        "alerts.callouts",
        "alerts.rumours",
    ]


# --- The admin's pages ---------------------------------------------------------------------


def test_alert_author_finds_the_alert_desk_on_the_admin_index_and_side_menu(client):
    author = alert_factories.author()
    client.force_login(author)

    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    links = _staff_screen_links(index.content.decode())
    assert links["alerts.desk"] == reverse("alerts:staff-list")
    assert links["alerts.draft"] == reverse("alerts:staff-draft-create")
    assert "budgeting.import" not in links

    # The side menu of any other admin page has them too.
    page = client.get(reverse("admin:alerts_groundreport_changelist")).content.decode()
    side_menu = page[page.index('id="nav-sidebar"') :]
    assert reverse("alerts:staff-list") in _hrefs(side_menu)
    assert client.get(links["alerts.desk"]).status_code == 200


def test_each_role_sees_its_own_screens_on_the_admin_index(client):
    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True)
    client.force_login(officer)
    links = _staff_screen_links(client.get(reverse("admin:index")).content.decode())
    assert links["budgeting.import"] == reverse("admin:budgeting_budgetprocess_import")
    assert not any(key.startswith("alerts.") for key in links)
    assert client.get(links["budgeting.import"]).status_code == 200

    manager = StaffFactory(role=CONSULTATION_MANAGER, mfa=True)
    client.force_login(manager)
    links = _staff_screen_links(client.get(reverse("admin:index")).content.decode())
    assert links["consultations.results"] == reverse("admin:consultations_consultation_changelist")
    assert "budgeting.import" not in links


def test_an_apps_admin_page_lists_that_modules_screens_only(client):
    administrator = StaffFactory(role=roles.ADMINISTRATOR, mfa=True, is_superuser=True)
    client.force_login(administrator)
    page = client.get(reverse("admin:app_list", args=["budgeting"])).content.decode()
    content = page[page.index('id="content-main"') :]
    links = _staff_screen_links(content)
    assert "budgeting.import" in links
    assert not any(key.startswith(("alerts.", "core.")) for key in links)


def test_alert_admin_pages_link_to_the_alert_desk(client):
    author = alert_factories.author()
    alert = alert_factories.draft(by=author)
    client.force_login(author)

    listing = client.get(reverse("admin:alerts_alert_changelist")).content.decode()
    assert f'href="{alert.get_staff_url()}"' in listing  # the row's own link
    assert _staff_screen_links(listing)["alerts.desk"] == reverse("alerts:staff-list")

    page = client.get(reverse("admin:alerts_alert_change", args=[alert.pk])).content.decode()
    assert _staff_screen_links(page)["alerts.alert-desk"] == alert.get_staff_url()

    message = alert.messages.get()
    page = client.get(reverse("admin:alerts_alertmessage_change", args=[message.pk])).content
    links = _staff_screen_links(page.decode())
    assert links["alerts.message-draft"] == reverse("alerts:staff-draft-update", args=[message.pk])


def test_consultation_and_budget_admin_pages_link_to_their_screens(client):
    manager = StaffFactory(role=CONSULTATION_MANAGER, mfa=True)
    consultation = ConsultationFactory()
    client.force_login(manager)
    page = client.get(reverse("admin:consultations_consultation_change", args=[consultation.pk]))
    results = reverse("consultations:staff-results", args=[consultation.slug])
    assert _staff_screen_links(page.content.decode())["consultations.results"] == results

    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True)
    voting = ProcessFactory()
    drafting = ProcessFactory(state="draft")
    client.force_login(officer)
    page = client.get(reverse("admin:budgeting_budgetprocess_change", args=[voting.pk]))
    links = _staff_screen_links(page.content.decode())
    assert links["budgeting.paper-ballots"] == reverse(
        "admin:budgeting_budgetprocess_paper", args=[voting.pk]
    )
    page = client.get(reverse("admin:budgeting_budgetprocess_change", args=[drafting.pk]))
    assert "budgeting.paper-ballots" not in _staff_screen_links(page.content.decode())
