"""The anonymised export: one CSV row per response, streamed."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import Answer, Consultation, Question, Response
from consultations.selectors.consultations import Kind, question_list


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
