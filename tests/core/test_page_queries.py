"""Every page on the demo data opens, and none runs a query once per row (N+1).

A page that loads a related object for each row of a list or inline repeats one query
shape (the same SQL with other numbers) once per row. The demo data has several rows for
every model with a list, so such a page repeats a shape at least three times.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from alerts.models import Alert, CallOut, CapStatus
from budgeting.models import BudgetProcess
from consultations.models import Consultation
from proposals.models import Idea
from tests.demo import seed_demo
from tests.queries import repeated_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(uncollected_static):
    seed_demo("--if-empty", verbosity=0)


def _admin_pages() -> list[str]:
    pages = []
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        latest = model._default_manager.order_by("-pk").first()
        if latest is not None:
            pages.append(reverse(f"{name}_change", args=[latest.pk]))
    # The staff screens outside the admin.
    pages += ["/staff/alerts/", "/staff/alerts/reports/", "/staff/alerts/callouts/"]
    pages += [
        f"/staff/alerts/callouts/{pk}/" for pk in CallOut.objects.values_list("pk", flat=True)
    ]
    pages += [f"/staff/alerts/{pk}/" for pk in Alert.objects.values_list("pk", flat=True)]
    pages += [f"/staff/consultations/{c.slug}/results/" for c in Consultation.objects.all()]
    return pages


def _resident_pages() -> list[str]:
    pages = ["/", reverse("proposals:idea-list"), reverse("proposals:forwarded")]
    pages += ["/consultations/", "/budget/", "/alerts/"]
    pages += [idea.get_absolute_url() for idea in Idea.objects.visible()]
    pages += [c.get_absolute_url() for c in Consultation.objects.filter(is_published=True)]
    for process in BudgetProcess.objects.all():
        pages += [process.get_absolute_url(), f"{process.get_absolute_url()}projects/"]
    # Exercises are never public (their pages answer 404).
    published = Alert.objects.exclude(first_published_at=None).filter(status=CapStatus.ACTUAL)
    pages += [alert.get_absolute_url() for alert in published]
    pages += ["/api/v1/ideas/", "/api/v1/consultations/", "/api/v1/alerts/"]
    return pages


def test_every_admin_and_staff_page_opens_without_a_query_per_row(demo, client):
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    pages = _admin_pages()
    assert len(pages) > 40  # every module's admin, with the demo data in it
    assert {url: found for url in pages if (found := repeated_queries(client, url))} == {}


def _signed_in_pages(resident) -> list[str]:
    """What only a signed-in resident sees: their inbox, settings and their ballots."""
    pages = ["/profile/inbox/", "/profile/notifications/", "/alerts/volunteer/"]
    pages += ["/alerts/volunteer/callouts/", "/api/v1/alerts/volunteer/callouts/"]
    theirs = Q(area=None) | Q(area=resident.home_area_id)
    for process in BudgetProcess.objects.all():
        pages += [ballot.get_absolute_url() for ballot in process.ballots.filter(theirs)]
    assert len(pages) > 3
    return pages


def test_every_resident_page_opens_without_a_query_per_row(demo):
    resident = get_user_model().objects.filter(is_staff=False, verified_at__isnull=False).first()
    signed_in = Client()
    signed_in.force_login(resident)
    everyone = _resident_pages()
    assert len(everyone) > 15
    for client, pages in ((Client(), everyone), (signed_in, everyone + _signed_in_pages(resident))):
        assert {url: found for url in pages if (found := repeated_queries(client, url))} == {}
