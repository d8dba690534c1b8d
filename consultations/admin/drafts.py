"""Draft documents for paragraph comments, their sections, and the response reports."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations import services
from consultations.admin.common import StaffOnlyMixin
from consultations.models import DraftDocument, Paragraph, ResponseReport, Section


class SectionInline(admin.TabularInline):
    model = Section
    extra = 1
    fields = ("order", "title")
    show_change_link = True


@admin.register(DraftDocument)
class DraftDocumentAdmin(StaffOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "consultation", "order")
    list_filter = ("consultation",)
    list_select_related = ("consultation",)
    inlines = [SectionInline]


class ParagraphInline(admin.StackedInline):
    model = Paragraph
    extra = 2
    fields = ("order", "text")


@admin.register(Section)
class SectionAdmin(StaffOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "draft", "order")
    list_filter = ("draft__consultation",)
    list_select_related = ("draft",)
    inlines = [ParagraphInline]


@admin.register(ResponseReport)
class ResponseReportAdmin(StaffOnlyMixin, admin.ModelAdmin):
    list_display = ("consultation", "published_at", "published_by")
    readonly_fields = ("published_at", "published_by", "created_at")
    actions = ["publish"]

    @admin.action(description=_("Publish the selected reports"))
    def publish(self, request: HttpRequest, queryset) -> None:
        for report in queryset.select_related("consultation"):
            try:
                services.report_publish(actor=request.user, report=report)
            except (ValidationError, PermissionDenied) as error:
                text = (
                    " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                )
                self.message_user(request, f"{report}: {text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Published: %(report)s") % {"report": report},
                    messages.SUCCESS,
                )
