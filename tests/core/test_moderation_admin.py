"""The moderation case's page: the item as residents saw it, its history in sentences, and
type filters limited to what can be reported (issue 18, point 10)."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from civicportal.core import services
from civicportal.core.models import Comment, Flag, ModerationCase
from civicportal.core.moderation_history import moderation_case_history
from tests.accounts.factories import UserFactory
from tests.core.factories import comment_post, residents
from tests.proposals.factories import idea_post

pytestmark = pytest.mark.django_db

MARKDOWN = "This is **really** rude.\n\nSee [my shop](https://shop.example.org) <b>now</b>!"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def comment(item, resident):
    return comment_post(resident, item, MARKDOWN)


def _report(target, count, reason=Flag.Reason.SPAM):
    for reporter in residents(count):
        services.flag_create(reporter=reporter, target=target, reason=reason)
    return ModerationCase.objects.get(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    )


def _case_page(client, case) -> str:
    response = client.get(reverse("admin:core_moderationcase_change", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _shown_content(page: str) -> str:
    match = re.search(
        r"<div class=\"moderated-content\" data-moderated-content>(.*?)</div>", page, re.S
    )
    assert match, "the case page shows no content"
    return match.group(1)


def _history(page: str) -> list[str]:
    match = re.search(
        r"<ol class=\"moderation-history\" data-moderation-history>(.*?)</ol>", page, re.S
    )
    assert match, "the case page shows no history"
    return [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    ]


def test_case_page_shows_the_comment_as_residents_saw_it(client, comment, moderator):
    case = _report(comment, 1)
    client.force_login(moderator)
    shown = _shown_content(_case_page(client, case))
    assert "<strong>really</strong>" in shown
    assert '<a href="https://shop.example.org" rel="nofollow noopener ugc">my shop</a>' in shown
    # What the resident typed as HTML was shown to residents as text, and is here too.
    assert "&lt;b&gt;now&lt;/b&gt;" in shown
    assert "**" not in shown and "&lt;p&gt;" not in shown


def test_case_page_sanitises_stored_html_whatever_it_holds(client, comment, moderator):
    case = _report(comment, 1)
    Comment.objects.filter(pk=comment.pk).update(
        body_html='<p onclick="steal()">Hi</p><script>alert(1)</script><img src="x">'
    )
    client.force_login(moderator)
    shown = _shown_content(_case_page(client, case))
    assert "<p>Hi</p>" in shown
    assert "script" not in shown and "onclick" not in shown and "<img" not in shown


def test_case_page_shows_an_idea_with_its_title(client, moderator, resident):
    idea = idea_post(resident, title="Benches & shade", body="Put *benches* on Quay Street.")
    case = _report(idea, 1)
    client.force_login(moderator)
    shown = _shown_content(_case_page(client, case))
    assert "<strong>Benches &amp; shade</strong>" in shown
    assert "<em>benches</em>" in shown


def test_queue_lists_the_words_without_markup(client, comment, moderator):
    _report(comment, 1)
    client.force_login(moderator)
    page = client.get(reverse("admin:core_moderationcase_changelist")).content.decode()
    assert "This is really rude. See my shop &lt;b&gt;now&lt;/b&gt;!" in page


def test_history_tells_reports_and_decisions_in_sentences(client, comment, moderator, english):
    case = _report(comment, 3, reason=Flag.Reason.ABUSE)
    services.moderation_decide(
        moderator=moderator, case=case, action="warn", reason="Keep it civil."
    )
    client.force_login(moderator)
    history = _history(_case_page(client, case))

    assert len(history) == 4, history
    assert re.fullmatch(r"Pat Resident posted this comment on .+\.", history[0])
    assert re.fullmatch(
        r"3 residents reported this comment as “Abusive, harassing or threatening”, "
        r"the last on .+\.",
        history[1],
    )
    assert re.fullmatch(
        r"This comment was hidden on .+, pending review, because several residents reported "
        r"it\.",
        history[2],
    )
    assert re.fullmatch(
        r"Mo Derator hid this comment and warned its author on .+: Keep it civil\.", history[3]
    )
    page = _case_page(client, case)
    assert "moderation_state" not in page and "→" not in page  # no field dump


def test_history_keeps_reports_apart_when_something_happened_between(comment, moderator, english):
    case = _report(comment, 3)
    services.moderation_decide(moderator=moderator, case=case, action="restore", reason="")
    services.flag_create(reporter=UserFactory(), target=comment, reason=Flag.Reason.SPAM)
    texts = [entry.text for entry in moderation_case_history(case=case)]
    assert texts[1].startswith("3 residents reported this comment as “Spam or advertising”")
    assert re.fullmatch(r"Mo Derator restored this comment on .+\.", texts[3])
    assert ": " not in texts[3]  # no reason given, none told
    assert texts[4].startswith("A resident reported this comment as “Spam or advertising” on ")


def test_history_tells_an_edit_and_a_status_change(resident, moderator, english):
    from civicportal.kernel.audit import audit_record

    idea = idea_post(resident, title="Benches")
    case = _report(idea, 1)
    audit_record(
        actor=moderator,
        obj=idea,
        action="proposals.status",
        changes={"status": ("submitted", "under_review")},
    )
    texts = [entry.text for entry in moderation_case_history(case=case)]
    field = type(idea)._meta.get_field("status")
    labels = dict(field.flatchoices)
    before = re.escape(str(labels["submitted"]))
    after = re.escape(str(labels["under_review"]))
    assert any(
        re.fullmatch(
            rf"Mo Derator changed the {field.verbose_name} from “{before}” to “{after}” on .+\.",
            text,
        )
        for text in texts
    ), texts


def test_type_filter_offers_only_reportable_types(client, comment, moderator):
    _report(comment, 1)
    client.force_login(moderator)
    page = client.get(reverse("admin:core_moderationcase_changelist")).content.decode()
    choices = re.findall(r"content_type__id__exact=(\d+)", page)
    names = {ContentType.objects.get(pk=pk).model for pk in choices}
    assert names == {"comment", "idea", "point"}
    for internal in ("session", "permission", "token", "logentry"):
        assert f">{internal.capitalize()}<" not in page


def test_comment_type_filter_offers_only_commentable_types(client, comment, moderator):
    client.force_login(moderator)
    page = client.get(reverse("admin:core_comment_changelist")).content.decode()
    choices = {
        ContentType.objects.get(pk=pk).model
        for pk in re.findall(r"content_type__id__exact=(\d+)", page)
    }
    assert "area" in choices  # the test's commentable item
    assert "idea" in choices
    assert not choices & {"session", "permission", "apitoken", "comment", "point"}
