"""Reads of rumour control (``alerts.models.factchecks``): public lists and pages, the
staff queues, a resident's own questions. Each list is a constant number of queries."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from alerts.models import Alert, FactCheck, FactCheckQuestion
from alerts.rules import is_factcheck_staff


def factcheck_list_public(*, alert: Alert | None = None, verdict: str = "") -> QuerySet[FactCheck]:
    """Published fact checks, newest first (none about exercises); of one incident when
    ``alert`` is given."""
    queryset = FactCheck.objects.public().select_related("alert")
    if alert is not None:
        queryset = queryset.filter(alert=alert)
    if verdict:
        queryset = queryset.filter(verdict=verdict)
    return queryset.order_by("-published_at", "-id")


def factcheck_get(*, viewer, pk: int) -> FactCheck:
    """A published fact check; staff also see drafts, pending ones and exercises'."""
    queryset = FactCheck.objects.select_related("alert", "author", "approver")
    if not is_factcheck_staff(viewer):
        queryset = queryset.public()
    fact_check = queryset.filter(pk=pk).first()
    if fact_check is None:
        raise Http404
    return fact_check


def incident_get_public(*, pk: int) -> Alert:
    alert = Alert.objects.public().filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def staff_factcheck_list(*, state: str) -> QuerySet[FactCheck]:
    return (
        FactCheck.objects.filter(state=state)
        .select_related("alert", "author", "approver")
        .order_by("-published_at", "-submitted_at", "-created_at", "-id")
    )


def staff_question_list(*, state: str) -> QuerySet[FactCheckQuestion]:
    return (
        FactCheckQuestion.objects.filter(state=state)
        .select_related("user", "alert", "fact_check", "answered_by")
        .order_by("created_at", "id")
        if state == FactCheckQuestion.State.NEW
        else FactCheckQuestion.objects.filter(state=state)
        .select_related("user", "alert", "fact_check", "answered_by")
        .order_by("-answered_at", "-id")
    )


def queue_counts() -> dict[str, int]:
    """How many questions wait, and how many fact checks wait for approval (two queries)."""
    return {
        "questions": FactCheckQuestion.objects.filter(state=FactCheckQuestion.State.NEW).count(),
        "pending": FactCheck.objects.filter(state=FactCheck.State.PENDING).count(),
    }


def question_list_mine(*, viewer) -> QuerySet[FactCheckQuestion]:
    return (
        FactCheckQuestion.objects.filter(user=viewer)
        .select_related("alert", "fact_check")
        .order_by("-created_at", "-id")
    )


def factcheck_incident_or_none(*, pk: int) -> Alert | None:
    """The public incident a resident's question is about, or None (unknown ids ignored)."""
    return Alert.objects.public().filter(pk=pk).first()
