"""Participations per source: each hooked action records once, with the source the browser
sent (the ``via`` form field or the ``X-Via`` header), or "" without one."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from budgeting.services.voting import ballot_cast
from civicportal.audience import sources
from civicportal.audience.models import Participation
from civicportal.audience.services import participation_record
from community.services.stories import story_submit
from consultations.models import Response
from consultations.services.responses import response_submit
from tests.accounts.factories import UserFactory
from tests.budgeting.factories import knapsack
from tests.consultations.factories import QuestionFactory
from tests.proposals.factories import CategoryFactory, idea_post

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-new-password-7"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PROPOSALS_REQUIRE_VERIFIED = False
    settings.PROPOSALS_IDEAS_PER_DAY = 50


def recorded() -> set[tuple]:
    return set(Participation.objects.values_list("user__email", "module", "action", "source"))


class bound_request:
    """A service called while serving a request that carries ``data`` (as the middleware
    binds it): for modules whose page needs more set-up than the count itself."""

    def __init__(self, data=None, headers=None):
        self.request = RequestFactory().post("/", data or {}, headers=headers or {})

    def __enter__(self):
        self.token = sources.request_bind(self.request)

    def __exit__(self, *exc):
        sources.request_unbind(self.token)


def test_sign_up_records_a_participation_with_the_forms_source(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "via": "bluesky",
            },
        )
    assert response.status_code == 302
    assert recorded() == {("new@example.org", "accounts", "signup", "bluesky")}


def test_an_idea_posted_through_the_form_records_the_source_once_per_day(
    client, resident, django_capture_on_commit_callbacks
):
    category = CategoryFactory()
    client.force_login(resident)
    form = {"title": "Benches", "body": "Somewhere to rest.", "category": category.pk}
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(reverse("proposals:idea-create"), {**form, "via": "mastodon"}).status_code
            == 302
        )
        form["title"] = "More benches"
        assert (
            client.post(reverse("proposals:idea-create"), {**form, "via": "mastodon"}).status_code
            == 302
        )
    assert Participation.objects.count() == 1
    row = Participation.objects.get()
    assert (row.user, row.module, row.action, row.source, row.day) == (
        resident,
        "proposals",
        "idea",
        "mastodon",
        timezone.localdate(),
    )


def test_an_htmx_vote_records_the_source_from_the_header_and_a_double_submit_counts_once(
    client, resident, django_capture_on_commit_callbacks
):
    idea = idea_post(UserFactory())
    client.force_login(resident)
    url = reverse("proposals:idea-vote", args=[idea.pk])
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(2):
            response = client.post(
                url, {"value": "support"}, headers={"HX-Request": "true", "X-Via": "qr"}
            )
            assert response.status_code == 200
        client.post(url, {"value": "oppose"}, headers={"HX-Request": "true", "X-Via": "qr"})
    assert recorded() == {
        (resident.email, "proposals", "vote-support", "qr"),
        (resident.email, "proposals", "vote-oppose", "qr"),
    }


def test_an_unknown_source_records_the_participation_as_direct(
    client, resident, django_capture_on_commit_callbacks
):
    idea = idea_post(UserFactory())
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("proposals:idea-vote", args=[idea.pk]), {"value": "support", "via": "tiktok"}
        )
    assert recorded() == {(resident.email, "proposals", "vote-support", "")}


def test_a_consultation_answer_records_the_source(
    client, resident, django_capture_on_commit_callbacks
):
    question = QuestionFactory(choices=["Yes", "No"])
    choice = question.choices.first()
    client.force_login(resident)
    url = reverse("consultations:questionnaire", args=[question.consultation.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {f"q{question.pk}": str(choice.pk), "via": "newsletter"})
    assert response.status_code == 302
    assert Response.objects.filter(user=resident).exists()
    assert recorded() == {(resident.email, "consultations", "answer", "newsletter")}


def test_an_anonymous_consultation_answer_records_nothing(django_capture_on_commit_callbacks):
    question = QuestionFactory(choices=["Yes"], consultation__audience="everyone")
    with django_capture_on_commit_callbacks(execute=True), bound_request({"via": "poster"}):
        response_submit(
            consultation=question.consultation,
            user=None,
            anon_token="browser-token",
            answers={str(question.pk): {"choice": question.choices.first().pk}},
        )
    assert not Participation.objects.exists()


def test_a_budget_ballot_records_the_source(django_capture_on_commit_callbacks):
    voter = UserFactory(verified=True)
    ballot, (project, _b, _c) = knapsack()
    with django_capture_on_commit_callbacks(execute=True), bound_request({"via": "facebook"}):
        ballot_cast(actor=voter, ballot=ballot, selections={project.pk: 1})
        ballot_cast(actor=voter, ballot=ballot, selections={project.pk: 1})  # changed: once
    assert recorded() == {(voter.email, "budgeting", "ballot", "facebook")}


def test_a_story_records_the_source(resident, area, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        bound_request(headers={"X-Via": "email"}),
    ):
        story_submit(actor=resident, title="Our garden", body="We planted trees.", area=area)
    assert recorded() == {(resident.email, "community", "story", "email")}


def test_a_refused_action_records_nothing(client, resident, django_capture_on_commit_callbacks):
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("proposals:idea-create"), {"title": "", "body": "", "via": "mastodon"}
        )
    assert response.status_code == 400
    assert not Participation.objects.exists()


def test_participation_record_never_raises_into_the_caller(resident):
    participation_record(user=None, module="proposals", action="idea")
    participation_record(user=UserFactory.build(), module="proposals", action="idea")
    participation_record(user=resident, module=object(), action="x" * 500)
    assert not Participation.objects.exists()  # written on commit, which a test never reaches
