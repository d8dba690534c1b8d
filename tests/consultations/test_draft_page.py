"""A draft's page with each paragraph's comments folded beside it, and the share cards of
the consultations pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicportal.core.services import comment_create
from consultations.templatetags.consultations_tags import plain_text
from tests.accounts.factories import UserFactory
from tests.consultations.factories import ConsultationFactory, draft_with_paragraphs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_draft_page_shows_each_paragraphs_count_and_a_way_to_its_comments(client):
    consultation = ConsultationFactory()
    draft, (first, second) = draft_with_paragraphs(consultation)
    comment_create(author=UserFactory(), target=first, body="Keep the trees.")

    page = client.get(reverse("consultations:draft-detail", args=[consultation.slug, draft.pk]))

    html = page.content.decode()
    first_block = html[
        html.index(f'id="paragraph-{first.pk}"') : html.index(f'id="paragraph-{second.pk}"')
    ]
    assert 'data-comment-count="1"' in first_block and ">1 comment<" in first_block
    assert f'hx-get="{first.get_absolute_url()}"' in first_block
    assert f'href="{first.get_absolute_url()}"' in first_block  # without JavaScript
    assert "Keep the trees." not in html  # fetched when the fold is opened


def test_draft_page_queries_do_not_grow_with_its_paragraphs(client):
    short = ConsultationFactory()
    short_draft, _ = draft_with_paragraphs(short, texts=("One.",))
    long = ConsultationFactory()
    long_draft, paragraphs = draft_with_paragraphs(long, texts=[f"Text {n}." for n in range(12)])
    for paragraph in paragraphs:
        comment_create(author=UserFactory(), target=paragraph, body="A comment.")
    # The first request fills caches (banners, content types).
    client.get(reverse("consultations:draft-detail", args=[short.slug, short_draft.pk]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("consultations:draft-detail", args=[short.slug, short_draft.pk]))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("consultations:draft-detail", args=[long.slug, long_draft.pk]))
    assert len(many) == len(few)


def test_paragraph_page_answers_htmx_with_the_thread_alone(client):
    consultation = ConsultationFactory()
    _draft, (first, _second) = draft_with_paragraphs(consultation)
    comment_create(author=UserFactory(), target=first, body="Keep the trees.")

    partial = client.get(first.get_absolute_url(), headers={"HX-Request": "true"})
    full = client.get(first.get_absolute_url())

    assert partial.status_code == full.status_code == 200
    fragment = partial.content.decode()
    assert "<html" not in fragment and "Keep the trees." in fragment
    assert "data-comments" in fragment
    assert "<html" in full.content.decode() and "Keep the trees." in full.content.decode()


def test_two_threads_on_one_page_have_form_fields_of_their_own(client):
    consultation = ConsultationFactory()
    _draft, (first, second) = draft_with_paragraphs(consultation)
    client.force_login(UserFactory())

    one = client.get(first.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    two = client.get(second.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()

    assert f'id="comments-consultations-paragraph-{first.pk}-body"' in one
    assert f'id="comments-consultations-paragraph-{second.pk}-body"' in two
    assert 'id="id_body"' not in one + two


def test_consultation_page_card_has_plain_text_and_its_own_picture(client, settings):
    consultation = ConsultationFactory(summary="Tell us **how** you use the park & why.")

    html = client.get(consultation.get_absolute_url()).content.decode()

    assert '<meta property="og:title" content="' + consultation.title + '">' in html
    assert (
        '<meta property="og:description" content="Tell us how you use the park &amp; why.">' in html
    )
    # The card the portal draws for it (civicportal/core/share_cards.py).
    card = f"{settings.SITE_URL}/share/card/consultations.consultation/{consultation.pk}/en/"
    assert f'<meta property="og:image" content="{card}' in html
    assert 'aria-label="Share"' in html


def test_plain_text_drops_markdown_and_entities():
    # Markup typed into the Markdown stays text (the template escapes it where it is shown).
    assert plain_text("A **bold**\n\nplan & <b>x</b>") == "A bold plan & <b>x</b>"
    assert plain_text("") == ""
