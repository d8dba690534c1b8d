"""Consultation managers' screens: consultations and their documents, questionnaires,
draft documents, response reports, and the actions that publish results and make new
versions. Questions are frozen once a consultation has a response."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.admin import ChoicesOnceInlineMixin, RulesAdminMixin
from consultations import services
from consultations.models import (
    Choice,
    Consultation,
    Document,
    DraftDocument,
    Paragraph,
    Question,
    ResponseReport,
    Section,
)
from consultations.rules import is_consultation_staff
from consultations.validators import document_kind


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


class StaffOnlyMixin(RulesAdminMixin):
    """Consultation managers and administrators only (published or not)."""

    def has_view_permission(self, request, obj=None):
        return is_consultation_staff(request.user)


# --- Consultations -------------------------------------------------------------------------


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


class QuestionInline(ChoicesOnceInlineMixin, admin.TabularInline):
    model = Question
    extra = 0
    choices_once = ("depends_on",)
    fields = ("order", "text", "kind", "required", "depends_on")
    show_change_link = True
    verbose_name_plural = _("questionnaire (open a question to set its choices and condition)")

    def _editable(self, request, obj) -> bool:
        return is_consultation_staff(request.user) and not (obj and questions_frozen(request, obj))

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_view_permission(self, request, obj=None):
        return is_consultation_staff(request.user)

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


# --- Questions -----------------------------------------------------------------------------


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "consultation",
            "order",
            "text",
            "help_text",
            "kind",
            "required",
            "allow_other",
            "max_length",
            "rating_min",
            "rating_max",
            "rating_min_label",
            "rating_max_label",
            "allow_comment",
            "depends_on",
            "depends_on_choices",
            "depends_on_answer",
        ]

    def clean(self):
        cleaned = super().clean()
        consultation = cleaned.get("consultation") or getattr(self.instance, "consultation", None)
        if consultation is not None and consultation.pk and consultation.questions_frozen:
            raise ValidationError(frozen_message(consultation))
        trigger = cleaned.get("depends_on")
        wanted = cleaned.get("depends_on_choices")
        if trigger is not None and trigger.kind != Question.Kind.YES_NO:
            if not wanted:
                self.add_error(
                    "depends_on_choices",
                    gettext("Choose the choices of “%(question)s” that show this question.")
                    % {"question": trigger.text},
                )
            elif any(choice.question_id != trigger.pk for choice in wanted):
                self.add_error(
                    "depends_on_choices",
                    gettext("Choose only choices of “%(question)s”.") % {"question": trigger.text},
                )
        elif wanted:
            self.add_error(
                "depends_on_choices",
                gettext("Only for a condition on a single- or multiple-choice question."),
            )
        return cleaned


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 3
    fields = ("order", "label")

    def _editable(self, request, obj) -> bool:
        return is_consultation_staff(request.user) and not (
            obj and questions_frozen(request, obj.consultation)
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_view_permission(self, request, obj=None):
        return is_consultation_staff(request.user)


@admin.register(Question)
class QuestionAdmin(StaffOnlyMixin, admin.ModelAdmin):
    form = QuestionForm
    list_display = ("text", "consultation", "order", "kind", "required", "depends_on")
    list_filter = ("kind", "consultation")
    list_select_related = ("consultation", "depends_on")
    search_fields = ("text",)
    autocomplete_fields = ()
    filter_horizontal = ("depends_on_choices",)
    inlines = [ChoiceInline]
    fieldsets = (
        (None, {"fields": ("consultation", "order", "text", "help_text", "kind", "required")}),
        (
            _("Type settings"),
            {
                "fields": (
                    "allow_other",
                    "max_length",
                    "rating_min",
                    "rating_max",
                    "rating_min_label",
                    "rating_max_label",
                    "allow_comment",
                ),
                "description": _("Only the settings of the question's type are used."),
            },
        ),
        (
            _("Conditional display"),
            {
                "fields": ("depends_on", "depends_on_choices", "depends_on_answer"),
                "description": _(
                    "Show this question only when an earlier, always-shown question is "
                    "answered with one of the chosen choices (or the chosen yes/no)."
                ),
            },
        ),
    )

    def _frozen(self, request, obj) -> bool:
        return obj is not None and questions_frozen(request, obj.consultation)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if self._frozen(request, obj):
            if request.method == "POST":
                messages.error(request, frozen_message(obj.consultation))
                raise PermissionDenied(frozen_message(obj.consultation))
            messages.warning(request, frozen_message(obj.consultation))
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "depends_on_choices":
            kwargs["queryset"] = Choice.objects.select_related("question").filter(
                question__kind__in=[Question.Kind.SINGLE, Question.Kind.MULTIPLE]
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- Draft documents and the response report ---------------------------------------------


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
