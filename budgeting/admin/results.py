"""Tally results, read-only: they are computed and published by the processes' actions."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from budgeting.models import TallyProjectResult, TallyResult
from budgeting.rules import is_budget_staff
from civicportal.kernel.admin import RulesAdminMixin


class TallyRowInline(admin.TabularInline):
    model = TallyProjectResult
    fields = ("project", "selected", "votes", "cost", "position", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_budget_staff(request.user)


@admin.register(TallyResult)
class TallyResultAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("ballot", "rule", "voter_count", "budget_used", "computed_at", "short_checksum")
    list_filter = ("rule", "ballot__process")
    fields = (
        "ballot",
        "rule",
        "checksum",
        "budget",
        "budget_used",
        "voter_count",
        "voter_budget_increment",
        "computed_at",
        "computed_by",
    )
    readonly_fields = fields
    inlines = [TallyRowInline]

    @admin.display(description=_("checksum"))
    def short_checksum(self, obj: TallyResult) -> str:
        return obj.checksum[:12] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
