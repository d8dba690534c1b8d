"""The sources this release offers: ideas' official answers, consultations opening and
their results, budget results, alert messages, community events and stories.

They live on the social side (a domain app never imports another) and read each module's
models through its own public filters, so only what residents can already see is offered.
Other modules may register more kinds from their own ``ready()`` (see ``outreach.sources``).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outreach.sources import Source, SourceItem, one_line, register

DESCRIPTION_LENGTH = 300


def _short(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    text = one_line(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- Ideas (proposals) ---------------------------------------------------------------------


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
        description=_short(idea.official_response),
        text=_("The council answered the idea “%(title)s”: %(answer)s")
        % {"title": idea.title, "answer": one_line(idea.official_response)},
        when=idea.responded_at,
    )


def _idea_recent(limit: int) -> list[SourceItem]:
    return [_idea_item(idea) for idea in _answered_ideas().order_by("-responded_at")[:limit]]


def _idea_get(pk: int) -> SourceItem | None:
    idea = _answered_ideas().filter(pk=pk).first()
    return _idea_item(idea) if idea else None


# --- Consultations ------------------------------------------------------------------------


def _opened_consultations():
    from consultations.models import Consultation

    return Consultation.objects.published().filter(opens_at__lte=timezone.now())


def _opening_item(consultation) -> SourceItem:
    closes = timezone.localtime(consultation.closes_at).strftime("%d.%m.%Y")
    return SourceItem(
        kind="consultations.opening",
        pk=consultation.pk,
        title=consultation.title,
        url=consultation.get_absolute_url(),
        description=_short(consultation.summary),
        text=_("Have your say: “%(title)s” is open until %(closes)s. %(summary)s")
        % {
            "title": consultation.title,
            "closes": closes,
            "summary": one_line(consultation.summary),
        },
        when=consultation.opens_at,
    )


def _opening_recent(limit: int) -> list[SourceItem]:
    rows = _opened_consultations().order_by("-opens_at")[:limit]
    return [_opening_item(consultation) for consultation in rows]


def _opening_get(pk: int) -> SourceItem | None:
    consultation = _opened_consultations().filter(pk=pk).first()
    return _opening_item(consultation) if consultation else None


def _consultations_with_results():
    from consultations.models import Consultation

    return (
        Consultation.objects.published()
        .closed_at(timezone.now())
        .filter(results_published_at__isnull=False, results_public_after_close=True)
    )


def _results_item(consultation) -> SourceItem:
    return SourceItem(
        kind="consultations.results",
        pk=consultation.pk,
        title=consultation.title,
        url=reverse("consultations:results", args=[consultation.slug]),
        description=_short(consultation.summary),
        text=_("The results of the consultation “%(title)s” are out: see what residents said.")
        % {"title": consultation.title},
        when=consultation.results_published_at,
    )


def _results_recent(limit: int) -> list[SourceItem]:
    rows = _consultations_with_results().order_by("-results_published_at")[:limit]
    return [_results_item(consultation) for consultation in rows]


def _results_get(pk: int) -> SourceItem | None:
    consultation = _consultations_with_results().filter(pk=pk).first()
    return _results_item(consultation) if consultation else None


# --- Participatory budgeting --------------------------------------------------------------


def _processes_with_results():
    from budgeting.models import BudgetProcess

    return BudgetProcess.objects.filter(
        state__in=[BudgetProcess.State.RESULTS, BudgetProcess.State.IMPLEMENTATION],
        results_published_at__isnull=False,
    )


def _budget_item(process) -> SourceItem:
    return SourceItem(
        kind="budgeting.results",
        pk=process.pk,
        title=process.title,
        url=reverse("budgeting:results", kwargs={"slug": process.slug}),
        description=_short(process.description),
        text=_("The votes are counted: see which projects “%(title)s” will fund.")
        % {"title": process.title},
        when=process.results_published_at,
    )


def _budget_recent(limit: int) -> list[SourceItem]:
    rows = _processes_with_results().order_by("-results_published_at")[:limit]
    return [_budget_item(process) for process in rows]


def _budget_get(pk: int) -> SourceItem | None:
    process = _processes_with_results().filter(pk=pk).first()
    return _budget_item(process) if process else None


# --- Alerts -------------------------------------------------------------------------------


def alert_thread(alert_id: int) -> str:
    """The thread of an alert's posts; the alert's own cross-posts use the same one."""
    return f"alerts.alert.{alert_id}"


def _published_messages():
    from alerts.models import Alert, AlertMessage

    # Alert.objects.public(): real alerts published at least once (never an exercise).
    return AlertMessage.objects.filter(
        state=AlertMessage.State.PUBLISHED, alert__in=Alert.objects.public()
    ).select_related("alert")


def _message_item(message) -> SourceItem:
    words = one_line(f"{message.headline}. {message.instruction}")
    return SourceItem(
        kind="alerts.message",
        pk=message.pk,
        title=message.headline,
        url=message.alert.get_absolute_url(),
        description=_short(message.description),
        text=words,
        when=message.approved_at or message.sent,
        thread=alert_thread(message.alert_id),
    )


def _message_recent(limit: int) -> list[SourceItem]:
    rows = _published_messages().order_by("-approved_at", "-pk")[:limit]
    return [_message_item(message) for message in rows]


def _message_get(pk: int) -> SourceItem | None:
    message = _published_messages().filter(pk=pk).first()
    return _message_item(message) if message else None


# --- Community life -----------------------------------------------------------------------


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
        description=_short(event.description),
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


def register_all() -> None:
    """Called from ``outreach.plugins.register``."""
    register(
        Source(
            kind="proposals.answer",
            label=gettext_lazy("An idea's official answer"),
            recent=_idea_recent,
            get=_idea_get,
            order=10,
        )
    )
    register(
        Source(
            kind="consultations.opening",
            label=gettext_lazy("A consultation opens"),
            recent=_opening_recent,
            get=_opening_get,
            order=20,
        )
    )
    register(
        Source(
            kind="consultations.results",
            label=gettext_lazy("A consultation's results"),
            recent=_results_recent,
            get=_results_get,
            order=30,
        )
    )
    register(
        Source(
            kind="budgeting.results",
            label=gettext_lazy("Budget results"),
            recent=_budget_recent,
            get=_budget_get,
            order=40,
        )
    )
    register(
        Source(
            kind="alerts.message",
            label=gettext_lazy("An alert message"),
            recent=_message_recent,
            get=_message_get,
            approval_permission="alerts.approve_alert",
            order=50,
        )
    )
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
