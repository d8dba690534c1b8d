"""What moderation hides, or a page's rules restrict, is readable nowhere else.

docs/specification.md §10. Every view and service of the participation pieces that takes
an object id (comments, replies, edits, reports, follows) checks that the user may see the
item and the comment; a ballot's errors name no project of another process.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from budgeting import services as budgeting_services
from budgeting.models import Ballot, BallotSubmission
from civicportal.accounts import roles
from civicportal.core import selectors, services
from civicportal.core.models import Comment, Flag, Follow, ModerationState
from consultations.roles import CONSULTATION_MANAGER
from proposals.models import Point
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory
from tests.consultations.factories import ConsultationFactory, draft_with_paragraphs
from tests.core.factories import comment_post
from tests.proposals.factories import idea_post, point_post

pytestmark = pytest.mark.django_db

SECRET = "The code of the back door is 4711"


@pytest.fixture(autouse=True)
def _participation_settings(settings):
    settings.CORE_COMMENT_RATE_LIMIT = 0
    settings.CORE_FLAG_HIDE_THRESHOLD = 3
    settings.CORE_COMMENT_EDIT_MINUTES = 15
    settings.PROPOSALS_REQUIRE_VERIFIED = False
    settings.PROPOSALS_IDEAS_PER_DAY = 50


@pytest.fixture
def resident(db):
    return UserFactory(display_name="Pat")


@pytest.fixture
def author(db):
    return UserFactory(display_name="Sam")


@pytest.fixture
def moderator(db):
    return StaffFactory(role=roles.MODERATOR, mfa=True)


@pytest.fixture
def idea(author):
    return idea_post(author, title="A safer crossing by the school")


def _hide(obj, state: str = ModerationState.HIDDEN) -> None:
    type(obj)._default_manager.filter(pk=obj.pk).update(moderation_state=state)
    obj.moderation_state = state


def _reply_url(comment: Comment) -> str:
    return reverse("core:comment-reply", args=[comment.pk])


def _restricted_paragraph():
    """A paragraph of a consultation that is not published: only its managers see it."""
    consultation = ConsultationFactory(is_published=False, title="Budget cuts (draft)")
    _draft, (paragraph, _second) = draft_with_paragraphs(consultation)
    return paragraph


def _comment_on_restricted_paragraph(author) -> Comment:
    """A comment posted while the consultation was public; then it was unpublished."""
    consultation = ConsultationFactory(title="Budget cuts")
    _draft, (paragraph, _second) = draft_with_paragraphs(consultation)
    comment = comment_post(author, paragraph, SECRET)
    consultation.is_published = False
    consultation.save(update_fields=["is_published"])
    return comment


# --- Comments hidden by moderation ---------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "pending", "deleted"])
def test_a_hidden_or_deleted_comment_is_not_found_on_its_reply_page(
    client, resident, author, idea, state
):
    comment = comment_post(author, idea, SECRET)
    if state == "deleted":
        services.comment_delete(actor=author, comment=comment)
    else:
        _hide(comment, state)
    client.force_login(resident)
    response = client.get(_reply_url(comment))
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    htmx = client.get(_reply_url(comment), headers={"HX-Request": "true"})
    assert htmx.status_code == 404


def test_a_moderator_may_read_a_hidden_comment_on_its_reply_page(client, moderator, author, idea):
    comment = comment_post(author, idea, SECRET)
    _hide(comment)
    client.force_login(moderator)
    response = client.get(_reply_url(comment))
    assert response.status_code == 200
    assert SECRET in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_reply_to_a_hidden_comment_is_refused_without_showing_its_text(
    client, resident, author, idea, htmx
):
    """The resident keeps what they typed (the comment may have left the thread while
    they wrote), and reads nothing of the hidden comment."""
    comment = comment_post(author, idea, SECRET)
    _hide(comment)
    client.force_login(resident)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(_reply_url(comment), {"body": "I agree"}, headers=headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no longer shown" in html and "I agree" in html
    assert SECRET not in html
    assert Comment.objects.count() == 1


def test_a_reply_to_a_hidden_reply_is_refused_even_though_its_thread_is_shown(
    resident, author, idea
):
    top = comment_post(author, idea, "Visible top comment")
    hidden_reply = comment_post(author, idea, SECRET, parent=top)
    _hide(hidden_reply)
    with pytest.raises(ValidationError):
        services.comment_create(
            author=resident, target=idea, body="Quite right", parent=hidden_reply
        )
    assert Comment.objects.count() == 2


def test_the_api_refuses_a_reply_to_a_hidden_reply(resident, author, idea):
    top = comment_post(author, idea, "Visible top comment")
    hidden_reply = comment_post(author, idea, SECRET, parent=top)
    _hide(hidden_reply)
    api = APIClient()
    api.force_authenticate(resident)
    url = reverse("v1:core:comment-list", args=["proposals.idea", idea.pk])
    response = api.post(url, {"body": "Quite right", "parent": hidden_reply.pk}, format="json")
    assert response.status_code in (400, 404)
    assert Comment.objects.count() == 2


def test_the_author_of_a_hidden_comment_cannot_open_its_edit_or_delete_page(client, author, idea):
    comment = comment_post(author, idea, SECRET)
    _hide(comment)
    client.force_login(author)
    assert client.get(reverse("core:comment-edit", args=[comment.pk])).status_code == 404
    assert client.get(reverse("core:comment-delete", args=[comment.pk])).status_code == 404


def test_comment_get_finds_a_hidden_comment_for_moderators_only(moderator, resident, author, idea):
    comment = comment_post(author, idea, SECRET)
    _hide(comment)
    assert selectors.comment_get(viewer=moderator, pk=comment.pk) == comment
    with pytest.raises(Comment.DoesNotExist):
        selectors.comment_get(viewer=resident, pk=comment.pk)


# --- Comments on an item the viewer may not see ----------------------------------------------


def test_a_comment_on_a_restricted_page_is_not_found_on_its_reply_page(client, resident, author):
    comment = _comment_on_restricted_paragraph(author)
    client.force_login(resident)
    response = client.get(_reply_url(comment))
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    htmx = client.get(_reply_url(comment), headers={"HX-Request": "true"})
    assert htmx.status_code == 404
    assert SECRET not in htmx.content.decode()


def test_a_reply_on_a_restricted_page_is_not_found_and_nothing_is_stored(client, resident, author):
    comment = _comment_on_restricted_paragraph(author)
    client.force_login(resident)
    response = client.post(_reply_url(comment), {"body": "Leaked?"})
    assert response.status_code == 404
    assert Comment.objects.count() == 1


def test_the_author_cannot_open_their_comment_once_its_page_is_restricted(client, author):
    comment = _comment_on_restricted_paragraph(author)
    client.force_login(author)
    for name in ("core:comment-edit", "core:comment-delete", "core:comment-reply"):
        response = client.get(reverse(name, args=[comment.pk]))
        assert response.status_code == 404, name
    response = client.post(reverse("core:comment-edit", args=[comment.pk]), {"body": "New text"})
    assert response.status_code == 404
    assert Comment.objects.get(pk=comment.pk).body == SECRET


def test_comment_create_refuses_an_item_its_author_may_not_see(resident):
    paragraph = _restricted_paragraph()
    with pytest.raises(ValidationError):
        services.comment_create(author=resident, target=paragraph, body="Sneaky")
    assert not Comment.objects.exists()


def test_the_comment_page_of_a_restricted_item_is_not_found(client, resident):
    paragraph = _restricted_paragraph()
    client.force_login(resident)
    url = reverse("core:comment-create", args=["consultations.paragraph", paragraph.pk])
    assert client.post(url, {"body": "Sneaky"}).status_code == 404
    assert not Comment.objects.exists()


def test_a_manager_may_still_comment_on_an_unpublished_draft(db):
    manager = StaffFactory(role=CONSULTATION_MANAGER, mfa=True)
    paragraph = _restricted_paragraph()
    comment = services.comment_create(author=manager, target=paragraph, body="Note for staff")
    assert comment.pk


# --- Reports -------------------------------------------------------------------------------


def test_the_report_page_of_a_comment_on_a_restricted_page_is_not_found(client, resident, author):
    comment = _comment_on_restricted_paragraph(author)
    client.force_login(resident)
    url = reverse("core:flag-create", args=["core.comment", comment.pk])
    response = client.get(url)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert client.post(url, {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()


def test_the_report_page_of_a_deleted_comment_is_not_found(client, resident, author, idea):
    comment = comment_post(author, idea, SECRET)
    services.comment_delete(actor=author, comment=comment)
    client.force_login(resident)
    url = reverse("core:flag-create", args=["core.comment", comment.pk])
    assert client.get(url).status_code == 404


def test_the_report_page_of_a_point_on_a_hidden_idea_is_not_found(client, resident, author, idea):
    point = point_post(author, idea, Point.Side.FOR, SECRET)
    _hide(idea)
    client.force_login(resident)
    url = reverse("core:flag-create", args=["proposals.point", point.pk])
    response = client.get(url)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_flag_create_refuses_a_comment_the_reporter_may_not_see(resident, author):
    comment = _comment_on_restricted_paragraph(author)
    with pytest.raises(ValidationError):
        services.flag_create(reporter=resident, target=comment, reason="spam")
    assert not Flag.objects.exists()


# --- Follows -------------------------------------------------------------------------------


def test_follow_set_refuses_an_item_the_resident_may_not_see(resident):
    paragraph = _restricted_paragraph()
    with pytest.raises(ValidationError):
        services.follow_set(user=resident, target=paragraph, following=True)
    assert not Follow.objects.exists()


def test_the_follow_button_of_a_restricted_item_is_not_found(client, resident):
    paragraph = _restricted_paragraph()
    client.force_login(resident)
    url = reverse("core:follow", args=["consultations.paragraph", paragraph.pk])
    assert client.post(url, {"following": "1"}).status_code == 404
    assert not Follow.objects.exists()


# --- Ballots -------------------------------------------------------------------------------


def _open_ballot():
    ballot = BallotFactory(kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    return ballot, ProjectFactory(ballot=ballot, estimated_cost=Decimal(3000))


def _draft_project():
    draft = ProcessFactory(state="draft", title="Next year's budget (draft)")
    ballot = BallotFactory(process=draft, kind=Ballot.Kind.KNAPSACK)
    return ProjectFactory(ballot=ballot, title="Secret swimming pool")


def test_a_ballot_error_does_not_name_a_project_of_a_draft_process():
    ballot, mine = _open_ballot()
    foreign = _draft_project()
    voter = UserFactory(verified=True)
    with pytest.raises(ValidationError) as error:
        budgeting_services.ballot_cast(
            actor=voter, ballot=ballot, selections={mine.pk: 1, foreign.pk: 1}
        )
    text = " ".join(error.value.messages)
    assert "Secret swimming pool" not in text
    assert "draft" not in text
    assert str(foreign.pk) in text  # the voter is told which number is wrong
    assert not BallotSubmission.objects.exists()


def test_the_ballot_api_answers_400_without_naming_a_project_of_another_process():
    ballot, mine = _open_ballot()
    foreign = _draft_project()
    api = APIClient()
    api.force_authenticate(UserFactory(verified=True))
    url = reverse("v1:budgeting:ballot-cast", args=[ballot.process.slug, ballot.pk])
    body = {"selections": [{"project": mine.pk}, {"project": foreign.pk}]}
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert "Secret swimming pool" not in response.content.decode()
    assert "draft" not in response.content.decode()
    assert not BallotSubmission.objects.exists()


def test_a_ballot_error_still_names_a_project_of_another_ballot_of_the_same_process():
    """The district ballots of an open process are public: naming them helps the voter."""
    ballot, mine = _open_ballot()
    district = BallotFactory(
        process=ballot.process, area=AreaFactory(name="Eastgate"), kind=Ballot.Kind.KNAPSACK
    )
    neighbour = ProjectFactory(ballot=district, title="Eastgate playground")
    voter = UserFactory(verified=True)
    with pytest.raises(ValidationError, match="Eastgate playground"):
        budgeting_services.ballot_cast(
            actor=voter, ballot=ballot, selections={mine.pk: 1, neighbour.pk: 1}
        )
