"""Posting, editing and deleting comments.

Rules enforced here, whatever the interface (page, htmx, API):

- only registered items that accept comments, only while they are visible, and only
  items the author may see (``targets.target_visible``); a reply only to a comment still
  shown, whose top-level comment is still shown;
- one level of replies: a reply to a reply attaches to the top-level comment;
- the Markdown is rendered and sanitised once, on write, into ``body_html``;
- authors edit within ``CORE_COMMENT_EDIT_MINUTES`` of posting, and no later;
- deleting keeps the row (its replies stay in the thread) and clears the text;
- each resident posts at most ``CORE_COMMENT_RATE_LIMIT`` comments per
  ``CORE_COMMENT_RATE_WINDOW`` seconds (a counter in the cache, shared by all processes);
- a new comment is announced (``comment_announce``) to the authors it replies to
  (``comments.reply``) and to the item's followers (``comments.followed``), through the
  notification engine, in the posting's transaction: sent on commit.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from civicportal.accounts.models import User
from civicportal.core import selectors, targets
from civicportal.core.models import Comment, Moderatable
from civicportal.core.models.comments import COMMENT_MAX_LENGTH
from civicportal.core.rendering import markdown_render
from civicportal.kernel.audit import audit_record
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window

RATE_SCOPE = "core:comment"
# Notification topics (registered in CoreConfig.ready).
TOPIC_REPLY = "comments.reply"
TOPIC_FOLLOWED = "comments.followed"


def _body_clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your comment before posting it.")})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("A comment can be at most %(max)s characters long; yours has %(length)s.")
                % {"max": COMMENT_MAX_LENGTH, "length": len(body)}
            }
        )
    return body


def _rate_limit_take(*, user: User) -> None:
    """Count one post against the resident's allowance; refuse when it is used up."""
    limit = settings.CORE_COMMENT_RATE_LIMIT
    window = settings.CORE_COMMENT_RATE_WINDOW
    if rate_limit_take(scope=RATE_SCOPE, subject=user.pk, limit=limit, window=window):
        return
    minutes = max(round(max(window, 1) / 60), 1)
    raise RateLimited(
        ngettext(
            "You have posted %(limit)s comments in a short time. Please wait a minute "
            "before posting again; your text is still here.",
            "You have posted %(limit)s comments in a short time. Please wait "
            "%(minutes)s minutes before posting again; your text is still here.",
            minutes,
        )
        % {"limit": limit, "minutes": minutes},
        retry_after=seconds_to_next_window(window),
    )


def _require_visible(actor: User, comment: Comment) -> None:
    """Refuse a comment ``actor`` may not see, or on an item they may not see."""
    if not selectors.comment_visible(actor, comment):
        raise ValidationError(_("That comment is no longer shown."), code="gone")


@transaction.atomic
def comment_create(
    *, author: User, target: models.Model, body: str, parent: Comment | None = None
) -> Comment:
    """Post ``body`` on ``target``, or as a reply to ``parent`` (a comment on ``target``).

    Raises ``PermissionDenied`` when ``author`` may not comment and ``ValidationError``
    with a message for the resident otherwise; nothing is stored then.
    """
    if not author.has_perm("core.add_comment"):
        raise PermissionDenied(_("Sign in to comment."))
    if not targets.offers(target, "comments"):
        raise ValidationError(_("Comments are not open on this item."))
    if isinstance(target, Moderatable) and not target.is_visible:
        raise ValidationError(_("This item is hidden by the moderators and takes no comments."))
    if not targets.target_visible(author, target):
        # Its page's own rules keep it from the author (an unpublished consultation...):
        # told as if it did not exist, as its page would.
        raise ValidationError(_("There is no such item to comment on."))
    body = _body_clean(body)
    content_type = ContentType.objects.get_for_model(target)
    answered = None  # the comment replied to, before a reply to a reply moves up a level
    if parent is not None:
        if parent.content_type_id != content_type.pk or parent.object_id != target.pk:
            raise ValidationError(_("You can only reply to a comment on the same page."))
        parent = Comment.objects.select_related("parent").get(pk=parent.pk)  # as it is now
        answered = parent
        # The comment replied to, then its top-level comment (one level of replies): both
        # must still be shown, or a hidden reply would take answers through its thread.
        for replied in (parent, parent.parent):
            if replied is not None and (replied.is_deleted or not replied.is_visible):
                raise ValidationError(
                    _("That comment is no longer shown, so you cannot reply to it.")
                )
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies
    _rate_limit_take(user=author)
    comment = Comment(
        content_type=content_type,
        object_id=target.pk,
        parent=parent,
        author=author,
        body=body,
        body_html=markdown_render(body),
    )
    comment.save()
    comment_announce(comment=comment, target=target, replied=answered)
    return comment


