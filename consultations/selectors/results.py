"""Results: counts per question, and the free-text answers.

Results are computed in a constant number of queries whatever the number of questions and
responses, on PostgreSQL and SQLite alike: one GROUP BY over all answers of the consultation
(counts per question, choice and number), one distinct count of respondents per
multiple-choice question, and one UNION of the latest free-text answers per question.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from civicportal.core.numbers import percent
from consultations.models import Answer, Consultation, Question
from consultations.selectors.consultations import Kind, question_list

TEXT_SAMPLE_SIZE = 5


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
    """``count`` as a percentage of ``total``, rounded half up to one decimal (2 of 3: 66.7)."""
    return float(percent(count, total)) if total else 0.0


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
        for question_id, text in _latest_texts(text_ids):
            texts[question_id].append(text)
    return Results(
        consultation=consultation,
        responses=total,
        questions=[
            _question_result(q, groups.get(q.pk, []), respondents.get(q.pk), texts.get(q.pk, []))
            for q in questions
        ],
    )


def _latest_texts(question_ids: list[int]) -> list[tuple[int, str]]:
    """The newest ``TEXT_SAMPLE_SIZE`` written answers of each question, newest first, in
    one query.

    Each question's part picks its answers' ids with a LIMIT inside an ``IN`` subquery (the
    partial index on question and id serves it with a short backward scan), and the parts
    are joined by UNION ALL. SQLite refuses a LIMIT directly inside a UNION (Django raises
    "LIMIT/OFFSET not allowed in subqueries of compound statements"), not inside a subquery
    of one; a window function instead would number every written answer of the
    consultation on each page view.
    """
    parts = [
        Answer.objects.filter(
            pk__in=Answer.objects.filter(question_id=pk)
            .exclude(text="")
            .order_by("-id")
            .values("pk")[:TEXT_SAMPLE_SIZE]
        )
        .order_by()
        .values_list("question_id", "id", "text")
        for pk in question_ids
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return [
        (question_id, text)
        for question_id, _id, text in sorted(rows, key=lambda row: (row[0], -row[1]))
    ]


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
