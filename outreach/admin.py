"""The posts in the admin: read only. Every change goes through the staff screen's
services (the two-person rule, the audit trail); the admin links there."""

from __future__ import annotations

from django.contrib import admin

from civicportal.core.staff_screens import ObjectScreensColumnMixin
from civicportal.kernel.admin import RulesAdminMixin
from outreach.models import Post


@admin.register(Post)
class PostAdmin(ObjectScreensColumnMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ("card_title", "state", "scheduled_for", "author", "approver", "created_at")
    list_filter = ("state",)
    search_fields = ("card_title",)
    list_select_related = ("author", "approver")
    readonly_fields = [field.name for field in Post._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
