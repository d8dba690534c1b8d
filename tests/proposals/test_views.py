from __future__ import annotations

import re
import threading

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Idea, IdeaVote, Point
from tests.accounts.factories import UserFactory
from tests.proposals.factories import idea_post, jpeg_with_gps, pdf_named_jpg, point_post, vote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static(uncollected_static):
    """Pages render with the plain static storage (no collected manifest needed)."""


@pytest.fixture
def uncollected_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_list_page_shows_ideas_and_filters(client, resident, category):
    idea_post(resident, title="Benches by the river", category=category)
    response = client.get(reverse("proposals:idea-list"), {"sort": "top"})
    assert response.status_code == 200
    assert "Benches by the river" in response.text
    assert "1 idea found." in response.text


def _count_list_queries(client, per_page: int) -> int:
    url = reverse("proposals:idea-list")
    client.get(url)  # the first visit stores the random seed in the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"per_page": per_page, "sort": "random"})
    assert response.status_code == 200
    assert response.text.count('class="card h-100 idea-card"') == per_page
    return len(queries)


def test_list_query_count_is_the_same_for_10_and_100_ideas(
    client, resident, other, category, settings
):
    settings.PROPOSALS_IDEAS_PER_DAY = 0
    from tests.accounts.factories import AreaFactory

    area = AreaFactory()
    for n in range(100):
        idea = idea_post(resident, title=f"Idea number {n}", category=category, area=area)
        if n % 3 == 0:
            vote(other, idea)
    client.force_login(other)
    with_10 = _count_list_queries(client, 10)
    with_100 = _count_list_queries(client, 100)
    assert with_10 == with_100


def test_cards_and_page_descriptions_show_the_text_without_markdown(client, resident, category):
    idea = idea_post(
        resident, body="A stop on the **number 4** route, see [the map](https://x.org)."
    )
    plain = "A stop on the number 4 route, see the map."
    card = client.get(reverse("proposals:idea-list")).text
    assert f'<p class="card-text">{plain}</p>' in card
    page = client.get(idea.get_absolute_url()).text
    assert f'<meta property="og:description" content="{plain}">' in page
    assert "**" not in card and "**" not in page.split("<main")[0]


def _count_idea_page_queries(client, idea: Idea) -> int:
    client.get(idea.get_absolute_url())  # warm: content types, the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(idea.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def _discuss(idea: Idea, pairs: int) -> None:
    """``pairs`` points for and against, and as many comments with a reply each."""
    from civicportal.core.services import comment_create

    for n in range(pairs):
        point_post(UserFactory(), idea, "for", f"Point for number {n}.")
        point_post(UserFactory(), idea, "against", f"Point against number {n}.")
        comment = comment_create(author=UserFactory(), target=idea, body=f"Comment {n}.")
        comment_create(author=UserFactory(), target=idea, body=f"Reply {n}.", parent=comment)


def test_idea_page_query_count_does_not_grow_with_its_points_or_comments(
    client, resident, category
):
    """Each point's report link needs its idea's URL: the points must not each load the idea."""
    few = idea_post(resident, title="Few points", category=category)
    many = idea_post(resident, title="Many points", category=category)
    _discuss(few, 1)
    _discuss(many, 6)
    client.force_login(UserFactory())  # signed in, not an author: every point has its links
    with_2 = _count_idea_page_queries(client, few)
    with_12 = _count_idea_page_queries(client, many)
    response = client.get(many.get_absolute_url())
    assert response.text.count(f"next={many.get_absolute_url()}") >= 12
    assert with_2 == with_12


def test_detail_page_has_two_point_columns_opengraph_and_comments(
    client, resident, other, category
):
    idea = idea_post(resident, category=category)
    point_post(other, idea, "for", "Good for older people.")
    point_post(other, idea, "against", "Costs money.")
    response = client.get(idea.get_absolute_url())
    assert response.status_code == 200
    text = response.text
    assert 'property="og:title" content="More benches in the park"' in text
    assert "data-points-for" in text and "data-points-against" in text
    assert text.index("Good for older people.") < text.index("Costs money.")
    assert "Sign in to vote" in text
    assert "comments" in text


def test_hidden_idea_is_not_found(client, resident, category):
    idea = idea_post(resident, category=category)
    Idea.objects.filter(pk=idea.pk).update(moderation_state="hidden")
    assert client.get(idea.get_absolute_url()).status_code == 404


def test_post_idea_with_photo_through_the_form(client, resident, category):
    client.force_login(resident)
    response = client.post(
        reverse("proposals:idea-create"),
        {
            "title": "Water fountain at the square",
            "body": "For *hot* days.",
            "category": category.pk,
            "location_latitude": "64.146600",
            "location_longitude": "-21.942600",
            "image": jpeg_with_gps(),
            "image_description": "The empty square",
        },
    )
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == idea.get_absolute_url()
    assert idea.has_point and idea.image


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"title": ""}, "Give your idea a title."),
        ({"body": "<script>alert(1)</script>"}, "Remove the script"),
        ({"image": "pdf"}, "This file is not a picture we can read."),
    ],
)
def test_post_idea_refuses_bad_input_and_keeps_what_was_typed(
    client, resident, category, data, field_message
):
    client.force_login(resident)
    form = {
        "title": "Keep this title",
        "body": "Keep this text",
        "category": category.pk,
        "image_description": "x",
    }
    form.update(data)
    if form.get("image") == "pdf":
        form["image"] = pdf_named_jpg()
    response = client.post(reverse("proposals:idea-create"), form)
    assert response.status_code == 400
    assert field_message in response.text
    assert "There is a problem" in response.text
    assert not Idea.objects.exists()
    if data.get("title") != "":
        assert 'value="Keep this title"' in response.text


