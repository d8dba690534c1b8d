"""Checking a response's answers against the questionnaire, whatever the interface.

Answers come as ``{question_id: value}``, each value a mapping by question type (the API
documents the same format, ``ANSWER_FORMAT``):

- single choice: ``{"choice": 12}``
- multiple choice: ``{"choices": [12, 13], "other": "text"}`` (``other`` if offered)
- free text: ``{"text": "..."}``
- rating: ``{"value": 4}``
- ranking: ``{"order": [14, 12, 13]}`` (every item once, first is best)
- yes/no: ``{"value": "yes"}`` (or ``"no"``, or a boolean), ``{"comment": "..."}`` if offered

Errors are reported per question under the key ``q<id>``, the name of the question's
field on the page, so the form shows each message beside its question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from consultations.models import Answer, Question

ANSWER_FORMAT = {
    Question.Kind.SINGLE: '{"choice": <choice id>}',
    Question.Kind.MULTIPLE: '{"choices": [<choice id>, ...], "other": "<text>"}',
    Question.Kind.TEXT: '{"text": "<text>"}',
    Question.Kind.RATING: '{"value": <whole number>}',
    Question.Kind.RANKING: '{"order": [<choice id>, ...]}',
    Question.Kind.YES_NO: '{"value": "yes" | "no", "comment": "<text>"}',
}

Kind = Question.Kind


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _yes_no(value: Any) -> str | None:
    if value is True or value == "yes":
        return "yes"
    if value is False or value == "no":
        return "no"
    return None


def _is_empty(question: Question, raw: Mapping | None) -> bool:
    if not raw:
        return True
    kind = question.kind
    if kind == Kind.SINGLE:
        return raw.get("choice") in (None, "")
    if kind == Kind.MULTIPLE:
        return not raw.get("choices") and not _text(raw.get("other"))
    if kind == Kind.TEXT:
        return not _text(raw.get("text"))
    if kind == Kind.RATING:
        return raw.get("value") in (None, "")
    if kind == Kind.RANKING:
        return not raw.get("order")
    return raw.get("value") in (None, "") and not _text(raw.get("comment"))


def _selected(question: Question, raw: Mapping | None) -> set[str]:
    """What an answer selects, as strings (choice ids, or yes/no), leniently."""
    if not raw:
        return set()
    if question.kind == Kind.SINGLE:
        return {str(raw.get("choice"))} if raw.get("choice") not in (None, "") else set()
    if question.kind == Kind.MULTIPLE:
        choices = raw.get("choices") or []
        return {str(c) for c in choices} if isinstance(choices, list | tuple) else set()
    if question.kind == Kind.YES_NO:
        value = _yes_no(raw.get("value"))
        return {value} if value else set()
    return set()


def _shows(question: Question, trigger_selection: set[str]) -> bool:
    if question.depends_on_answer:
        return question.depends_on_answer in trigger_selection
    wanted = {str(c.pk) for c in question.depends_on_choices.all()}
    return bool(wanted & trigger_selection)


def _normalise(answers: Mapping) -> dict[int, Mapping]:
    normalised = {}
    for key, value in (answers or {}).items():
        number = _int(str(key).removeprefix("q"))
        if number is None:
            raise ValidationError(
                {"answers": _("“%(key)s” is not a question number.") % {"key": key}}
            )
        if value is not None and not isinstance(value, Mapping):
            raise ValidationError(
                {
                    f"q{number}": _("Send this answer as an object, e.g. %(format)s.")
                    % {"format": '{"choice": 12}'}
                }
            )
        normalised[number] = value
    return normalised


def questions_visible(questions: Iterable[Question], answers: Mapping) -> set[int]:
    """Ids of the questions shown for ``answers`` (read leniently; nothing is refused).

    ``questions`` need ``depends_on_choices`` prefetched.
    """
    questions = list(questions)
    try:
        answers = _normalise(answers)
    except ValidationError:
        answers = {}
    by_id = {q.pk: q for q in questions}
    visible = set()
    for question in questions:
        if not question.is_conditional:
            visible.add(question.pk)
            continue
        trigger = by_id.get(question.depends_on_id)
        if trigger is not None and _shows(question, _selected(trigger, answers.get(trigger.pk))):
            visible.add(question.pk)
    return visible


def ranking_error(question: Question, order: list) -> str | None:
    """Why ``order`` (choice ids, best first) is not a full ranking of the question's items."""
    labels = {c.pk: c.label for c in question.choices.all()}
    seen: set[int] = set()
    for item in order:
        choice_id = _int(item)
        if choice_id not in labels:
            return _("“%(value)s” is not one of the items to rank.") % {"value": item}
        if choice_id in seen:
            return _("Rank each item once: “%(item)s” has more than one place.") % {
                "item": labels[choice_id]
            }
        seen.add(choice_id)
    missing = [label for pk, label in labels.items() if pk not in seen]
    if missing:
        return _("Give every item a place: “%(item)s” has none yet.") % {"item": missing[0]}
    return None


