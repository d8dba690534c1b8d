from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from civicportal.core import selectors, services
from civicportal.core.models import Comment, ModerationState
from tests.accounts.factories import AreaFactory, UserFactory
from tests.core.factories import comment_post

pytestmark = pytest.mark.django_db


def _thread_url(item) -> str:
    return reverse("core:comment-create", args=["accounts.area", item.pk])


# --- Services ----------------------------------------------------------------------------


def test_comment_create_renders_markdown_into_cached_html(item, resident):
    comment = comment_post(resident, item, "Fix the **bridge** please")
    comment.refresh_from_db()
    assert comment.body == "Fix the **bridge** please"
    assert comment.body_html == "<p>Fix the <strong>bridge</strong> please</p>"
    assert comment.target == item


def test_comment_create_refuses_empty_text(item, resident):
    with pytest.raises(ValidationError) as error:
        services.comment_create(author=resident, target=item, body="   \n ")
    assert "Write your comment" in str(error.value)
    assert not Comment.objects.exists()


def test_comment_create_refuses_unregistered_items(participation, resident):
    from civicportal.accounts.models import Area
    from civicportal.core import targets

    targets.unregister(Area)
    with pytest.raises(ValidationError, match="not open"):
        services.comment_create(author=resident, target=AreaFactory(), body="Hello")


def test_comment_create_refuses_inactive_accounts(item):
    blocked = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        services.comment_create(author=blocked, target=item, body="Hello")


def test_reply_to_a_reply_attaches_to_the_top_level_comment(item, resident):
    top = comment_post(resident, item, "Top")
    reply = comment_post(UserFactory(), item, "Reply", parent=top)
    reply_to_reply = comment_post(UserFactory(), item, "Reply to the reply", parent=reply)
    assert reply.parent == top
    assert reply_to_reply.parent == top
    thread = selectors.comment_thread(target=item)
    assert [c.pk for c in thread] == [top.pk]
    assert [r.pk for r in thread[0].thread_replies] == [reply.pk, reply_to_reply.pk]


def test_reply_must_be_on_the_same_item(item, resident):
    other = AreaFactory()
    top = comment_post(resident, other, "Elsewhere")
    with pytest.raises(ValidationError, match="same page"):
        comment_post(resident, item, "Reply", parent=top)


def test_comment_update_within_the_window(item, resident):
    comment = comment_post(resident, item, "Frist")
    services.comment_update(actor=resident, comment=comment, body="First")
    comment.refresh_from_db()
    assert comment.body == "First"
    assert comment.body_html == "<p>First</p>"
    assert comment.edited_at is not None


def test_comment_update_after_the_window_is_refused_with_a_clear_message(item, resident):
    comment = comment_post(resident, item, "Original")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    with pytest.raises(ValidationError) as error:
        services.comment_update(actor=resident, comment=comment, body="Changed")
    assert "first 15 minutes" in error.value.messages[0]
    comment.refresh_from_db()
    assert comment.body == "Original"


def test_comment_update_by_someone_else_is_refused(item, resident):
    comment = comment_post(resident, item, "Mine")
    with pytest.raises(PermissionDenied):
        services.comment_update(actor=UserFactory(), comment=comment, body="Yours")


def test_soft_delete_keeps_the_thread_with_a_placeholder(item, resident):
    top = comment_post(resident, item, "Top")
    reply = comment_post(UserFactory(), item, "Reply", parent=top)
    services.comment_delete(actor=resident, comment=top)
    top.refresh_from_db()
    assert top.is_deleted and top.body == "" and top.body_html == ""
    thread = selectors.comment_thread(target=item)
    assert [c.pk for c in thread] == [top.pk]
    assert [r.pk for r in thread[0].thread_replies] == [reply.pk]


def test_deleted_comment_without_replies_leaves_the_thread(item, resident):
    comment = comment_post(resident, item, "Gone soon")
    services.comment_delete(actor=resident, comment=comment)
    assert selectors.comment_thread(target=item) == []
    assert selectors.comment_count(target=item) == 0


def test_moderator_may_delete_any_comment_and_it_is_audited(item, resident, moderator):
    from auditlog.models import LogEntry

    comment = comment_post(resident, item, "Rude")
    services.comment_delete(actor=moderator, comment=comment)
    entry = LogEntry.objects.get_for_object(comment).filter(actor=moderator).get()
    assert entry.additional_data == {"action": "comment.delete_by_moderator"}


def test_another_resident_cannot_delete(item, resident):
    comment = comment_post(resident, item, "Mine")
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=UserFactory(), comment=comment)


def test_hidden_comments_leave_lists_and_counts(item, resident):
    shown = comment_post(resident, item, "Shown")
    hidden = comment_post(resident, item, "Hidden")
    Comment.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.PENDING)
    assert list(Comment.objects.visible()) == [shown]
    assert [c.pk for c in selectors.comment_list(target=item)] == [shown.pk]
    assert selectors.comment_count(target=item) == 1


def test_posting_is_rate_limited_per_resident(item, resident, settings):
    settings.CORE_COMMENT_RATE_LIMIT = 2
    settings.CORE_COMMENT_RATE_WINDOW = 300
    comment_post(resident, item, "One")
    comment_post(resident, item, "Two")
    with pytest.raises(ValidationError, match="wait"):
        comment_post(resident, item, "Three")
    comment_post(UserFactory(), item, "Someone else may still post")
    assert Comment.objects.count() == 3


