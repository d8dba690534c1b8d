from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from budgeting.roles import BUDGET_OFFICER
from civicportal.core import selectors, services
from civicportal.core.models import (
    Comment,
    Flag,
    ModerationCase,
    ModerationDecision,
    ModerationState,
)
from civicportal.notifications.models import Delivery, Event
from tests.accounts.factories import StaffFactory, UserFactory
from tests.core.factories import comment_post, residents
from tests.indexes import index_definitions, table_indexes

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(item, resident):
    return comment_post(resident, item, "Something that breaks the rules")


def _report(target, reporters, reason=Flag.Reason.ABUSE):
    for reporter in reporters:
        services.flag_create(reporter=reporter, target=target, reason=reason)


def _case(comment) -> ModerationCase:
    return ModerationCase.objects.get(object_id=comment.pk)


def _notices(user) -> list[Delivery]:
    return list(
        Delivery.objects.filter(recipient=user, event__kind="moderation.decision").order_by(
            "channel"
        )
    )


# --- Reports -----------------------------------------------------------------------------


def test_reports_below_the_threshold_leave_the_item_visible(comment):
    _report(comment, residents(2))
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.VISIBLE
    assert _case(comment).is_open
    assert selectors.moderation_queue().get().open_reports == 2


def test_threshold_of_distinct_reports_hides_pending_review_and_tells_the_author(comment, resident):
    _report(comment, residents(3))
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.PENDING
    assert not Comment.objects.visible().filter(pk=comment.pk).exists()
    decision = ModerationDecision.objects.get()
    assert decision.action == ModerationDecision.Action.AUTO_HIDE
    assert decision.moderator is None
    assert [d.channel for d in _notices(resident)] == ["email", "inbox"]


def test_threshold_is_a_setting(comment, settings):
    settings.CORE_FLAG_HIDE_THRESHOLD = 1
    _report(comment, residents(1))
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.PENDING


def test_same_resident_reporting_twice_is_refused(comment):
    reporter = UserFactory()
    _report(comment, [reporter])
    with pytest.raises(ValidationError, match="already reported"):
        _report(comment, [reporter])
    assert Flag.objects.count() == 1


def test_database_refuses_a_second_report_by_the_same_resident(comment):
    reporter = UserFactory()
    _report(comment, [reporter])
    with pytest.raises(IntegrityError):
        Flag.objects.create(case=_case(comment), reporter=reporter, reason=Flag.Reason.SPAM)


def test_authors_cannot_report_themselves(comment, resident):
    with pytest.raises(ValidationError, match="yourself"):
        _report(comment, [resident])


def test_other_needs_details(comment):
    with pytest.raises(ValidationError, match="what is wrong"):
        services.flag_create(reporter=UserFactory(), target=comment, reason=Flag.Reason.OTHER)


def test_items_that_are_not_moderatable_cannot_be_reported(item):
    with pytest.raises(ValidationError, match="cannot be reported"):
        services.flag_create(reporter=UserFactory(), target=item, reason=Flag.Reason.SPAM)


# --- Decisions ---------------------------------------------------------------------------


@pytest.fixture
def pending(comment):
    _report(comment, residents(3))
    return _case(comment)


def test_hide_closes_the_case_and_tells_the_author_once(pending, comment, resident, moderator):
    services.moderation_decide(
        moderator=moderator, case=pending, action="hide", reason="Personal attack."
    )
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.HIDDEN
    pending.refresh_from_db()
    assert not pending.is_open
    assert not pending.flags.filter(resolved_at__isnull=True).exists()
    decision = ModerationDecision.objects.get(action="hide")
    assert decision.reason == "Personal attack."
    hide_notices = Delivery.objects.filter(
        recipient=resident, event__idempotency_key=f"moderation.decision:{decision.pk}"
    )
    assert sorted(hide_notices.values_list("channel", flat=True)) == ["email", "inbox"]
    event = Event.objects.get(idempotency_key=f"moderation.decision:{decision.pk}")
    assert event.context["params"]["reason"] == "Personal attack."


def test_restore_makes_the_item_visible_and_needs_fresh_reports(
    pending, comment, resident, moderator
):
    services.moderation_decide(moderator=moderator, case=pending, action="restore")
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.VISIBLE
    assert len(_notices(resident)) == 4  # auto-hide and restore, two channels each
    # Earlier reports were decided: one new report does not hide it again.
    _report(comment, residents(1))
    comment.refresh_from_db()
    assert comment.is_visible
    assert _case(comment).is_open


def test_warn_hides_and_counts_in_the_authors_history(pending, comment, resident, moderator):
    services.moderation_decide(moderator=moderator, case=pending, action="warn", reason="Rule 2.")
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.HIDDEN
    assert selectors.author_history(author=resident) == {
        "hidden": 1,
        "warnings": 1,
        "blocks": 0,
        "comments": 1,
    }
    assert (
        Delivery.objects.filter(
            recipient=resident, event__context__subject="A warning from the moderators"
        ).count()
        == 2
    )


