"""Consultations with their documents and questionnaire inline, the actions that publish
results and make new versions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civicportal.kernel.admin import ChoicesOnceInlineMixin
from consultations import services
from consultations.admin.common import (
    QuestionnaireInlineMixin,
    StaffOnlyMixin,
    frozen_message,
    questions_frozen,
)
from consultations.models import Consultation, Document, Question
from consultations.validators import document_kind


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "file", "order"]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and hasattr(file, "content_type"):  # a new upload
            self.instance.kind = document_kind(file)
            self.instance.size = file.size
        return file


class DocumentInline(admin.TabularInline):
    model = Document
    form = DocumentForm
    extra = 0
    fields = ("title", "file", "order", "kind")
    readonly_fields = ("kind",)


class QuestionInline(QuestionnaireInlineMixin, ChoicesOnceInlineMixin, admin.TabularInline):
    model = Question
    extra = 0
    choices_once = ("depends_on",)
    fields = ("order", "text", "kind", "required", "depends_on")
    show_change_link = True
    verbose_name_plural = _("questionnaire (open a question to set its choices and condition)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "depends_on":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Question.objects.filter(
                consultation_id=object_id, depends_on__isnull=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Consultation)
class ConsultationAdmin(StaffOnlyMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "area",
        "is_published",
        "opens_at",
        "closes_at",
        "audience",
        "response_count",
        "results",
    )
    list_filter = ("is_published", "audience", "area")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = (
        "results_published_at",
        "opened_announced_at",
        "previous_version",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "area", "is_published")}),
        (
            _("Who and when"),
            {
                "fields": ("audience", "opens_at", "closes_at"),
                "description": _(
                    "Answers are accepted from the opening time until the closing time, by "
                    "the server's clock. Residents of the area are notified when it opens."
                ),
            },
        ),
        (
            _("Results"),
            {"fields": ("results_public_after_close", "results_published_at")},
        ),
        (_("Record"), {"fields": ("opened_announced_at", "previous_version", "created_at")}),
    )
    inlines = [DocumentInline, QuestionInline]
    actions = ["copy_as_version", "publish_results"]

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            super()
            .get_queryset(request)
            .annotate(_responses=Count("responses"))
            .select_related("area")
        )

    @admin.display(description=_("responses"), ordering="_responses")
    def response_count(self, obj: Consultation) -> int:
        return obj._responses

    @admin.display(description=_("results"))
    def results(self, obj: Consultation):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("consultations:staff-results", args=[obj.slug]),
            gettext("Live results"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and questions_frozen(request, obj) and request.method == "GET":
            messages.warning(request, frozen_message(obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Copy as a new version (to change its questions)"))
    def copy_as_version(self, request: HttpRequest, queryset) -> None:
        for consultation in queryset:
            copy = services.consultation_copy_as_version(
                actor=request.user, consultation=consultation
            )
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext("New version of “%(consultation)s” made, not yet shown on the portal:")
                    % {"consultation": consultation},
                    reverse("admin:consultations_consultation_change", args=[copy.pk]),
                    copy.slug,
                ),
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish the results (closed consultations)"))
    def publish_results(self, request: HttpRequest, queryset) -> None:
        done = 0
        for consultation in queryset:
            try:
                services.results_publish(actor=request.user, consultation=consultation)
            except (ValidationError, PermissionDenied) as error:
                text = (
                    " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                )
                self.message_user(request, f"{consultation}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "Results of %(count)s consultation published.",
                    "Results of %(count)s consultations published.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
