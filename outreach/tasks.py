"""Social reach's tasks: publishing an approved post, and the minute sweep."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def post_publish_task(post_id: int) -> bool:
    from outreach.services.posts import post_publish

    return post_publish(post_id=post_id)


@shared_task(acks_late=True)
def posts_publish_due_task() -> int:
    from outreach.services.posts import posts_publish_due

    return posts_publish_due()
