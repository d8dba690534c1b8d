"""Alert staff's admin screens: alerts with their messages, reports, subscriptions.

Read-only. There is no approve action: an approval is of one message, on the staff
approval screen that previews exactly what goes out and names its version (see
``alerts.services.lifecycle``); the message's admin page links there."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from alerts import services
from alerts.models import (
    Alert,
    AlertMessage,
    AlertSubscription,
    CallOut,
    CallOutResponse,
    GroundReport,
    Skill,
    VolunteerRegistration,
)
from civicportal.core.staff_screens import ObjectScreensColumnMixin
from civicportal.kernel.admin import RulesAdminMixin


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
class AlertAdmin(ObjectScreensColumnMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ("headline", "status", "state", "severity", "first_published_at", "expires_at")
    list_filter = ("status", "state", "severity")
    search_fields = ("headline",)
    inlines = [MessageInline]
    readonly_fields = (
        "status", "state", "current_message", "headline", "severity", "expires_at",
        "first_published_at", "created_by", "created_at", "updated_at",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False  # drafts are written on the staff pages, where the form checks them

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AlertMessage)
class AlertMessageAdmin(ObjectScreensColumnMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ("identifier", "msg_type", "state", "headline", "author", "approver", "sent")
    list_filter = ("state", "msg_type", "alert__status")
    search_fields = ("identifier", "headline")
    readonly_fields = ["review", *(f.name for f in AlertMessage._meta.fields), "areas"]

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

    @admin.display(description=_("approval"))
    def review(self, obj: AlertMessage) -> str:
        if obj.state != AlertMessage.State.PENDING:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("alerts:staff-approve", args=[obj.pk]),
            _("Review and approve on the approval screen"),
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
    list_display = (
        "user", "subscriber", "min_severity", "by_email", "by_push", "by_sms", "receive_tests"
    )  # fmt: skip
    list_filter = ("min_severity", "receive_tests")
    list_select_related = ("user", "subscriber")
    readonly_fields = ("user", "subscriber", "areas", "min_severity", "by_email", "by_push",
                       "by_sms", "receive_tests", "created_at", "updated_at")  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Volunteer call-outs (alerts/models/volunteers.py) ------------------------------------


@admin.register(Skill)
class SkillAdmin(RulesAdminMixin, admin.ModelAdmin):
    """The staff-kept list of skills volunteers may offer. Untick "offered" rather than
    delete a skill: registrations and past call-outs keep naming it."""

    list_display = ("name", "description", "active")
    list_filter = ("active",)
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        return False


class CallOutResponseInline(admin.TabularInline):
    model = CallOutResponse
    extra = 0
    can_delete = False
    fields = ("user", "answer", "answered_at", "checked_in_at", "checked_out_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CallOut)
class CallOutAdmin(ObjectScreensColumnMixin, RulesAdminMixin, admin.ModelAdmin):
    """The queue of call-outs, open ones first to hand; changes are made on the roster
    screen (check-in, stand down), where they are checked and audited."""

    list_display = ("task", "alert", "state", "accepted_count", "needed", "starts_at", "ends_at")
    list_filter = ("state", "alert__status")
    search_fields = ("task", "place", "alert__headline")
    list_select_related = ("alert",)
    ordering = ("state", "-created_at")
    inlines = [CallOutResponseInline]
    readonly_fields = (
        "alert", "task", "details", "place", "starts_at", "ends_at", "needed",
        "accepted_count", "state", "created_by", "created_at", "stood_down_at",
        "fanout_completed_at",
    )  # fmt: skip
    exclude = ("skills", "areas")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VolunteerRegistration)
class VolunteerRegistrationAdmin(RulesAdminMixin, admin.ModelAdmin):
    """The register, read only: residents keep their own entries."""

    list_display = ("user", "consent", "receive_exercises", "updated_at")
    list_filter = ("consent", "receive_exercises", "skills", "areas")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    readonly_fields = ("user", "availability", "consent", "receive_exercises", "created_at")
    exclude = ("skills", "areas", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from alerts import admin_factchecks  # noqa: E402,F401  (rumour control registers its own)
