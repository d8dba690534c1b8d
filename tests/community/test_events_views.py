"""The events' pages with the test client: lists and filters (constant queries), the event
page's sign-up and waiting list as plain form POSTs, creation's refusals, the organiser's
page, the outcome shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Event, EventSignup
from community.services import events as services
from tests.accounts.factories import UserFactory
from tests.community.factories_events import event, organiser, past_event, residents
from tests.community.factories_events import event_fields as _service_fields
from tests.proposals.factories import ten_megabyte_jpg

pytestmark = pytest.mark.django_db


def test_list_shows_upcoming_public_events_with_constant_queries(
    client, django_assert_max_num_queries
):
    event(title="Clean-up one")
    client.get(reverse("community:event-list"))  # warm caches (navigation, sessions)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("community:event-list"))
    for n in range(10):
        event(title=f"Clean-up {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("community:event-list"))
    assert response.content.decode().count("data-event-card") == 11


def test_list_filters_by_area_and_kind_and_ignores_bad_filters(client):
    from tests.accounts.factories import AreaFactory

    harbour = AreaFactory(name="Harbourside", slug="harbourside")
    event(title="Harbour clean-up", area=harbour)
    event(title="Garden day", kind="garden")
    page = client.get(reverse("community:event-list"), {"area": "harbourside"}).content.decode()
    assert "Harbour clean-up" in page and "Garden day" not in page
    page = client.get(reverse("community:event-list"), {"kind": "garden"}).content.decode()
    assert "Garden day" in page and "Harbour clean-up" not in page
    response = client.get(reverse("community:event-list"), {"kind": "party", "page": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Garden day" in page and "Harbour clean-up" in page
    # The platform refuses control characters in a query string before any view runs.
    assert client.get(reverse("community:event-list"), {"kind": "\x00"}).status_code == 400


def test_month_view_places_events_on_their_day(client):
    made = event(title="Clean-up")
    start = timezone.localtime(made.starts_at)
    response = client.get(reverse("community:event-month", args=[start.year, start.month]))
    assert "Clean-up" in response.content.decode()
    assert client.get(reverse("community:event-month", args=[2026, 13])).status_code == 404


def test_resident_signs_up_lands_on_waiting_list_and_cancels_by_form_posts(client):
    made = event(capacity=1)
    services.signup_create(actor=residents(1)[0], event=made)
    person = UserFactory()
    client.force_login(person)
    response = client.post(reverse("community:event-signup", args=[made.pk]), follow=True)
    assert "waiting list" in response.content.decode()
    assert "number 1" in response.content.decode()
    assert EventSignup.objects.get(user=person).status == "waiting"
    client.post(reverse("community:event-signup-cancel", args=[made.pk]))
    assert EventSignup.objects.get(user=person).status == "cancelled"


def test_anonymous_sign_up_goes_to_sign_in(client):
    made = event()
    response = client.post(reverse("community:event-signup", args=[made.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not EventSignup.objects.exists()


def _form_data(**fields) -> dict:
    start = timezone.localtime(timezone.now() + timedelta(days=2))
    data = {
        "kind": "clean_up", "title": "Clean-up", "description": "Litter",
        "place": "Mill", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "capacity": "5",
    }  # fmt: skip
    data.update(fields)
    return data


def test_create_form_refuses_control_characters_and_zero_capacity(client):
    client.force_login(organiser())
    response = client.post(
        reverse("community:event-create"), _form_data(title="Clean\x07up", capacity="0")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "control character" in " ".join(form.errors["title"]).lower()
    assert form.errors["capacity"] == ["An event needs at least one place."]
    assert not Event.objects.exists()


def test_create_form_refuses_past_dates_end_before_start_and_oversize_images(client):
    client.force_login(organiser())
    start = timezone.localtime(timezone.now() - timedelta(days=1))
    response = client.post(
        reverse("community:event-create"),
        _form_data(
            starts_at=start.strftime("%Y-%m-%dT%H:%M"),
            image=ten_megabyte_jpg(),
            image_description="A photo",
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "past" in errors["starts_at"][0]
    assert "largest" in errors["image"][0]
    later = timezone.localtime(timezone.now() + timedelta(days=2))
    response = client.post(
        reverse("community:event-create"),
        _form_data(ends_at=(later - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")),
    )
    assert "after the start" in response.context["form"].errors["ends_at"][0]
    assert not Event.objects.exists()


def test_staff_creates_an_event_from_the_form(client):
    client.force_login(organiser())
    response = client.post(reverse("community:event-create"), _form_data())
    made = Event.objects.get()
    assert response["Location"] == made.get_absolute_url()
    assert made.state == Event.State.PUBLISHED


def test_resident_without_permission_cannot_open_the_form(client, settings):
    settings.COMMUNITY_RESIDENT_EVENTS = False
    client.force_login(UserFactory(verified=True))
    assert client.get(reverse("community:event-create")).status_code == 403


def test_outcome_is_shown_on_the_event_page(client):
    by = organiser()
    made = past_event(by=by)
    services.event_outcome_record(actor=by, event=made, attendance=9, outcome="Twelve bags.")
    page = client.get(made.get_absolute_url()).content.decode()
    assert "9 people came." in page and "Twelve bags." in page


def test_organiser_page_is_refused_to_others(client):
    made = event()
    client.force_login(UserFactory())
    assert client.get(reverse("community:event-manage", args=[made.pk])).status_code == 403


def test_home_page_shows_the_next_events_and_the_menu_links_them(client):
    event(title="Riverside clean-up")
    page = client.get("/").content.decode()
    assert "Riverside clean-up" in page
    assert reverse("community:event-list") in page


def test_organiser_checks_in_messages_and_cancels_from_their_page(client):
    by = organiser()
    made = event(by=by, capacity=1)
    first, second = residents(2)
    signup = services.signup_create(actor=first, event=made)
    services.signup_create(actor=second, event=made)
    client.force_login(by)
    page = client.get(reverse("community:event-manage", args=[made.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("<tr>") == 3  # the header, confirmed, waiting
    client.post(reverse("community:event-check-in", args=[made.pk, signup.pk]))
    signup.refresh_from_db()
    assert signup.checked_in_at is not None
    empty = client.post(reverse("community:event-message", args=[made.pk]), {"message": ""})
    assert empty.status_code == 400
    assert empty.context["message_form"].errors["message"] == ["Write your message."]
    client.post(reverse("community:event-message", args=[made.pk]), {"message": "Bring tea"})
    client.post(reverse("community:event-cancel", args=[made.pk]), {"reason": "Storm"})
    made.refresh_from_db()
    assert made.state == Event.State.CANCELLED
    assert "Storm" in client.get(made.get_absolute_url()).content.decode()


def test_moderator_publishes_or_rejects_from_the_pending_events_page(client, settings):
    from civicportal.accounts import roles
    from tests.accounts.factories import StaffFactory

    settings.COMMUNITY_RESIDENT_EVENTS = True
    owner = UserFactory(verified=True)
    first = services.event_create(actor=owner, **_service_fields(title="Street party"))
    second = services.event_create(actor=owner, **_service_fields(title="Quiz night"))
    client.force_login(StaffFactory(role=roles.MODERATOR, mfa=True))
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Publish" in page and "Reject" in page
    client.post(reverse("community:event-publish", args=[first.pk]))
    client.post(reverse("community:event-reject", args=[second.pk]), {"reason": ""})
    second.refresh_from_db()
    assert second.state == Event.State.PENDING  # no reason, nothing changed
    client.post(reverse("community:event-reject", args=[second.pk]), {"reason": "Duplicate"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Event.State.PUBLISHED, Event.State.REJECTED)