def comment_announce(*, comment: Comment, target: models.Model, replied: Comment | None) -> None:
    """Tell the authors ``comment`` replies to, and ``target``'s followers, that it is there.

    Call it in the transaction that posts the comment: the events exist exactly when the
    comment does, and their deliveries leave on commit (the notification engine's outbox).
    A reply tells the author of the comment answered and of its thread's first comment;
    the followers hear of every new comment. Nobody hears of their own comment, nor twice
    (an author replied to who also follows gets the reply notice), nor of an item they may
    not see. The notices name the commenter and the item, never the comment's words,
    which moderators may hide later. Each recipient's preferences apply.
    """
    from civicportal.notifications.services import topic_event_create

    author_id = comment.author_id
    title = str(target)
    title = title if len(title) <= 80 else title[:79] + "…"
    params = {"name": comment.author_name, "title": title}
    url = comment.get_absolute_url()
    replied_to: set[int] = set()
    if replied is not None:
        for earlier in (replied, replied.parent):
            if earlier is not None and earlier.author_id not in (None, author_id):
                replied_to.add(earlier.author_id)
    if replied_to:
        topic_event_create(
            topic=TOPIC_REPLY,
            recipients=[
                user
                for user in User.objects.filter(pk__in=replied_to, is_active=True).order_by("pk")
                if targets.target_visible(user, target)
            ],
            context={
                "subject": gettext_noop("%(name)s replied to your comment on “%(title)s”"),
                "params": params,
                "url": url,
                "action": gettext_noop("Read the reply"),
            },
            idempotency_key=f"{TOPIC_REPLY}:{comment.pk}",
            source=comment,
        )
    followers = selectors.followers_of(target).exclude(pk__in=[*replied_to, author_id])
    recipients = [user for user in followers.iterator() if targets.target_visible(user, target)]
    if recipients:
        topic_event_create(
            topic=TOPIC_FOLLOWED,
            recipients=recipients,
            context={
                "subject": gettext_noop("%(name)s commented on “%(title)s”, which you follow"),
                "params": params,
                "url": url,
                "action": gettext_noop("Read the comment"),
            },
            idempotency_key=f"{TOPIC_FOLLOWED}:{comment.pk}",
            source=comment,
        )


@transaction.atomic
def comment_update(*, actor: User, comment: Comment, body: str) -> Comment:
    """Replace the text of ``actor``'s own comment, within the edit window.

    Locks the comment's row, so an edit and a deletion at the same moment do not mix.
    """
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not actor.has_perm("core.change_comment", comment):
        raise PermissionDenied(_("You can only edit your own comments."))
    _require_visible(actor, comment)
    minutes = settings.CORE_COMMENT_EDIT_MINUTES
    if timezone.now() - comment.created_at > timedelta(minutes=minutes):
        raise ValidationError(
            ngettext(
                "A comment can be edited only in the first minute after posting. "
                "You can still delete it and post a new one.",
                "A comment can be edited only in the first %(minutes)s minutes after "
                "posting. You can still delete it and post a new one.",
                minutes,
            )
            % {"minutes": minutes}
        )
    body = _body_clean(body)
    if body == comment.body:
        return comment
    comment.body = body
    comment.body_html = markdown_render(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment: Comment) -> Comment:
    """Delete a comment softly: its text goes, its place and its replies stay.

    Its author or a moderator may do it. A moderator deleting someone else's comment is
    recorded in the comment's audit history. Locks the comment's row.
    """
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not actor.has_perm("core.delete_comment", comment):
        raise PermissionDenied(_("You can only delete your own comments."))
    _require_visible(actor, comment)
    comment.body = ""
    comment.body_html = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "deleted_at"])
    if comment.author_id != actor.pk:
        audit_record(
            actor=actor,
            obj=comment,
            action="comment.delete_by_moderator",
            changes={"deleted_at": (None, comment.deleted_at.isoformat())},
        )
    return comment
