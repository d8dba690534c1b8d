"""Volunteer call-out pages: register, answer, and the staff roster (live partial, refresh
link, check-in, stand-down, CSV), with bad input refused on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import CallOut, CallOutResponse, VolunteerRegistration
from alerts.services import volunteers as services
from tests.accounts.factories import UserFactory
from tests.alerts.factories import approver, author, published
from tests.alerts.volunteer_factories import callout, skill, volunteer

pytestmark = pytest.mark.django_db


def test_resident_joins_changes_and_leaves_the_register(client):
    resident = UserFactory()
    first_aid = skill("First aid")
    client.force_login(resident)
    assert "Join the volunteer register" in client.get("/alerts/volunteer/").content.decode()
    response = client.post(
        "/alerts/volunteer/",
        {"skills": [first_aid.pk], "availability": "Weekends", "consent": "on"},
    )
    assert response.status_code == 302
    entry = VolunteerRegistration.objects.get(user=resident)
    assert list(entry.skills.all()) == [first_aid] and entry.consent
    client.post("/alerts/volunteer/", {"leave": "1"})
    assert not VolunteerRegistration.objects.filter(user=resident).exists()


def test_register_without_consent_or_with_control_characters_changes_nothing(client):
    resident = UserFactory()
    client.force_login(resident)
    page = client.post("/alerts/volunteer/", {"availability": "Weekends"}).content.decode()
    assert "Tick this so that call-outs can reach you." in page
    page = client.post(
        "/alerts/volunteer/", {"availability": "Week\x1bends", "consent": "on"}
    ).content.decode()
    assert "control character" in page
    assert not VolunteerRegistration.objects.exists()


def test_volunteer_sees_callout_and_accepts_then_full_callout_says_so(client):
    posted = callout(needed=1, task="Carry sandbags")
    first, second = volunteer(), volunteer()
    client.force_login(first)
    assert "Carry sandbags" in client.get("/alerts/volunteer/callouts/").content.decode()
    page = client.post(
        f"/alerts/volunteer/callouts/{posted.pk}/answer/", {"answer": "accepted"}, follow=True
    ).content.decode()
    assert "you have a place" in page
    client.force_login(second)
    page = client.post(
        f"/alerts/volunteer/callouts/{posted.pk}/answer/", {"answer": "accepted"}, follow=True
    ).content.decode()
    assert "all 1 places are already taken" in page
    assert CallOutResponse.objects.filter(callout=posted).count() == 1


def test_callout_list_is_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = volunteer()
    client.force_login(user)
    callout()
    client.get("/alerts/volunteer/callouts/")
    with django_assert_max_num_queries(14) as few:
        client.get("/alerts/volunteer/callouts/")
    for _ in range(4):
        callout()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/alerts/volunteer/callouts/")


def test_author_posts_callout_and_bad_window_is_refused_on_the_form(client):
    by = author()
    alert = published(by=by)
    client.force_login(by)
    start = timezone.localtime() - timedelta(hours=3)
    page = client.post(
        f"/staff/alerts/{alert.pk}/callout/",
        {
            "task": "Sandbags",
            "place": "Quay Street",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "needed": "0",
        },
    ).content.decode()
    assert "at least one person" in page
    assert not CallOut.objects.exists()
    later = timezone.localtime() + timedelta(hours=1)
    response = client.post(
        f"/staff/alerts/{alert.pk}/callout/",
        {
            "task": "Sandbags",
            "place": "Quay Street",
            "starts_at": later.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (later + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "needed": "5",
        },
    )
    posted = CallOut.objects.get()
    assert response.status_code == 302 and response["Location"] == posted.get_staff_url()


def test_approver_sees_roster_but_may_not_post_or_stand_down(client):
    posted = callout()
    client.force_login(approver())
    assert client.get(posted.get_staff_url()).status_code == 200
    assert client.get(f"/staff/alerts/{posted.alert_id}/callout/").status_code == 403
    assert client.post(f"/staff/alerts/callouts/{posted.pk}/stand-down/").status_code == 403
    assert CallOut.objects.get().is_open


def test_resident_may_not_open_staff_screens(client):
    posted = callout()
    client.force_login(volunteer())
    assert client.get(posted.get_staff_url()).status_code == 403
    assert client.get(f"/staff/alerts/callouts/{posted.pk}/roster.csv").status_code == 403


def test_roster_live_partial_check_in_stand_down_and_csv(client):
    by = author()
    posted = callout(by=by)
    helper = volunteer(display_name="Dana Helper")
    services.callout_respond(actor=helper, callout=posted, answer="accepted")
    client.force_login(by)
    full = client.get(posted.get_staff_url()).content.decode()
    assert "<html" in full and "Refresh the roster" in full and 'hx-trigger="every 5s"' in full
    partial = client.get(posted.get_staff_url(), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="roster"') and "Dana Helper" in partial
    answer = CallOutResponse.objects.get()
    client.post(f"/staff/alerts/callouts/responses/{answer.pk}/check/", {"step": "in"})
    answer.refresh_from_db()
    assert answer.checked_in_at is not None
    csv = client.get(f"/staff/alerts/callouts/{posted.pk}/roster.csv")
    assert csv["Content-Type"].startswith("text/csv") and "Dana Helper" in csv.content.decode()
    client.post(f"/staff/alerts/callouts/{posted.pk}/stand-down/")
    assert CallOut.objects.get().state == CallOut.State.STOOD_DOWN
    assert 'hx-trigger="every 5s"' not in client.get(posted.get_staff_url()).content.decode()


def test_staff_callout_list_and_admin_queue(client):
    callout(task="Rest centre")
    client.force_login(author())
    assert "Rest centre" in client.get("/staff/alerts/callouts/").content.decode()
    admin_page = client.get("/admin/alerts/callout/")
    assert admin_page.status_code == 200 and "Rest centre" in admin_page.content.decode()
    assert client.get("/admin/alerts/skill/add/").status_code == 200


def test_callout_page_is_only_for_the_volunteers_it_reaches(client):
    driving = skill("Driving")
    posted = callout(skills=(driving,), task="Drive the minibus")
    client.force_login(volunteer(skills=[skill("Cooking")]))
    assert client.get(posted.get_absolute_url()).status_code == 404
    assert (
        client.post(
            f"/alerts/volunteer/callouts/{posted.pk}/answer/", {"answer": "accepted"}
        ).status_code
        == 404
    )
    client.force_login(volunteer(skills=[driving]))
    assert "Drive the minibus" in client.get(posted.get_absolute_url()).content.decode()
    assert not CallOutResponse.objects.exists()
