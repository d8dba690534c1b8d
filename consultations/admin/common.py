"""Helpers the consultation screens share: who may use them and the frozen questionnaire."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext

from civicportal.kernel.admin import RulesAdminMixin
from consultations.models import Consultation
from consultations.rules import is_consultation_staff


def frozen_message(consultation: Consultation) -> str:
    return gettext(
        "“%(consultation)s” has responses, so its questions are frozen: changing them would "
        "mix answers to two different questionnaires. To change the questions, make a new "
        "version with the action “Copy as a new version” on the consultations list; the new "
        "version starts without responses."
    ) % {"consultation": consultation}


def questions_frozen(request: HttpRequest, consultation: Consultation) -> bool:
    """``consultation.questions_frozen``, read once per request.

    The admin asks again for every inline row and every permission check of a page, and
    each asking is a query.
    """
    answers = request.__dict__.setdefault("_consultation_questions_frozen", {})
    if consultation.pk not in answers:
        answers[consultation.pk] = consultation.questions_frozen
    return answers[consultation.pk]


class QuestionnaireInlineMixin:
    """An inline of the questionnaire: consultation staff edit it until the first response.

    ``consultation_of(obj)`` names the consultation of the page's object.
    """

    def consultation_of(self, obj) -> Consultation:
        return obj

    def _editable(self, request, obj) -> bool:
        return is_consultation_staff(request.user) and not (
            obj and questions_frozen(request, self.consultation_of(obj))
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_view_permission(self, request, obj=None):
        return is_consultation_staff(request.user)


class StaffOnlyMixin(RulesAdminMixin):
    """Consultation managers and administrators only (published or not)."""

    def has_view_permission(self, request, obj=None):
        return is_consultation_staff(request.user)
