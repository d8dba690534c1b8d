"""Stories: submitting, moderating, featuring, thanking, publishing from staff code, and a
person's stories in their data export and erasure.

Every text is checked here (length, control characters, active content), so the page, the
API and staff code refuse the same input with the same words, and refusals change nothing:
the photo is re-encoded (GPS and other metadata dropped) before anything is written.
Moderation decisions are audited (``audit_record``) and the author is told through the
notification engine inside the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicportal.accounts.models import Area, User
from civicportal.audience.services import participation_record
from civicportal.core.images import image_reencode
from civicportal.core.rendering import markdown_render
from civicportal.kernel.audit import audit_record
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take
from civicportal.kernel.validators import CONTROL_CHARACTER_MESSAGE, find_control_character
from community.models.events import Event
from community.models.stories import (
    PHOTO_DESCRIPTION_MAX_LENGTH,
    STORY_BODY_MAX_LENGTH,
    STORY_REASON_MAX_LENGTH,
    STORY_TITLE_MAX_LENGTH,
    Campaign,
    Story,
    StoryState,
    StoryThanks,
)

TOPIC_STORY_MODERATED = "community.story_moderated"

_ACTIVE_CONTENT_MARKERS = ("<script", "javascript:", "<iframe")


def photo_max_bytes() -> int:
    return settings.COMMUNITY_IMAGE_MAX_BYTES


def _text_check(
    *, field: str, value, max_length: int, empty_message: str | None, errors: dict
) -> str:
    """``value`` stripped, or an error on ``field`` in ``errors`` (and "")."""
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not value:
        if empty_message:
            errors.setdefault(field, []).append(empty_message)
        return ""
    found = find_control_character(value)
    if found is not None:
        errors.setdefault(field, []).append(
            CONTROL_CHARACTER_MESSAGE % {"character": found.name, "position": found.position}
        )
        return ""
    if len(value) > max_length:
        errors.setdefault(field, []).append(
            _("This can be at most %(max)s characters long; yours has %(length)s.")
            % {"max": max_length, "length": len(value)}
        )
        return ""
    if any(marker in value.lower().replace(" ", "") for marker in _ACTIVE_CONTENT_MARKERS):
        errors.setdefault(field, []).append(
            _("Remove the script or frame code from your text: plain text and Markdown are fine.")
        )
        return ""
    return value


@dataclass
class _Content:
    title: str
    body: str
    photo_description: str
    photo: object | None


def _content_check(
    *,
    title,
    body,
    area,
    campaign,
    photo,
    photo_description,
    errors: dict,
    photo_needs_description: bool = True,
) -> _Content:
    title = _text_check(
        field="title",
        value=title,
        max_length=STORY_TITLE_MAX_LENGTH,
        empty_message=_("Give your story a title."),
        errors=errors,
    )
    body = _text_check(
        field="body",
        value=body,
        max_length=STORY_BODY_MAX_LENGTH,
        empty_message=_("Tell your story."),
        errors=errors,
    )
    description = _text_check(
        field="photo_description",
        value=photo_description,
        max_length=PHOTO_DESCRIPTION_MAX_LENGTH,
        empty_message=None,
        errors=errors,
    )
    if not isinstance(area, Area):
        errors.setdefault("area", []).append(_("Choose the area your story comes from."))
    if campaign is not None and (not isinstance(campaign, Campaign) or not campaign.is_active):
        errors.setdefault("campaign", []).append(
            _("This campaign is not open for stories; choose another or none.")
        )
    prepared = None
    if photo:
        try:
            prepared = image_reencode(photo, max_bytes=photo_max_bytes(), field="photo")
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if photo_needs_description and not description and "photo_description" not in errors:
            errors.setdefault("photo_description", []).append(
                _("Describe the photo in a few words, for people who cannot see it.")
            )
    return _Content(title=title, body=body, photo_description=description, photo=prepared)


def _rate_check(actor: User) -> None:
    limit = settings.COMMUNITY_STORIES_PER_DAY
    if not rate_limit_take(scope="community.story", subject=actor.pk, limit=limit, window=86400):
        raise RateLimited(
            _("You have shared %(count)s stories today, the most allowed. Try again tomorrow.")
            % {"count": limit}
        )


@transaction.atomic
def story_submit(
    *,
    actor: User,
    title: str,
    body: str,
    area: Area | None,
    photo=None,
    photo_description: str = "",
    campaign: Campaign | None = None,
) -> Story:
    """A resident's story, waiting for a moderator. Raises ``PermissionDenied`` or
    ``ValidationError`` (every field's problems at once; nothing is stored)."""
    if not actor.has_perm("community.submit_story"):
        raise PermissionDenied(_("Sign in to share a story."))
    errors: dict[str, list] = {}
    content = _content_check(
        title=title,
        body=body,
        area=area,
        campaign=campaign,
        photo=photo,
        photo_description=photo_description,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    _rate_check(actor)
    story = Story(
        author=actor,
        title=content.title,
        body=content.body,
        body_html=markdown_render(content.body),
        area=area,
        campaign=campaign,
        photo_description=content.photo_description,
        state=StoryState.PENDING,
    )
    if content.photo is not None:
        story.photo.save(content.photo.name, content.photo, save=False)
    story.save()
    participation_record(user=actor, module="community", action="story")
    return story


def _locked(story: Story | int) -> Story:
    story_id = story if isinstance(story, int) else story.pk
    locked = Story.objects.select_for_update().filter(pk=story_id).first()
    if locked is None:
        raise ValidationError(_("This story no longer exists."), code="gone")
    return locked


def _notify_author(*, story: Story, subject: str, body: str, params: dict) -> None:
    from civicportal.notifications.services import topic_event_create

    topic_event_create(
        topic=TOPIC_STORY_MODERATED,
        recipients=User.objects.filter(pk=story.author_id, is_active=True),
        context={
            "subject": subject,
            "body": body,
            "params": {"story": story.title, **params},
            "url": story.get_absolute_url(),
            "action": gettext_noop("Open your story"),
        },
        idempotency_key=f"{TOPIC_STORY_MODERATED}:{story.pk}:{story.state}",
        source=story,
    )


@transaction.atomic
def story_publish(*, actor: User, story: Story | int) -> Story:
    """Publish a story waiting for moderation and tell its author.

    Locks the story row, so two moderators deciding at once decide once: the second finds
    the story decided and is told so. Publishing a published story changes nothing."""
    locked = _locked(story)
    if not actor.has_perm("community.moderate_story", locked):
        raise PermissionDenied(_("Only moderators can publish stories."))
    if locked.state == StoryState.PUBLISHED:
        return locked
    if locked.state != StoryState.PENDING:
        raise ValidationError(_("This story was rejected already; it cannot be published."))
    now = timezone.now()
    locked.state = StoryState.PUBLISHED
    locked.published_at = now
    locked.moderated_at = now
    locked.moderated_by = actor
    locked.save(update_fields=["state", "published_at", "moderated_at", "moderated_by"])
    audit_record(
        actor=actor,
        obj=locked,
        action="community.story.publish",
        changes={"state": (StoryState.PENDING, StoryState.PUBLISHED)},
    )
    _notify_author(
        story=locked,
        subject=gettext_noop("Your story “%(story)s” is published"),
        body=gettext_noop("Thank you for sharing it: everyone can read it now."),
        params={},
    )
    return locked


@transaction.atomic
def story_reject(*, actor: User, story: Story | int, reason: str) -> Story:
    """Reject a story waiting for moderation, with a reason its author reads. Locks the story
    row (one decision per story)."""
    locked = _locked(story)
    if not actor.has_perm("community.moderate_story", locked):
        raise PermissionDenied(_("Only moderators can reject stories."))
    errors: dict[str, list] = {}
    reason = _text_check(
        field="reason",
        value=reason,
        max_length=STORY_REASON_MAX_LENGTH,
        empty_message=_("Say why the story is rejected: its author reads the reason."),
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    if locked.state != StoryState.PENDING:
        raise ValidationError(_("This story was decided already."), code="decided")
    now = timezone.now()
    locked.state = StoryState.REJECTED
    locked.rejection_reason = reason
    locked.moderated_at = now
    locked.moderated_by = actor
    locked.save(update_fields=["state", "rejection_reason", "moderated_at", "moderated_by"])
    audit_record(
        actor=actor,
        obj=locked,
        action="community.story.reject",
        changes={
            "state": (StoryState.PENDING, StoryState.REJECTED),
            "rejection_reason": ("", reason),
        },
    )
    _notify_author(
        story=locked,
        subject=gettext_noop("Your story “%(story)s” was not published"),
        body=gettext_noop("The moderator's reason: %(reason)s"),
        params={"reason": reason},
    )
    return locked


@transaction.atomic
def story_feature(*, actor: User, story: Story | int, featured: bool = True) -> Story:
    """Show a published story on the home page (``featured=False`` takes it off). Locks the
    story row; asking for the state it is in changes nothing."""
    locked = _locked(story)
    if not actor.has_perm("community.feature_story", locked):
        raise PermissionDenied(_("Only moderators can feature stories."))
    if featured and locked.state != StoryState.PUBLISHED:
        raise ValidationError(_("Only a published story can be featured."))
    if featured == locked.is_featured:
        return locked
    before = locked.featured_at
    locked.featured_at = timezone.now() if featured else None
    locked.save(update_fields=["featured_at"])
    audit_record(
        actor=actor,
        obj=locked,
        action="community.story.feature" if featured else "community.story.unfeature",
        changes={"featured_at": (before, locked.featured_at)},
    )
    return locked


@transaction.atomic
def story_thank(*, actor: User, story: Story | int) -> tuple[Story, bool]:
    """Thank a published story once; returns the story and whether this call added thanks.

    Locks the story row first, so concurrent thanks from one resident are serialised: the
    first inserts, the others find its row and add nothing (the unique constraint on
    (story, user) stands behind it), and ``thanks_count`` moves by exactly one per row."""
    locked = _locked(story)
    if not actor.has_perm("community.thank_story", locked):
        if not (actor and actor.is_authenticated):
            raise PermissionDenied(_("Sign in to say thanks."))
        if locked.author_id == actor.pk:
            raise PermissionDenied(_("You cannot thank your own story."))
        raise PermissionDenied(_("Only published stories can be thanked."))
    if StoryThanks.objects.filter(story=locked, user=actor).exists():
        return locked, False
    limit = settings.COMMUNITY_THANKS_PER_HOUR
    if not rate_limit_take(scope="community.thanks", subject=actor.pk, limit=limit, window=3600):
        raise RateLimited(
            _(
                "You have said thanks %(count)s times in the last hour, the most allowed. "
                "Try again later."
            )
            % {"count": limit}
        )
    try:
        with transaction.atomic():
            StoryThanks.objects.create(story=locked, user=actor)
    except IntegrityError:
        return locked, False
    Story.objects.filter(pk=locked.pk).update(thanks_count=F("thanks_count") + 1)
    locked.refresh_from_db(fields=["thanks_count"])
    return locked, True


def _source_url_check(value: str, errors: dict) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors.setdefault("source_url", []).append(
            _("Give a web address starting with http:// or https://.")
        )
        return ""
    if len(value) > 500 or find_control_character(value):
        errors.setdefault("source_url", []).append(_("This web address is not valid."))
        return ""
    return value


@transaction.atomic
def story_publish_from(
    *,
    actor: User,
    title: str,
    body: str,
    area: Area,
    photo=None,
    campaign: Campaign | None = None,
    source_url: str = "",
    event: Event | None = None,
) -> Story:
    """Publish a story straight away from staff code (an event's outcome), with ``actor``
    as its author and moderator. Staff accounts only (``community.publish_story``); the
    content is checked as a resident's story is, and the photo re-encoded. ``event``: the
    event whose outcome it tells (one story per event, held by the database)."""
    if not actor.has_perm("community.publish_story"):
        raise PermissionDenied(_("Only council staff can publish a story directly."))
    errors: dict[str, list] = {}
    content = _content_check(
        title=title,
        body=body,
        area=area,
        campaign=campaign,
        photo=photo,
        photo_description="",
        errors=errors,
        photo_needs_description=False,
    )
    source_url = _source_url_check(source_url, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    story = Story(
        author=actor,
        title=content.title,
        body=content.body,
        body_html=markdown_render(content.body),
        area=area,
        campaign=campaign,
        photo_description=content.title[:PHOTO_DESCRIPTION_MAX_LENGTH] if content.photo else "",
        source_url=source_url,
        state=StoryState.PUBLISHED,
        published_at=now,
        moderated_at=now,
        moderated_by=actor,
        event=event,
    )
    if content.photo is not None:
        story.photo.save(content.photo.name, content.photo, save=False)
    story.save()
    audit_record(
        actor=actor,
        obj=story,
        action="community.story.publish_from",
        changes={"state": ("", StoryState.PUBLISHED), "source_url": ("", source_url)},
    )
    return story


# --- Personal data -----------------------------------------------------------------------


def stories_personal_data_export(user: User) -> dict:
    stories = Story.objects.filter(author=user).select_related("area", "campaign")
    thanks = StoryThanks.objects.filter(user=user).select_related("story")
    return {
        "stories": [
            {
                "title": story.title,
                "body": story.body,
                "area": story.area.name,
                "campaign": story.campaign.hashtag if story.campaign else None,
                "photo": story.photo.name or None,
                "photo_description": story.photo_description,
                "state": story.state,
                "rejection_reason": story.rejection_reason,
                "submitted_at": story.created_at,
                "published_at": story.published_at,
            }
            for story in stories
        ],
        "thanks": [{"story": item.story.title, "thanked_at": item.created_at} for item in thanks],
    }


def stories_personal_data_erase(user: User) -> None:
    """Delete the person's stories (with their photos) and thanks; stories they thanked
    lose that thanks from their count. Runs inside the account deletion's transaction."""
    thanked = list(
        StoryThanks.objects.filter(user=user)
        .exclude(story__author=user)
        .values_list("story_id", flat=True)
    )
    StoryThanks.objects.filter(user=user).delete()
    if thanked:
        # Locked in id order so that two erasures never wait on each other.
        list(Story.objects.select_for_update().filter(pk__in=thanked).order_by("pk"))
        Story.objects.filter(pk__in=thanked).update(thanks_count=F("thanks_count") - 1)
    photos = [story.photo for story in Story.objects.filter(author=user).exclude(photo="")]
    Story.objects.filter(author=user).delete()
    transaction.on_commit(lambda: [photo.delete(save=False) for photo in photos])
