from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.template.loader import render_to_string
from django.test import RequestFactory

from civicportal.core import services
from civicportal.core.models import ModerationCase
from civicportal.kernel.audit import audit_record
from tests.accounts.factories import UserFactory
from tests.core.factories import comment_post, residents

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_actor_action_and_before_after(item, moderator):
    entry = audit_record(
        actor=moderator, obj=item, action="areas.rename", changes={"name": ("Old", "New")}
    )
    entry = LogEntry.objects.get(pk=entry.pk)
    assert entry.actor == moderator
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict == {"name": ["Old", "New"]}
    assert entry.additional_data == {"action": "areas.rename"}
    assert entry in LogEntry.objects.get_for_object(item)


def test_each_moderation_decision_shows_in_the_items_history(item, resident, moderator):
    comment = comment_post(resident, item, "Reported")
    for reporter in residents(3):
        services.flag_create(reporter=reporter, target=comment, reason="spam")
    case = ModerationCase.objects.get()
    services.moderation_decide(moderator=moderator, case=case, action="hide", reason="Spam.")

    entries = LogEntry.objects.get_for_object(comment).order_by("timestamp", "pk")
    decisions = [e for e in entries if e.additional_data]
    assert [(e.additional_data["action"], e.actor, e.changes_dict) for e in decisions] == [
        ("moderation.auto_hide", None, {"moderation_state": ["visible", "pending"]}),
        ("moderation.hide", moderator, {"moderation_state": ["pending", "hidden"]}),
    ]


def test_block_is_recorded_on_the_author(item, resident, moderator):
    comment = comment_post(resident, item, "Spam spam")
    services.flag_create(reporter=UserFactory(), target=comment, reason="spam")
    services.moderation_decide(
        moderator=moderator, case=ModerationCase.objects.get(), action="block", reason="Spam."
    )
    entry = LogEntry.objects.get_for_object(resident).get(
        additional_data__action="moderation.block"
    )
    assert entry.actor == moderator
    assert entry.changes_dict == {"is_active": ["True", "False"]}


def test_model_saves_are_logged_with_the_request_user(client, item, resident):
    """The middleware makes the signed-in user the actor of plain saves (here a report)."""
    comment = comment_post(UserFactory(), item, "Reported by a page")
    client.force_login(resident)
    client.post(f"/participate/core.comment/{comment.pk}/report/", {"reason": "spam"})
    entry = LogEntry.objects.filter(content_type__model="flag").get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == resident


def test_admin_case_page_shows_the_items_history(client, item, resident, moderator):
    comment = comment_post(resident, item, "Reported")
    for reporter in residents(3):
        services.flag_create(reporter=reporter, target=comment, reason="abuse")
    client.force_login(moderator)
    case = ModerationCase.objects.get()
    page = client.get(f"/admin/core/moderationcase/{case.pk}/change/").content.decode()
    # Told in words (civicportal.core.moderation_history), not as the audit entry's fields.
    assert "This comment was hidden on " in page
    assert "pending review, because several residents reported it." in page
    assert "moderation_state" not in page


def test_comment_history_view_in_the_admin(client, item, resident, moderator):
    comment = comment_post(resident, item, "Deleted by a moderator")
    services.comment_delete(actor=moderator, comment=comment)
    client.force_login(moderator)
    response = client.get(f"/admin/core/comment/{comment.pk}/auditlog/")
    assert response.status_code == 200


def test_share_include_has_plain_links_and_no_trackers(item, uncollected_static):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string(
        "includes/share.html",
        {"object": item, "title": "Old Town", "text": "Our area"},
        request=request,
    )
    assert "https://www.facebook.com/sharer/sharer.php?u=" in html
    assert "https://x.com/intent/post?" in html
    assert "https://wa.me/?text=" in html
    assert "mailto:?subject=Old%20Town" in html
    assert "/share/mastodon/?url=" in html
    assert "<script>" not in html and "connect.facebook" not in html
    meta = render_to_string(
        "includes/share_meta.html",
        {"object": item, "title": "Old Town", "text": "Our area"},
        request=request,
    )
    assert '<meta property="og:title" content="Old Town">' in meta
    # No picture of its own: the card the portal draws for it, a large image, from our site.
    assert '<meta name="twitter:card" content="summary_large_image">' in meta
    assert re.search(r'<meta property="og:image" content="http[^"]+/share/card/[^"]+\.png', meta)


def test_mastodon_share_sends_the_resident_to_their_own_server(client, settings):
    settings.SITE_URL = "http://testserver"
    page = client.get("/share/mastodon/", {"url": "/ideas/1/", "text": "An idea"})
    assert page.status_code == 200
    response = client.post(
        "/share/mastodon/",
        {
            "instance": "https://Mastodon.Social/@someone",
            "url": "http://testserver/ideas/1/",
            "text": "An idea",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == (
        "https://mastodon.social/share?text=An%20idea%20http%3A//testserver/ideas/1/"
    )


def test_mastodon_share_refuses_other_sites_and_bad_servers(client, settings):
    settings.SITE_URL = "http://testserver"
    bad_server = client.post(
        "/share/mastodon/", {"instance": "not a server", "url": "http://testserver/x/"}
    )
    assert bad_server.status_code == 200
    assert "Enter a server address" in bad_server.content.decode()
    offsite = client.post(
        "/share/mastodon/", {"instance": "mastodon.social", "url": "https://evil.example/"}
    )
    assert offsite.status_code == 200
    assert "Only pages of this site" in offsite.content.decode()
