"""Results: counts per question, and the free-text answers.

Results are computed in a constant number of queries whatever the number of questions and
responses: one GROUP BY over all answers of the consultation (counts per question, choice
and number), one distinct count of respondents per multiple-choice question, and one
UNION of the latest free-text answers per question (on PostgreSQL; SQLite, which allows
no LIMIT inside a UNION, asks once per free-text question).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

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
        if len(parts) == 1:
            rows = parts[0]
        elif connection.features.supports_slicing_ordering_in_compound:
            rows = parts[0].union(*parts[1:], all=True)
        else:  # SQLite refuses LIMIT inside a UNION: one small query per question there
            rows = chain.from_iterable(parts)
        for question_id, text in rows:
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
