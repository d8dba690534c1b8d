"""Reads of the consultations app: lists, pages, results and the anonymised export.

Results are computed in a constant number of queries whatever the number of questions and
responses: one GROUP BY over all answers of the consultation (counts per question, choice
and number), one distinct count of respondents per multiple-choice question, and one
UNION of the latest free-text answers per question.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.core.models import Comment, ModerationState
from consultations.models import (
    Answer,
    Choice,
    Consultation,
    DraftDocument,
    Paragraph,
    Question,
    Response,
    ResponseReport,
    Section,
)

Kind = Question.Kind
PHASES = (Consultation.Phase.OPEN, Consultation.Phase.UPCOMING, Consultation.Phase.CLOSED)
TEXT_SAMPLE_SIZE = 5


# --- Consultations ---------------------------------------------------------------------


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


# --- Draft documents ---------------------------------------------------------------------


def draft_list(*, consultation: Consultation) -> list[DraftDocument]:
    return list(consultation.drafts.all())


def draft_get(*, consultation: Consultation, draft_id: int) -> DraftDocument:
    """A draft with its sections and paragraphs; each paragraph gets ``comment_count``.

    Four queries, whatever the draft's length (the counts are one GROUP BY).
    """
    draft = (
        consultation.drafts.prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.prefetch_related(
                    Prefetch("paragraphs", queryset=Paragraph.objects.order_by("order", "id"))
                ).order_by("order", "id"),
            )
        )
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise Http404
    paragraph_ids = [p.pk for s in draft.sections.all() for p in s.paragraphs.all()]
    counts = dict(
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(Paragraph),
            object_id__in=paragraph_ids,
            moderation_state=ModerationState.VISIBLE,
            deleted_at__isnull=True,
        )
        .values_list("object_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for section in draft.sections.all():
        for paragraph in section.paragraphs.all():
            paragraph.comment_count = counts.get(paragraph.pk, 0)
    return draft


def paragraph_get(*, viewer, paragraph_id: int) -> Paragraph:
    paragraph = (
        Paragraph.objects.select_related("section__draft__consultation__area")
        .filter(pk=paragraph_id)
        .first()
    )
    if paragraph is None or not viewer.has_perm(
        "consultations.view_consultation", paragraph.section.draft.consultation
    ):
        raise Http404
    return paragraph


# --- Results -----------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    count: int
    percent: float = 0.0
    extra: str = ""  # e.g. the average rank


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    rows: list[Row] = field(default_factory=list)
    average: float | None = None
    text_count: int = 0
    samples: list[str] = field(default_factory=list)
    chart_caption: str = ""

    @property
    def has_chart(self) -> bool:
        return bool(self.rows)


@dataclass
class Results:
    consultation: Consultation
    responses: int
    questions: list[QuestionResult]


def _percent(count: int, total: int) -> float:
    return round(100.0 * count / total, 1) if total else 0.0


def results_get(*, consultation: Consultation, samples: bool = True) -> Results:
    """Counts per question (and the latest free-text answers) in a constant number of queries."""
    questions = question_list(consultation=consultation)
    ids = [q.pk for q in questions]
    total = consultation.responses.count()
    groups: dict[int, list[tuple[int | None, int | None, int]]] = defaultdict(list)
    rows = (
        Answer.objects.filter(question_id__in=ids)
        .values_list("question_id", "choice_id", "number")
        .annotate(n=Count("*"))
        .order_by()
    )
    for question_id, choice_id, number, n in rows:
        groups[question_id].append((choice_id, number, n))
    multiple_ids = [q.pk for q in questions if q.kind == Kind.MULTIPLE]
    respondents = {}
    if multiple_ids:
        respondents = dict(
            Answer.objects.filter(question_id__in=multiple_ids)
            .values_list("question_id")
            .annotate(n=Count("response_id", distinct=True))
            .order_by()
        )
    texts: dict[int, list[str]] = defaultdict(list)
    text_ids = [
        q.pk
        for q in questions
        if q.kind == Kind.TEXT
        or (q.kind == Kind.MULTIPLE and q.allow_other)
        or (q.kind == Kind.YES_NO and q.allow_comment)
    ]
    if samples and text_ids:
        parts = [
            Answer.objects.filter(question_id=pk)
            .exclude(text="")
            .order_by("-id")[:TEXT_SAMPLE_SIZE]
            .values_list("question_id", "text")
            for pk in text_ids
        ]
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for question_id, text in union:
            texts[question_id].append(text)
    return Results(
        consultation=consultation,
        responses=total,
        questions=[
            _question_result(q, groups.get(q.pk, []), respondents.get(q.pk), texts.get(q.pk, []))
            for q in questions
        ],
    )


def _question_result(question, groups, respondents, samples) -> QuestionResult:
    result = QuestionResult(question=question, samples=samples)
    kind = question.kind
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        by_choice = {choice_id: n for choice_id, number, n in groups if choice_id}
        other = sum(n for choice_id, number, n in groups if not choice_id)
        if kind == Kind.SINGLE:
            result.answered = sum(by_choice.values())
        else:
            result.answered = respondents or 0
        base = result.answered
        result.rows = [
            Row(c.label, by_choice.get(c.pk, 0), _percent(by_choice.get(c.pk, 0), base))
            for c in question.choices.all()
        ]
        if question.allow_other:
            result.rows.append(Row(_("Other"), other, _percent(other, base)))
            result.text_count = other
        result.chart_caption = _("Number of people who chose each answer")
    elif kind == Kind.TEXT:
        result.answered = result.text_count = sum(n for _c, _n, n in groups)
    elif kind == Kind.RATING:
        by_value = {number: n for _c, number, n in groups}
        result.answered = sum(by_value.values())
        if result.answered:
            result.average = round(
                sum(v * n for v, n in by_value.items() if v is not None) / result.answered, 2
            )
        for value in question.rating_values:
            label = str(value)
            if value == question.rating_min and question.rating_min_label:
                label = f"{value} ({question.rating_min_label})"
            elif value == question.rating_max and question.rating_max_label:
                label = f"{value} ({question.rating_max_label})"
            count = by_value.get(value, 0)
            result.rows.append(Row(label, count, _percent(count, result.answered)))
        result.chart_caption = _("Number of people who gave each rating")
    elif kind == Kind.YES_NO:
        by_value = {number: n for _c, number, n in groups}
        result.answered = by_value.get(1, 0) + by_value.get(0, 0)
        result.rows = [
            Row(
                str(Question.YesNo.YES.label),
                by_value.get(1, 0),
                _percent(by_value.get(1, 0), result.answered),
            ),
            Row(
                str(Question.YesNo.NO.label),
                by_value.get(0, 0),
                _percent(by_value.get(0, 0), result.answered),
            ),
        ]
        result.chart_caption = _("Number of people who answered yes and no")
    elif kind == Kind.RANKING:
        firsts: dict[int, int] = defaultdict(int)
        rank_sum: dict[int, int] = defaultdict(int)
        rank_n: dict[int, int] = defaultdict(int)
        for choice_id, number, n in groups:
            if number == 1:
                firsts[choice_id] += n
            rank_sum[choice_id] += (number or 0) * n
            rank_n[choice_id] += n
        result.answered = sum(firsts.values())
        for c in question.choices.all():
            average = rank_sum[c.pk] / rank_n[c.pk] if rank_n[c.pk] else None
            result.rows.append(
                Row(
                    c.label,
                    firsts.get(c.pk, 0),
                    _percent(firsts.get(c.pk, 0), result.answered),
                    extra=f"{average:.2f}" if average is not None else "—",
                )
            )
        result.chart_caption = _("Number of people who ranked each item first")
    return result


def text_answer_list(*, question: Question) -> QuerySet:
    """A question's free-text answers (and "Other" texts, yes/no comments), newest first."""
    return (
        Answer.objects.filter(question=question)
        .exclude(text="")
        .order_by("-id")
        .values_list("text", flat=True)
    )


