"""The portal's own pages: layout, accessibility landmarks, languages, theme and errors."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse

from civicportal.core import navigation, theme, views
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The tags of a page with their attributes, for asserting on structure, not text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts = 0
        self._in_script_without_src = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_script_without_src = tag == "script" and not attributes.get("src")

    def handle_endtag(self, tag):
        self._in_script_without_src = False

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


@pytest.fixture(autouse=True)
def _plain_static(settings):
    """Render without a collected manifest (the e2e tests serve the collected files)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def home_section(settings, tmp_path):
    """A module registered as the proposals app would, with its home-page template."""
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "_home.html").write_text(
        '<section><h2>Ideas from residents</h2><a href="/privacy/">See ideas</a></section>'
    )
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0] = {**templates[0], "DIRS": [*templates[0]["DIRS"], tmp_path]}
    settings.TEMPLATES = templates
    navigation.register_section(
        key="ideas-test",
        label="Ideas",
        url_name="privacy",
        order=10,
        home_template="fake/_home.html",
    )
    navigation.register_section(key="not-ready", label="Later", url_name="nope:missing")
    yield
    navigation.unregister_section("ideas-test")
    navigation.unregister_section("not-ready")


def test_home_page_has_skip_link_landmarks_and_language(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = _Page(response.content.decode())
    assert page.find("html", lang="en")
    skip = page.find("a", href="#main")
    assert skip and "skip-link" in skip[0]["class"]
    assert page.find("main", id="main")
    assert page.find("header") and page.find("footer")
    assert page.find("nav", **{"aria-label": "Main"})
    assert len(page.find("h1")) == 1
    assert page.find("meta", name="csrf-token")[0]["content"]


def test_home_page_loads_only_its_own_scripts_and_styles(client):
    html = client.get(reverse("home")).content.decode()
    page = _Page(html)

    # Links that load something (styles, icon); the canonical address names the page itself.
    loaded = [a["href"] for a in page.find("link") if a.get("rel") != "canonical"]
    urls = [a["src"] for a in page.find("script")] + loaded
    assert urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in urls
    assert "/static/vendor/htmx/htmx.min.js" in urls
    # The content security policy allows no inline script or style.
    assert page.inline_scripts == 0
    assert not re.search(r"\sstyle=", html)


def test_pages_are_served_with_a_content_security_policy(client):
    response = client.get(reverse("home"))

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy


@pytest.fixture
def no_sections(monkeypatch):
    """The home page as a council sees it before any module is switched on."""
    from civicportal.core import navigation

    monkeypatch.setattr(navigation, "_sections", {})


def test_home_page_makes_sense_with_no_module_registered(client, no_sections):
    response = client.get(reverse("home"))

    assert b"Your city, your say" in response.content
    assert b"Nothing is open for comments or votes at the moment." in response.content
    assert reverse("account_signup").encode() in response.content


def test_registered_module_appears_in_menu_and_on_home_page(client, home_section):
    response = client.get(reverse("home"))

    html = response.content.decode()
    page = _Page(html)
    assert page.find("a", class_="nav-link", href=reverse("privacy"))
    assert "Ideas from residents" in html
    assert "Nothing is open for comments" not in html
    assert "Later" not in html  # its URL does not resolve yet, so it is left out


def test_current_section_is_marked_in_the_menu(client, home_section):
    page = _Page(client.get(reverse("privacy")).content.decode())

    current = page.find("a", href=reverse("privacy"), **{"aria-current": "page"})
    assert current


def test_language_switch_to_icelandic_changes_the_page(client):
    english = client.get(reverse("home")).content.decode()
    assert "Skip to main content" in english

    response = client.post(reverse("set_language"), {"language": "is", "next": "/"})
    assert response.status_code == 302

    icelandic = client.get(reverse("home")).content.decode()
    assert _Page(icelandic).find("html", lang="is")
    assert "Skip to main content" not in icelandic
    assert "Fara beint í meginmál" in icelandic
    assert "Borgin þín, þín rödd" in icelandic


def test_language_switcher_is_a_form_that_works_without_javascript(client):
    page = _Page(client.get(reverse("privacy")).content.decode())

    form = page.find("form", action=reverse("set_language"))
    assert form and form[0]["method"] == "post"
    assert page.find("input", type="hidden", name="next", value=reverse("privacy"))
    button = page.find("button", name="language", value="is")
    assert button and button[0]["lang"] == "is"


def test_signed_out_header_offers_sign_in_and_sign_up(client):
    page = _Page(client.get(reverse("home")).content.decode())

    assert page.find("a", href=reverse("account_login"))
    assert page.find("a", href=reverse("account_signup"))
    assert not page.find("form", action=reverse("account_logout"))


def test_signed_in_header_has_profile_and_sign_out_form(client):
    client.force_login(UserFactory(display_name="Sigrún"))

    html = client.get(reverse("home")).content.decode()
    page = _Page(html)
    assert "Sigrún" in html
    assert page.find("a", href=reverse("accounts:profile"))
    logout = page.find("form", action=reverse("account_logout"))
    assert logout and logout[0]["method"] == "post"
    assert not page.find("a", href=reverse("admin:index"))


def test_staff_see_a_link_to_the_administration(client):
    client.force_login(StaffFactory())

    page = _Page(client.get(reverse("home")).content.decode())
    assert page.find("a", href=reverse("admin:index"))


def test_theme_css_reflects_the_configured_colours(client, settings):
    settings.BRAND_PRIMARY_COLOR = "#123456"
    settings.BRAND_ACCENT_COLOR = "#0a5c36"

    response = client.get(reverse("theme-css"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--portal-primary: #123456;" in css
    assert "--portal-primary-rgb: 18, 52, 86;" in css
    assert "--portal-accent: #0a5c36;" in css
    assert "--bs-primary: var(--portal-primary);" in css
    assert "public" in response["Cache-Control"]


def test_theme_css_is_linked_with_a_version_and_cached_long(client, settings):
    page = _Page(client.get(reverse("home")).content.decode())
    theme_links = [a["href"] for a in page.find("link") if "theme.css" in (a["href"] or "")]
    assert theme_links == [f"{reverse('theme-css')}?v={theme.theme_version()}"]

    response = client.get(theme_links[0])
    assert "max-age=31536000" in response["Cache-Control"]

    again = client.get(theme_links[0], HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304

    settings.BRAND_PRIMARY_COLOR = "#3b0a45"
    assert client.get(theme_links[0], HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def test_theme_css_ignores_a_colour_that_is_not_a_colour(client, settings):
    settings.BRAND_PRIMARY_COLOR = "red; } body { display: none"

    css = client.get(reverse("theme-css")).content.decode()

    assert "display: none" not in css
    assert f"--portal-primary: {theme.DEFAULT_PRIMARY};" in css


def test_default_brand_colours_keep_aa_contrast_with_white():
    primary, accent = (
        theme.parse_hex(theme.DEFAULT_PRIMARY),
        theme.parse_hex(theme.DEFAULT_ACCENT),
    )
    assert theme.contrast_ratio(primary, theme.WHITE) >= 4.5
    assert theme.contrast_ratio(accent, theme.WHITE) >= 4.5


def test_system_check_warns_about_a_brand_colour_too_light_for_white_text(settings):
    from civicportal.core.checks import check_brand_colours

    settings.BRAND_PRIMARY_COLOR = "#7fb0dd"
    settings.BRAND_ACCENT_COLOR = "not a colour"

    ids = sorted(warning.id for warning in check_brand_colours())
    assert ids == ["core.W001", "core.W002"]


def test_missing_page_is_styled_with_status_404(client):
    response = client.get("/there-is-no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in unescape(html)
    page = _Page(html)
    assert page.find("main", id="main")
    assert any("css/portal.css" in (a["href"] or "") for a in page.find("link"))


def test_forbidden_page_is_styled_with_status_403(rf):
    request = rf.get("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = views.permission_denied(request)

    assert response.status_code == 403
    assert "You can't do that here" in unescape(response.content.decode())
    assert b"css/portal.css" in response.content


def test_server_error_page_renders_without_any_context():
    html = loader.get_template("500.html").render({})

    assert "Sorry, something went wrong on our side" in html
    page = _Page(html)
    assert page.find("link", rel="stylesheet", href="/static/css/portal.css")
    assert page.find("main", id="main")


def test_server_error_handler_answers_500():
    response = views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert b"/static/css/portal.css" in response.content


def test_privacy_and_accessibility_pages_are_linked_from_every_page(client):
    page = _Page(client.get(reverse("home")).content.decode())

    for name in ("privacy", "accessibility", "api-docs"):
        assert page.find("a", href=reverse(name)), name
        if name != "api-docs":
            assert client.get(reverse(name)).status_code == 200


def test_messages_are_announced(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("account_logout"), follow=True)

    page = _Page(response.content.decode())
    assert page.find("div", role="status") or page.find("div", role="alert")


def test_login_page_uses_the_portal_layout_with_labelled_fields(client):
    html = client.get(reverse("account_login")).content.decode()
    page = _Page(html)

    assert page.find("main", id="main")
    assert any("entrance-card" in (a.get("class") or "") for a in page.find("div"))
    for control in page.find("input"):
        if control.get("type") in {"hidden", "checkbox"}:
            continue
        assert page.find("label", for_=control["id"]), control
        assert "form-control" in control["class"]
    assert page.find("a", href=reverse("account_reset_password"))


def test_signup_errors_are_summarised_and_tied_to_their_fields(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-email", "password1": "short", "password2": "different"},
    )

    assert response.status_code == 200
    page = _Page(response.content.decode())
    summary = page.find("div", role="alert")
    assert summary and "error-summary" in summary[0]["class"]
    email = page.find("input", name="email")[0]
    assert email["aria-invalid"] == "true"
    assert "id_email_error" in email["aria-describedby"]
    assert page.find("div", id="id_email_error")


def test_account_settings_pages_have_the_account_menu(client):
    client.force_login(UserFactory())

    page = _Page(client.get(reverse("account_email")).content.decode())

    nav = page.find("nav", **{"aria-label": "Account settings"})
    assert nav
    assert page.find("a", href=reverse("account_email"), **{"aria-current": "page"})


def test_account_pages_are_in_icelandic_too(client):
    """allauth ships no Icelandic; civicportal/locale_allauth provides it."""
    client.post(reverse("set_language"), {"language": "is", "next": "/"})

    html = client.get(reverse("account_login")).content.decode()

    assert "Gleymdirðu lykilorðinu?" in html
    assert "Forgot your password?" not in html
    assert "Muna eftir mér" in html
