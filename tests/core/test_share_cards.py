"""Share cards: the pictures are 1200x630, show the title (Icelandic letters too), are
kept under an address naming what is drawn, and exist only for public items and for page
titles the portal signed itself."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from PIL import Image, ImageChops

from civicportal.core import share_cards
from civicportal.core.models.moderation import ModerationState
from community.models import Story
from proposals.models import Idea
from tests.accounts.factories import AreaFactory, UserFactory
from tests.alerts import factories as alert_factories
from tests.community.stories_fixtures import StoryFactory
from tests.consultations.factories import ConsultationFactory
from tests.proposals.factories import idea_post

ICELANDIC = "þðæöáÞÐÆÖÁ"


def _card(title: str, **fields) -> share_cards.Card:
    values = {
        "title": title,
        "area": "",
        "label": "Ideas",
        "council": "Riverside City Council",
        "site": "CivicPortal",
        "colour": "#1d4e89",
        "language": "en",
        **fields,
    }
    return share_cards.Card(**values)


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def _title_region(image: Image.Image) -> Image.Image:
    return image.crop(share_cards._TITLE_BOX)


def _changed_pixels(first: Image.Image, second: Image.Image) -> int:
    difference = ImageChops.difference(first, second).convert("L")
    return difference.point(lambda value: 255 if value > 40 else 0).histogram()[255]


# --- Layout and drawing -------------------------------------------------------------------


def test_short_title_fits_on_one_line_at_the_largest_size():
    layout = share_cards.title_layout("Longer library hours")
    assert layout.lines == ["Longer library hours"]
    assert layout.size == max(share_cards._TITLE_SIZES)


def test_long_title_wraps_and_shrinks_keeping_every_word():
    title = "A new cycle path along the harbour from the old ferry terminal to the north beach"
    layout = share_cards.title_layout(title)
    assert 1 < len(layout.lines) <= share_cards.MAX_TITLE_LINES
    assert " ".join(layout.lines) == title
    width = share_cards._TITLE_BOX[2] - share_cards._TITLE_BOX[0]
    face = share_cards.font(layout.size)
    assert all(face.getlength(line) <= width for line in layout.lines)


def test_title_too_long_for_the_card_ends_in_an_ellipsis_within_the_line_limit():
    title = " ".join(["Neighbourhood"] * 60)
    layout = share_cards.title_layout(title)
    assert len(layout.lines) == share_cards.MAX_TITLE_LINES
    assert layout.lines[-1].endswith("…")
    assert layout.size == min(share_cards._TITLE_SIZES)


def test_a_word_wider_than_the_card_is_cut_rather_than_overflowing():
    layout = share_cards.title_layout("X" * 200)
    width = share_cards._TITLE_BOX[2] - share_cards._TITLE_BOX[0]
    face = share_cards.font(layout.size)
    assert all(face.getlength(line) <= width for line in layout.lines)


def test_the_shipped_font_has_a_glyph_of_its_own_for_each_icelandic_letter():
    face = share_cards.font(60)
    missing = bytes(face.getmask("\uffff"))
    glyphs = {letter: bytes(face.getmask(letter)) for letter in ICELANDIC}
    assert all(glyph != missing for glyph in glyphs.values())
    # Each letter is drawn differently: no fallback box shared by several of them.
    assert len(set(glyphs.values())) == len(ICELANDIC)


def test_card_is_1200_by_630_and_the_title_is_drawn():
    png = share_cards.card_render(_card("Longer library hours"))
    image = _image(png)
    assert image.size == (1200, 630)
    region = _title_region(image)
    background = Image.new("RGB", region.size, image.getpixel((5, 5)))
    assert _changed_pixels(region, background) > 2000, "the title region holds no text"
    # White text on the brand colour: the title's own pixels are there.
    pixels = region.width * region.height
    colours = {colour for _count, colour in region.getcolors(maxcolors=pixels)}
    assert (255, 255, 255) in colours


def test_cards_of_two_titles_differ_in_the_title_region_only_where_text_is():
    first = _image(share_cards.card_render(_card("Longer library hours")))
    second = _image(share_cards.card_render(_card("More benches in the park")))
    assert _changed_pixels(_title_region(first), _title_region(second)) > 1000
    # The council's band at the bottom is the same on both.
    band = (0, 560, 1200, 630)
    assert _changed_pixels(first.crop(band), second.crop(band)) == 0


def test_icelandic_title_is_drawn_unlike_a_title_of_missing_glyphs():
    icelandic = _image(share_cards.card_render(_card("Þjóðhátíð á Ísafirði: ævintýri og öryggi")))
    boxes = _image(share_cards.card_render(_card("\uffff" * 10)))
    plain = _image(share_cards.card_render(_card("Thjodhatid a Isafirdi: aevintyri og oryggi")))
    assert _changed_pixels(_title_region(icelandic), _title_region(boxes)) > 1000
    # Accents and thorns are drawn, not dropped: the plain spelling looks different.
    assert _changed_pixels(_title_region(icelandic), _title_region(plain)) > 200


def test_area_and_brand_are_part_of_what_the_digest_names():
    card = _card("Longer library hours")
    assert card.digest == _card("Longer library hours").digest
    assert card.digest != _card("Longer library hours", area="Old Town").digest
    assert card.digest != _card("Longer library hours", council="Harbour Council").digest
    assert card.digest != _card("Longer library hours", colour="#2e6b30").digest
    assert card.digest != _card("Longer library hours", language="is").digest
    assert card.digest != _card("Longer library hours!").digest


def test_area_is_drawn_below_the_title():
    without = _image(share_cards.card_render(_card("Longer library hours")))
    with_area = _image(share_cards.card_render(_card("Longer library hours", area="Old Town")))
    below_title = (72, 240, 1128, 530)
    assert _changed_pixels(without.crop(below_title), with_area.crop(below_title)) > 300


# --- Item cards ---------------------------------------------------------------------------


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture
def idea(db):
    return idea_post(
        UserFactory(), title="Longer library hours", area=AreaFactory(name="Vesturbær")
    )


def test_item_card_is_served_as_an_immutable_png_and_kept_in_storage(client, idea):
    path = share_cards.item_card_path(idea)
    digest = path.rsplit("/", 1)[-1].removesuffix(".png")

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=31536000" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert _image(response.content).size == (1200, 630)
    stored = f"{share_cards.STORAGE_DIR}/{digest}.png"
    assert default_storage.exists(stored)
    with default_storage.open(stored, "rb") as file:
        assert file.read() == response.content


def test_item_card_is_read_from_storage_once_drawn(client, idea):
    path = share_cards.item_card_path(idea)
    client.get(path)
    digest = path.rsplit("/", 1)[-1].removesuffix(".png")
    stored = f"{share_cards.STORAGE_DIR}/{digest}.png"
    # Swap the stored picture: a second request serves what is stored, not a new drawing.
    marker = share_cards.card_render(_card("Stored copy"))
    default_storage.delete(stored)
    default_storage.save(stored, io.BytesIO(marker))

    assert client.get(path).content == marker


def test_card_shows_the_item_title_area_and_module(idea):
    card = share_cards.card_for_item(idea)
    assert card.title == "Longer library hours"
    assert card.area == "Vesturbær"
    assert card.label == "Ideas"
    assert card.council and card.site


def test_title_change_gives_a_new_address_and_the_old_one_no_longer_serves_it(client, idea):
    old_path = share_cards.item_card_path(idea)
    old_png = client.get(old_path).content

    Idea.objects.filter(pk=idea.pk).update(title="Library open on Sundays")
    idea.refresh_from_db()
    new_path = share_cards.item_card_path(idea)

    assert new_path != old_path
    old_answer = client.get(old_path)
    assert old_answer.status_code == 302 and old_answer["Location"] == new_path
    new_png = client.get(new_path).content
    assert _changed_pixels(_title_region(_image(old_png)), _title_region(_image(new_png))) > 1000


def test_hidden_idea_has_no_card(client, idea):
    path = share_cards.item_card_path(idea)
    Idea.objects.filter(pk=idea.pk).update(moderation_state=ModerationState.PENDING)
    assert client.get(path).status_code == 404


def test_unpublished_consultation_has_no_card(client, db):
    consultation = ConsultationFactory(title="Draft plan", is_published=False)
    assert client.get(share_cards.item_card_path(consultation)).status_code == 404
    published = ConsultationFactory(title="Open plan")
    assert client.get(share_cards.item_card_path(published)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/share/card/proposals.idea/999999/en/0123456789abcdef.png",
        "/share/card/nosuch.model/1/en/0123456789abcdef.png",
        "/share/card/notalabel/1/en/0123456789abcdef.png",
        "/share/card/accounts.user/1/en/0123456789abcdef.png",
        "/share/card/proposals.idea/1/xx/0123456789abcdef.png",
        "/share/card/proposals.idea/99999999999999999999999/en/0123456789abcdef.png",
    ],
)
def test_unknown_items_models_and_languages_answer_404(client, db, path):
    assert client.get(path).status_code == 404


def test_each_language_has_its_own_card_address(client, idea):
    with translation.override("is"):
        icelandic = share_cards.item_card_path(idea)
    with translation.override("en"):
        english = share_cards.item_card_path(idea)
    assert "/is/" in icelandic and "/en/" in english
    assert icelandic.rsplit("/", 1)[-1] != english.rsplit("/", 1)[-1]
    assert client.get(icelandic).status_code == 200
    assert client.get(english).status_code == 200


# --- Page cards ---------------------------------------------------------------------------


def test_page_card_draws_a_signed_title(client, db):
    path = share_cards.page_card_path("Consultations")
    response = client.get(path)
    assert response.status_code == 200
    assert _image(response.content).size == (1200, 630)
    other = client.get(share_cards.page_card_path("Ideas"))
    assert (
        _changed_pixels(
            _title_region(_image(response.content)), _title_region(_image(other.content))
        )
        > 500
    )


def test_page_card_refuses_a_title_the_portal_did_not_sign(client, db):
    path = share_cards.page_card_path("Consultations")
    base = path.split("?", 1)[0]
    signed = share_cards.page_title_sign("Consultations")
    forged = signed.replace("Consultations", "Pay your fine at evil.example")

    assert client.get(base).status_code == 404
    assert client.get(base, {"t": "Pay your fine at evil.example"}).status_code == 404
    assert client.get(base, {"t": forged}).status_code == 404
    assert client.get(base, {"t": signed}).status_code == 200


def test_page_card_with_an_outdated_digest_is_sent_to_the_current_one(client, db, settings):
    old = share_cards.page_card_path("Consultations")
    settings.COUNCIL_NAME = "Harbour Council"
    current = share_cards.page_card_path("Consultations")
    assert current != old
    answer = client.get(old)
    assert answer.status_code == 302 and answer["Location"] == current


def test_alert_card_follows_its_page_a_published_alert_has_one_a_pending_one_not(
    client, db, django_capture_on_commit_callbacks
):
    pending = alert_factories.pending(headline="Water main burst on Mill Road")
    assert client.get(share_cards.item_card_path(pending)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        published = alert_factories.published(headline="Gas leak on Harbour Street")
    card = share_cards.card_for_item(published)
    assert card.title == "Gas leak on Harbour Street"
    response = client.get(share_cards.item_card_path(published))
    assert response.status_code == 200
    assert _image(response.content).size == (1200, 630)
    # Asking the alert's page left nothing behind for the visitor: no cookie.
    assert not response.cookies
    # The alert page a page cache may have kept while asking is the full page visitors get.
    page = client.get(published.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Gas leak on Harbour Street" in html and 'href="/accounts/login/"' in html
    assert f"/share/card/alerts.alert/{published.pk}/en/{card.digest}.png" in html


def test_story_awaiting_moderation_has_no_card_once_published_it_has(client, db):
    story = StoryFactory(title="Our garden")
    assert client.get(share_cards.item_card_path(story)).status_code == 404
    Story.objects.filter(pk=story.pk).update(state="published", published_at=timezone.now())
    story.refresh_from_db()
    assert client.get(share_cards.item_card_path(story)).status_code == 200
