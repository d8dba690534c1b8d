"""Proposals services on PostgreSQL: votes, their counts and the trending score, under
concurrency."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from civicportal.kernel.ratelimit import RateLimited
from proposals import services
from proposals.models import Idea, IdeaStatus, IdeaVote, trending_score
from proposals.services import votes as votes_service
from tests.accounts.factories import UserFactory
from tests.proposals.factories import idea_post, vote
from tests.proposals.helpers import someone_waits_for_a_lock

pytestmark = pytest.mark.django_db


def test_vote_support_change_and_withdraw_keep_counts(resident, other, category):
    idea = idea_post(resident, category=category)
    vote(other, idea, "support")
    vote(other, idea, "support")  # the same vote again changes nothing
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 0)
    vote(other, idea, "oppose")
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 1)
    assert IdeaVote.objects.get(idea=idea, user=other).value == "oppose"
    assert services.idea_vote_withdraw(user=other, idea=idea) is True
    assert services.idea_vote_withdraw(user=other, idea=idea) is False
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 0)
    assert not IdeaVote.objects.exists()


def test_vote_raises_trending_score(resident, other, category):
    idea = idea_post(resident, category=category)
    before = idea.trending_score
    for user in [other, *UserFactory.create_batch(9)]:
        vote(user, idea)
    idea.refresh_from_db()
    assert idea.trending_score == pytest.approx(before + 1, abs=1e-5)  # tenfold support


def test_vote_refused_on_archived_or_answered_idea(resident, other, category, moderator):
    idea = idea_post(resident, category=category)
    services.idea_status_set(actor=moderator, idea=idea, status="implemented", response="Done.")
    with pytest.raises(ValidationError, match="Voting on this idea has closed"):
        vote(other, idea)


def test_votes_past_the_rate_limit_are_refused_and_change_nothing(
    resident, other, category, settings
):
    settings.PROPOSALS_VOTE_RATE_LIMIT = 2
    settings.PROPOSALS_VOTE_RATE_WINDOW = 300
    idea = idea_post(resident, category=category)
    vote(other, idea, "support")
    vote(other, idea, "oppose")
    with pytest.raises(RateLimited, match="your vote has not changed") as refused:
        services.idea_vote_withdraw(user=other, idea=idea)
    assert 0 < refused.value.retry_after <= 300
    with pytest.raises(RateLimited):
        vote(other, idea, "support")
    assert IdeaVote.objects.get(idea=idea, user=other).value == "oppose"
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 1)
    vote(resident, idea, "support")  # another resident has an allowance of their own
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 1)


def test_a_vote_changed_in_between_by_another_request_is_read_again(
    resident, other, category, monkeypatch
):
    """The change is claimed by a write conditional on the value read; when another
    request of the resident changed the vote in between, the claim fails and the vote is
    read again, under its lock, instead of moving the counters from the wrong value."""
    idea = idea_post(resident, category=category)
    vote(other, idea, "support")
    reads = []
    read = votes_service._vote_read

    def read_then_another_request_lands(**kwargs):
        result = read(**kwargs)
        if not reads:  # the other request: the same resident opposes, counters and all
            IdeaVote.objects.filter(idea=idea, user=other).update(value="oppose")
            Idea.objects.filter(pk=idea.pk).update(support_count=0, oppose_count=1)
        reads.append(result)
        return result

    monkeypatch.setattr(votes_service, "_vote_read", read_then_another_request_lands)
    vote(other, idea, "oppose")
    assert len(reads) == 2
    services.idea_vote_withdraw(user=other, idea=idea)
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 0)
    assert not IdeaVote.objects.exists()


def test_a_vote_that_loses_every_race_is_refused_with_a_message_and_changes_nothing(
    resident, other, category, monkeypatch
):
    """Each lost race means another request of the resident committed; should they win
    every try, the vote is refused with a message (never the race's own error)."""
    idea = idea_post(resident, category=category)

    def another_request_inserted_first(**kwargs):
        raise votes_service._VoteMoved

    monkeypatch.setattr(votes_service, "_vote_insert", another_request_inserted_first)
    with pytest.raises(ValidationError) as error:
        vote(other, idea, "support")
    assert error.value.code == "busy"
    assert "at the same moment" in error.value.messages[0]
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 0)
    assert not IdeaVote.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_residents_concurrent_changing_votes_count_once(category, settings):
    """Twenty threads of one resident voting at once, support and oppose alternating:
    first votes race on the unique constraint, changes on the conditional write."""
    settings.PROPOSALS_VOTE_RATE_LIMIT = 0
    author, voter = UserFactory(), UserFactory()
    idea = idea_post(author, category=category)
    barrier = threading.Barrier(20)
    errors: list[Exception] = []

    def cast(value: str) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                services.idea_vote(user=voter, idea=idea.pk, value=value)
        except Exception as error:  # the test reports whatever went wrong
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=cast, args=("support" if n % 2 else "oppose",)) for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    final = IdeaVote.objects.get(idea=idea, user=voter).value
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == ((1, 0) if final == "support" else (0, 1))
    expected = trending_score(support=idea.support_count, created_at=idea.created_at)
    assert idea.trending_score == pytest.approx(expected, abs=1e-5)


@pytest.mark.django_db(transaction=True)
def test_vote_racing_a_status_change_is_refused_and_rolled_back(category):
    """The vote reads the idea open, then its counter update waits for the council's
    change; once that commits, the update finds the idea closed and the vote is undone."""
    author, voter = UserFactory(), UserFactory()
    idea = idea_post(author, category=category)
    vote(voter, idea, "support")
    outcome: dict[str, Exception] = {}

    def vote_in_another_connection():
        try:
            services.idea_vote(user=voter, idea=idea.pk, value="oppose")
        except ValidationError as error:
            outcome["error"] = error
        finally:
            connection.close()

    with transaction.atomic():
        Idea.objects.select_for_update().filter(pk=idea.pk).update(
            status=IdeaStatus.IMPLEMENTED, official_response="Done."
        )
        thread = threading.Thread(target=vote_in_another_connection)
        thread.start()
        deadline = time.monotonic() + 10
        while not someone_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert someone_waits_for_a_lock(), "the vote never reached the counter update"
    thread.join(timeout=10)
    assert "closed" in str(outcome["error"])
    assert IdeaVote.objects.get(idea=idea, user=voter).value == "support"
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 0)


def test_trending_score_moved_by_votes_matches_the_formula(resident, category):
    idea = idea_post(resident, category=category)
    voters = UserFactory.create_batch(7)
    for user in voters:
        vote(user, idea, "support")
    services.idea_vote_withdraw(user=voters[0], idea=idea)
    vote(voters[1], idea, "oppose")
    idea.refresh_from_db()
    assert idea.support_count == 5
    expected = trending_score(support=5, created_at=idea.created_at)
    assert idea.trending_score == pytest.approx(expected, abs=1e-5)


def test_vote_refuses_an_unknown_value(resident, other, category):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError):
        vote(other, idea, "maybe")
