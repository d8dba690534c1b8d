"""Reads of the council's composed posts, with what the workers made of them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from civicportal.core.shareables import SourceItem, source_list
from civicportal.notifications.channels.social import social_accounts
from civicportal.notifications.models import Delivery
from outreach.models import Post, PostState

LIST_LIMIT = 100


def _with_deliveries(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.select_related("author", "approver", "event").prefetch_related(
        Prefetch(
            "event__deliveries",
            queryset=Delivery.objects.filter(channel="social")
            .select_related("social_post")
            .order_by("address"),
        )
    )


def post_list(*, state: str = "") -> QuerySet[Post]:
    """Posts newest first, with their author, approver and every account's delivery and
    published post loaded (a constant number of queries for the page)."""
    posts = Post.objects.all()
    if state in PostState.values:
        posts = posts.filter(state=state)
    return _with_deliveries(posts).order_by("-created_at", "-id")


def post_get(*, pk: int) -> Post:
    return get_object_or_404(_with_deliveries(Post.objects.all()), pk=pk)


@dataclass(frozen=True)
class AccountStatus:
    account: str
    text: str
    status: str  # "waiting" before publication, then the delivery's status
    status_label: str
    error: str
    post_url: str


def post_account_statuses(post: Post) -> list[AccountStatus]:
    """Per account: its text, the delivery's status (and error), and the public link of
    the post once a worker has posted it. Uses the prefetched deliveries."""
    deliveries = {}
    if post.event_id:
        deliveries = {delivery.address: delivery for delivery in post.event.deliveries.all()}
    # The configured accounts' order (a JSON object's keys come back in any order).
    configured = social_accounts()
    accounts = sorted(
        post.texts, key=lambda name: (configured.index(name) if name in configured else 99, name)
    )
    rows = []
    for account in accounts:
        text = post.texts[account]
        delivery = deliveries.get(account)
        if delivery is None:
            rows.append(AccountStatus(account, text, "waiting", "", "", ""))
            continue
        social_post = getattr(delivery, "social_post", None)
        rows.append(
            AccountStatus(
                account=account,
                text=text,
                status=delivery.status,
                status_label=delivery.get_status_display(),
                error=delivery.last_error if delivery.status == Delivery.Status.FAILED else "",
                post_url=(social_post.post_url if social_post is not None else ""),
            )
        )
    return rows


def post_is_in_flight(post: Post, statuses: list[AccountStatus]) -> bool:
    """Approved and not yet posted everywhere: its status may still change."""
    if post.state == PostState.SCHEDULED:
        return True
    return post.state == PostState.PUBLISHED and any(
        row.status in ("waiting", "pending", "sending") for row in statuses
    )


@dataclass(frozen=True)
class SourceGroup:
    kind: str
    label: str
    items: list[SourceItem]


def source_groups(*, limit: int = 10) -> list[SourceGroup]:
    """The newest public items of every registered source, to compose a post from."""
    return [
        SourceGroup(kind=source.kind, label=str(source.label), items=source.recent(limit))
        for source in source_list()
    ]
