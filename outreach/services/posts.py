"""The council's composed posts: compose, submit, approve (a second person), publish.

See ``outreach.models.posts`` for the states. Publishing creates one notification ``Event``
whose idempotency key is derived from the post (``post_event_key``) with one social
broadcast per account; the notification engine posts each account's text verbatim, once.
``post_publish`` locks the post row and runs only on an approved, due post, so the task
enqueued at approval (with its ``eta``), a retried task and the minute sweep
(``posts_publish_due``) publish it once between them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.core import share_cards
from civicportal.core.shareables import SourceItem, item_get, source_get
from civicportal.kernel.audit import audit_record
from civicportal.kernel.validators import find_control_character
from civicportal.notifications.channels.social import (
    network_limit,
    social_accounts,
    social_broadcasts,
    text_fit,
)
from civicportal.notifications.rendering import absolute_url
from outreach.models import Post, PostState
from outreach.models.posts import CARD_DESCRIPTION_MAX_LENGTH, CARD_TITLE_MAX_LENGTH

logger = logging.getLogger(__name__)

POST_KIND = "outreach.post"


# --- Composing ------------------------------------------------------------------------------


def card_image_url(item: SourceItem) -> str:
    """The card image drawn for ``item``'s title with the council's brand (absolute): the
    picture the networks show under the post, as they show it for the item's page."""
    return share_cards.absolute(share_cards.page_card_path(item.title))


def texts_prefill(item: SourceItem) -> dict[str, str]:
    """The suggested text for every configured account, link included, cut to its limit."""
    link = absolute_url(item.url)
    return {
        account: text_fit(item.text, link, limit=network_limit(account))
        for account in social_accounts()
    }


def texts_check(texts: object) -> dict[str, str]:
    """The texts, one per configured account, each within its network's limit.

    Raises ``ValidationError`` keyed by ``text_<account>`` naming every problem, so the
    form shows each under its own box."""
    if not isinstance(texts, dict):
        raise ValidationError(_("Write a text for each account."))
    accounts = social_accounts()
    if not accounts:
        raise ValidationError(
            _("No social media account is configured, so there is nowhere to post.")
        )
    unknown = sorted(set(texts) - set(accounts))
    if unknown:
        raise ValidationError(
            _("These accounts are not configured: %(names)s.") % {"names": ", ".join(unknown)}
        )
    errors: dict[str, list] = {}
    cleaned: dict[str, str] = {}
    for account in accounts:
        text = str(texts.get(account) or "").strip().replace("\r\n", "\n")
        limit = network_limit(account)
        if not text:
            errors[f"text_{account}"] = [_("Write the text for this account.")]
        elif len(text) > limit:
            errors[f"text_{account}"] = [
                _(
                    "This text has %(count)s characters; %(account)s takes at most %(limit)s. "
                    "Shorten it by %(over)s."
                )
                % {
                    "count": len(text),
                    "account": account,
                    "limit": limit,
                    "over": len(text) - limit,
                }
            ]
        elif find_control_character(text) is not None:
            errors[f"text_{account}"] = [
                _("Remove the invisible control character (%(character)s) from this text.")
                % {"character": find_control_character(text).name}
            ]
        cleaned[account] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def _schedule_check(scheduled_for: datetime | None, *, now: datetime | None = None) -> None:
    if scheduled_for is not None and scheduled_for <= (now or timezone.now()):
        raise ValidationError(
            {
                "scheduled_for": _(
                    "This time has passed. Choose a time in the future, or leave it empty to "
                    "post as soon as the post is approved."
                )
            }
        )


