"""Notices of new comments: replies to a resident's comments, and comments on what they
follow, through the notification engine, on commit; never to the commenter, never twice,
never of an item the recipient may not see, and as each recipient chose."""

from __future__ import annotations

import pytest
from django.db import transaction

from civicportal.core import services, targets
from civicportal.core.models import Comment
from civicportal.core.services.comments import TOPIC_FOLLOWED, TOPIC_REPLY
from civicportal.notifications.models import Delivery, Event, NotificationPreference
from civicportal.notifications.rendering import message_texts
from tests.accounts.factories import UserFactory
from tests.core.factories import comment_post

pytestmark = pytest.mark.django_db


def _notified(kind: str) -> set[int]:
    return set(
        Delivery.objects.filter(event__kind=kind, channel="inbox").values_list(
            "recipient", flat=True
        )
    )


def test_a_reply_tells_the_author_replied_to_and_the_threads_first_author(item, resident):
    first, second, third = UserFactory(), UserFactory(), UserFactory(display_name="Sigga")
    top = comment_post(first, item, "Fix the bridge")
    answer = comment_post(second, item, "Agreed", parent=top)
    assert _notified(TOPIC_REPLY) == {first.pk}
    comment_post(third, item, "Me too", parent=answer)  # attaches to the top comment
    event = Event.objects.filter(kind=TOPIC_REPLY).latest("id")
    assert set(event.deliveries.values_list("recipient", flat=True)) == {first.pk, second.pk}
    texts = message_texts(event=event, language="en")
    assert texts.subject == "Sigga replied to your comment on “Old Town”"
    reply = Comment.objects.get(pk=event.source_object_id)
    assert reply.body == "Me too" and event.context["url"] == reply.get_absolute_url()
    assert "Me too" not in texts.subject + texts.body  # the words stay where moderators act


def test_followers_hear_of_new_comments_but_not_of_their_own_nor_twice(item, resident):
    follower, commenter, author = UserFactory(), UserFactory(), UserFactory()
    for user in (follower, commenter, author):
        services.follow_set(user=user, target=item, following=True)
    top = comment_post(author, item, "First")
    assert _notified(TOPIC_FOLLOWED) == {follower.pk, commenter.pk}
    Delivery.objects.all().delete()
    comment_post(commenter, item, "Answer", parent=top)
    assert _notified(TOPIC_REPLY) == {author.pk}  # the reply notice, not both
    assert _notified(TOPIC_FOLLOWED) == {follower.pk}


def test_nobody_hears_of_an_item_they_may_not_see(item, resident):
    outsider, insider = UserFactory(), UserFactory()
    for user in (outsider, insider):
        services.follow_set(user=user, target=item, following=True)
    from civicportal.accounts.models import Area

    targets.register(
        Area, comments=True, follows=True, flags=False, can_view=lambda user, obj: user != outsider
    )
    comment_post(resident, item, "Hello")
    assert _notified(TOPIC_FOLLOWED) == {insider.pk}


def test_the_notices_leave_on_commit_as_each_recipient_chose(
    item, resident, django_capture_on_commit_callbacks
):
    quiet, keen = UserFactory(), UserFactory()
    for user in (quiet, keen):
        services.follow_set(user=user, target=item, following=True)
    NotificationPreference.objects.create(
        user=quiet, topic=TOPIC_FOLLOWED, channel="inbox", enabled=False
    )
    NotificationPreference.objects.create(
        user=quiet, topic=TOPIC_FOLLOWED, channel="email", enabled=False
    )
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        comment_post(resident, item, "Hello")
        assert Delivery.objects.filter(recipient=keen).count() == 2  # email and inbox
    assert callbacks  # handed to workers only once the comment is committed
    assert not Delivery.objects.filter(recipient=quiet).exists()


def test_a_failed_comment_announces_nothing(item, resident):
    services.follow_set(user=UserFactory(), target=item, following=True)
    with pytest.raises(Exception):
        comment_post(resident, item, "   ")
    assert not Event.objects.exists()
