from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from alerts.roles import ALERT_AUTHOR
from civicportal.accounts import roles
from civicportal.notifications.models import Delivery, Event
from proposals.models import ForwardingRound, Idea, IdeaStatus
from proposals.services.forwarding import forward_period
from proposals.tasks import ideas_archive_inactive_task, ideas_forward_task
from tests.accounts.factories import UserFactory
from tests.core.factories import comment_post
from tests.proposals.factories import idea_post

pytestmark = pytest.mark.django_db


def _idea_with_support(author, category, title: str, support: int) -> Idea:
    idea = idea_post(author, title=title, category=category)
    Idea.objects.filter(pk=idea.pk).update(support_count=support)
    return idea


def test_forwarding_picks_top_ideas_and_those_past_the_threshold(resident, category, moderator):
    # TOP_N=2, THRESHOLD=5 (conftest)
    low = _idea_with_support(resident, category, "Low", 0)
    third = _idea_with_support(resident, category, "Third", 3)
    first = _idea_with_support(resident, category, "First", 4)
    second = _idea_with_support(resident, category, "Second", 4)
    answered = _idea_with_support(resident, category, "Answered", 50)
    Idea.objects.filter(pk=answered.pk).update(status=IdeaStatus.ACCEPTED)

    forwarded = ideas_forward_task()

    assert set(forwarded) == {first.pk, second.pk}
    assert Idea.objects.get(pk=first.pk).status == IdeaStatus.UNDER_REVIEW
    assert Idea.objects.get(pk=first.pk).forwarded_at is not None
    assert Idea.objects.get(pk=third.pk).status == IdeaStatus.SUBMITTED
    assert Idea.objects.get(pk=low.pk).forwarded_at is None
    staff_event = Event.objects.get(kind="proposals.forwarded")
    assert set(staff_event.deliveries.values_list("recipient", flat=True)) == {moderator.pk}
    assert ForwardingRound.objects.get().idea_count == 2

    # Safe to run twice: the period's top ideas went already; nothing else moves.
    assert ideas_forward_task() == []
    assert Event.objects.filter(kind="proposals.forwarded").count() == 1
    assert Idea.objects.filter(status=IdeaStatus.UNDER_REVIEW).count() == 2

    # Later in the period, an idea passing the threshold goes at once; the next top ones wait.
    Idea.objects.filter(pk=third.pk).update(support_count=7)
    assert ideas_forward_task() == [third.pk]
    assert ideas_forward_task() == []


def test_forwarding_takes_new_top_ideas_next_period(resident, category):
    first = _idea_with_support(resident, category, "First", 2)
    nxt = _idea_with_support(resident, category, "Next", 1)
    from proposals.services import ideas_forward

    now = timezone.now()
    result = ideas_forward(now=now)
    assert nxt.pk in result.ideas and first.pk in result.ideas  # TOP_N=2 takes both
    later = now + timedelta(days=32)
    assert forward_period(later) != forward_period(now)
    late = _idea_with_support(resident, category, "Late", 1)
    assert ideas_forward(now=later).top == [late.pk]


def test_forwarding_notifies_supporters_of_each_idea(resident, other, category):
    from tests.proposals.factories import vote

    idea = idea_post(resident, category=category)
    vote(other, idea)
    ideas_forward_task()
    event = Event.objects.get(kind="proposals.status_changed")
    recipients = set(Delivery.objects.filter(event=event).values_list("recipient", flat=True))
    assert recipients == {resident.pk, other.pk}


def test_archive_inactive_ideas_safe_to_run_twice(resident, other, category):
    old = timezone.now() - timedelta(days=120)
    stale = idea_post(resident, title="Stale", category=category)
    commented = idea_post(resident, title="Commented", category=category)
    answered = idea_post(resident, title="Answered", category=category)
    fresh = idea_post(resident, title="Fresh", category=category)
    Idea.objects.filter(pk__in=[stale.pk, commented.pk, answered.pk]).update(last_activity_at=old)
    Idea.objects.filter(pk=answered.pk).update(status=IdeaStatus.ACCEPTED)
    comment_post(other, commented, "Still relevant!")

    assert ideas_archive_inactive_task() == 1
    assert ideas_archive_inactive_task() == 0
    assert Idea.objects.get(pk=stale.pk).archived_at is not None
    for idea in (commented, answered, fresh):
        assert Idea.objects.get(pk=idea.pk).archived_at is None


def test_forwarded_staff_are_moderators_and_administrators_only(resident, category):
    Group.objects.get_or_create(name=ALERT_AUTHOR)
    from tests.accounts.factories import StaffFactory

    admin = StaffFactory(role=roles.ADMINISTRATOR)
    StaffFactory(role=ALERT_AUTHOR)
    UserFactory()
    _idea_with_support(resident, category, "Top", 3)
    ideas_forward_task()
    event = Event.objects.get(kind="proposals.forwarded")
    assert set(event.deliveries.values_list("recipient", flat=True)) == {admin.pk}