# --- The anonymised export ------------------------------------------------------------------


def results_csv_header(questions: list[Question]) -> list[str]:
    header = [_("respondent"), _("last changed (date)")]
    for question in questions:
        header.append(f"{question.order}. {question.text}")
        if question.kind == Kind.YES_NO and question.allow_comment:
            header.append(_("%(order)s. comment") % {"order": question.order})
    return header


def results_csv_rows(*, consultation: Consultation, chunk_size: int = 5000) -> Iterator[list]:
    """The header, then one row per response: anonymised (no account, no email, no id).

    Streams from a server-side cursor (``iterator(chunk_size=...)``): memory stays the
    same whatever the number of responses. Respondents are numbered 1, 2, ... in the order
    they first answered.
    """
    questions = question_list(consultation=consultation)
    yield results_csv_header(questions)
    labels = {c.pk: c.label for q in questions for c in q.choices.all()}
    columns: dict[int, int] = {}
    comment_columns: dict[int, int] = {}
    kinds: dict[int, str] = {}
    index = 2
    for question in questions:
        columns[question.pk] = index
        kinds[question.pk] = question.kind
        index += 1
        if question.kind == Kind.YES_NO and question.allow_comment:
            comment_columns[question.pk] = index
            index += 1
    width = index
    ranking_columns = {columns[q.pk] for q in questions if q.kind == Kind.RANKING}
    other_prefix = _("Other: ")
    yes, no = str(Question.YesNo.YES.label), str(Question.YesNo.NO.label)
    # Two ordered streams merged by response id: the responses (one row each) and their
    # answers; joining them in SQL would parse each response's timestamp once per answer.
    responses = (
        Response.objects.filter(consultation=consultation)
        .order_by("id")
        .values_list("id", "updated_at")
        .iterator(chunk_size=chunk_size)
    )
    answers = (
        Answer.objects.filter(question_id__in=list(columns))
        .order_by("response_id", "question_id", "number", "id")
        .values_list("response_id", "question_id", "choice_id", "text", "number")
        .iterator(chunk_size=chunk_size)
    )
    pending = next(answers, None)
    for number, (response_id, updated_at) in enumerate(responses, start=1):
        row: list = [""] * width
        row[0] = number
        row[1] = timezone.localtime(updated_at).date().isoformat()
        parts: dict[int, list[str]] = {}
        while pending is not None and pending[0] == response_id:
            _response_id, question_id, choice_id, text, value = pending
            pending = next(answers, None)
            kind = kinds[question_id]
            column = columns[question_id]
            if kind == Kind.SINGLE:
                row[column] = labels.get(choice_id, "")
            elif kind in (Kind.MULTIPLE, Kind.RANKING):
                label = labels.get(choice_id, "") if choice_id else other_prefix + text
                parts.setdefault(column, []).append(label)
            elif kind == Kind.TEXT:
                row[column] = text
            elif kind == Kind.RATING:
                row[column] = value
            elif kind == Kind.YES_NO:
                row[column] = yes if value else no
                if question_id in comment_columns:
                    row[comment_columns[question_id]] = text
        for column, values in parts.items():
            row[column] = (" > " if column in ranking_columns else "; ").join(values)
        yield row