def test_post_idea_needs_sign_in(client):
    response = client.get(reverse("proposals:idea-create"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_vote_without_javascript_redirects_with_a_message(client, resident, other, category):
    idea = idea_post(resident, category=category)
    client.force_login(other)
    url = reverse("proposals:idea-vote", args=[idea.pk])
    response = client.post(url, {"value": "support"}, follow=True)
    assert "You support this idea." in response.text
    idea.refresh_from_db()
    assert idea.support_count == 1
    client.post(url, {"value": "withdraw"})
    idea.refresh_from_db()
    assert idea.support_count == 0


def test_vote_with_htmx_returns_the_panel(client, resident, other, category):
    idea = idea_post(resident, category=category)
    client.force_login(other)
    response = client.post(
        reverse("proposals:idea-vote", args=[idea.pk]),
        {"value": "oppose"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="vote-panel')
    assert "1 opponent" in response.text


def test_vote_past_the_rate_limit_shows_why_and_keeps_the_vote(
    client, resident, other, category, settings
):
    settings.PROPOSALS_VOTE_RATE_LIMIT = 1
    idea = idea_post(resident, category=category)
    client.force_login(other)
    url = reverse("proposals:idea-vote", args=[idea.pk])
    client.post(url, {"value": "support"})
    # With htmx the panel comes back (swapped in: a 2xx) with the reason, the vote as it was.
    response = client.post(url, {"value": "oppose"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "You have voted 1 times in a short time" in response.text
    assert 'aria-pressed="true">Support<' in response.text
    # Without JavaScript the idea page tells the same after the redirect.
    response = client.post(url, {"value": "oppose"}, follow=True)
    assert "your vote has not changed" in response.text
    assert IdeaVote.objects.get(idea=idea, user=other).value == "support"
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 0)


def test_vote_on_a_hidden_idea_is_not_found(client, resident, other, category):
    idea = idea_post(resident, category=category)
    Idea.objects.filter(pk=idea.pk).update(moderation_state="hidden")
    client.force_login(other)
    url = reverse("proposals:idea-vote", args=[idea.pk])
    assert client.post(url, {"value": "support"}).status_code == 404
    assert client.post(url, {"value": "support"}, headers={"HX-Request": "true"}).status_code == 404
    assert not IdeaVote.objects.exists()


def test_vote_requires_sign_in(client, resident, category):
    idea = idea_post(resident, category=category)
    response = client.post(reverse("proposals:idea-vote", args=[idea.pk]), {"value": "support"})
    assert response.status_code == 302
    assert not IdeaVote.objects.exists()


def test_add_point_and_rate_it(client, resident, other, category):
    idea = idea_post(resident, category=category)
    client.force_login(other)
    response = client.post(
        reverse("proposals:point-create", args=[idea.pk]),
        {"side": "against", "text": "Too expensive."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "Too expensive." in response.text
    point = Point.objects.get()
    client.force_login(resident)
    response = client.post(reverse("proposals:point-rate", args=[point.pk]), {"value": "helpful"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.helpful_count == 1


def test_add_point_refuses_empty_text(client, resident, other, category):
    idea = idea_post(resident, category=category)
    client.force_login(other)
    response = client.post(
        reverse("proposals:point-create", args=[idea.pk]), {"side": "for", "text": ""}
    )
    assert response.status_code == 400
    assert "Write your point before adding it." in response.text


def test_similar_ideas_suggested_while_typing(client, resident, category):
    idea_post(resident, title="More benches in the park", category=category)
    response = client.get(reverse("proposals:idea-similar"), {"title": "benches in the park"})
    assert "More benches in the park" in response.text


def test_forwarded_page_lists_answers_with_days(client, resident, category, moderator):
    from proposals import services

    idea = idea_post(resident, category=category)
    services.idea_status_set(actor=moderator, idea=idea, status="under_review")
    services.idea_status_set(actor=moderator, idea=idea, status="accepted", response="Yes!")
    response = client.get(reverse("proposals:forwarded"))
    assert "More benches in the park" in response.text
    assert "1 answered" in response.text


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_votes_by_one_resident_count_once(live_server, settings):
    """Fifty requests at once, each from its own signed-in session, on the real endpoint."""
    from tests.proposals.factories import CategoryFactory

    author, voter = UserFactory(), UserFactory()
    idea = idea_post(author, category=CategoryFactory())
    url = f"{live_server.url}{reverse('proposals:idea-vote', args=[idea.pk])}"
    sessions = []
    for _ in range(50):
        client = Client()
        client.force_login(voter)
        session = requests.Session()
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        page = session.get(f"{live_server.url}{idea.get_absolute_url()}", timeout=30)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        sessions.append((session, token))

    barrier = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def send(session, token, value):
        barrier.wait()
        response = session.post(
            url,
            data={"value": value},
            headers={"X-CSRFToken": token},
            timeout=60,
            allow_redirects=False,
        )
        with lock:
            statuses.append(response.status_code)

    threads = [
        threading.Thread(target=send, args=(s, t, "support" if i % 5 else "oppose"))
        for i, (s, t) in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 50
    votes = IdeaVote.objects.filter(idea=idea)
    assert votes.count() == 1
    idea.refresh_from_db()
    final = votes.get().value
    assert (idea.support_count, idea.oppose_count) == ((1, 0) if final == "support" else (0, 1))