def test_block_deactivates_the_author_after_telling_them(pending, resident, moderator):
    services.moderation_decide(moderator=moderator, case=pending, action="block", reason="Spam.")
    resident.refresh_from_db()
    assert resident.is_active is False
    assert (
        Delivery.objects.filter(
            recipient=resident, event__context__subject="Your account has been blocked"
        ).count()
        == 2
    )


def test_staff_cannot_be_blocked_from_the_queue(item, moderator):
    staff_comment = comment_post(StaffFactory(role=BUDGET_OFFICER), item, "Official")
    _report(staff_comment, residents(1))
    with pytest.raises(ValidationError, match="staff"):
        services.moderation_decide(
            moderator=moderator, case=_case(staff_comment), action="block", reason="x"
        )


def test_decisions_need_a_reason_except_restore(pending, moderator):
    with pytest.raises(ValidationError, match="reason"):
        services.moderation_decide(moderator=moderator, case=pending, action="hide", reason=" ")


def test_a_decided_case_is_not_decided_twice(pending, resident, moderator):
    services.moderation_decide(moderator=moderator, case=pending, action="hide", reason="x")
    with pytest.raises(ValidationError, match="already decided"):
        services.moderation_decide(moderator=moderator, case=pending, action="hide", reason="x")
    assert ModerationDecision.objects.filter(action="hide").count() == 1


def test_residents_cannot_decide(pending):
    with pytest.raises(PermissionDenied):
        services.moderation_decide(
            moderator=UserFactory(), case=pending, action="restore", reason=""
        )


def test_queue_is_oldest_first_with_history_in_constant_queries(
    item, django_assert_max_num_queries
):
    comments = [comment_post(UserFactory(), item, f"Comment {n}") for n in range(4)]
    for comment in comments:
        _report(comment, residents(1))
    with django_assert_max_num_queries(1):
        queue = list(selectors.moderation_queue())
    assert [case.object_id for case in queue] == [c.pk for c in comments]
    assert all(case.author_hidden_count == 0 for case in queue)


# --- Pages, admin and API ----------------------------------------------------------------


def test_report_page_and_htmx_form(client, comment):
    reporter = UserFactory()
    client.force_login(reporter)
    url = reverse("core:flag-create", args=["core.comment", comment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "spam"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    again = client.post(url, {"reason": "spam"}, headers={"HX-Request": "true"})
    assert "already reported" in again.content.decode()
    assert Flag.objects.count() == 1


def test_hidden_items_cannot_be_reported_or_commented_through_urls(client, pending, comment):
    client.force_login(UserFactory())
    url = reverse("core:flag-create", args=["core.comment", comment.pk])
    assert client.get(url).status_code == 404


def test_admin_queue_lists_and_decides(client, pending, comment, resident, moderator):
    client.force_login(moderator)
    changelist = reverse("admin:core_moderationcase_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Something that breaks the rules" in page
    assert "Abusive, harassing or threatening (3)" in page

    data = {"action": "warn_selected", "_selected_action": [pending.pk]}
    confirm = client.post(changelist, data)
    assert confirm.status_code == 200
    assert "Reason told to the author" in confirm.content.decode()
    client.post(changelist, {**data, "apply": "1", "reason": "Be civil."})
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.HIDDEN
    assert ModerationDecision.objects.filter(action="warn", moderator=moderator).exists()


def test_admin_queue_is_closed_to_residents_and_other_staff(client, pending):
    client.force_login(StaffFactory(role=BUDGET_OFFICER, mfa=True))
    response = client.get(reverse("admin:core_moderationcase_changelist"))
    assert response.status_code == 403


def test_api_report_creates_a_flag(comment):
    from rest_framework.test import APIClient

    api = APIClient()
    url = f"/api/v1/items/core.comment/{comment.pk}/reports/"
    assert api.post(url, {"reason": "spam"}, format="json").status_code == 401
    api.force_authenticate(UserFactory())
    response = api.post(url, {"reason": "spam"}, format="json")
    assert response.status_code == 201, response.content
    again = api.post(url, {"reason": "spam"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["message"] == "You have already reported this."


def _moderatable_models():
    from civicportal.core.models import Moderatable

    return [m for m in apps.get_models() if issubclass(m, Moderatable)]


def test_every_moderatable_table_has_one_plain_index_on_its_state():
    """Moderatable leaves the index to each model's Meta (no LIKE twin on PostgreSQL)."""

    models = _moderatable_models()
    assert {m._meta.label for m in models} >= {"core.Comment", "proposals.Idea", "proposals.Point"}
    for model in models:
        table = model._meta.db_table
        on_state = [
            name
            for name, info in table_indexes(table).items()
            if info["columns"] == ["moderation_state"]
        ]
        definitions = index_definitions(table)
        pattern = [d for d in definitions if "moderation_state varchar_pattern_ops" in d]
        assert len(on_state) == 1, (table, on_state)
        assert pattern == [], table
