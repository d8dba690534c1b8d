"""The vote register: every stored ballot, online, on paper or imported; read-only."""

from __future__ import annotations

from django.contrib import admin

from budgeting.models import BallotSubmission
from civicportal.kernel.admin import RulesAdminMixin


@admin.register(BallotSubmission)
class BallotSubmissionAdmin(RulesAdminMixin, admin.ModelAdmin):
    """The register, read-only: ballots change only through the services."""

    list_display = (
        "id",
        "ballot",
        "channel",
        "counted",
        "superseded_by",
        "submitted_at",
        "revision",
    )
    list_filter = ("channel", "counted", "ballot__process")
    list_select_related = ("ballot", "ballot__process", "ballot__area", "superseded_by")
    search_fields = ("=id", "=import_voter_id")
    fields = (
        "ballot",
        "channel",
        "counted",
        "superseded_by",
        "entered_by",
        "submitted_at",
        "replaced_at",
        "revision",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
