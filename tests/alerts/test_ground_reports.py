"""Reports from the ground without an account (held for triage, rate limited per network
address, bad input refused with a message) and the public alert page's live part: what
staff confirm appears there and on its map, and anonymous visitors' stored copies follow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client

from alerts import services
from alerts.models import GroundReport
from civicportal.kernel.ratelimit import RateLimited
from tests.alerts.factories import approver, author, content, published
from tests.proposals.factories import pdf_named_jpg

pytestmark = pytest.mark.django_db

REPORT = {
    "text": "Water up to the doors.",
    "location_text": "Quay Street",
    "location_latitude": "52.09",
    "location_longitude": "-1.925",
}


@pytest.fixture
def alert():
    return published()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service as in production: its on-commit hooks (dropping stored pages) run."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def test_anyone_may_report_without_an_account_and_the_report_is_held(client, alert):
    page = client.get(alert.get_absolute_url()).content.decode()
    assert "Report from the ground" in page and 'name="location_latitude"' in page
    response = client.post(f"/alerts/{alert.pk}/report/", REPORT, follow=True)
    assert response.redirect_chain[-1][0] == alert.get_absolute_url()
    assert "They check every report before it is shown on this page." in response.content.decode()
    report = GroundReport.objects.get()
    assert report.user is None and report.triage == GroundReport.Triage.NEW
    assert (report.latitude, report.longitude) == (Decimal("52.090000"), Decimal("-1.925000"))
    assert "Water up to the doors." not in client.get(alert.get_absolute_url()).content.decode()


def test_reports_without_an_account_are_limited_per_network_address(client, alert, settings):
    settings.ALERTS_REPORT_RATE_LIMIT = 2
    for _number in range(2):
        assert client.post(f"/alerts/{alert.pk}/report/", REPORT).status_code == 302
    refused = client.post(f"/alerts/{alert.pk}/report/", REPORT)
    assert refused.status_code == 400
    assert "Many reports came from your network" in refused.content.decode()
    assert "Water up to the doors." in refused.content.decode()  # what was typed stays
    assert GroundReport.objects.count() == 2
    other = client.post(f"/alerts/{alert.pk}/report/", REPORT, REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 302
    assert GroundReport.objects.count() == 3


def test_residents_are_counted_each_on_their_own(alert, settings):
    from tests.accounts.factories import UserFactory

    settings.ALERTS_REPORT_RATE_LIMIT = 1
    for resident in (UserFactory(), UserFactory()):
        services.report_create(actor=resident, alert=alert, text="Seen", client_key="192.0.2.1")
    with pytest.raises(RateLimited):
        services.report_create(actor=resident, alert=alert, text="Again", client_key="192.0.2.9")
    assert GroundReport.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "This field is required."),
        ({"text": "Water\x1b[31m"}, "control character"),
        ({"location_longitude": ""}, "Give both latitude and longitude, or neither."),
        ({"location_latitude": "north"}, "Write the latitude as a number"),
        ({"location_latitude": "1e400"}, "The latitude is a number from -90 to 90."),
        ({"location_longitude": "181"}, "The longitude is a number from -180 to 180."),
        ({"location_text": "x" * 201}, "at most 200 characters"),
        ({"photo": "pdf"}, "image"),
    ],
)
def test_bad_report_input_gets_a_message_and_stores_nothing(client, alert, changes, message):
    data = {**REPORT, **changes}
    if data.get("photo") == "pdf":
        data["photo"] = pdf_named_jpg()
    response = client.post(f"/alerts/{alert.pk}/report/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not GroundReport.objects.exists()


def test_reports_on_an_ended_alert_are_refused_with_a_message(client, alert):
    services.alert_cancel(actor=author(), alert=alert)
    assert "Report from the ground" not in client.get(alert.get_absolute_url()).content.decode()
    response = client.post(f"/alerts/{alert.pk}/report/", REPORT, follow=True)
    assert "only while an alert is in force" in response.content.decode()
    assert not GroundReport.objects.exists()
    with pytest.raises(PermissionDenied):
        services.report_create(actor=AnonymousUser(), alert=alert, text="Late")


def test_reports_on_an_unknown_alert_are_not_found(client):
    assert client.post("/alerts/999999/report/", REPORT).status_code == 404


# --- The live part of the alert page --------------------------------------------------------


def _report(alert, text="The footbridge is under water.") -> GroundReport:
    return services.report_create(
        actor=AnonymousUser(),
        alert=alert,
        text=text,
        latitude=Decimal("52.09"),
        longitude=Decimal("-1.925"),
        client_key="192.0.2.10",
    )


def test_confirmed_reports_show_on_the_page_and_its_map_never_who_sent_them(client, alert):
    _report(alert, "Held report")
    confirmed = _report(alert, "Confirmed report")
    services.report_triage(actor=author(), report=confirmed, triage="confirmed")
    services.report_triage(actor=author(), report=_report(alert, "Dismissed"), triage="dismissed")
    response = client.get(alert.get_absolute_url())
    page = response.content.decode()
    assert "Confirmed report" in page and "Held report" not in page and "Dismissed" not in page
    features = response.context["map_features"]["features"]
    points = [f for f in features if f["properties"].get("report")]
    assert [p["properties"]["report"] for p in points] == [confirmed.pk]
    assert points[0]["geometry"]["coordinates"] == [-1.925, 52.09]
    assert any(f["geometry"]["type"] == "MultiPolygon" for f in features)  # the alert's area


def test_live_part_changes_version_with_an_update_a_confirmation_and_the_all_clear(
    alert, commit, settings
):
    settings.CORE_PAGE_CACHE_SECONDS = 10
    visitor = Client()  # anonymous: answered from the stored copy while nothing changes
    url = f"/alerts/{alert.pk}/live/"

    def live():
        response = visitor.get(url)
        assert response.status_code == 200
        return response["X-Live-Version"], response.content.decode()

    first, html = live()
    assert "<html" not in html and "data-alert-timeline" in html
    assert live()[0] == first

    by, second = author(), approver()
    areas = list(alert.current_message.areas.all())
    update = commit(
        services.alert_update,
        actor=by,
        alert=alert,
        content=content(headline="Flooding spreads to Mill Lane", areas=areas),
    )
    commit(
        services.alert_approve,
        actor=second,
        message=update,
        version=services.message_version(update),
    )
    updated, html = live()
    assert updated != first and "Flooding spreads to Mill Lane" in html

    report = _report(alert)
    assert live()[0] == updated  # held: nothing public changed
    commit(services.report_triage, actor=by, report=report, triage="confirmed")
    confirmed, html = live()
    assert confirmed != updated and "The footbridge is under water." in html

    commit(services.alert_cancel, actor=by, alert=alert)
    ended, html = live()
    assert ended != confirmed and "All clear" in html


def test_alert_page_tells_the_browser_where_and_how_often_to_look(client, alert, settings):
    settings.ALERTS_LIVE_POLL_SECONDS = 20
    page = client.get(alert.get_absolute_url()).content.decode()
    assert f'data-live-url="/alerts/{alert.pk}/live/"' in page
    assert 'data-live-seconds="20"' in page
    assert "alerts/live" in page and 'id="alert-map-features"' in page
