"""Posts under concurrency, on PostgreSQL with real threads (each its own connection): two
editors approving at once approve once; the task, a retry and the sweep publishing at once
make one event; a cancel racing the publication leaves exactly one of them done."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from civicportal.notifications.models import Event
from outreach.models import Post, PostState
from outreach.services import posts as services
from tests.outreach.posts_fixtures import approved, awaiting, editor

pytestmark = pytest.mark.django_db(transaction=True)


def _run_at_once(targets) -> tuple[list, list[Exception]]:
    barrier = threading.Barrier(len(targets))
    results: list = []
    errors: list[Exception] = []

    def run(target) -> None:
        try:
            barrier.wait()
            results.append(target())
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
    return results, errors


def test_two_editors_approving_at_once_approve_once():
    post = awaiting()
    version = services.post_version(post)
    first, second = editor(), editor()

    results, errors = _run_at_once(
        [
            lambda: services.post_approve(actor=first, post=post.pk, version=version),
            lambda: services.post_approve(actor=second, post=post.pk, version=version),
        ]
    )

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert "cannot be approved" in errors[0].messages[0]
    post.refresh_from_db()
    assert post.state == PostState.SCHEDULED
    assert post.approver_id == results[0].approver_id


def test_ten_publishers_at_once_publish_once():
    post = approved()

    results, errors = _run_at_once(
        [lambda: services.post_publish(post_id=post.pk) for _ in range(5)]
        + [services.posts_publish_due for _ in range(5)]
    )

    assert errors == []
    assert sum(int(result) for result in results) == 1
    assert Event.objects.filter(idempotency_key=f"outreach.post.{post.pk}").count() == 1
    assert Post.objects.get(pk=post.pk).state == PostState.PUBLISHED


def test_a_cancel_racing_the_publication_leaves_one_of_them_done():
    post = approved()
    canceller = editor()

    results, errors = _run_at_once(
        [
            lambda: services.post_publish(post_id=post.pk),
            lambda: services.post_cancel(actor=canceller, post=post.pk, reason="Wrong day"),
        ]
    )

    post.refresh_from_db()
    if post.state == PostState.PUBLISHED:
        assert len(errors) == 1 and "cannot be cancelled" in errors[0].messages[0]
        assert Event.objects.count() == 1
    else:
        assert post.state == PostState.CANCELLED and errors == []
        assert False in results and not Event.objects.exists()
