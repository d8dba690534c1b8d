"""The staff's social posts screens: permissions, compose, preview, approve, the list, and
bad input answered with a clear message (never a 500)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civicportal.notifications.models import Delivery, SocialPost
from civicportal.notifications.services import deliveries_send
from outreach.models import Post, PostState
from outreach.services import posts as services
from tests.accounts.factories import StaffFactory, UserFactory
from tests.community.stories_fixtures import StoryFactory
from tests.outreach.posts_fixtures import approved, awaiting, compose, consultation, editor

pytestmark = pytest.mark.django_db

LIST = "/staff/social/"
SOURCES = "/staff/social/compose/"


def _form(**overrides) -> dict:
    data = {
        "text_mastodon": "The park plan is open for your views.",
        "text_recording": "Park plan: have your say.",
        "card_title": "Riverside park plan",
        "card_description": "Tell us what the park needs.",
        "scheduled_for": "",
    }
    data.update(overrides)
    return data


def test_screens_need_the_role_and_the_second_factor(client):
    post = awaiting()
    pages = [LIST, SOURCES, post.get_absolute_url()]
    client.force_login(StaffFactory(role="Social media editor", mfa=False))
    assert all(client.get(page).status_code == 302 for page in pages)  # to set up MFA
    for user in (UserFactory(), StaffFactory(mfa=True)):
        client.force_login(user)
        assert all(client.get(page).status_code == 403 for page in pages)
    client.force_login(editor())
    assert all(client.get(page).status_code == 200 for page in pages)


def test_the_admin_lists_posts_read_only_and_links_the_screen(client):
    post = awaiting()
    client.force_login(StaffFactory(role="Social media editor", mfa=True, is_superuser=True))
    page = client.get("/admin/outreach/post/").content.decode()
    assert post.card_title in page
    assert post.get_absolute_url() in page
    assert client.get("/admin/outreach/post/add/").status_code == 403


def test_sources_list_recent_public_items_of_every_kind(client):
    shown = consultation(title="Riverside park plan")
    consultation(title="Secret draft", is_published=False)
    story = StoryFactory(published=True, title="Our garden")
    client.force_login(editor())

    page = client.get(SOURCES).content.decode()

    assert reverse("outreach:post-compose", args=["consultations.opening", shown.pk]) in page
    assert reverse("outreach:post-compose", args=["community.story", story.pk]) in page
    assert "Secret draft" not in page
    assert "An idea&#x27;s official answer" in page or "An idea's official answer" in page


def test_compose_page_prefills_each_account_and_previews_the_card(client):
    made = consultation()
    client.force_login(editor())

    page = client.get(reverse("outreach:post-compose", args=["consultations.opening", made.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-social-limit="500"' in html and 'data-social-limit="120"' in html
    assert "Have your say: “Riverside park plan”" in html
    assert f"https://portal.example{made.get_absolute_url()}" in html
    assert "/share/card/page/" in html and "outreach/compose." in html


def test_compose_saves_a_draft_and_shows_its_preview(client):
    made = consultation()
    by = editor()
    client.force_login(by)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("outreach:post-compose", args=["consultations.opening", made.pk]),
        _form(scheduled_for=when),
    )

    post = Post.objects.get()
    assert response["Location"] == post.get_absolute_url()
    assert post.author == by and post.scheduled_for is not None
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Park plan: have your say." in page and "Send for approval" in page


def test_compose_refuses_an_over_long_text_with_the_count_and_keeps_what_was_typed(client):
    made = consultation()
    client.force_login(editor())

    response = client.post(
        reverse("outreach:post-compose", args=["consultations.opening", made.pk]),
        _form(text_recording="y" * 130),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "This text has 130 characters; recording takes at most 120" in html
    assert "y" * 130 in html
    assert not Post.objects.exists()


def test_compose_refuses_a_past_time_with_a_clear_message(client):
    made = consultation()
    client.force_login(editor())
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("outreach:post-compose", args=["consultations.opening", made.pk]),
        _form(scheduled_for=past),
    )

    assert response.status_code == 200
    assert "This time has passed" in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/social/compose/nothing.here/1/",
        "/staff/social/compose/consultations.opening/999999/",
    ],
)
def test_compose_from_an_unknown_source_says_so(client, path):
    client.force_login(editor())
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == SOURCES
    html = response.content.decode()
    assert "no kind of item called" in html or "does not exist or is not public" in html
    assert client.post(path, _form()).status_code == 302
    assert not Post.objects.exists()


def test_two_editors_submit_and_approve_through_the_pages(client):
    author, second = editor(), editor()
    post = compose(by=author)
    client.force_login(author)
    client.post(reverse("outreach:post-submit", args=[post.pk]))
    version = services.post_version(Post.objects.get(pk=post.pk))

    own = client.post(reverse("outreach:post-approve", args=[post.pk]), {"version": version})
    assert own.status_code == 302
    page = client.get(post.get_absolute_url()).content.decode()
    assert "someone else must approve it" in page
    assert Post.objects.get(pk=post.pk).state == PostState.AWAITING_APPROVAL

    client.force_login(second)
    page = client.get(post.get_absolute_url()).content.decode()
    assert f'value="{version}"' in page
    client.post(reverse("outreach:post-approve", args=[post.pk]), {"version": version})
    assert Post.objects.get(pk=post.pk).state == PostState.SCHEDULED

    again = client.post(
        reverse("outreach:post-approve", args=[post.pk]), {"version": version}, follow=True
    )
    assert again.status_code == 200
    assert "so it cannot be approved" in again.content.decode()


def test_reject_and_cancel_without_a_reason_are_refused_plainly(client):
    post = awaiting()
    client.force_login(editor())
    for name in ("outreach:post-reject", "outreach:post-cancel"):
        response = client.post(reverse(name, args=[post.pk]), {"reason": ""}, follow=True)
        assert response.status_code == 200
        assert "Say why, in a few words." in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == PostState.AWAITING_APPROVAL
    client.post(reverse("outreach:post-cancel", args=[post.pk]), {"reason": "Duplicate"})
    assert Post.objects.get(pk=post.pk).state == PostState.CANCELLED


def test_a_missing_post_is_a_404(client):
    client.force_login(editor())
    assert client.get("/staff/social/999999/").status_code == 404
    assert client.post("/staff/social/999999/approve/", {"version": "x"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_list_shows_state_schedule_and_each_accounts_status_and_link(
    client, settings, broker, django_assert_max_num_queries
):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["recording"]
    settings.NOTIFICATIONS_SOCIAL_MAX_LENGTH = 500
    later = approved(scheduled_for=timezone.now() + timedelta(hours=1))
    post = approved()
    services.posts_publish_due()
    post.refresh_from_db()
    delivery_ids = list(post.event.deliveries.values_list("pk", flat=True))
    deliveries_send(delivery_ids=delivery_ids)  # what the worker does with them
    delivery = Delivery.objects.get(pk=delivery_ids[0])
    assert delivery.status == "sent"
    # The network's public address of the post, as every backend records it.
    SocialPost.objects.filter(delivery=delivery).update(
        post_url="https://social.example/@council/1"
    )
    client.force_login(editor())

    with django_assert_max_num_queries(20):
        html = client.get(LIST).content.decode()

    assert 'data-state="published"' in html and 'data-state="scheduled"' in html
    assert 'data-status="sent"' in html
    assert 'href="https://social.example/@council/1"' in html
    assert later.card_title in html


def test_the_status_panel_polls_while_the_post_is_on_its_way_and_stops_after(client):
    from civicportal.notifications.models import Delivery

    post = approved()
    client.force_login(editor())

    partial = client.get(post.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'hx-trigger="every 5s"' in partial
    assert partial.count("not posted yet") == 2

    services.posts_publish_due()
    Delivery.objects.filter(event__social_composed_post=post).update(
        status="failed", last_error="401 the access token is invalid"
    )
    partial = client.get(post.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial
    assert partial.count("401 the access token is invalid") == 2


def test_compose_is_refused_before_anything_is_looked_up_for_staff_without_the_role(client):
    client.force_login(StaffFactory(mfa=True))
    assert client.get("/staff/social/compose/nothing.here/1/").status_code == 403
    assert client.post("/staff/social/compose/consultations.opening/1/").status_code == 403
