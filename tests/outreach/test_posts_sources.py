"""The registered sources offer public items only, each with its link and suggested words;
a kind registered later plugs in without touching the social app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from budgeting.models import BudgetProcess
from civicportal.core import shareables as sources
from outreach.selectors.posts import source_groups
from proposals.models import Idea
from tests.accounts.factories import UserFactory
from tests.budgeting.factories import ProcessFactory
from tests.community.factories_events import event
from tests.consultations.factories import ConsultationFactory
from tests.proposals.factories import idea_post

pytestmark = pytest.mark.django_db


def _kinds(kind: str) -> list[int]:
    return [item.pk for item in sources.source_get(kind).recent(10)]


def test_an_ideas_official_answer_is_offered_once_answered():
    idea = idea_post(UserFactory(), title="More benches")
    assert idea.pk not in _kinds("proposals.answer")
    Idea.objects.filter(pk=idea.pk).update(
        official_response="We will add six benches this spring.", responded_at=timezone.now()
    )

    item = sources.item_get("proposals.answer", idea.pk)

    assert _kinds("proposals.answer") == [idea.pk]
    assert item.url == idea.get_absolute_url()
    assert item.text == (
        "The council answered the idea “More benches”: We will add six benches this spring."
    )


def test_consultation_results_are_offered_only_once_published():
    hidden = ConsultationFactory(closed=True, results_public_after_close=True)
    shown = ConsultationFactory(
        closed=True, results_public_after_close=True, results_published_at=timezone.now()
    )

    assert _kinds("consultations.results") == [shown.pk]
    assert sources.item_get("consultations.results", shown.pk).url == reverse(
        "consultations:results", args=[shown.slug]
    )
    with pytest.raises(ValidationError):
        sources.item_get("consultations.results", hidden.pk)


def test_budget_results_are_offered_only_once_published():
    ProcessFactory(title="Voting now")
    done = ProcessFactory(
        title="Budget 2026",
        state=BudgetProcess.State.RESULTS,
        results_published_at=timezone.now() - timedelta(days=1),
    )

    assert _kinds("budgeting.results") == [done.pk]
    item = sources.item_get("budgeting.results", done.pk)
    assert item.url == reverse("budgeting:results", kwargs={"slug": done.slug})
    assert "Budget 2026" in item.text


def test_published_community_events_are_offered():
    made = event(title="Riverside clean-up")
    item = sources.item_get("community.event", made.pk)
    assert item.url == made.get_absolute_url()
    assert item.text.startswith("Join us: “Riverside clean-up”")


def test_a_module_plugs_in_a_kind_of_its_own():
    item = sources.SourceItem(
        kind="tests.notice", pk=7, title="A notice", url="/notice/7/", description="", text="Hi"
    )
    sources.register(
        sources.Source(
            kind="tests.notice",
            label="Notices",
            recent=lambda limit: [item],
            get=lambda pk: item if pk == 7 else None,
        )
    )
    try:
        assert sources.item_get("tests.notice", "7") == item
        assert any(group.kind == "tests.notice" for group in source_groups())
        with pytest.raises(ValidationError, match="not public"):
            sources.item_get("tests.notice", 8)
    finally:
        sources.unregister("tests.notice")
    with pytest.raises(ValidationError, match="no kind of item"):
        sources.item_get("tests.notice", 7)
