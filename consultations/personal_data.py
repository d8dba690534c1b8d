"""The consultations app's part of a resident's data (``civicportal.kernel.personal_data``).

Exported: every response of the resident, with the answers as they read them. Erased: the
link between the resident and their responses (``Response.user`` set to NULL); the answers
stay and keep counting in the results, linked to nobody. Comments on draft paragraphs are
the participation core's (exported and anonymised there).
"""

from __future__ import annotations

from typing import Any

from consultations.models import Question, Response


def consultations_personal_data_export(user) -> list[dict[str, Any]]:
    responses = (
        Response.objects.filter(user=user)
        .select_related("consultation")
        .prefetch_related("answers__question", "answers__choice")
        .order_by("pk")
    )
    exported = []
    for response in responses:
        answers = []
        for answer in sorted(
            response.answers.all(), key=lambda a: (a.question.order, a.number or 0, a.pk)
        ):
            value: Any
            if answer.choice_id:
                value = answer.choice.label
            elif answer.question.kind == Question.Kind.YES_NO:
                value = "yes" if answer.number else "no"
            elif answer.number is not None:
                value = answer.number
            else:
                value = answer.text
            entry = {"question": answer.question.text, "answer": value}
            if answer.question.kind == Question.Kind.RANKING:
                entry["rank"] = answer.number
            if answer.question.kind == Question.Kind.YES_NO and answer.text:
                entry["comment"] = answer.text
            answers.append(entry)
        exported.append(
            {
                "consultation": response.consultation.title,
                "url": response.consultation.get_absolute_url(),
                "first_sent_at": response.created_at,
                "last_changed_at": response.updated_at,
                "answers": answers,
            }
        )
    return exported


def consultations_personal_data_erase(user) -> None:
    Response.objects.filter(user=user).update(user=None)
