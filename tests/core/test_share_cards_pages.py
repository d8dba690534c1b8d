"""Every public page carries Open Graph and Twitter card tags whose picture the portal
draws; pages of one person or of staff carry none and keep search engines out."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from civicportal.core.templatetags.participation import PRIVATE_PATH_PREFIXES
from tests.accounts.factories import AreaFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory
from tests.community.factories_events import event
from tests.community.stories_fixtures import CampaignFactory, StoryFactory
from tests.consultations.factories import ConsultationFactory
from tests.proposals.factories import idea_post

pytestmark = pytest.mark.usefixtures("uncollected_static")

PUBLIC_PAGES = [
    "home",
    "privacy",
    "accessibility",
    "core:share-mastodon",
    "proposals:idea-list",
    "proposals:forwarded",
    "budgeting:process-list",
    "alerts:alert-list",
    "alerts:factcheck-list",
    "consultations:consultation-list",
    "community:story-list",
    "community:event-list",
]

ITEM_PAGES = ["idea", "consultation", "process", "project", "event", "story", "campaign"]


class _Head(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        key = attributes.get("property") or attributes.get("name")
        if tag == "meta" and key:
            self.meta.setdefault(key, []).append(attributes.get("content") or "")


def _check_card_tags(client, html: str) -> dict[str, list[str]]:
    meta = _Head(html).meta
    for key in ("og:title", "og:image", "og:url", "twitter:card", "twitter:image"):
        assert len(meta.get(key, [])) == 1, f"{key}: {meta.get(key)}"
    assert meta["og:title"][0].strip()
    assert meta["twitter:card"] == ["summary_large_image"]
    image = meta["og:image"][0]
    assert image.startswith(settings.SITE_URL + "/share/card/"), image
    assert meta["twitter:image"] == [image]
    assert meta["og:image:width"] == ["1200"] and meta["og:image:height"] == ["630"]
    assert meta["og:image:alt"][0].strip()
    parts = urlsplit(image)
    answer = client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    assert answer.status_code == 200, image
    assert Image.open(io.BytesIO(answer.content)).size == (1200, 630)
    return meta


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_has_open_graph_and_twitter_card_tags_with_a_drawn_card(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    meta = _check_card_tags(client, response.content.decode())
    assert "robots" not in meta


@pytest.fixture
def item_urls(db):
    area = AreaFactory(name="Vesturbær")
    process = ProcessFactory(title="Riverside budget", slug="riverside-budget")
    items = {
        "idea": idea_post(UserFactory(), title="Longer library hours", area=area),
        "consultation": ConsultationFactory(title="A new plan for the park"),
        "process": process,
        "project": ProjectFactory(ballot=BallotFactory(process=process), title="Bike racks"),
        "event": event(title="Riverside clean-up"),
        "story": StoryFactory(published=True, title="Our garden", area=area),
        "campaign": CampaignFactory(name="We are Riverside"),
    }
    return {kind: item.get_absolute_url() for kind, item in items.items()}


@pytest.mark.parametrize("kind", ITEM_PAGES)
def test_item_page_shares_the_card_of_the_item_itself(client, item_urls, kind):
    response = client.get(item_urls[kind])
    assert response.status_code == 200
    meta = _check_card_tags(client, response.content.decode())
    assert "/share/card/page/" not in meta["og:image"][0]


def test_page_title_of_a_list_is_its_cards_title(client, db):
    html = client.get(reverse("proposals:idea-list")).content.decode()
    meta = _Head(html).meta
    title = meta["og:title"][0]
    assert title and title != settings.SITE_NAME
    assert f"{title} · {settings.COUNCIL_NAME}" in html  # the <title> the page shows


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + str(pattern.pattern)


def test_every_public_page_without_arguments_carries_the_card_tags(client, db):
    """Each address without parameters that answers an anonymous visitor with a page."""
    checked = []
    for path in _routes(get_resolver().url_patterns):
        if "<" in path or "(?P" in path or "^" in path or path.startswith(PRIVATE_PATH_PREFIXES):
            continue
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        if "<head>" not in html:
            continue  # an htmx fragment or a part of a page
        _check_card_tags(client, html)
        checked.append(path)
    assert len(checked) >= len(PUBLIC_PAGES), checked


def test_pages_of_one_person_and_of_staff_have_no_card_and_keep_search_engines_out(client, db):
    client.force_login(UserFactory())
    for path in ("/profile/", "/profile/notifications/"):
        response = client.get(path)
        assert response.status_code == 200, path
        meta = _Head(response.content.decode()).meta
        assert meta.get("robots") == ["noindex"], path
        assert "og:image" not in meta and "twitter:card" not in meta, path
