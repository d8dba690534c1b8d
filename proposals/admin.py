"""Council staff's screens: categories, and ideas with their status, answer and merging.

A status change and its official response are saved through ``idea_status_set`` (so the
audience is notified and the audit trail written); merging goes through ``idea_merge``.
The resident's own text is read-only here: moderators hide content in the moderation queue.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civicportal.kernel.admin import RulesAdminMixin
from proposals import services
from proposals.forms import IdeaAdminForm
from proposals.models import Category, ForwardingRound, Idea, IdeaStatus


@admin.register(Category)
class CategoryAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "order", "idea_count")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(idea_total=Count("ideas"))

    @admin.display(description=_("ideas"), ordering="idea_total")
    def idea_count(self, obj: Category) -> int:
        return obj.idea_total


class ForwardedFilter(admin.SimpleListFilter):
    title = _("council")
    parameter_name = "council"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Forwarded, waiting for an answer")),
            ("answered", _("Answered")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(forwarded_at__isnull=False, responded_at__isnull=True)
        if self.value() == "answered":
            return queryset.filter(responded_at__isnull=False)
        return queryset


@admin.register(Idea)
class IdeaAdmin(RulesAdminMixin, admin.ModelAdmin):
    form = IdeaAdminForm
    list_display = (
        "title",
        "status",
        "category",
        "area",
        "support_count",
        "oppose_count",
        "created_at",
        "forwarded_at",
        "responded_at",
        "moderation_state",
    )
    list_filter = ("status", ForwardedFilter, "category", "area", "moderation_state")
    search_fields = ("title", "body")
    date_hierarchy = "created_at"
    list_select_related = ("category", "area")
    ordering = ("-created_at",)
    actions = ["merge_into_most_supported"]
    readonly_fields = (
        "public_link",
        "title",
        "body",
        "category",
        "area",
        "author",
        "created_at",
        "support_count",
        "oppose_count",
        "points_for_count",
        "points_against_count",
        "forwarded_at",
        "responded_at",
        "responded_by",
        "archived_at",
        "merged_into",
        "moderation_state",
    )
    fieldsets = (
        (_("The council's answer"), {"fields": ("status", "official_response")}),
        (
            _("The idea"),
            {
                "fields": (
                    "public_link",
                    "title",
                    "body",
                    "category",
                    "area",
                    "author",
                    "created_at",
                    "moderation_state",
                )
            },
        ),
        (
            _("Support and history"),
            {
                "fields": (
                    "support_count",
                    "oppose_count",
                    "points_for_count",
                    "points_against_count",
                    "forwarded_at",
                    "responded_at",
                    "responded_by",
                    "archived_at",
                    "merged_into",
                )
            },
        ),
    )

    def has_add_permission(self, request):
        return False  # residents post ideas; staff answer them

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == IdeaStatus.MERGED:
            return (*self.readonly_fields, "status", "official_response")
        return self.readonly_fields

    @admin.display(description=_("public page"))
    def public_link(self, obj: Idea):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("Open the idea's page"))

    def save_model(self, request, obj: Idea, form, change):
        """Status and response go through the service (notifications, audit)."""
        if not change or obj.status == IdeaStatus.MERGED:
            return
        try:
            services.idea_status_set(
                actor=request.user,
                idea=obj.pk,
                status=form.cleaned_data["status"],
                response=form.cleaned_data.get("official_response", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            # The form was valid, so the service refused a rule; say which and keep the row.
            message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, message, messages.ERROR)
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Nothing related is edited here."""

    @admin.action(description=_("Merge the selected ideas into the most supported of them"))
    def merge_into_most_supported(self, request, queryset) -> None:
        ideas = list(
            queryset.exclude(status=IdeaStatus.MERGED).order_by("-support_count", "created_at")
        )
        if len(ideas) < 2:
            self.message_user(
                request, _("Select at least two ideas that are not merged already."), messages.ERROR
            )
            return
        target, duplicates = ideas[0], ideas[1:]
        merged = 0
        for duplicate in duplicates:
            try:
                services.idea_merge(actor=request.user, source=duplicate, target=target)
                merged += 1
            except (ValidationError, PermissionDenied) as error:
                text = (
                    " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                )
                self.message_user(request, f"{duplicate.title}: {text}", messages.ERROR)
        if merged:
            self.message_user(
                request,
                ngettext(
                    "%(count)s idea merged into “%(title)s”.",
                    "%(count)s ideas merged into “%(title)s”.",
                    merged,
                )
                % {"count": merged, "title": target.title},
                messages.SUCCESS,
            )


@admin.register(ForwardingRound)
class ForwardingRoundAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("period", "created_at", "idea_count")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
