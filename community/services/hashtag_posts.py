"""Campaign posts brought in from Mastodon and Bluesky: the periodic pull, moderation, and
the author's request for removal.

The pull (``hashtag_posts_pull``) runs for every campaign whose dates include today and
whose "bring in public posts" switch is on. Each network is pulled on its own: one that
fails is logged and skipped, and the next run tries again. New posts land ``pending``
(one row per network and source id, held by a unique constraint, so two runs at once or a
re-pull add nothing); a post already here is refreshed only while it waits, never once a
moderator decided. Posts the pull did not see are checked at their source, oldest-checked
first and a bounded number per run, and deleted here when they are gone there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.kernel.audit import audit_record
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take
from civicportal.kernel.validators import CONTROL_CHARACTER_MESSAGE, find_control_character
from community.models.hashtag_posts import (
    HASHTAG_POST_REASON_MAX_LENGTH,
    HashtagPost,
    HashtagPostState,
)
from community.models.stories import Campaign
from community.services.hashtag_sources import (
    FetchedPost,
    SourceUnavailable,
    configured_sources,
)

logger = logging.getLogger(__name__)

REMOVAL_RATE_SCOPE = "community.hashtag_removal"
REMOVAL_RATE_WINDOW = 3600


def _max_pages() -> int:
    return max(int(settings.COMMUNITY_HASHTAG_MAX_PAGES), 1)


def _checks_per_run() -> int:
    return max(int(settings.COMMUNITY_HASHTAG_CHECKS_PER_RUN), 0)


def campaigns_to_pull(*, today=None) -> QuerySet[Campaign]:
    today = today or timezone.localdate()
    return (
        Campaign.objects.filter(bring_in_posts=True, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("pk")
    )


def _period(campaign: Campaign) -> tuple[datetime, datetime | None]:
    """The campaign's dates as instants in the council's time zone (the end day included)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(campaign.starts_on, time.min, tzinfo=zone)
    end = datetime.combine(campaign.ends_on, time.max, tzinfo=zone) if campaign.ends_on else None
    return start, end


@dataclass
class PullReport:
    imported: int = 0
    refreshed: int = 0
    deleted: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "refreshed": self.refreshed,
            "deleted": self.deleted,
            "failed": self.failed,
        }


def _store(*, campaign: Campaign, posts: list[FetchedPost], now: datetime) -> tuple[int, int]:
    """Add the posts not here yet (``pending``), refresh those still waiting; returns
    (added, refreshed). ``ignore_conflicts`` leans on the unique constraint: a post another
    run (or another campaign) added first stays as it is."""
    if not posts:
        return 0, 0
    network = posts[0].network
    by_id = {post.source_id: post for post in posts}
    here = dict(
        HashtagPost.objects.filter(network=network, source_id__in=list(by_id)).values_list(
            "source_id", "state"
        )
    )
    new = [
        HashtagPost(
            campaign=campaign,
            network=post.network,
            source_id=post.source_id,
            source_url=post.source_url,
            author_handle=post.author_handle,
            author_name=post.author_name,
            text=post.text,
            language=post.language,
            posted_at=post.posted_at,
            state=HashtagPostState.PENDING,
            checked_at=now,
        )
        for source_id, post in by_id.items()
        if source_id not in here
    ]
    before = HashtagPost.objects.filter(network=network, source_id__in=list(by_id)).count()
    HashtagPost.objects.bulk_create(new, ignore_conflicts=True)
    added = HashtagPost.objects.filter(network=network, source_id__in=list(by_id)).count() - before
    refreshed = 0
    for source_id, state in here.items():
        if state != HashtagPostState.PENDING:
            continue
        post = by_id[source_id]
        # Conditional: a moderator's decision taken meanwhile is never overwritten.
        refreshed += HashtagPost.objects.filter(
            network=network, source_id=source_id, state=HashtagPostState.PENDING
        ).update(
            source_url=post.source_url,
            author_handle=post.author_handle,
            author_name=post.author_name,
            text=post.text,
            language=post.language,
        )
    return added, refreshed


def _in_period(post: FetchedPost, start: datetime, end: datetime | None) -> bool:
    return post.posted_at >= start and (end is None or post.posted_at <= end)


