"""Where the module's two parts meet: an event's outcome told as a story.

The organiser records what an event achieved (``events.event_outcome_record``); council
staff can then publish it as a story in one step, so the clean-up's result reaches the
stories list, the home page and the stories' feed without being typed again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicportal.accounts.models import User
from community.models import Event, Story
from community.models.stories import STORY_BODY_MAX_LENGTH, STORY_TITLE_MAX_LENGTH
from community.services.stories import story_publish_from


@transaction.atomic
def event_outcome_story_publish(*, actor: User, event: Event | int) -> Story:
    """Publish ``event``'s recorded outcome as a story, once.

    Staff only (``story_publish_from`` checks ``community.publish_story``); the organiser's
    right to the event is checked too. Locks the event row, so two clicks make one story
    (and the story's one-to-one key on the event holds it in the database).
    """
    event_id = event if isinstance(event, int) else event.pk
    locked = Event.objects.select_for_update().filter(pk=event_id).first()
    if locked is None:
        raise ValidationError(_("This event no longer exists."), code="gone")
    if not actor.has_perm("community.manage_event", locked):
        raise PermissionDenied(_("Only the event's organiser can share its outcome."))
    if locked.outcome_recorded_at is None:
        raise ValidationError(_("Record the outcome first; the story tells it."))
    if Story.objects.filter(event=locked).exists():
        raise ValidationError(_("This event's outcome is already a story."), code="exists")
    if locked.area_id is None:
        raise ValidationError(_("Give the event an area first: every story has one."))
    attendance = ngettext(
        "%(count)s person came.", "%(count)s people came.", locked.outcome_attendance or 0
    ) % {"count": locked.outcome_attendance or 0}
    title = _("%(title)s: what we achieved") % {"title": locked.title}
    body = f"{locked.outcome}\n\n{attendance}"
    first_photo = locked.photos.order_by("pk").first()
    photo = None
    if first_photo is not None:
        first_photo.image.open("rb")
        photo = first_photo.image
    try:
        return story_publish_from(
            actor=actor,
            title=title[:STORY_TITLE_MAX_LENGTH],
            body=body[:STORY_BODY_MAX_LENGTH],
            area=locked.area,
            photo=photo,
            source_url=f"{settings.SITE_URL}{locked.get_absolute_url()}",
            event=locked,
        )
    finally:
        if photo is not None:
            photo.close()