def test_thread_reads_take_a_constant_number_of_queries(
    item, resident, django_assert_max_num_queries
):
    for index in range(5):
        top = comment_post(UserFactory(), item, f"Top {index}")
        comment_post(UserFactory(), item, "Reply", parent=top)
    with django_assert_max_num_queries(3):
        thread = selectors.comment_thread(target=item)
        names = [c.author_name for c in thread] + [
            r.author_name for c in thread for r in c.thread_replies
        ]
    assert len(names) == 10


# --- Pages -------------------------------------------------------------------------------


def test_post_comment_as_plain_form_redirects_back(client, item, resident):
    client.force_login(resident)
    response = client.post(_thread_url(item), {"body": "Plain form", "next": "/somewhere/"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/somewhere/#comment-{comment.pk}"


def test_post_comment_refuses_offsite_next(client, item, resident):
    client.force_login(resident)
    response = client.post(_thread_url(item), {"body": "Hi", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/#comment-")


def test_post_comment_with_htmx_returns_the_thread_partial(client, item, resident):
    client.force_login(resident)
    response = client.post(
        _thread_url(item), {"body": "Via *htmx*"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="comments-accounts-area-{item.pk}"' in html
    assert "<em>htmx</em>" in html


def test_invalid_post_keeps_what_was_typed(client, item, resident, settings):
    settings.CORE_COMMENT_RATE_LIMIT = 1
    client.force_login(resident)
    client.post(_thread_url(item), {"body": "First"})
    response = client.post(_thread_url(item), {"body": "My long careful second text"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "My long careful second text" in html
    assert "wait" in html


def test_anonymous_visitor_is_sent_to_sign_in(client, item):
    response = client.post(_thread_url(item), {"body": "Hi"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Comment.objects.exists()


def test_reply_edit_and_delete_pages(client, item, resident):
    top = comment_post(UserFactory(), item, "Top")
    client.force_login(resident)
    response = client.post(reverse("core:comment-reply", args=[top.pk]), {"body": "A reply"})
    reply = Comment.objects.get(parent=top)
    assert response.status_code == 302

    assert client.get(reverse("core:comment-edit", args=[reply.pk])).status_code == 200
    client.post(reverse("core:comment-edit", args=[reply.pk]), {"body": "An edited reply"})
    reply.refresh_from_db()
    assert reply.body == "An edited reply"

    assert client.get(reverse("core:comment-delete", args=[reply.pk])).status_code == 200
    client.post(reverse("core:comment-delete", args=[reply.pk]))
    reply.refresh_from_db()
    assert reply.is_deleted


def test_edit_page_of_someone_elses_comment_is_forbidden(client, item, resident):
    comment = comment_post(UserFactory(), item, "Not yours")
    client.force_login(resident)
    assert client.get(reverse("core:comment-edit", args=[comment.pk])).status_code == 403


def test_thread_include_renders_placeholders_and_author_names(rf, item, resident):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    top = comment_post(resident, item, "Top")
    comment_post(UserFactory(display_name="Sam"), item, "Reply", parent=top)
    services.comment_delete(actor=resident, comment=top)
    request = rf.get("/areas/old-town/")
    request.user = AnonymousUser()
    html = render_to_string("core/_comments.html", {"object": item}, request=request)
    assert "This comment was deleted." in html
    assert "Sam" in html
    assert "Sign in to comment" in html


# --- API ---------------------------------------------------------------------------------


def test_api_lists_and_creates_comments_through_the_service(item, resident):
    from rest_framework.test import APIClient

    api = APIClient()
    url = f"/api/v1/items/accounts.area/{item.pk}/comments/"
    hidden = comment_post(UserFactory(), item, "Hidden one")
    Comment.objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    assert api.post(url, {"body": "Anonymous"}, format="json").status_code == 401

    api.force_authenticate(resident)
    response = api.post(url, {"body": "<script>x</script> **ok**"}, format="json")
    assert response.status_code == 201, response.content
    assert (
        response.json()["body_html"] == "<p>&lt;script&gt;x&lt;/script&gt; <strong>ok</strong></p>"
    )

    listing = api.get(url).json()
    assert [c["body"] for c in listing["results"]] == ["<script>x</script> **ok**"]


def test_api_refuses_empty_comment_in_the_error_format(item, resident):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(resident)
    response = api.post(
        f"/api/v1/items/accounts.area/{item.pk}/comments/", {"body": ""}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["body"]


def test_api_unknown_item_type_is_404(participation, resident):
    from rest_framework.test import APIClient

    api = APIClient()
    assert api.get("/api/v1/items/accounts.user/1/comments/").status_code == 404


def test_htmx_edit_swaps_in_a_form_and_a_refused_reply_keeps_the_text(client, item, resident):
    own = comment_post(resident, item, "Editable")
    client.force_login(resident)
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/areas/old-town/"}

    edit = client.get(reverse("core:comment-edit", args=[own.pk]), headers=htmx)
    assert 'id="edit_body"' in edit.content.decode()
    # The page the resident is on (from htmx's header) is where plain posts return to.
    assert 'value="/areas/old-town/"' in edit.content.decode()
    assert "<html" not in edit.content.decode()

    Comment.objects.filter(pk=own.pk).update(deleted_at=timezone.now(), body="")
    reply = client.post(
        reverse("core:comment-reply", args=[own.pk]), {"body": "Kept text"}, headers=htmx
    )
    html = reply.content.decode()
    assert reply.status_code == 200
    assert "no longer shown" in html
    assert "Kept text" in html
