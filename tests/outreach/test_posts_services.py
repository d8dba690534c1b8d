"""The posts' services: pre-filled texts cut to each network, the state machine, the
two-person rule (and an alert's), publication once per post, cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicportal.core.shareables import item_get
from civicportal.notifications.models import Delivery, Event
from outreach.models import Post, PostState
from outreach.services import posts as services
from tests.alerts.factories import published as published_alert
from tests.outreach.posts_fixtures import (
    approved,
    awaiting,
    compose,
    consultation,
    editor,
    editor_and_alert_approver,
    in_an_hour,
)

pytestmark = pytest.mark.django_db


# --- Composing -----------------------------------------------------------------------------


def test_prefill_cuts_each_text_to_its_network_and_ends_with_the_link():
    item = item_get("consultations.opening", consultation(summary="word " * 200).pk)

    texts = services.texts_prefill(item)

    link = f"https://portal.example{item.url}"
    assert set(texts) == {"mastodon", "recording"}
    assert len(texts["mastodon"]) <= 500 and len(texts["recording"]) <= 120
    assert len(texts["mastodon"]) > len(texts["recording"])
    for text in texts.values():
        assert text.endswith(f"…\n\n{link}")
        assert text.startswith("Have your say: “Riverside park plan”")


def test_compose_makes_a_draft_with_the_items_link_and_its_drawn_card():
    by = editor()
    made = consultation()

    post = compose(by=by, pk=made.pk)

    assert post.state == PostState.DRAFT
    assert (post.source_kind, post.source_id, post.url) == (
        "consultations.opening",
        made.pk,
        made.get_absolute_url(),
    )
    assert post.card_title == "Riverside park plan"
    # The card drawn for the item's title, at an address that proves the title was signed.
    assert post.card_image_url.startswith("https://portal.example/share/card/page/")
    assert ".png?t=Riverside+park+plan%3A" in post.card_image_url
    assert post.author == by and post.thread == ""


def test_compose_refuses_a_text_over_the_networks_limit_and_stores_nothing():
    with pytest.raises(ValidationError) as refused:
        compose(texts={"mastodon": "ok", "recording": "x" * 121})
    assert "121 characters" in refused.value.message_dict["text_recording"][0]
    assert "at most 120" in refused.value.message_dict["text_recording"][0]
    assert not Post.objects.exists()


def test_compose_refuses_a_missing_text_an_unknown_account_and_control_characters():
    with pytest.raises(ValidationError) as missing:
        compose(texts={"mastodon": "Hello"})
    assert "text_recording" in missing.value.message_dict
    with pytest.raises(ValidationError, match="not configured: myspace"):
        compose(texts={"mastodon": "a", "recording": "b", "myspace": "c"})
    with pytest.raises(ValidationError) as control:
        compose(texts={"mastodon": "bell\x07", "recording": "fine"})
    assert "control character" in control.value.message_dict["text_mastodon"][0]
    assert not Post.objects.exists()


def test_compose_refuses_a_time_in_the_past():
    with pytest.raises(ValidationError) as refused:
        compose(scheduled_for=timezone.now() - timedelta(minutes=1))
    assert "This time has passed" in refused.value.message_dict["scheduled_for"][0]
    assert not Post.objects.exists()


def test_compose_refuses_an_unknown_kind_and_an_item_that_is_not_public():
    with pytest.raises(ValidationError, match="no kind of item called"):
        compose(kind="proposals.secret", pk=1)
    hidden = consultation(is_published=False)
    with pytest.raises(ValidationError, match="not public"):
        compose(pk=hidden.pk)
    with pytest.raises(ValidationError, match="not public"):
        compose(pk="nonsense")
    assert not Post.objects.exists()


def test_compose_refuses_staff_without_the_editor_role():
    from tests.accounts.factories import StaffFactory

    with pytest.raises(PermissionDenied):
        compose(by=StaffFactory(mfa=True))


def test_only_the_author_changes_a_draft_and_only_while_it_is_a_draft():
    by = editor()
    post = compose(by=by)
    fields = {"texts": {"mastodon": "New words", "recording": "Short"}, "card_title": "New"}

    with pytest.raises(PermissionDenied):
        services.post_update(actor=editor(), post=post, **fields)
    services.post_update(actor=by, post=post, **fields)
    post.refresh_from_db()
    assert post.texts == {"mastodon": "New words", "recording": "Short"}

    services.post_submit(actor=by, post=post)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.post_update(actor=by, post=post, **fields)


# --- Approval ------------------------------------------------------------------------------


def test_the_author_cannot_approve_their_own_post():
    by = editor()
    post = awaiting(by=by)

    with pytest.raises(PermissionDenied, match="two-person rule"):
        services.post_approve(actor=by, post=post, version=services.post_version(post))
    post.refresh_from_db()
    assert post.state == PostState.AWAITING_APPROVAL and post.approver is None


def test_the_database_refuses_an_approver_who_is_the_author():
    post = awaiting()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(approver=post.author)


def test_the_database_refuses_a_published_post_without_approval_or_event():
    post = compose()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(state=PostState.PUBLISHED)


def test_approval_binds_to_the_reviewed_version():
    post = awaiting()
    stale = services.post_version(post)
    Post.objects.filter(pk=post.pk).update(texts={"mastodon": "Other", "recording": "Other"})

    with pytest.raises(ValidationError, match="changed since you opened it"):
        services.post_approve(actor=editor(), post=post, version=stale)
    with pytest.raises(ValidationError, match="changed since you opened it"):
        services.post_approve(actor=editor(), post=post, version="")
    assert Post.objects.get(pk=post.pk).state == PostState.AWAITING_APPROVAL


def test_a_second_editor_approves_and_publication_is_enqueued_on_commit(
    django_capture_on_commit_callbacks,
):
    post = awaiting(scheduled_for=in_an_hour())
    second = editor()

    with django_capture_on_commit_callbacks() as callbacks:
        services.post_approve(actor=second, post=post, version=services.post_version(post))

    post.refresh_from_db()
    assert post.state == PostState.SCHEDULED
    assert post.approver == second and post.approved_at is not None
    assert post.approved_version == services.post_version(post)
    assert len(callbacks) == 1


def test_a_second_approval_is_refused_with_a_clear_message():
    post = approved()
    with pytest.raises(ValidationError, match="“Approved, scheduled”, so it cannot be approved"):
        services.post_approve(actor=editor(), post=post, version=services.post_version(post))


def test_approval_is_refused_once_the_scheduled_time_has_passed():
    post = awaiting(scheduled_for=in_an_hour())
    Post.objects.filter(pk=post.pk).update(scheduled_for=timezone.now() - timedelta(minutes=5))
    post.refresh_from_db()
    with pytest.raises(ValidationError, match="has passed"):
        services.post_approve(actor=editor(), post=post, version=services.post_version(post))


def test_an_alert_post_is_on_the_alerts_thread_and_needs_an_alert_approver():
    alert = published_alert()
    message = alert.messages.get()
    post = awaiting(kind="alerts.message", pk=message.pk)
    assert post.thread == f"alerts.alert.{alert.pk}"
    assert post.url == alert.get_absolute_url()

    with pytest.raises(PermissionDenied, match="someone who may approve alerts"):
        services.post_approve(actor=editor(), post=post, version=services.post_version(post))
    services.post_approve(
        actor=editor_and_alert_approver(), post=post, version=services.post_version(post)
    )
    assert Post.objects.get(pk=post.pk).state == PostState.SCHEDULED


def test_an_exercise_alert_cannot_be_posted_about():
    from alerts.models import CapStatus

    alert = published_alert(status=CapStatus.EXERCISE)
    with pytest.raises(ValidationError, match="not public"):
        compose(kind="alerts.message", pk=alert.messages.get().pk)


def test_reject_needs_a_reason_and_is_not_for_the_author():
    by = editor()
    post = awaiting(by=by)
    with pytest.raises(ValidationError) as no_reason:
        services.post_reject(actor=editor(), post=post, reason="  ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(PermissionDenied):
        services.post_reject(actor=by, post=post, reason="Mine")

    services.post_reject(actor=editor(), post=post, reason="Wrong date in the text")
    post.refresh_from_db()
    assert (post.state, post.reason) == (PostState.REJECTED, "Wrong date in the text")


# --- Publishing and cancelling -------------------------------------------------------------


def test_publish_waits_for_the_time_then_makes_one_event_with_each_accounts_text():
    post = approved(scheduled_for=in_an_hour())

    assert services.post_publish(post_id=post.pk) is False
    assert not Event.objects.exists()

    later = timezone.now() + timedelta(hours=2)
    assert services.post_publish(post_id=post.pk, now=later) is True
    assert services.post_publish(post_id=post.pk, now=later) is False

    post.refresh_from_db()
    event = Event.objects.get()
    assert post.state == PostState.PUBLISHED and post.event == event
    assert event.idempotency_key == f"outreach.post.{post.pk}"
    assert event.context["social"]["texts"] == post.texts
    assert event.context["social"]["thread"] == ""
    assert event.context["social"]["card"]["title"] == post.card_title
    assert event.context["url"] == post.url
    assert sorted(event.deliveries.values_list("channel", "address")) == [
        ("social", "mastodon"),
        ("social", "recording"),
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}


def test_the_sweep_publishes_due_posts_only_and_is_safe_to_run_twice():
    due = approved()
    later = approved(scheduled_for=in_an_hour())
    draft = compose()

    assert services.posts_publish_due() == 1
    assert services.posts_publish_due() == 0

    states = dict(Post.objects.values_list("pk", "state"))
    assert states == {
        due.pk: PostState.PUBLISHED,
        later.pk: PostState.SCHEDULED,
        draft.pk: PostState.DRAFT,
    }
    assert Event.objects.count() == 1


def test_an_alert_post_carries_the_alerts_thread_in_its_event():
    alert = published_alert()
    post = awaiting(kind="alerts.message", pk=alert.messages.get().pk)
    services.post_approve(
        actor=editor_and_alert_approver(), post=post, version=services.post_version(post)
    )
    services.posts_publish_due()
    assert (
        Event.objects.get(idempotency_key=f"outreach.post.{post.pk}").context["social"]["thread"]
        == f"alerts.alert.{alert.pk}"
    )


def test_a_scheduled_post_can_be_cancelled_and_is_then_never_published():
    post = approved(scheduled_for=in_an_hour())

    services.post_cancel(actor=editor(), post=post, reason="The event was moved")

    assert services.post_publish(post_id=post.pk, now=timezone.now() + timedelta(hours=2)) is False
    post.refresh_from_db()
    assert (post.state, post.reason) == (PostState.CANCELLED, "The event was moved")
    assert not Event.objects.exists()


def test_a_published_post_cannot_be_cancelled():
    post = approved()
    services.posts_publish_due()
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        services.post_cancel(actor=editor(), post=post, reason="Too late")
    assert Post.objects.get(pk=post.pk).state == PostState.PUBLISHED


def test_personal_data_erase_keeps_the_councils_posts_without_the_persons_name():
    by = editor()
    draft = compose(by=by)
    done = approved(by=by)

    services.posts_personal_data_erase(by)

    draft.refresh_from_db()
    done.refresh_from_db()
    assert draft.state == PostState.CANCELLED and draft.author is None
    assert done.state == PostState.SCHEDULED and done.author is None
    assert services.posts_personal_data_export(done.approver)["posts"][0]["approved"] is True
