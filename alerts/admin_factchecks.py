"""Rumour control in the admin: fact checks and residents' questions, with their queues
as list filters (waiting for approval, questions waiting).

Read-only, like the alerts' screens. There is no approve action and no change form: an
approval is of one fact check, on the staff screen that shows exactly what is published
and names its version, where ``factcheck_approve`` refuses the author (the two-person
rule); each row links there."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from alerts.models import FactCheck, FactCheckQuestion
from civicportal.kernel.admin import RulesAdminMixin


class _ReadOnly(RulesAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FactCheck)
class FactCheckAdmin(_ReadOnly):
    list_display = (
        "claim",
        "verdict",
        "state",
        "alert",
        "author",
        "approver",
        "published_at",
        "desk",
    )
    list_filter = ("state", "verdict")
    list_select_related = ("alert", "author", "approver")
    search_fields = ("claim",)
    readonly_fields = ["desk", *(f.name for f in FactCheck._meta.fields)]

    @admin.display(description=_("staff screen"))
    def desk(self, obj: FactCheck) -> str:
        label = (
            _("Review and approve on the staff screen")
            if obj.state == FactCheck.State.PENDING
            else _("Open on the staff screen")
        )
        return format_html(
            '<a href="{}">{}</a>', reverse("alerts:staff-factcheck", args=[obj.pk]), label
        )


@admin.register(FactCheckQuestion)
class FactCheckQuestionAdmin(_ReadOnly):
    list_display = ("text", "state", "alert", "fact_check", "created_at", "answer_link")
    list_filter = ("state",)
    list_select_related = ("alert", "fact_check")
    readonly_fields = [f.name for f in FactCheckQuestion._meta.fields]

    @admin.display(description=_("answer"))
    def answer_link(self, obj: FactCheckQuestion) -> str:
        if obj.state != FactCheckQuestion.State.NEW:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("alerts:staff-question-answer", args=[obj.pk]),
            _("Answer on the staff screen"),
        )