def _check_unseen(*, source, seen: set[str], now: datetime) -> int:
    """Check posts of ``source``'s network that this run did not see; delete those gone at
    the source. Returns how many were deleted."""
    limit = _checks_per_run()
    if limit == 0:
        return 0
    candidates = list(
        HashtagPost.objects.filter(network=source.network)
        .exclude(source_id__in=seen)
        .order_by(F("checked_at").asc(nulls_first=True), "pk")
        .values_list("source_id", flat=True)[:limit]
    )
    if not candidates:
        return 0
    gone = source.gone(candidates)
    deleted, _detail = HashtagPost.objects.filter(
        network=source.network, source_id__in=gone
    ).delete()
    HashtagPost.objects.filter(
        network=source.network, source_id__in=[c for c in candidates if c not in gone]
    ).update(checked_at=now)
    return deleted


def hashtag_posts_pull(*, today=None, sources=None) -> PullReport:
    """Pull every running campaign's hashtag from each configured network (``sources``
    stands in for the configured ones). Safe to run twice at once: rows are added under the
    unique constraint and updated conditionally; a deletion repeats harmlessly."""
    report = PullReport()
    campaigns = list(campaigns_to_pull(today=today))
    sources = configured_sources() if sources is None else sources
    for source in sources:
        now = timezone.now()
        seen: set[str] = set()
        try:
            for campaign in campaigns:
                start, end = _period(campaign)
                pull = source.pull(hashtag=campaign.hashtag, since=start, max_pages=_max_pages())
                seen |= pull.seen_ids
                added, refreshed = _store(
                    campaign=campaign,
                    posts=[post for post in pull.posts if _in_period(post, start, end)],
                    now=now,
                )
                report.imported += added
                report.refreshed += refreshed
            # Listed by the network just now: they exist, no need to ask about them.
            HashtagPost.objects.filter(network=source.network, source_id__in=seen).update(
                checked_at=now
            )
            report.deleted += _check_unseen(source=source, seen=seen, now=now)
        except SourceUnavailable as exc:
            logger.warning("hashtag pull: %s skipped this run: %s", source.network, exc)
            report.failed.append(str(source.network))
        except Exception:
            # Whatever else goes wrong with one network's answer must not cost the other
            # network its run: logged with its traceback, and tried again next run.
            logger.exception("hashtag pull: %s failed this run", source.network)
            report.failed.append(str(source.network))
        finally:
            source.close()
    return report


# --- Moderation ----------------------------------------------------------------------------


def _locked(post: HashtagPost | int) -> HashtagPost:
    post_id = post if isinstance(post, int) else post.pk
    locked = HashtagPost.objects.select_for_update().filter(pk=post_id).first()
    if locked is None:
        raise ValidationError(
            _("This post is no longer here (removed at its source or for good)."), code="gone"
        )
    return locked


def _decide(
    *,
    actor: User,
    post: HashtagPost | int,
    to_state: str,
    from_states: tuple[str, ...],
    action: str,
    refusal: str,
) -> HashtagPost:
    locked = _locked(post)
    if not actor.has_perm("community.moderate_hashtag_post", locked):
        raise PermissionDenied(_("Only moderators can decide on campaign posts."))
    if locked.state == to_state:
        return locked
    if locked.state not in from_states:
        raise ValidationError(refusal, code="decided")
    before = locked.state
    locked.state = to_state
    locked.moderated_by = actor
    locked.moderated_at = timezone.now()
    locked.save(update_fields=["state", "moderated_by", "moderated_at"])
    audit_record(
        actor=actor, obj=locked, action=f"community.hashtag_post.{action}",
        changes={"state": (before, to_state)},
    )  # fmt: skip
    return locked


@transaction.atomic
def hashtag_post_approve(*, actor: User, post: HashtagPost | int) -> HashtagPost:
    """Show a waiting (or earlier rejected) post on its campaign's page. Locks the row: two
    moderators at once decide once."""
    return _decide(
        actor=actor,
        post=post,
        to_state=HashtagPostState.APPROVED,
        from_states=(HashtagPostState.PENDING, HashtagPostState.REJECTED),
        action="approve",
        refusal=_("Its author asked for this post's removal: restore it or remove it."),
    )


@transaction.atomic
def hashtag_post_reject(*, actor: User, post: HashtagPost | int) -> HashtagPost:
    """Keep a post off the page (a waiting one, or one approved before). The row stays, so
    the next pull does not bring it back into the queue. Locks the row."""
    return _decide(
        actor=actor,
        post=post,
        to_state=HashtagPostState.REJECTED,
        from_states=(HashtagPostState.PENDING, HashtagPostState.APPROVED),
        action="reject",
        refusal=_("Its author asked for this post's removal: restore it or remove it."),
    )