def _too_long(question: Question, text: str) -> str | None:
    if len(text) > question.max_length:
        return _(
            "Your answer is %(length)s characters long; this question takes at most %(max)s."
        ) % {"length": len(text), "max": question.max_length}
    return None


def _clean_one(question: Question, raw: Mapping) -> list[Answer]:
    """The Answer rows (unsaved, no response yet) of one non-empty answer; or raise."""
    kind = question.kind
    choices = {c.pk: c for c in question.choices.all()}

    def choice_or_error(value) -> Answer:
        choice_id = _int(value)
        if choice_id not in choices:
            raise ValidationError(
                _("“%(value)s” is not one of the choices of this question.") % {"value": value}
            )
        return Answer(question=question, choice=choices[choice_id])

    if kind == Kind.SINGLE:
        return [choice_or_error(raw.get("choice"))]
    if kind == Kind.MULTIPLE:
        picked = raw.get("choices") or []
        if not isinstance(picked, list | tuple):
            raise ValidationError(_("Send the chosen choices as a list."))
        rows, seen = [], set()
        for value in picked:
            row = choice_or_error(value)
            if row.choice.pk not in seen:
                seen.add(row.choice.pk)
                rows.append(row)
        other = _text(raw.get("other"))
        if other:
            if not question.allow_other:
                raise ValidationError(_("This question has no “Other” answer."))
            error = _too_long(question, other)
            if error:
                raise ValidationError(error)
            rows.append(Answer(question=question, text=other))
        return rows
    if kind == Kind.TEXT:
        text = _text(raw.get("text"))
        error = _too_long(question, text)
        if error:
            raise ValidationError(error)
        return [Answer(question=question, text=text)]
    if kind == Kind.RATING:
        value = _int(raw.get("value"))
        if value is None or not question.rating_min <= value <= question.rating_max:
            raise ValidationError(
                _("Choose a rating from %(min)s to %(max)s.")
                % {"min": question.rating_min, "max": question.rating_max}
            )
        return [Answer(question=question, number=value)]
    if kind == Kind.RANKING:
        order = raw.get("order")
        if not isinstance(order, list | tuple):
            raise ValidationError(_("Send the ranking as a list of items, best first."))
        error = ranking_error(question, list(order))
        if error:
            raise ValidationError(error)
        return [
            Answer(question=question, choice=choices[_int(item)], number=rank)
            for rank, item in enumerate(order, start=1)
        ]
    # yes/no
    value = _yes_no(raw.get("value"))
    comment = _text(raw.get("comment"))
    if value is None:
        raise ValidationError(_("Answer yes or no."))
    if comment:
        if not question.allow_comment:
            raise ValidationError(_("This question takes no comment."))
        error = _too_long(question, comment)
        if error:
            raise ValidationError(error)
    return [Answer(question=question, number=1 if value == "yes" else 0, text=comment)]


def _condition_text(question: Question, trigger: Question) -> str:
    if question.depends_on_answer:
        wanted = Question.YesNo(question.depends_on_answer).label
    else:
        wanted = _(" or ").join(f"“{c.label}”" for c in question.depends_on_choices.all())
    return _(
        "This question applies only when the answer to “%(trigger)s” is %(wanted)s; leave it empty."
    ) % {
        "trigger": trigger.text,
        "wanted": wanted,
    }


def answers_clean(questions: Iterable[Question], answers: Mapping) -> list[Answer]:
    """Check ``answers`` against ``questions``; the unsaved Answer rows, or ValidationError.

    Refused, each with a message under ``q<id>``: a required question left empty, a choice
    that is not the question's, text longer than the question allows, a ranking with an
    item twice or missing, a rating out of range, and any answer to a conditional question
    that the other answers leave hidden. ``questions`` need ``choices`` and
    ``depends_on_choices`` prefetched. Nothing is stored.
    """
    questions = list(questions)
    answers = _normalise(answers)
    by_id = {q.pk: q for q in questions}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        errors["answers"] = [
            _("There is no question %(id)s in this consultation.") % {"id": pk} for pk in unknown
        ]
    visible = questions_visible(questions, {pk: raw for pk, raw in answers.items() if raw})
    rows: list[Answer] = []
    for question in questions:
        raw = answers.get(question.pk)
        name = field_name(question)
        if question.pk not in visible:
            if not _is_empty(question, raw):
                errors[name] = [_condition_text(question, by_id[question.depends_on_id])]
            continue
        if _is_empty(question, raw):
            if question.required:
                errors[name] = [_("Answer this question; it is required.")]
            continue
        try:
            rows.extend(_clean_one(question, raw))
        except ValidationError as error:
            errors[name] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    return rows
