from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals import selectors, services
from proposals.models import SHUFFLE_KEY_SPAN, Idea
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


def _shuffled(ideas: list[Idea]) -> None:
    """Give ``ideas`` evenly spread shuffle keys, in their order."""
    step = SHUFFLE_KEY_SPAN // len(ideas)
    for index, idea in enumerate(ideas):
        Idea.objects.filter(pk=idea.pk).update(shuffle_key=index * step + step // 2)
        idea.shuffle_key = index * step + step // 2


def _rotation(ideas: list[Idea], seed: int) -> list[str]:
    """The titles in ``seed``'s random order, worked out from the keys."""
    start = selectors.shuffle_start(seed)
    by_key = sorted(ideas, key=lambda idea: idea.shuffle_key)
    first = next((i for i, idea in enumerate(by_key) if idea.shuffle_key >= start), 0)
    return [idea.title for idea in by_key[first:] + by_key[:first]]


def test_random_order_is_stable_per_seed_and_differs_between_seeds(resident, category):
    ideas = [idea_post(resident, title=f"Idea {n}", category=category) for n in range(30)]
    _shuffled(ideas)
    first = _titles(selectors.idea_list(sort="random", seed=1))
    assert first == _titles(selectors.idea_list(sort="random", seed=1)) == _rotation(ideas, 1)
    assert _titles(selectors.idea_list(sort="random", seed=2)) == _rotation(ideas, 2) != first
    assert sorted(first) == sorted(_titles(selectors.idea_list(sort="newest")))
    # Pages of one seed cover every idea exactly once.
    pages = [selectors.idea_list(sort="random", seed=7)[i : i + 10] for i in (0, 10, 20)]
    seen = [idea.pk for page in pages for idea in page]
    assert len(seen) == len(set(seen)) == 30


def test_new_ideas_draw_their_own_shuffle_keys(resident, category):
    keys = {idea_post(resident, title=f"Idea {n}", category=category).shuffle_key for n in range(5)}
    assert len(keys) == 5
    assert all(0 <= key < SHUFFLE_KEY_SPAN for key in keys)


@pytest.mark.parametrize("per_page", [4, 7, 30])
def test_random_pages_follow_the_random_order_and_its_filters(resident, category, per_page):
    parks = CategoryFactory(name="Parks")
    ideas = [
        idea_post(resident, title=f"Idea {n}", category=parks if n % 3 else category)
        for n in range(30)
    ]
    _shuffled(ideas)
    for seed, chosen in ((1, None), (5, parks)):
        listed = selectors.idea_list(sort="random", seed=seed, category=chosen)
        expected = _titles(listed)
        assert len(expected) == (20 if chosen else 30)
        paged = []
        for number in range(1, len(expected) // per_page + 2):
            page = selectors.idea_page(listed, number=number, per_page=per_page, seed=seed)
            if page.number == number:
                paged += _titles(page.object_list)
        assert paged == expected


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


def test_list_counts_are_reused_for_a_while_per_filter(resident, category, settings):
    settings.PROPOSALS_LIST_COUNT_SECONDS = 30
    parks = CategoryFactory(name="Parks")
    for n in range(3):
        idea_post(resident, title=f"Idea {n}", category=category)

    def count(**filters) -> int:
        ideas = selectors.idea_list(**filters)
        return selectors.idea_page(ideas, number=1, per_page=10).paginator.count

    assert count(sort="newest") == 3
    assert count(category=parks) == 0
    idea_post(resident, title="One more", category=parks)
    assert count(sort="newest") == 3  # the count of a moment ago, for every sort
    assert count(sort="top") == 3
    assert count(category=parks) == 0
    assert count(sort="newest", query="more") == 1  # another filter, counted afresh
    settings.PROPOSALS_LIST_COUNT_SECONDS = 0
    assert count(sort="newest") == 4
    assert count(category=parks) == 1
