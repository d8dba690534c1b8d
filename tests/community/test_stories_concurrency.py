"""Thanks under concurrency, on PostgreSQL with real threads (each its own connection):
twenty simultaneous thanks from one resident count once, twenty residents thanking at once
count twenty. The requests go through the thanks page's view (Django's test client), the
service's row lock and the unique constraint; nothing is mocked."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from community.models.stories import Story, StoryThanks
from community.services import stories as services
from tests.accounts.factories import UserFactory
from tests.community.stories_fixtures import StoryFactory


def _run_at_once(targets) -> list[Exception]:
    barrier = threading.Barrier(len(targets))
    errors: list[Exception] = []

    def run(target) -> None:
        try:
            barrier.wait()
            target()
        except Exception as error:  # the test reports whatever went wrong
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_thanks_from_one_resident_count_once():
    story = StoryFactory(published=True)
    resident = UserFactory()
    url = reverse("community:story-thank", args=[story.pk])
    statuses: list[int] = []

    def clients():
        client = Client()
        client.force_login(resident)
        return client

    prepared = [clients() for _ in range(20)]

    def thank(client=None):
        statuses.append(client.post(url).status_code)

    errors = _run_at_once([lambda c=c: thank(c) for c in prepared])
    assert errors == []
    assert statuses == [302] * 20
    story.refresh_from_db()
    assert story.thanks_count == 1
    assert StoryThanks.objects.filter(story=story, user=resident).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_residents_thanking_at_once_count_twenty():
    story = StoryFactory(published=True)
    residents = [UserFactory() for _ in range(20)]
    errors = _run_at_once(
        [lambda r=r: services.story_thank(actor=r, story=story.pk) for r in residents]
    )
    assert errors == []
    story.refresh_from_db()
    assert story.thanks_count == 20
    assert StoryThanks.objects.filter(story=story).count() == 20
    assert Story.objects.get(pk=story.pk).thanks_count == StoryThanks.objects.count()
