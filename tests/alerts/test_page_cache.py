"""Anonymous visitors' stored pages (civicportal/core/pagecache.py) and alerts: every change
of an alert reaches the next request, an expired alert leaves the banner on time, and
exercises and signed-in pages never get into a stored copy."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from alerts import services
from alerts.models import CapStatus
from tests.accounts.factories import UserFactory
from tests.alerts.factories import approver, author, content, published

pytestmark = pytest.mark.django_db

PAGES = ("/", "/alerts/")


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CORE_PAGE_CACHE_SECONDS = 10
    settings.CORE_PAGE_CACHE_LOCAL_SECONDS = 1


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run a service as in production: its on-commit hooks (dropping copies) run."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def _page(path: str) -> str:
    return Client().get(path).content.decode()


def test_alert_pages_are_stored_for_anonymous_visitors(client, django_assert_num_queries):
    alert = published(headline="Flood on Quay Street")
    for path in (*PAGES, f"/alerts/{alert.pk}/"):
        assert "Flood on Quay Street" in client.get(path).content.decode()
        with django_assert_num_queries(0):
            assert "Flood on Quay Street" in client.get(path).content.decode()


def test_publishing_reaches_the_next_anonymous_request(publish):
    for path in PAGES:
        assert "data-alert-banner" not in _page(path)  # stored without a banner
    by = author()
    alert = services.alert_draft_create(actor=by, content=content(headline="Storm tonight"))
    publish(services.alert_submit_for_approval, actor=by, message=alert.messages.get())
    assert "Storm tonight" not in _page("/")  # a pending alert is not public
    message = alert.messages.get()
    publish(
        services.alert_approve,
        actor=approver(),
        message=message,
        version=services.message_version(message),
    )
    for path in PAGES:
        page = _page(path)
        assert "data-alert-banner" in page and "Storm tonight" in page, path


def test_an_update_reaches_the_next_anonymous_request(publish):
    by = author()
    alert = published(by=by, headline="Flood on Quay Street", instruction="Stay upstairs.")
    detail = f"/alerts/{alert.pk}/"
    assert "Stay upstairs." in _page(detail)
    update = publish(
        services.alert_update,
        actor=by,
        alert=alert,
        content=content(headline="Flood spreading", instruction="Leave by the hill road."),
    )
    assert "Stay upstairs." in _page(detail)  # waiting for approval: nothing new in public
    publish(
        services.alert_approve,
        actor=approver(),
        message=update,
        version=services.message_version(update),
    )
    page = _page(detail)
    assert "Leave by the hill road." in page and "Flood spreading" in page
    assert "Flood spreading" in _page("/")


def test_a_cancellation_reaches_the_next_anonymous_request(publish):
    alert = published(headline="Gas leak")
    detail = f"/alerts/{alert.pk}/"
    for path in (*PAGES, detail):
        assert "Gas leak" in _page(path)
    publish(services.alert_cancel, actor=author(), alert=alert, note="The leak is fixed.")
    assert "data-alert-banner" not in _page("/")
    assert "Gas leak" not in _page("/alerts/").split("</header>", 1)[1]
    assert "All clear" in _page(detail) and "no longer in force" in _page(detail)
    # The canceller's note goes out once a second person approves it, and reaches the
    # next request then.
    assert "The leak is fixed." not in _page(detail)
    note = alert.messages.get(state="pending")
    publish(
        services.alert_approve,
        actor=approver(),
        message=note,
        version=services.message_version(note),
    )
    assert "The leak is fixed." in _page(detail)


def test_expired_alert_leaves_stored_pages_at_its_expiry(settings):
    # Memory copies would live for a minute: only the alert's expiry can end them.
    settings.CORE_PAGE_CACHE_LOCAL_SECONDS = 60
    settings.CORE_PAGE_CACHE_SECONDS = 60
    expires = timezone.now() + timedelta(seconds=2)
    alert = published(headline="Short warning", expires=expires)
    detail = f"/alerts/{alert.pk}/"
    for path in (*PAGES, detail):
        assert "Short warning" in _page(path)
    assert "In force" in _page(detail)
    assert "data-alert-empty" in _page("/alerts/?show=past")

    time.sleep(max(0.0, (expires - timezone.now()).total_seconds()) + 0.05)
    # No expiry job has run yet: the alert is still "published" in the database.
    assert "data-alert-banner" not in _page("/")
    assert "data-alert-empty" in _page("/alerts/")
    assert "Short warning" in _page("/alerts/?show=past").split("data-alert-list", 1)[1]
    assert "Ended" in _page(detail) and "In force" not in _page(detail)


def test_the_expiry_job_drops_stored_pages(publish):
    alert = published(headline="Old warning")
    assert "Old warning" in _page("/alerts/?show=all")
    alert.expires_at = timezone.now() - timedelta(seconds=1)
    alert.save(update_fields=["expires_at"])
    publish(services.alerts_expire)
    assert "Expired" in _page("/alerts/?show=all")


def test_exercise_never_reaches_a_stored_page_even_after_staff_opened_it(client, publish):
    staff = author()
    exercise = published(by=staff, status=CapStatus.EXERCISE, headline="Drill: flood")
    client.force_login(staff)
    assert "Drill: flood" in client.get(f"/alerts/{exercise.pk}/").content.decode()
    client.get("/alerts/?show=all")  # a signed-in page, never stored
    assert Client().get(f"/alerts/{exercise.pk}/").status_code == 404
    for path in (*PAGES, "/alerts/?show=all"):
        assert "Drill: flood" not in _page(path), path
        assert "Drill: flood" not in _page(path), path  # the stored copy too


def test_signed_in_resident_gets_their_own_alert_page(client):
    alert = published(headline="Flood on Quay Street")
    detail = f"/alerts/{alert.pk}/"
    anonymous = _page(detail)
    # Anyone may report from the ground, so the stored copy carries the form too; what is
    # the resident's own (their name in the account menu) must never reach it.
    assert "Send the report" in anonymous and "Sign in" in anonymous

    client.force_login(UserFactory(display_name="Jón Resident"))
    page = client.get(detail).content.decode()
    assert "Send the report" in page and "Jón Resident" in page
    assert "Jón Resident" not in _page(detail)
