"""Projects: the feasibility review queue."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from budgeting import services
from budgeting.admin.common import _messages
from budgeting.models import Ballot, Project
from budgeting.rules import is_budget_staff
from civicportal.kernel.admin import RulesAdminMixin


class FeasibilityFilter(admin.SimpleListFilter):
    title = _("feasibility")
    parameter_name = "feasibility"

    def lookups(self, request, model_admin):
        return Project.Feasibility.choices

    def queryset(self, request, queryset):
        return queryset.filter(feasibility=self.value()) if self.value() else queryset


class ProjectAdminForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = (
            "process",
            "ballot",
            "title",
            "description",
            "image",
            "image_description",
            "estimated_cost",
            "feasibility",
            "feasibility_reason",
            "final_cost",
        )

    def clean(self):
        data = super().clean()
        ballot = data.get("ballot")
        cost = data.get("final_cost")
        if cost is None:
            cost = data.get("estimated_cost")
        if data.get("feasibility") == "feasible" and ballot and cost and cost > ballot.budget:
            self.add_error(
                "final_cost",
                _(
                    "The project costs more than the whole budget of its ballot; it cannot be "
                    "funded, so it is not feasible."
                ),
            )
        return data


@admin.register(Project)
class ProjectAdmin(RulesAdminMixin, admin.ModelAdmin):
    """The review queue: projects waiting for review first."""

    form = ProjectAdminForm

    list_display = ("title", "process", "ballot", "estimated_cost", "final_cost", "feasibility")
    list_filter = ("process", FeasibilityFilter, "ballot__area")
    # A ballot's name shows its process.
    list_select_related = ("process", "ballot", "ballot__process", "ballot__area")
    search_fields = ("title", "description")
    readonly_fields = (
        "submitted_by",
        "submitter_deleted",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
    )
    fields = (
        "process",
        "ballot",
        "title",
        "description",
        "image",
        "image_description",
        "estimated_cost",
        "submitted_by",
        "submitter_deleted",
        "submitted_at",
        "feasibility",
        "feasibility_reason",
        "final_cost",
        "reviewed_by",
        "reviewed_at",
    )
    actions = ["mark_feasible"]

    def get_ordering(self, request):
        return ["feasibility", "process", "ballot", "title"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ballot":
            # Each ballot is named with its process and, without a name, its area.
            kwargs["queryset"] = Ballot.objects.select_related("process", "area")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return is_budget_staff(request.user)

    def save_model(self, request, obj: Project, form, change):
        """Saved by the services; a change of the review is a review (``project_review``:
        permission, the submitter's notice, audit)."""
        if not change:
            services.project_add(actor=request.user, project=obj)
            return
        try:
            services.project_update(actor=request.user, project=obj, changed=form.changed_data)
        except (ValidationError, PermissionDenied) as error:
            # The form was valid, so the service refused a rule; say which and keep the row.
            text = _messages(error) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, f"{obj}: {text}", messages.ERROR)
            obj.refresh_from_db()

    @admin.action(description=_("Mark as feasible (keeps each project's cost)"))
    def mark_feasible(self, request, queryset) -> None:
        done = 0
        for project in queryset.select_related("process", "ballot"):
            try:
                services.project_review(
                    actor=request.user,
                    project=project,
                    feasibility=Project.Feasibility.FEASIBLE,
                    reason=project.feasibility_reason,
                    final_cost=project.final_cost,
                )
            except (ValidationError, PermissionDenied) as error:
                text = _messages(error) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{project}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)s project marked feasible.",
                    "%(count)s projects marked feasible.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
