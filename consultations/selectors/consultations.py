"""Consultations: the lists, a consultation's page, its questionnaire and the viewer's response."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from consultations.models import Choice, Consultation, Question, Response, ResponseReport

Kind = Question.Kind
PHASES = (Consultation.Phase.OPEN, Consultation.Phase.UPCOMING, Consultation.Phase.CLOSED)


def consultation_list(*, viewer, phase: str = "", area=None) -> QuerySet[Consultation]:
    """Published consultations in ``phase`` (by the server's clock), optionally in ``area``.

    Open ones close soonest first, upcoming ones open soonest first, closed ones latest
    first. A city-wide consultation (no area) is listed under every area.
    """
    now = timezone.now()
    queryset = Consultation.objects.published().select_related("area")
    if phase == Consultation.Phase.OPEN:
        queryset = queryset.open_at(now).order_by("closes_at", "id")
    elif phase == Consultation.Phase.UPCOMING:
        queryset = queryset.upcoming_at(now).order_by("opens_at", "id")
    elif phase == Consultation.Phase.CLOSED:
        queryset = queryset.closed_at(now).order_by("-closes_at", "-id")
    if area is not None:
        queryset = queryset.filter(Q(area=area) | Q(area__isnull=True))
    return queryset


def consultation_get(*, viewer, slug: str) -> Consultation:
    """The consultation ``slug`` if ``viewer`` may see it; Http404 otherwise."""
    consultation = Consultation.objects.select_related("area", "report").filter(slug=slug).first()
    if consultation is None or not viewer.has_perm("consultations.view_consultation", consultation):
        raise Http404
    return consultation


def question_list(*, consultation: Consultation) -> list[Question]:
    """The questionnaire in order, with choices and conditions prefetched."""
    return list(
        consultation.questions.select_related("depends_on").prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("order", "id")),
            "depends_on_choices",
        )
    )


def response_get(*, consultation: Consultation, user=None, anon_token: str | None = None):
    """The viewer's response (by account, or by browser token), with its answers; or None."""
    if user is not None and user.is_authenticated:
        owner = {"user": user}
    elif anon_token:
        owner = {"anon_token": anon_token}
    else:
        return None
    return (
        Response.objects.filter(consultation=consultation, **owner)
        .prefetch_related("answers")
        .first()
    )


def response_answers_as_input(response: Response | None, questions: list[Question]) -> dict:
    """A stored response in the answer format of ``services.answers_clean``."""
    if response is None:
        return {}
    kinds = {q.pk: q.kind for q in questions}
    result: dict[int, dict] = {}
    for answer in sorted(response.answers.all(), key=lambda a: (a.number or 0, a.pk)):
        kind = kinds.get(answer.question_id)
        entry = result.setdefault(answer.question_id, {})
        if kind == Kind.SINGLE:
            entry["choice"] = answer.choice_id
        elif kind == Kind.MULTIPLE:
            if answer.choice_id:
                entry.setdefault("choices", []).append(answer.choice_id)
            else:
                entry["other"] = answer.text
        elif kind == Kind.TEXT:
            entry["text"] = answer.text
        elif kind == Kind.RATING:
            entry["value"] = answer.number
        elif kind == Kind.RANKING:
            entry.setdefault("order", []).append(answer.choice_id)
        elif kind == Kind.YES_NO:
            entry["value"] = "yes" if answer.number else "no"
            entry["comment"] = answer.text
    return result


def report_get_published(*, consultation: Consultation) -> ResponseReport | None:
    try:
        report = consultation.report
    except ResponseReport.DoesNotExist:
        return None
    return report if report.published_at else None
