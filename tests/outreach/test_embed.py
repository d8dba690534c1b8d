"""The widget for the council's website: its pages show public content in the asked
language, are framable only by the configured parent sites, set no cookie, and its staff
help page gives the snippet."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicportal.accounts import roles
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts import factories as alert_factories
from tests.consultations.factories import ConsultationFactory
from tests.proposals.factories import idea_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uncollected_static(settings):
    """Static URLs without the collected manifest (as tests/core/conftest.py does): tests
    run with DEBUG off, where the manifest storage needs ``collectstatic`` output."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


WIDGETS = ["consultations", "ideas", "alerts"]


def _frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    match = re.search(r"frame-ancestors ([^;]+)", policy)
    assert match, policy
    return match.group(1).strip()


def _links(html: str) -> list[str]:
    return re.findall(r"<a\s[^>]*>", html)


@pytest.mark.parametrize("widget", WIDGETS)
def test_widget_page_answers_with_links_opening_the_portal_in_a_new_tab(client, widget):
    response = client.get(f"/embed/{widget}/")
    assert response.status_code == 200
    html = response.content.decode()
    links = _links(html)
    assert links
    for link in links:
        assert 'target="_blank"' in link and 'rel="noopener"' in link, link
    assert 'src="/static/outreach/embed-frame.js"' in html
    # A small page of its own: no menu, no cookie banner, no form with a token.
    assert "csrfmiddlewaretoken" not in html and 'name="csrf-token"' not in html


@pytest.mark.parametrize("widget", WIDGETS)
def test_widget_is_framable_by_no_one_without_configured_parents(client, settings, widget):
    settings.EMBED_ALLOWED_PARENTS = []
    response = client.get(f"/embed/{widget}/")
    assert _frame_ancestors(response) == "'none'"
    assert "X-Frame-Options" not in response.headers


def test_widget_is_framable_by_the_configured_parents_only(client, settings):
    settings.EMBED_ALLOWED_PARENTS = [
        "https://www.riverside.example",
        "http://127.0.0.1:8123",
        "https://evil.example; script-src *",
        "https://www.riverside.example/path",
    ]
    response = client.get("/embed/consultations/")
    assert _frame_ancestors(response) == "https://www.riverside.example http://127.0.0.1:8123"
    assert "X-Frame-Options" not in response.headers
    # The rest of the policy is the portal's own.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "evil" not in response["Content-Security-Policy"]


def test_a_comma_separated_setting_is_read_too(client, settings):
    settings.EMBED_ALLOWED_PARENTS = "https://www.riverside.example, https://news.riverside.example"
    response = client.get("/embed/ideas/")
    assert _frame_ancestors(response) == (
        "https://www.riverside.example https://news.riverside.example"
    )


def test_every_other_page_stays_unframable(client, settings):
    settings.EMBED_ALLOWED_PARENTS = ["https://www.riverside.example"]
    for path in ("/", "/consultations/", "/ideas/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Frame-Options"] == "DENY", path
        assert _frame_ancestors(response) == "'none'", path


def test_widget_is_public_cacheable_and_sets_no_cookie_even_for_a_signed_in_resident(client):
    resident = UserFactory(display_name="Pat Resident")
    client.force_login(resident)
    response = client.get("/embed/ideas/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    assert not response.cookies
    assert "Pat Resident" not in response.content.decode()


def test_widget_speaks_the_language_asked_for(client):
    icelandic = client.get("/embed/alerts/", {"lang": "is"})
    assert icelandic["Content-Language"] == "is"
    assert '<html lang="is"' in icelandic.content.decode()
    english = client.get("/embed/alerts/", {"lang": "en"})
    assert english["Content-Language"] == "en"
    assert '<html lang="en"' in english.content.decode()
    unknown = client.get("/embed/alerts/", {"lang": "zz"}, HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 200 and unknown["Content-Language"] == "en"


def test_unknown_widget_is_404(client):
    assert client.get("/embed/budget-secrets/").status_code == 404


def test_consultations_widget_lists_open_published_consultations_only(client):
    ConsultationFactory(title="A new plan for the park")
    ConsultationFactory(title="Unpublished draft plan", is_published=False)
    ConsultationFactory(title="Closed harbour plan", closed=True)
    html = client.get("/embed/consultations/").content.decode()
    assert "A new plan for the park" in html
    assert "Unpublished draft plan" not in html
    assert "Closed harbour plan" not in html


def test_consultations_widget_says_when_none_is_open(client):
    html = client.get("/embed/consultations/").content.decode()
    assert "No consultation is open at the moment." in html


def test_ideas_widget_lists_ideas_with_their_support(client):
    idea = idea_post(UserFactory(), title="Longer library hours")
    html = client.get("/embed/ideas/").content.decode()
    assert "Longer library hours" in html
    assert f'href="{idea.get_absolute_url()}" target="_blank" rel="noopener"' in html
    assert "supporter" in html


def test_alerts_widget_shows_the_banner_or_no_alerts(client, django_capture_on_commit_callbacks):
    html = client.get("/embed/alerts/").content.decode()
    assert "No alert is in force right now." in html
    # Publishing drops the stored banner once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_factories.published(headline="Gas leak on Harbour Street")
    html = client.get("/embed/alerts/").content.decode()
    assert "Gas leak on Harbour Street" in html
    assert "No alert is in force right now." not in html
    assert alert.get_absolute_url() in html


# --- The staff help page ------------------------------------------------------------------


def test_help_page_is_for_staff_with_the_second_factor(client):
    url = reverse("outreach:embed-help")
    assert url == "/staff/social/embed/"
    answer = client.get(url)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_help_page_says_no_site_may_show_the_widget_without_parents(client, settings):
    settings.EMBED_ALLOWED_PARENTS = []
    client.force_login(StaffFactory(role=roles.MODERATOR, mfa=True))
    html = client.get(reverse("outreach:embed-help")).content.decode()
    assert "data-embed-no-parents" in html and "EMBED_ALLOWED_PARENTS" in html
    for widget in WIDGETS:
        assert f'&lt;div data-civicportal-widget="{widget}" data-title=' in html
    assert "/static/outreach/embed.js" in html


def test_help_page_lists_the_allowed_parents_and_the_ignored_entries(client, settings):
    settings.EMBED_ALLOWED_PARENTS = ["https://www.riverside.example", "not an origin"]
    client.force_login(StaffFactory(role=roles.MODERATOR, mfa=True))
    html = client.get(reverse("outreach:embed-help")).content.decode()
    assert "data-embed-no-parents" not in html
    assert "<code>https://www.riverside.example</code>" in html
    assert "data-embed-invalid-parents" in html and "<code>not an origin</code>" in html
