"""The periodic pull of campaigns' hashtags from Mastodon and Bluesky."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def hashtag_posts_pull_task() -> dict:
    """No retry of its own: a network that fails is skipped and the next run (10 minutes
    on) tries it again."""
    from community.services.hashtag_posts import hashtag_posts_pull

    return hashtag_posts_pull().as_dict()
