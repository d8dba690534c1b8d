"""Parallel votes of one resident never answer 500, and the counts stay right.

Eighty vote and withdraw calls at once from one resident, on PostgreSQL: first votes race
on the one-vote-per-resident constraint, withdrawals delete the row the others want to
change. Each call must end in a clean answer (the vote as it now stands, or a refusal
with a message); the idea's counters must match the one vote left, if any.
"""

from __future__ import annotations

import re
import threading

import pytest
import requests
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from proposals import services
from proposals.models import Idea, IdeaVote
from tests.accounts.factories import UserFactory
from tests.proposals.factories import CategoryFactory, idea_post

CALLS = 80
VALUES = ("support", "withdraw", "oppose", "withdraw")


@pytest.fixture(autouse=True)
def _proposals_settings(settings):
    settings.PROPOSALS_REQUIRE_VERIFIED = False
    settings.PROPOSALS_IDEAS_PER_DAY = 50
    settings.PROPOSALS_VOTE_RATE_LIMIT = 0  # the limit is tested elsewhere: here, the race
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _counts_match_the_vote_left(idea: Idea, voter) -> None:
    votes = list(IdeaVote.objects.filter(idea=idea, user=voter).values_list("value", flat=True))
    assert len(votes) <= 1
    idea.refresh_from_db()
    expected = {
        (): (0, 0),
        ("support",): (1, 0),
        ("oppose",): (0, 1),
    }[tuple(votes)]
    assert (idea.support_count, idea.oppose_count) == expected


@pytest.mark.django_db(transaction=True)
def test_eighty_parallel_votes_and_withdrawals_of_one_resident_never_answer_500(live_server):
    """The real endpoint, eighty requests at once from one signed-in resident."""
    author, voter = UserFactory(), UserFactory()
    idea = idea_post(author, category=CategoryFactory())
    url = f"{live_server.url}{reverse('proposals:idea-vote', args=[idea.pk])}"
    client = Client()
    client.force_login(voter)
    first = requests.Session()
    first.cookies.set("sessionid", client.cookies["sessionid"].value)
    page = first.get(f"{live_server.url}{idea.get_absolute_url()}", timeout=30)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    sessions = []
    for _ in range(CALLS):
        session = requests.Session()
        session.cookies.update(first.cookies)
        # Open the connection now (HTTP/1.1 keep-alive): the test server's listen queue
        # holds 10, so eighty connecting at once would be turned away before the portal
        # saw them. The eighty votes then go at once over open connections.
        session.get(f"{live_server.url}/healthz", timeout=30)
        sessions.append(session)

    barrier = threading.Barrier(CALLS)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send(session: requests.Session, value: str) -> None:
        barrier.wait()
        try:
            response = session.post(
                url,
                data={"value": value},
                headers={"X-CSRFToken": token, "HX-Request": "true"},
                timeout=120,
                allow_redirects=False,
            )
        except requests.RequestException as error:  # a dropped connection is an answer too
            answer = (0, repr(error))
        else:
            answer = (response.status_code, response.text)
        with lock:
            answers.append(answer)

    threads = [
        threading.Thread(target=send, args=(session, VALUES[n % len(VALUES)]))
        for n, session in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    failures = [(status, text[:300]) for status, text in answers if status != 200]
    assert failures == []
    assert len(answers) == CALLS
    # Every answer is the vote panel, saying what happened (or why not).
    assert all("data-vote-status" in text for _status, text in answers)
    _counts_match_the_vote_left(idea, voter)


@pytest.mark.django_db(transaction=True)
def test_parallel_votes_and_withdrawals_in_the_service_raise_nothing_but_refusals():
    """Eighty threads of one resident, each voting or withdrawing several times: no
    IntegrityError (nor any other error) leaves the service; the counters stay exact."""
    author, voter = UserFactory(), UserFactory()
    idea = idea_post(author, category=CategoryFactory())
    barrier = threading.Barrier(CALLS)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def cast(value: str) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                try:
                    if value == "withdraw":
                        services.idea_vote_withdraw(user=voter, idea=idea.pk)
                    else:
                        services.idea_vote(user=voter, idea=idea.pk, value=value)
                except ValidationError:
                    pass  # a refusal with a message is a clean answer
        except BaseException as error:  # the test reports whatever else went wrong
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(VALUES[n % len(VALUES)],)) for n in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    _counts_match_the_vote_left(idea, voter)
