"""Proposals services on PostgreSQL: the council's answers (status changes and their
notices) and merging ideas."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F

from civicportal.core.models import Follow
from civicportal.notifications.models import Delivery, Event
from proposals import services
from proposals.models import Idea, IdeaStatus, IdeaVote, Point
from tests.accounts.factories import UserFactory
from tests.proposals.factories import idea_post, point_post, vote
from tests.proposals.helpers import follower_ids, someone_waits_for_a_lock

pytestmark = pytest.mark.django_db


def test_status_change_notifies_each_supporter_opponent_and_follower_once(
    resident, other, category, moderator, django_capture_on_commit_callbacks
):
    idea = idea_post(resident, category=category)  # the author follows
    supporter, opponent, follower = UserFactory.create_batch(3)
    vote(supporter, idea, "support")
    vote(opponent, idea, "oppose")
    vote(resident, idea, "support")  # author votes and follows: still one recipient
    Follow.objects.create(
        user=follower, content_type=ContentType.objects.get_for_model(Idea), object_id=idea.pk
    )
    Follow.objects.create(
        user=supporter, content_type=ContentType.objects.get_for_model(Idea), object_id=idea.pk
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.idea_status_set(
            actor=moderator, idea=idea, status="accepted", response="We will build it in May."
        )
    assert callbacks  # deliveries are handed to workers only once the change commits
    event = Event.objects.get(kind="proposals.status_changed")
    assert event.context["params"]["response"] == "We will build it in May."
    per_recipient = (
        Delivery.objects.filter(event=event).values("recipient", "channel").annotate(n=Count("id"))
    )
    assert {row["n"] for row in per_recipient} == {1}
    assert {row["recipient"] for row in per_recipient} == {
        resident.pk,
        supporter.pk,
        opponent.pk,
        follower.pk,
    }
    assert other.pk not in {row["recipient"] for row in per_recipient}
    # Saving the same status and answer again notifies no one a second time.
    services.idea_status_set(
        actor=moderator, idea=idea, status="accepted", response="We will build it in May."
    )
    assert Event.objects.filter(kind="proposals.status_changed").count() == 1


def test_status_change_needs_a_response_and_staff(resident, other, category, moderator):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError) as error:
        services.idea_status_set(actor=moderator, idea=idea, status="not_accepted")
    assert "official_response" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.idea_status_set(actor=other, idea=idea, status="accepted", response="Yes")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_merge_waits_for_a_vote_in_flight_instead_of_deadlocking(category, moderator):
    """A vote holds its vote row, then updates its idea's counters; a merge must not take
    the idea first and then wait for that vote row (each would wait for the other)."""
    author, voter = UserFactory(), UserFactory()
    source = idea_post(author, title="Source", category=category)
    target = idea_post(author, title="Target", category=category)
    vote(voter, source, "support")
    outcome: dict[str, object] = {}

    def merge_in_another_connection():
        try:
            outcome["merged"] = services.idea_merge(actor=moderator, source=source, target=target)
        except Exception as error:  # the test reports whatever went wrong
            outcome["error"] = error
        finally:
            connection.close()

    with transaction.atomic():  # the vote in flight: its row first, its counters last
        IdeaVote.objects.filter(idea=source, user=voter).update(value="oppose")
        thread = threading.Thread(target=merge_in_another_connection)
        thread.start()
        deadline = time.monotonic() + 10
        while not someone_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        Idea.objects.filter(pk=source.pk).update(
            support_count=F("support_count") - 1, oppose_count=F("oppose_count") + 1
        )
    thread.join(timeout=10)
    assert "error" not in outcome, outcome
    target.refresh_from_db()
    assert (target.support_count, target.oppose_count) == (0, 1)


def test_merge_moves_votes_and_followers_without_double_counting(resident, category, moderator):
    source = idea_post(resident, title="Bench by the pond", category=category)
    target = idea_post(UserFactory(), title="Benches around the pond", category=category)
    both, only_source, only_target, opposed_source = UserFactory.create_batch(4)
    vote(both, source, "support")
    vote(both, target, "support")
    vote(only_source, source, "support")
    vote(opposed_source, source, "oppose")
    vote(only_target, target, "support")
    point_post(only_source, source, "for", "Shade in summer.")

    services.idea_merge(actor=moderator, source=source, target=target)

    target.refresh_from_db()
    source.refresh_from_db()
    assert (target.support_count, target.oppose_count) == (3, 1)
    assert IdeaVote.objects.filter(idea=target).count() == 4
    assert IdeaVote.objects.filter(idea=target, user=both).count() == 1
    assert not IdeaVote.objects.filter(idea=source).exists()
    assert target.points_for_count == 1
    assert source.status == IdeaStatus.MERGED and source.merged_into == target
    assert (source.support_count, source.oppose_count) == (0, 0)
    assert resident.pk in follower_ids(target)  # the source's author followed it
    assert not follower_ids(source)
    assert Point.objects.get().idea == target


def test_merge_refuses_itself_and_residents(resident, other, category, moderator):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError):
        services.idea_merge(actor=moderator, source=idea, target=idea)
    target = idea_post(other, title="Another", category=category)
    with pytest.raises(PermissionDenied):
        services.idea_merge(actor=other, source=idea, target=target)
