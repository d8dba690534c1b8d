"""Consultations the council can announce on its social accounts: one that has opened,
and its published results (the registry is civicportal/core/shareables.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicportal.core.shareables import Source, SourceItem, one_line, register, short


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
        description=short(consultation.summary),
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
        description=short(consultation.summary),
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


def register_shareables() -> None:
    """Called from the app's ``ready()``."""
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