def _card_check(title: str, description: str) -> tuple[str, str]:
    title = " ".join(str(title or "").split())
    description = " ".join(str(description or "").split())
    errors = {}
    if not title:
        errors["card_title"] = _("Give the card a title.")
    elif len(title) > CARD_TITLE_MAX_LENGTH:
        errors["card_title"] = _("Keep the title to %(limit)s characters.") % {
            "limit": CARD_TITLE_MAX_LENGTH
        }
    if len(description) > CARD_DESCRIPTION_MAX_LENGTH:
        errors["card_description"] = _("Keep the description to %(limit)s characters.") % {
            "limit": CARD_DESCRIPTION_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    return title, description


def _content_check(
    texts: object, card_title: str, card_description: str, scheduled_for: datetime | None
) -> tuple[dict[str, str], str, str]:
    """The cleaned texts, card title and description; ``ValidationError`` naming every
    problem at once (each under its field), so one submission shows all there is to fix."""
    errors: dict = {}
    cleaned_texts: dict[str, str] = {}
    title = description = ""
    try:
        cleaned_texts = texts_check(texts)
    except ValidationError as error:
        errors.update(error.message_dict if hasattr(error, "error_dict") else {None: error})
    try:
        title, description = _card_check(card_title, card_description)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _schedule_check(scheduled_for)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned_texts, title, description


def post_version(post: Post) -> str:
    """A digest of every word and setting of the post that goes public: an approval binds
    to it, so a post changed after the approver opened it is not approved unseen."""
    content = {
        "texts": post.texts,
        "url": post.url,
        "card": [post.card_title, post.card_description, post.card_image_url],
        "thread": post.thread,
        # In UTC: the same instant gives the same digest whatever zone it was read in.
        "scheduled_for": post.scheduled_for.astimezone(UTC).isoformat()
        if post.scheduled_for
        else "",
    }
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(payload).hexdigest()


@transaction.atomic
def post_create(
    *,
    actor: User,
    source_kind: str,
    source_id: object,
    texts: dict,
    card_title: str,
    card_description: str = "",
    scheduled_for: datetime | None = None,
) -> Post:
    """A draft post about the public item ``source_kind``/``source_id``.

    Refuses (``PermissionDenied``) anyone who is not a social media editor and
    (``ValidationError``) an unknown or non-public item, a text over its network's limit
    and a time in the past. The link and the thread come from the item, never the request.
    """
    if not actor.has_perm("outreach.add_post"):
        raise PermissionDenied(_("Only social media editors can compose posts."))
    item = item_get(source_kind, source_id)
    texts, title, description = _content_check(texts, card_title, card_description, scheduled_for)
    now = timezone.now()
    post = Post.objects.create(
        source_kind=item.kind,
        source_id=item.pk,
        url=item.url,
        card_title=title,
        card_description=description,
        card_image_url=card_image_url(item),
        texts=texts,
        thread=item.thread,
        scheduled_for=scheduled_for,
        author=actor,
        created_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor, obj=post, action="outreach.compose", changes={"state": ("", post.state)}
    )
    return post


def _locked(post: Post | int) -> Post:
    post_id = post if isinstance(post, int) else post.pk
    locked = Post.objects.select_for_update().filter(pk=post_id).first()
    if locked is None:
        raise ValidationError(_("This post no longer exists."), code="gone")
    return locked


def _state_error(post: Post, doing: str) -> ValidationError:
    return ValidationError(
        _("This post is “%(state)s”, so it cannot be %(doing)s.")
        % {"state": post.get_state_display(), "doing": doing},
        code="state",
    )


def _set_state(post: Post, state: str, *, actor: User | None, action: str, fields: list[str]):
    before = post.state
    post.state = state
    post.updated_at = timezone.now()
    post.save(update_fields=["state", "updated_at", *fields])
    audit_record(actor=actor, obj=post, action=action, changes={"state": (before, state)})


@transaction.atomic
def post_update(
    *,
    actor: User,
    post: Post | int,
    texts: dict,
    card_title: str,
    card_description: str = "",
    scheduled_for: datetime | None = None,
) -> Post:
    """Change a draft: only its author may (an approver never approves words they wrote,
    so nobody else writes into someone's draft). Locks the post row."""
    post = _locked(post)
    if post.author_id != actor.pk or not actor.has_perm("outreach.add_post"):
        raise PermissionDenied(_("Only the author of a draft can change it."))
    if post.state != PostState.DRAFT:
        raise _state_error(post, _("changed"))
    post.texts, post.card_title, post.card_description = _content_check(
        texts, card_title, card_description, scheduled_for
    )
    post.scheduled_for = scheduled_for
    post.updated_at = timezone.now()
    post.save(
        update_fields=["card_title", "card_description", "texts", "scheduled_for", "updated_at"]
    )
    return post


@transaction.atomic
def post_submit(*, actor: User, post: Post | int) -> Post:
    """Draft → awaiting approval: the author asks a second editor to approve it. Locks the
    post row; a time that passed while it was a draft is refused."""
    post = _locked(post)
    if not actor.has_perm("outreach.submit_post", post):
        raise PermissionDenied(_("Only the author of a draft can send it for approval."))
    if post.state != PostState.DRAFT:
        raise _state_error(post, _("sent for approval"))
    _schedule_check(post.scheduled_for)
    post.submitted_at = timezone.now()
    _set_state(
        post,
        PostState.AWAITING_APPROVAL,
        actor=actor,
        action="outreach.submit",
        fields=["submitted_at"],
    )
    return post


@transaction.atomic
def post_approve(*, actor: User, post: Post | int, version: str) -> Post:
    """Awaiting approval → scheduled: a second editor approves exactly what they reviewed.

    ``version`` is the ``post_version`` the approval screen showed. Refuses
    (``PermissionDenied``) anyone who is not a social media editor, the post's author, and,
    for a post about an alert, anyone who may not approve alerts; (``ValidationError``) a
    post not awaiting approval (a second click, a second approver), a changed post and one
    whose time has passed. Locks the post row, so two approvers clicking at once approve it
    once. Publication is enqueued on commit, for the scheduled time.
    """
    post = _locked(post)
    if post.author_id == actor.pk:
        raise PermissionDenied(
            _("You wrote this post, so someone else must approve it (the two-person rule).")
        )
    if not actor.has_perm("outreach.approve_post", post):
        source = source_get(post.source_kind)
        if source.approval_permission and actor.has_perm("outreach.add_post"):
            raise PermissionDenied(
                _("A post about an alert must be approved by someone who may approve alerts.")
            )
        raise PermissionDenied(_("Only social media editors can approve posts."))
    if post.state != PostState.AWAITING_APPROVAL:
        raise _state_error(post, _("approved"))
    if not str(version or "").strip() or version.strip() != post_version(post):
        raise ValidationError(
            _(
                "This post changed since you opened it, or the review was incomplete. "
                "Nothing was approved: review it again, then approve what you see."
            ),
            code="stale",
        )
    now = timezone.now()
    if post.scheduled_for is not None and post.scheduled_for <= now:
        raise ValidationError(
            _(
                "The time this post was scheduled for has passed. Reject it with a note so "
                "its author can compose it again with a new time."
            ),
            code="late",
        )
    post.approver = actor
    post.approved_at = now
    post.approved_version = version.strip()
    _set_state(
        post,
        PostState.SCHEDULED,
        actor=actor,
        action="outreach.approve",
        fields=["approver", "approved_at", "approved_version"],
    )
    transaction.on_commit(
        lambda: post_publish_enqueue(post_id=post.pk, eta=post.scheduled_for), robust=True
    )
    return post


def _reason_check(reason: str) -> str:
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why, in a few words.")})
    if len(reason) > Post._meta.get_field("reason").max_length:
        raise ValidationError({"reason": _("Keep the reason to 500 characters.")})
    return reason


@transaction.atomic
def post_reject(*, actor: User, post: Post | int, reason: str) -> Post:
    """Awaiting approval → rejected, with the reason the author reads. Not by the author
    (they cancel instead). Locks the post row."""
    reason = _reason_check(reason)
    post = _locked(post)
    if not actor.has_perm("outreach.reject_post", post):
        raise PermissionDenied(_("Only another social media editor can reject this post."))
    if post.state != PostState.AWAITING_APPROVAL:
        raise _state_error(post, _("rejected"))
    post.reason = reason
    post.closed_at = timezone.now()
    _set_state(
        post,
        PostState.REJECTED,
        actor=actor,
        action="outreach.reject",
        fields=["reason", "closed_at"],
    )
    return post


@transaction.atomic
def post_cancel(*, actor: User, post: Post | int, reason: str) -> Post:
    """Draft, awaiting approval or scheduled → cancelled, by any social media editor, before
    it is published. Locks the post row, so a cancel and the worker publishing never both
    win: whichever takes the lock first decides."""
    reason = _reason_check(reason)
    post = _locked(post)
    if not actor.has_perm("outreach.cancel_post", post):
        raise PermissionDenied(_("Only social media editors can cancel posts."))
    if not post.is_open:
        raise _state_error(post, _("cancelled"))
    post.reason = reason
    post.closed_at = timezone.now()
    _set_state(
        post,
        PostState.CANCELLED,
        actor=actor,
        action="outreach.cancel",
        fields=["reason", "closed_at"],
    )
    return post


# --- Publishing -----------------------------------------------------------------------------


def post_event_key(post: Post) -> str:
    return f"{POST_KIND}.{post.pk}"


def post_event_context(post: Post) -> dict:
    """The notification context: the texts each account posts verbatim, the thread and the
    card (the social backends' contract), and the subject, body and link every event has."""
    return {
        # The words are the editors', not msgids: they are parameters, never translated.
        "subject": "%(title)s",
        "body": "%(description)s",
        "url": post.url,
        "language": settings.LANGUAGE_CODE,
        "params": {"title": post.card_title, "description": post.card_description},
        "social": {
            "texts": dict(post.texts),
            "thread": post.thread,
            "card": {
                "title": post.card_title,
                "description": post.card_description,
                "image_url": post.card_image_url,
            },
        },
    }


def post_publish(*, post_id: int, now: datetime | None = None) -> bool:
    """Publish an approved post whose time has come; True when this call published it.

    Locks the post row: the task at ``eta``, a retry and the sweep publish once between
    them, and a post cancelled meanwhile stays unpublished. The event (one per post, its
    key derived from the post) and the post's new state commit together; its deliveries
    are handed to workers on that commit.
    """
    from civicportal.notifications.services import event_create

    now = now or timezone.now()
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(pk=post_id).first()
        if post is None or post.state != PostState.SCHEDULED:
            return False
        if post.scheduled_for is not None and post.scheduled_for > now:
            return False
        if post.approved_version != post_version(post):
            # Never expected (only drafts change); refuse rather than post unreviewed words.
            logger.error("Social post %s changed after approval; not published", post.pk)
            return False
        broadcasts = [
            (channel, name) for channel, name in social_broadcasts() if name in post.texts
        ]
        event = event_create(
            kind=POST_KIND,
            recipients=[],
            channels_for=lambda user: [],
            context=post_event_context(post),
            idempotency_key=post_event_key(post),
            source=post,
            broadcasts=broadcasts,
        )
        post.event = event
        post.published_at = now
        _set_state(
            post,
            PostState.PUBLISHED,
            actor=None,
            action="outreach.publish",
            fields=["event", "published_at"],
        )
    return True


def post_publish_enqueue(*, post_id: int, eta: datetime | None = None) -> bool:
    """Hand the publication to a worker, at ``eta`` (call on commit). Never raises: when
    the broker is unreachable, the minute sweep publishes it."""
    from outreach.tasks import post_publish_task

    # A far ``eta`` outlives the broker's visibility timeout, so Redis may hand the task to
    # a worker again; ``post_publish`` runs once whatever the number of copies.
    try:
        post_publish_task.apply_async(args=(post_id,), eta=eta)
    except Exception:
        logger.exception("Could not enqueue the publication of social post %s", post_id)
        return False
    return True


def posts_publish_due(*, now: datetime | None = None) -> int:
    """Publish every approved post that is due and not yet published (a lost task, a
    broker that was down, a killed worker). Beat job, every minute; safe to run twice."""
    now = now or timezone.now()
    due = list(
        Post.objects.filter(state=PostState.SCHEDULED)
        .exclude(scheduled_for__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for post_id in due if post_publish(post_id=post_id, now=now))


# --- Personal data --------------------------------------------------------------------------


def posts_personal_data_export(user: User) -> dict:
    """The posts a staff member wrote or approved (the council's words, kept as its record)."""
    rows = Post.objects.filter(author=user) | Post.objects.filter(approver=user)
    return {
        "posts": [
            {
                "card_title": post.card_title,
                "state": post.state,
                "wrote": post.author_id == user.pk,
                "approved": post.approver_id == user.pk,
                "created_at": post.created_at,
            }
            for post in rows.order_by("pk")
        ]
    }


def posts_personal_data_erase(user: User) -> None:
    """The council's posts stay (published words are its record), without the person's
    name; drafts and posts awaiting approval they wrote are cancelled."""
    now = timezone.now()
    Post.objects.filter(
        author=user, state__in=[PostState.DRAFT, PostState.AWAITING_APPROVAL]
    ).update(state=PostState.CANCELLED, reason="The author's account was erased.", closed_at=now)
    Post.objects.filter(author=user).update(author=None)
    Post.objects.filter(approver=user).update(approver=None)
