"""Ideas the council can announce on its social accounts: its official answer to an idea
residents can see (the registry is civicportal/core/shareables.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicportal.core.shareables import Source, SourceItem, one_line, register, short


def _answered_ideas():
    from proposals.models import Idea

    return (
        Idea.objects.visible()
        .filter(merged_into__isnull=True, responded_at__isnull=False)
        .exclude(official_response="")
        .only("id", "title", "official_response", "responded_at")
    )


def _idea_item(idea) -> SourceItem:
    return SourceItem(
        kind="proposals.answer",
        pk=idea.pk,
        title=idea.title,
        url=idea.get_absolute_url(),
        description=short(idea.official_response),
        text=_("The council answered the idea “%(title)s”: %(answer)s")
        % {"title": idea.title, "answer": one_line(idea.official_response)},
        when=idea.responded_at,
    )


def _idea_recent(limit: int) -> list[SourceItem]:
    return [_idea_item(idea) for idea in _answered_ideas().order_by("-responded_at")[:limit]]


def _idea_get(pk: int) -> SourceItem | None:
    idea = _answered_ideas().filter(pk=pk).first()
    return _idea_item(idea) if idea else None


def register_shareables() -> None:
    """Called from the app's ``ready()``."""
    register(
        Source(
            kind="proposals.answer",
            label=gettext_lazy("An idea's official answer"),
            recent=_idea_recent,
            get=_idea_get,
            order=10,
        )
    )