@transaction.atomic
def hashtag_post_restore(*, actor: User, post: HashtagPost | int) -> HashtagPost:
    """Show again a post hidden by a removal request the moderator does not accept."""
    return _decide(
        actor=actor,
        post=post,
        to_state=HashtagPostState.APPROVED,
        from_states=(HashtagPostState.REMOVAL_REQUESTED,),
        action="restore",
        refusal=_("Only a post whose removal was asked for can be restored."),
    )


@transaction.atomic
def hashtag_post_remove(*, actor: User, post: HashtagPost | int) -> HashtagPost:
    """Remove a post for good: its text, author and link are erased, and only its id at the
    source is kept so that the next pull does not bring it back. Locks the row."""
    locked = _locked(post)
    if not actor.has_perm("community.moderate_hashtag_post", locked):
        raise PermissionDenied(_("Only moderators can remove campaign posts."))
    if locked.state == HashtagPostState.REMOVED:
        return locked
    before = locked.state
    locked.state = HashtagPostState.REMOVED
    locked.text = locked.author_handle = locked.author_name = locked.source_url = ""
    locked.removal_reason = ""
    locked.moderated_by = actor
    locked.moderated_at = timezone.now()
    locked.save(
        update_fields=[
            "state", "text", "author_handle", "author_name", "source_url", "removal_reason",
            "moderated_by", "moderated_at",
        ]
    )  # fmt: skip
    audit_record(
        actor=actor,
        obj=locked,
        action="community.hashtag_post.remove",
        changes={"state": (before, HashtagPostState.REMOVED)},
    )
    return locked


def _reason_check(reason) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else ""
    found = find_control_character(reason)
    if found is not None:
        raise ValidationError(
            {
                "reason": [
                    CONTROL_CHARACTER_MESSAGE
                    % {"character": found.name, "position": found.position}
                ]
            }
        )
    if len(reason) > HASHTAG_POST_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("This can be at most %(max)s characters long; yours has %(length)s.")
                    % {"max": HASHTAG_POST_REASON_MAX_LENGTH, "length": len(reason)}
                ]
            }
        )
    return reason


@transaction.atomic
def hashtag_post_request_removal(
    *, campaign: Campaign, post_id: int, reason: str = "", requester: str
) -> HashtagPost:
    """Hide a shown post at once until a moderator restores or removes it. Anyone may ask
    (the author has no account here); ``requester`` (the client's address) is counted
    against ``COMMUNITY_HASHTAG_REMOVALS_PER_HOUR``. Raises ``HashtagPost.DoesNotExist``
    for a post not shown on ``campaign``'s page, ``ValidationError`` (``RateLimited``) for
    bad input; a refusal changes nothing. Asking again for a hidden post changes nothing.
    Locks the post row."""
    reason = _reason_check(reason)
    locked = (
        HashtagPost.objects.select_for_update()
        .filter(
            pk=post_id,
            campaign=campaign,
            state__in=(HashtagPostState.APPROVED, HashtagPostState.REMOVAL_REQUESTED),
        )
        .first()
    )
    if locked is None:
        raise HashtagPost.DoesNotExist
    if locked.state == HashtagPostState.REMOVAL_REQUESTED:
        return locked
    limit = int(settings.COMMUNITY_HASHTAG_REMOVALS_PER_HOUR)
    if not rate_limit_take(
        scope=REMOVAL_RATE_SCOPE, subject=requester or "unknown", limit=limit,
        window=REMOVAL_RATE_WINDOW,
    ):  # fmt: skip
        raise RateLimited(
            _("Many removal requests came from your network just now. Try again in an hour."),
            retry_after=REMOVAL_RATE_WINDOW,
        )
    locked.state = HashtagPostState.REMOVAL_REQUESTED
    locked.removal_reason = reason
    locked.removal_requested_at = timezone.now()
    locked.save(update_fields=["state", "removal_reason", "removal_requested_at"])
    audit_record(
        actor=None,
        obj=locked,
        action="community.hashtag_post.request_removal",
        changes={"state": (HashtagPostState.APPROVED, HashtagPostState.REMOVAL_REQUESTED)},
    )
    return locked
