"""Pages: the banner on every page, the public alert pages, and the staff screens (the
two-person rule on the staff page; the admin has no approve action)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import services
from alerts.models import Alert, AlertMessage, AlertSubscription, CapStatus, GroundReport
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts.factories import alert_form_data, approver, area, author, pending, published

pytestmark = pytest.mark.django_db


def test_banner_shows_active_alert_on_every_page_with_severity_wording(client):
    alert = published(severity="Extreme", headline="Evacuate Old Town")
    for path in ("/", "/alerts/", "/privacy/"):
        page = client.get(path).content.decode()
        assert "data-alert-banner" in page and "Evacuate Old Town" in page, path
        assert "Extreme danger" in page and "bg-danger text-white" in page
    assert f'href="/alerts/{alert.pk}/"' in client.get("/").content.decode()


def test_banner_is_one_cached_query(client, django_assert_max_num_queries):
    published()
    client.get("/")
    with django_assert_max_num_queries(0, exact=False) as queries:
        client.get("/accessibility/")
    assert not any("alerts_alert" in q["sql"] for q in queries.captured_queries)


def test_exercise_never_in_banner_or_public_pages(client):
    exercise = published(status=CapStatus.EXERCISE, headline="Drill: flood")
    assert "Drill: flood" not in client.get("/").content.decode()
    assert "Drill: flood" not in client.get("/alerts/?show=all").content.decode()
    assert client.get(f"/alerts/{exercise.pk}/").status_code == 404


def test_alert_page_puts_instructions_first_and_shows_timeline(client):
    alert = published(instruction="Go upstairs now.", description="Water is rising.")
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert page.index("Go upstairs now.") < page.index("Water is rising.")
    assert "data-alert-timeline" in page and alert.current_message.identifier in page


def test_alert_list_filters_active_past_and_area(client, django_assert_max_num_queries):
    here, there = area(), area(boundary=None)
    now_alert = published(areas=[here], headline="Here now")
    old = published(areas=[there], headline="Old one")
    Alert.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert "Here now" in client.get("/alerts/").content.decode()
    assert "Old one" not in client.get("/alerts/").content.decode()
    assert "Old one" in client.get("/alerts/?show=past").content.decode()
    page = client.get(f"/alerts/?show=all&area={there.slug}").content.decode()
    listed = page.split("data-alert-list", 1)[1]
    assert "Old one" in listed and "Here now" not in listed
    for _ in range(5):
        published(areas=[here])
    with django_assert_max_num_queries(12):
        client.get("/alerts/?show=all")
    assert now_alert


def test_staff_page_requires_mfa_and_role(client):
    client.force_login(StaffFactory(role="Alert author", mfa=False))
    assert client.get("/staff/alerts/").status_code == 302  # sent to set up MFA
    client.force_login(UserFactory())
    assert client.get("/staff/alerts/").status_code == 403
    client.force_login(author())
    assert client.get("/staff/alerts/").status_code == 200


def test_staff_draft_submit_approve_by_two_people_through_pages(client):
    where = area()
    by, second = author(), approver()
    client.force_login(by)
    response = client.post("/staff/alerts/new/", alert_form_data(where))
    assert response.status_code == 302, response.content.decode()
    alert = Alert.objects.get()
    message = alert.messages.get()
    assert client.post(f"/staff/alerts/messages/{message.pk}/submit/").status_code == 302
    # The author cannot approve their own alert on the page.
    version = services.message_version(message)
    client.post(f"/staff/alerts/messages/{message.pk}/approve/", {"version": version})
    message.refresh_from_db()
    assert message.state == AlertMessage.State.PENDING
    client.force_login(second)
    screen = client.get(f"/staff/alerts/messages/{message.pk}/approve/").content.decode()
    assert "data-audience" in screen and "Leave the area now." in screen and "<code>" in screen
    assert f'name="version" value="{version}"' in screen
    client.post(f"/staff/alerts/messages/{message.pk}/approve/", {"version": version})
    message.refresh_from_db()
    assert message.state == AlertMessage.State.PUBLISHED and message.approver == second
    assert message.approved_version == version


def test_staff_form_shows_clear_errors_and_changes_nothing(client):
    client.force_login(author())
    response = client.post(
        "/staff/alerts/new/", alert_form_data(area(), polygons="64.1 nonsense", expires="")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Polygon on line 1" in page and "There is a problem" in page
    assert not Alert.objects.exists()


def test_exercise_is_visibly_different_on_staff_screens(client):
    alert = pending(status=CapStatus.EXERCISE)
    client.force_login(approver())
    for path in (
        f"/staff/alerts/{alert.pk}/",
        f"/staff/alerts/messages/{alert.messages.get().pk}/approve/",
    ):
        page = client.get(path).content.decode()
        assert "data-exercise-band" in page and "EXERCISE" in page


def test_admin_has_no_approve_action_and_links_to_the_approval_screen(client):
    alert = pending()
    message = alert.messages.get()
    client.force_login(approver(is_superuser=True))
    for path, action, pk in (
        ("/admin/alerts/alert/", "approve_pending", alert.pk),
        ("/admin/alerts/alertmessage/", "approve", message.pk),
    ):
        assert f'value="{action}"' not in client.get(path).content.decode()
        response = client.post(path, {"action": action, "_selected_action": [pk]}, follow=True)
        assert response.status_code == 200
    assert Alert.objects.get().state == Alert.State.PENDING
    page = client.get(f"/admin/alerts/alertmessage/{message.pk}/change/").content.decode()
    assert f'href="/staff/alerts/messages/{message.pk}/approve/"' in page


def test_staff_cancel_in_one_step_removes_banner(client, django_capture_on_commit_callbacks):
    by = author()
    alert = published(by=by, headline="Bridge unsafe")
    assert "Bridge unsafe" in client.get("/").content.decode()
    staff = client.__class__()
    staff.force_login(by)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/staff/alerts/{alert.pk}/cancel/", {"note": "The bridge is safe again."})
    assert Alert.objects.get().state == Alert.State.CANCELLED
    assert "data-alert-banner" not in client.get("/").content.decode()
    held = alert.messages.get(state=AlertMessage.State.PENDING)
    assert held.msg_type == "Cancel" and held.note == "The bridge is safe again."


def test_delivery_panel_partial_for_htmx(client):
    alert = published()
    client.force_login(author())
    url = f"/staff/alerts/messages/{alert.current_message.pk}/delivery/"
    full = client.get(url)
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" in full.content.decode()
    assert partial.content.decode().lstrip().startswith('<div id="delivery-panel"')


def test_delivery_panel_shows_each_channel_queued_sent_failed_and_first_and_last_time(client):
    """Each channel moves on its own queue, so the panel follows each on its own line."""
    from django.contrib.contenttypes.models import ContentType

    from civicportal.notifications.models import Delivery, Event

    alert = published()
    message = alert.current_message
    event = Event.objects.create(
        kind="alerts.alert",
        urgent=True,
        idempotency_key=f"panel-{message.pk}",
        source_content_type=ContentType.objects.get_for_model(AlertMessage),
        source_object_id=str(message.pk),
    )
    residents = UserFactory.create_batch(5)
    start = message.sent
    plan = [  # channel, status, seconds after approval it left
        ("email", Delivery.Status.SENT, 1.5),
        ("email", Delivery.Status.SENT, 42.0),
        ("email", Delivery.Status.PENDING, None),
        ("push", Delivery.Status.SENT, 0.8),
        ("push", Delivery.Status.FAILED, None),
    ]
    for resident, (channel, status, after) in zip(residents, plan, strict=True):
        Delivery.objects.create(
            event=event,
            recipient=resident,
            channel=channel,
            address=resident.email,
            status=status,
            sent_at=start + timedelta(seconds=after) if after is not None else None,
        )
    client.force_login(author())
    page = client.get(
        f"/staff/alerts/messages/{message.pk}/delivery/", HTTP_HX_REQUEST="true"
    ).content.decode()

    def row(channel):
        cells = page.split(f'<tr data-channel="{channel}">', 1)[1].split("</tr>", 1)[0]
        return {
            name: cells.split(f"<td data-{name}>", 1)[1].split("</td>", 1)[0]
            for name in ("pending", "sent", "failed", "first", "last")
        }

    email, push = row("email"), row("push")
    assert (email["pending"], email["sent"], email["failed"]) == ("1", "2", "0")
    assert (push["pending"], push["sent"], push["failed"]) == ("0", "1", "1")
    assert "(+1.5 s)" in email["first"] and "(+42.0 s)" in email["last"]
    assert "(+0.8 s)" in push["first"] and "(+0.8 s)" in push["last"]
    assert 'hx-trigger="every 2s"' in page  # an email is still queued: it keeps polling


def test_subscription_page_saves_and_deletes(client):
    user = UserFactory()
    where = area()
    client.force_login(user)
    assert client.get("/alerts/subscription/").status_code == 200
    client.post(
        "/alerts/subscription/",
        {"areas": [where.pk], "min_severity": 3, "by_email": "on", "receive_tests": "on"},
    )
    subscription = AlertSubscription.objects.get(user=user)
    assert subscription.min_severity == 3 and subscription.receive_tests
    assert list(subscription.areas.all()) == [where]
    response = client.post("/alerts/subscription/", {"min_severity": 1})
    assert "Choose at least one way" in response.content.decode()
    client.post("/alerts/subscription/", {"delete": "1"})
    assert not AlertSubscription.objects.exists()


def test_resident_reports_and_staff_triage_queue(client):
    alert = published()
    client.force_login(UserFactory())
    response = client.post(
        f"/alerts/{alert.pk}/report/", {"text": "Water in the street", "location_text": "Quay St"}
    )
    assert response.status_code == 302
    report = GroundReport.objects.get()
    client.force_login(author())
    assert "Water in the street" in client.get("/staff/alerts/reports/").content.decode()
    client.post(f"/staff/alerts/reports/{report.pk}/triage/", {"triage": "confirmed"})
    report.refresh_from_db()
    assert report.triage == "confirmed"
    assert client.get(f"/staff/alerts/{alert.pk}/update/?quote={report.pk}").status_code == 200
