"""Community items the council can announce on its social accounts: published events and
residents' stories (the registry is civicportal/core/shareables.py)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicportal.core.shareables import Source, SourceItem, register, short


def _published_events():
    from community.models import Event

    return Event.objects.filter(state=Event.State.PUBLISHED)


def _event_item(event) -> SourceItem:
    starts = timezone.localtime(event.starts_at).strftime("%d.%m.%Y %H:%M")
    return SourceItem(
        kind="community.event",
        pk=event.pk,
        title=event.title,
        url=event.get_absolute_url(),
        description=short(event.description),
        text=_("Join us: “%(title)s”, %(starts)s at %(place)s.")
        % {"title": event.title, "starts": starts, "place": event.place},
        when=event.published_at or event.created_at,
    )


def _event_recent(limit: int) -> list[SourceItem]:
    rows = _published_events().order_by("-published_at", "-pk")[:limit]
    return [_event_item(event) for event in rows]


def _event_get(pk: int) -> SourceItem | None:
    event = _published_events().filter(pk=pk).first()
    return _event_item(event) if event else None


def _published_stories():
    from community.models import Story

    return Story.objects.published()


def _story_item(story) -> SourceItem:
    return SourceItem(
        kind="community.story",
        pk=story.pk,
        title=story.title,
        url=story.get_absolute_url(),
        description=story.summary,
        text=_("A story from our city: “%(title)s”. %(summary)s")
        % {"title": story.title, "summary": story.summary},
        when=story.published_at,
    )


def _story_recent(limit: int) -> list[SourceItem]:
    return [_story_item(story) for story in _published_stories().order_by("-published_at")[:limit]]


def _story_get(pk: int) -> SourceItem | None:
    story = _published_stories().filter(pk=pk).first()
    return _story_item(story) if story else None


def register_shareables() -> None:
    """Called from the app's ``ready()``."""
    register(
        Source(
            kind="community.event",
            label=gettext_lazy("A community event"),
            recent=_event_recent,
            get=_event_get,
            order=60,
        )
    )
    register(
        Source(
            kind="community.story",
            label=gettext_lazy("A resident's story"),
            recent=_story_recent,
            get=_story_get,
            order=70,
        )
    )
