"""The moderation queue and the record of comments, in the admin.

The queue (``ModerationCase``) lists reported items, open ones first and oldest first,
with the content, the reasons and the author's history; its actions hide, restore, warn
or block, each asking for the reason the author will be told. Decisions go through
``services.moderation_decide``; nothing here writes to the database itself.

A case's page shows the item as residents saw it (its stored HTML, sanitised again here)
and its history in sentences (``moderation_history``). The type filters offer only the
types registered as reportable or commentable (``targets``), not every table.
"""

from __future__ import annotations

import html
from collections import Counter

from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civicportal.core import selectors, services, targets
from civicportal.core.models import Comment, Flag, ModerationCase, ModerationDecision
from civicportal.core.moderation_history import moderation_case_history
from civicportal.core.rendering import sanitise_html
from civicportal.kernel.admin import RulesAdminMixin


class DecisionReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason told to the author"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text=_("Plain words: which house rule it breaks, or why it is fine after all."),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class RegisteredTypeFilter(admin.RelatedFieldListFilter):
    """A content-type filter offering only the types registered for ``feature`` (see
    ``civicportal.core.targets``): sessions, permissions or tokens are never reported."""

    feature = "flags"

    def field_choices(self, field, request, model_admin):
        models = [target.model for target in targets.registered(self.feature)]
        content_types = ContentType.objects.get_for_models(*models, for_concrete_models=False)
        return sorted(
            (
                (content_type.pk, capfirst(model._meta.verbose_name))
                for model, content_type in content_types.items()
            ),
            key=lambda choice: str(choice[1]).lower(),
        )


class CommentableTypeFilter(RegisteredTypeFilter):
    feature = "comments"


def _item_html(target) -> str:
    """The reported item as residents saw it, sanitised again (whatever a model returns)."""
    return sanitise_html(str(target.get_moderation_html() or ""))


class FlagInline(admin.TabularInline):
    model = Flag
    fields = ("created_at", "reason", "details", "resolved_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("reports (reporters are not shown)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ModerationCase)
class ModerationCaseAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = (
        "opened_at",
        "item_type",
        "content",
        "reasons",
        "open_reports",
        "author",
        "author_history",
        "item_state",
        "status",
    )
    list_display_links = ("opened_at", "content")
    list_filter = ("status", ("content_type", RegisteredTypeFilter))
    list_select_related = ("content_type", "author")
    actions = ["hide_selected", "restore_selected", "warn_selected", "block_selected"]
    inlines = [FlagInline]
    fields = (
        "item_type",
        "full_content",
        "item_state",
        "status",
        "opened_at",
        "closed_at",
        "author",
        "author_history",
        "history",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            selectors.moderation_cases()
            .annotate(
                queue_position=Case(
                    When(status=ModerationCase.Status.OPEN, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .prefetch_related(
                "target",
                Prefetch(
                    "flags",
                    queryset=Flag.objects.filter(resolved_at__isnull=True),
                    to_attr="open_flags",
                ),
            )
        )

    def get_ordering(self, request):
        return ("queue_position", "opened_at", "id")

    def has_add_permission(self, request):
        return False  # residents open cases by reporting

    def has_delete_permission(self, request, obj=None):
        return False  # the record of decisions is kept

    def has_change_permission(self, request, obj=None):
        # The page is read-only; decisions are the list's actions.
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("core.view_moderationcase")

    def has_moderate_permission(self, request):
        return request.user.has_perm("core.moderate_content")

    # --- Columns -------------------------------------------------------------------------

    @admin.display(description=_("type"))
    def item_type(self, obj: ModerationCase) -> str:
        return obj.content_type.name

    @admin.display(description=_("content"))
    def content(self, obj: ModerationCase) -> str:
        target = obj.target
        if target is None:
            return gettext("(the item no longer exists)")
        # The words residents read, without the markup (the list escapes them again).
        text = " ".join(html.unescape(strip_tags(_item_html(target))).split())
        return text if len(text) <= 120 else text[:119] + "…"

    @admin.display(description=_("content"))
    def full_content(self, obj: ModerationCase) -> str:
        target = obj.target
        if target is None:
            return gettext("(the item no longer exists)")
        url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
        content = format_html(
            '<div class="moderated-content" data-moderated-content>{}</div>',
            mark_safe(_item_html(target)),  # noqa: S308 - sanitised by nh3 just above
        )
        if not url:
            return content
        return format_html('{}<p><a href="{}">{}</a></p>', content, url, gettext("Open"))

    @admin.display(description=_("reasons"))
    def reasons(self, obj: ModerationCase) -> str:
        flags = getattr(obj, "open_flags", None)
        if flags is None:
            flags = list(obj.flags.filter(resolved_at__isnull=True))
        labels = dict(Flag.Reason.choices)
        counts = Counter(flag.reason for flag in flags)
        return format_html_join(
            ", ", "{} ({})", ((labels[reason], n) for reason, n in counts.most_common())
        )

    @admin.display(description=_("open reports"), ordering="open_reports")
    def open_reports(self, obj: ModerationCase) -> int:
        return obj.open_reports

    @admin.display(description=_("author's history"))
    def author_history(self, obj: ModerationCase) -> str:
        if obj.author_id is None:
            return "—"
        return gettext("%(hidden)s hidden, %(warnings)s warnings, %(blocks)s blocks") % {
            "hidden": obj.author_hidden_count,
            "warnings": obj.author_warning_count,
            "blocks": obj.author_block_count,
        }

    @admin.display(description=_("item state"))
    def item_state(self, obj: ModerationCase) -> str:
        target = obj.target
        return target.get_moderation_state_display() if target is not None else "—"

    @admin.display(description=_("history"))
    def history(self, obj: ModerationCase) -> str:
        entries = moderation_case_history(case=obj)
        if not entries:
            return "—"
        return format_html(
            '<ol class="moderation-history" data-moderation-history>{}</ol>',
            format_html_join(
                "",
                '<li><time datetime="{}">{}</time></li>',
                ((entry.at.isoformat(), entry.text) for entry in entries),
            ),
        )

    # --- Actions -------------------------------------------------------------------------

    def _decide(self, request, queryset, action: str, title: str, *, reason_required=True):
        form = DecisionReasonForm(
            request.POST if "apply" in request.POST else None, required=reason_required
        )
        if form.is_bound and form.is_valid():
            done = 0
            for case in queryset.order_by("opened_at", "pk"):
                try:
                    services.moderation_decide(
                        moderator=request.user,
                        case=case,
                        action=action,
                        reason=form.cleaned_data["reason"],
                    )
                except (ValidationError, PermissionDenied) as error:
                    text = "; ".join(getattr(error, "messages", [str(error)]))
                    self.message_user(
                        request,
                        gettext("%(case)s: %(error)s") % {"case": case, "error": text},
                        messages.WARNING,
                    )
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s case decided; the author has been told.",
                        "%(count)s cases decided; each author has been told.",
                        done,
                    )
                    % {"count": done},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "queryset": queryset,
            "cases": [(case, self.content(case)) for case in queryset],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "action": f"{action}_selected",
        }
        return TemplateResponse(request, "admin/core/moderationcase/decide.html", context)

    @admin.action(description=_("Hide the selected items…"), permissions=["moderate"])
    def hide_selected(self, request, queryset):
        return self._decide(request, queryset, "hide", gettext("Hide reported items"))

    @admin.action(description=_("Restore the selected items…"), permissions=["moderate"])
    def restore_selected(self, request, queryset):
        return self._decide(
            request,
            queryset,
            "restore",
            gettext("Restore reported items"),
            reason_required=False,
        )

    @admin.action(description=_("Hide and warn the authors…"), permissions=["moderate"])
    def warn_selected(self, request, queryset):
        return self._decide(request, queryset, "warn", gettext("Hide and warn the authors"))

    @admin.action(description=_("Hide and block the authors…"), permissions=["moderate"])
    def block_selected(self, request, queryset):
        return self._decide(request, queryset, "block", gettext("Hide and block the authors"))


@admin.register(Comment)
class CommentAdmin(RulesAdminMixin, AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Every comment, for looking things up; moderation goes through the queue."""

    show_auditlog_history_link = True
    list_display = ("created_at", "__str__", "author", "content_type", "moderation_state")
    list_filter = ("moderation_state", ("content_type", CommentableTypeFilter))
    search_fields = ("body", "author__email", "author__display_name")
    list_select_related = ("author", "content_type")
    date_hierarchy = "created_at"
    fields = (
        "content_type",
        "object_id",
        "parent",
        "author",
        "body",
        "moderation_state",
        "created_at",
        "edited_at",
        "deleted_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(RulesAdminMixin, admin.ModelAdmin):
    """The record of every decision, searchable by author."""

    list_display = ("created_at", "action", "author", "moderator", "reason")
    list_filter = ("action",)
    search_fields = ("author__email", "author__display_name", "reason")
    list_select_related = ("author", "moderator")
    readonly_fields = (
        "case",
        "action",
        "author",
        "moderator",
        "reason",
        "state_before",
        "state_after",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
