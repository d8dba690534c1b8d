"""Visits through source links: counted per (day, source), anonymously, never an error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from civicportal.audience.models import SourceVisit
from civicportal.audience.services import visit_count

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return dict(SourceVisit.objects.values_list("source", "count"))


def test_a_visit_through_a_known_source_is_counted_per_day_and_source(browser):
    assert browser.get("/?via=bluesky").status_code == 200
    assert browser.get("/?via=bluesky").status_code == 200
    assert browser.get("/?via=poster").status_code == 200
    assert counts() == {"bluesky": 2, "poster": 1}
    assert set(SourceVisit.objects.values_list("day", flat=True)) == {timezone.localdate()}


@pytest.mark.parametrize("via", ["tiktok", "Bluesky", "blue sky", "x" * 33, "", "<script>"])
def test_an_unknown_or_malformed_source_is_ignored_without_an_error(browser, via):
    response = browser.get("/", {"via": via})
    assert response.status_code == 200
    assert counts() == {}


def test_the_council_may_name_its_own_sources(browser, settings):
    settings.AUDIENCE_SOURCES = "tiktok, Bad Entry!,qr,direct"
    browser.get("/?via=tiktok")
    browser.get("/?via=bluesky")  # no longer on the list
    browser.get("/?via=direct")  # the dashboard's name for "no source link"
    assert counts() == {"tiktok": 1}


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Twitterbot/1.0",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "http.rb/5.1.1 (Mastodon/4.3.0; +https://mastodon.social/) Bot",
        "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
    ],
)
def test_bots_and_link_preview_fetchers_are_not_visits(client, agent):
    client.get("/?via=mastodon", HTTP_USER_AGENT=agent)
    assert counts() == {}


@pytest.mark.parametrize("header", ["HTTP_SEC_PURPOSE", "HTTP_PURPOSE"])
def test_prefetches_are_not_visits(browser, header):
    browser.get("/?via=mastodon", **{header: "prefetch"})
    assert counts() == {}


def test_staff_pages_errors_and_posts_are_not_visits(browser, administrator):
    browser.get("/no-such-page/?via=email")  # 404
    browser.post("/?via=email")
    browser.force_login(administrator)
    browser.get(reverse("audience:dashboard") + "?via=email")
    assert counts() == {}


def test_a_visit_sets_no_cookie_and_keeps_no_address(browser):
    plain = browser.get("/")
    browser.cookies.clear()
    counted = browser.get("/?via=facebook", REMOTE_ADDR="203.0.113.77")
    assert set(counted.cookies) == set(plain.cookies)
    assert "via" not in str(counted.cookies).lower()
    # The counter's row holds the day, the source and the count: nothing else is stored.
    assert {field.name for field in SourceVisit._meta.get_fields()} == {
        "id",
        "day",
        "source",
        "count",
    }
    stored = " ".join(str(value) for row in SourceVisit.objects.values_list() for value in row)
    assert "203.0.113.77" not in stored and "Firefox" not in stored


def test_a_page_served_from_the_page_cache_still_counts(browser):
    first = browser.get("/?via=newsletter")
    second = browser.get("/?via=newsletter")  # an anonymous visitor: the stored copy
    assert first.status_code == second.status_code == 200
    assert counts() == {"newsletter": 2}


def test_visit_count_adds_to_the_days_row_and_refuses_unknown_sources():
    day = timezone.localdate()
    visit_count(source="qr", day=day)
    visit_count(source="qr", day=day)
    visit_count(source="not-listed", day=day)
    assert SourceVisit.objects.get(day=day, source="qr").count == 2
    assert SourceVisit.objects.count() == 1
