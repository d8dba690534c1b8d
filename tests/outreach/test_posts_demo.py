"""seed_demo's social posts: the social media editor composed a post about the open
consultation that the administrator approved and that went out (the recording account
keeps it), and one waiting for someone else's approval; a second run changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from civicportal.accounts import roles
from civicportal.notifications.models import Delivery, SocialPost
from civicportal.notifications.services import deliveries_send
from outreach.models import Post, PostState
from outreach.roles import SOCIAL_EDITOR
from outreach.services import posts as services
from tests.demo import seed_demo

User = get_user_model()


@pytest.mark.django_db
def test_seed_demo_publishes_one_post_and_leaves_one_for_a_second_person():
    seed_demo()
    editor = User.objects.get(groups__name=SOCIAL_EDITOR)
    administrator = User.objects.get(groups__name=roles.ADMINISTRATOR)
    assert editor.email == "social@riverside.example" and editor.is_staff

    published = Post.objects.get(state=PostState.PUBLISHED)
    assert published.source_kind == "consultations.opening"
    assert published.card_title == "A new plan for Riverside Park"
    assert (published.author, published.approver) == (editor, administrator)
    assert published.approved_version == services.post_version(published)
    assert published.event is not None and published.published_at is not None
    accounts = set(published.texts)
    assert accounts and all(published.url in text for text in published.texts.values())
    assert set(published.event.deliveries.values_list("address", flat=True)) == accounts

    waiting = Post.objects.get(state=PostState.AWAITING_APPROVAL)
    assert waiting.source_kind == "consultations.results"
    assert waiting.author == editor and waiting.approver is None
    # The two-person rule: not its author; the administrator may.
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        services.post_approve(actor=editor, post=waiting, version=services.post_version(waiting))
    assert administrator.has_perm("outreach.approve_post", waiting)
    assert Post.objects.count() == 2

    output = seed_demo()
    assert Post.objects.count() == 2
    assert set(Post.objects.values_list("state", flat=True)) == {
        PostState.PUBLISHED,
        PostState.AWAITING_APPROVAL,
    }
    assert "social@riverside.example" in output


@pytest.mark.django_db(transaction=True)
def test_the_demo_post_is_kept_by_the_recording_account(settings, broker):
    # The embedded default: the recording account only (the workers post on commit there;
    # here the test sends what the seed handed over).
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["recording"]
    seed_demo()
    post = Post.objects.get(state=PostState.PUBLISHED)
    assert set(post.texts) == {"recording"}
    deliveries = list(post.event.deliveries.values_list("id", flat=True))
    deliveries_send(delivery_ids=deliveries)
    kept = SocialPost.objects.get(delivery_id__in=deliveries)
    assert kept.url.endswith(post.url)
    assert Delivery.objects.get(pk=deliveries[0]).status == "sent"
