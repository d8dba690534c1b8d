"""Alert staff's admin screens: alerts with their messages, an approve action that goes
through the same service as the staff pages (two-person rule), reports, subscriptions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from alerts import services
from alerts.models import Alert, AlertMessage, AlertSubscription, GroundReport
from civicportal.accounts.admin import RulesAdminMixin


class MessageInline(admin.TabularInline):
    model = AlertMessage
    extra = 0
    can_delete = False
    fields = ("sequence", "msg_type", "state", "headline", "author", "approver", "sent")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "approver")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("headline", "status", "state", "severity", "first_published_at", "expires_at")
    list_filter = ("status", "state", "severity")
    search_fields = ("headline",)
    inlines = [MessageInline]
    readonly_fields = (
        "status", "state", "current_message", "headline", "severity", "expires_at",
        "first_published_at", "created_by", "created_at", "updated_at",
    )  # fmt: skip
    actions = ["approve_pending"]

    def has_add_permission(self, request):
        return False  # drafts are written on the staff pages, where the form checks them

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve the message waiting for approval"))
    def approve_pending(self, request, queryset):
        approved = 0
        for alert in queryset.prefetch_related("messages"):
            pending = alert.pending_message()
            if pending is None:
                self.message_user(
                    request,
                    _("“%(alert)s” has no message waiting for approval.") % {"alert": alert},
                    messages.WARNING,
                )
                continue
            try:
                services.alert_approve(actor=request.user, message=pending)
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{alert}: {text}", messages.ERROR)
                continue
            approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%(count)d alert approved.", "%(count)d alerts approved.", approved)
                % {"count": approved},
                messages.SUCCESS,
            )


@admin.register(AlertMessage)
class AlertMessageAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("identifier", "msg_type", "state", "headline", "author", "approver", "sent")
    list_filter = ("state", "msg_type", "alert__status")
    search_fields = ("identifier", "headline")
    readonly_fields = [f.name for f in AlertMessage._meta.fields] + ["areas"]
    actions = ["approve"]

    def get_queryset(self, request):
        # The list and the read-only page show these people and the alert by name.
        return (
            super()
            .get_queryset(request)
            .select_related("alert", "author", "approver", "quoted_report")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve and publish (two-person rule)"))
    def approve(self, request, queryset):
        approved = 0
        for message in queryset:
            try:
                services.alert_approve(actor=request.user, message=message)
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{message.identifier}: {text}", messages.ERROR)
                continue
            approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%(count)d message approved.", "%(count)d messages approved.", approved)
                % {"count": approved},
                messages.SUCCESS,
            )


@admin.register(GroundReport)
class GroundReportAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("text", "alert", "triage", "created_at")
    list_filter = ("triage",)
    readonly_fields = (
        "alert", "user", "text", "latitude", "longitude", "location_text", "photo", "triage",
        "triaged_by", "triaged_at", "created_at",
    )  # fmt: skip
    actions = ["mark_confirmed", "mark_dismissed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _triage(self, request, queryset, triage: str) -> None:
        for report in queryset:
            services.report_triage(actor=request.user, report=report, triage=triage)
        self.message_user(request, _("Reports updated."), messages.SUCCESS)

    @admin.action(description=_("Mark confirmed"))
    def mark_confirmed(self, request, queryset):
        self._triage(request, queryset, GroundReport.Triage.CONFIRMED)

    @admin.action(description=_("Mark dismissed"))
    def mark_dismissed(self, request, queryset):
        self._triage(request, queryset, GroundReport.Triage.DISMISSED)


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("user", "min_severity", "by_email", "by_push", "by_sms", "receive_tests")
    list_filter = ("min_severity", "receive_tests")
    readonly_fields = ("user", "areas", "min_severity", "by_email", "by_push", "by_sms",
                       "receive_tests", "created_at", "updated_at")  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
