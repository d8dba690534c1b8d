from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals import selectors, services
from proposals.models import Idea
from tests.accounts.factories import AreaFactory
from tests.proposals.factories import CategoryFactory, idea_post, point_post, vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def ideas(resident, category):
    """Four ideas with known support, age and debate."""
    now = timezone.now()
    made = {}
    for title, support, days_old, points in (
        ("Old favourite", 9, 60, 0),
        ("Rising star", 3, 1, 1),
        ("Fresh idea", 0, 0, 0),
        ("Hot debate", 1, 10, 4),
    ):
        idea = idea_post(resident, title=title, category=category)
        created = now - timedelta(days=days_old)
        from proposals.models import trending_score

        Idea.objects.filter(pk=idea.pk).update(
            created_at=created,
            support_count=support,
            points_for_count=points,
            trending_score=trending_score(support=support, created_at=created),
        )
        made[title] = idea
    return made


def _titles(queryset) -> list[str]:
    return [idea.title for idea in queryset]


def test_sorts(ideas):
    assert _titles(selectors.idea_list(sort="top"))[0] == "Old favourite"
    assert _titles(selectors.idea_list(sort="newest"))[0] == "Fresh idea"
    assert _titles(selectors.idea_list(sort="trending"))[0] == "Rising star"
    assert _titles(selectors.idea_list(sort="debated"))[0] == "Hot debate"


def test_random_order_is_stable_per_seed_and_differs_between_seeds(resident, category):
    for n in range(30):
        idea_post(resident, title=f"Idea {n}", category=category)
    first = _titles(selectors.idea_list(sort="random", seed=1))
    assert first == _titles(selectors.idea_list(sort="random", seed=1))
    assert first != _titles(selectors.idea_list(sort="random", seed=2))
    assert sorted(first) == sorted(_titles(selectors.idea_list(sort="newest")))
    # Pages of one seed cover every idea exactly once.
    pages = [selectors.idea_list(sort="random", seed=7)[i : i + 10] for i in (0, 10, 20)]
    seen = [idea.pk for page in pages for idea in page]
    assert len(seen) == len(set(seen)) == 30


def test_filters_and_hidden_archived_merged_are_left_out(resident, other, moderator):
    parks, roads = CategoryFactory(name="Parks"), CategoryFactory(name="Roads")
    east = AreaFactory(name="East")
    a = idea_post(resident, title="Swings in the east park", category=parks, area=east)
    b = idea_post(resident, title="Potholes on the ring road", category=roads)
    hidden = idea_post(resident, title="Hidden idea", category=parks)
    Idea.objects.filter(pk=hidden.pk).update(moderation_state="hidden")
    archived = idea_post(resident, title="Archived idea", category=parks)
    Idea.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    dup = idea_post(other, title="Swings please", category=parks)
    services.idea_merge(actor=moderator, source=dup, target=a)

    assert set(selectors.idea_list(sort="newest")) == {a, b}
    assert list(selectors.idea_list(category=parks)) == [a]
    assert list(selectors.idea_list(area=east)) == [a]
    assert list(selectors.idea_list(status="accepted")) == []
    assert list(selectors.idea_list(archived=True)) == [archived]


def test_search_finds_words_in_title_and_body(resident, category):
    a = idea_post(resident, title="Skate park", body="Ramps for teenagers", category=category)
    idea_post(resident, title="Library hours", body="Open on Sundays", category=category)
    assert list(selectors.idea_list(query="teenagers")) == [a]
    assert list(selectors.idea_list(query="skate")) == [a]
    assert list(selectors.idea_list(query="nothing-like-this")) == []
    Idea.objects.filter(pk=a.pk).update(moderation_state="hidden")
    assert list(selectors.idea_list(query="skate")) == []


def test_similar_ideas_by_trigram(resident, category):
    a = idea_post(resident, title="More benches in the park", category=category)
    idea_post(resident, title="Library open on Sundays", category=category)
    assert selectors.idea_similar(title="more benches in parks") == [a]
    assert selectors.idea_similar(title="zzz") == []


def test_points_ordered_by_helpfulness(resident, other, category):
    idea = idea_post(resident, category=category)
    weak = point_post(other, idea, "for", "Weak")
    strong = point_post(other, idea, "for", "Strong")
    against = point_post(other, idea, "against", "Against")
    services.point_rate(user=resident, point=strong, value="helpful")
    services.point_rate(user=resident, point=weak, value="unhelpful")
    columns = selectors.idea_points(viewer=resident, idea=idea)
    assert columns.points_for == [strong, weak]
    assert columns.points_against == [against]
    assert columns.points_for[0].my_rating == "helpful"


def test_my_vote_is_annotated(resident, other, category):
    idea = idea_post(resident, category=category)
    vote(other, idea, "oppose")
    assert selectors.idea_list(viewer=other).get().my_vote == "oppose"
    assert selectors.idea_list(viewer=resident).get().my_vote is None


def test_forwarded_list_counts_days_to_answer(resident, category, moderator):
    idea = idea_post(resident, category=category)
    services.idea_status_set(actor=moderator, idea=idea, status="under_review")
    Idea.objects.filter(pk=idea.pk).update(forwarded_at=timezone.now() - timedelta(days=12))
    services.idea_status_set(actor=moderator, idea=idea, status="accepted", response="Yes.")
    waiting = idea_post(resident, title="Waiting", category=category)
    services.idea_status_set(actor=moderator, idea=waiting, status="under_review")
    summary = selectors.forwarded_list()
    assert summary.answered == 1 and summary.waiting == 1
    assert summary.median_days == 12
