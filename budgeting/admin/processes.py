"""Processes and their phases: ballots, the audit trail of phase changes, paper ballots,
conflicts between online and paper ballots, counting and publishing results, Pabulib import.

Counting and importing are background jobs (``budgeting.jobs``): the action and the import
page start one and go to its progress page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgeting import selectors, services
from budgeting.admin.common import _messages
from budgeting.forms import PabulibImportForm, PaperBallotForm
from budgeting.jobs import PABULIB_IMPORT, RESULTS_COMPUTE
from budgeting.models import Ballot, BallotSubmission, BudgetProcess, ProcessTransition, Project
from budgeting.rules import is_budget_staff
from civicportal.kernel.admin import ChoicesOnceInlineMixin, RulesAdminMixin
from civicportal.kernel.services import job_start


class BallotInline(ChoicesOnceInlineMixin, admin.TabularInline):
    model = Ballot
    extra = 0
    choices_once = ("area",)
    fields = (
        "area",
        "name",
        "kind",
        "budget",
        "max_choices",
        "min_choices",
        "points_total",
        "max_points_per_project",
        "order",
    )

    def get_queryset(self, request):
        # A ballot's name shows its process, and its area when it has no name of its own.
        return super().get_queryset(request).select_related("process", "area")

    def has_add_permission(self, request, obj=None):
        return is_budget_staff(request.user) and not (obj and obj.rules_frozen)

    def has_delete_permission(self, request, obj=None):
        return is_budget_staff(request.user) and not (obj and obj.rules_frozen)

    def has_change_permission(self, request, obj=None):
        return is_budget_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_budget_staff(request.user)


class TransitionInline(admin.TabularInline):
    model = ProcessTransition
    extra = 0
    fields = ("at", "from_state", "to_state", "actor", "note")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("phase changes (audit trail)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("process", "actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_budget_staff(request.user)


@admin.register(BudgetProcess)
class BudgetProcessAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "state",
        "tally_rule",
        "frozen",
        "voting_opens",
        "voting_closes",
        "tools",
    )
    list_filter = ("state", "source")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("state", "rules_frozen_at", "results_published_at", "source", "created_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "description", "currency")}),
        (
            _("Schedule"),
            {
                "fields": (
                    "state",
                    "submission_opens",
                    "review_opens",
                    "voting_opens",
                    "voting_closes",
                    "results_on",
                    "implementation_from",
                ),
                "description": _(
                    "The phase moves on by itself when a date passes; use the actions of the "
                    "list to move it on earlier. Every change is recorded below."
                ),
            },
        ),
        (
            _("Voting rules"),
            {
                "fields": ("tally_rule", "paper_precedence", "rules_frozen_at"),
                "description": _("Frozen once voting opens: they cannot change after that."),
            },
        ),
        (_("Record"), {"fields": ("results_published_at", "source", "created_at")}),
    )
    inlines = [BallotInline, TransitionInline]
    actions = ["advance_selected", "compute_results", "publish_results"]

    @admin.display(boolean=True, description=_("rules frozen"))
    def frozen(self, obj: BudgetProcess) -> bool:
        return obj.rules_frozen

    @admin.display(description=_("tools"))
    def tools(self, obj: BudgetProcess):
        if obj.state not in (BudgetProcess.State.VOTING, BudgetProcess.State.CLOSED):
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:budgeting_budgetprocess_paper", args=[obj.pk]),
            gettext("Enter paper ballots"),
            reverse("admin:budgeting_budgetprocess_conflicts", args=[obj.pk]),
            gettext("Conflicts"),
        )

    def get_urls(self):
        urls = super().get_urls()
        own = [
            path(
                "<int:process_id>/paper/",
                self.admin_site.admin_view(self.paper_ballot_view),
                name="budgeting_budgetprocess_paper",
            ),
            path(
                "<int:process_id>/conflicts/",
                self.admin_site.admin_view(self.conflicts_view),
                name="budgeting_budgetprocess_conflicts",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="budgeting_budgetprocess_import",
            ),
        ]
        return own + urls

    # --- Actions ---------------------------------------------------------------------------

    @admin.action(description=_("Move to the next phase"))
    def advance_selected(self, request: HttpRequest, queryset) -> None:
        for process in queryset:
            following = list(process.next_states())
            if not following:
                self.message_user(
                    request,
                    gettext("“%(process)s” is in its last phase.") % {"process": process},
                    messages.WARNING,
                )
                continue
            try:
                services.process_advance(actor=request.user, process=process, to_state=following[0])
            except (ValidationError, PermissionDenied) as error:
                text = _messages(error) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{process}: {text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("“%(process)s” is now in the phase “%(phase)s”.")
                    % {"process": process, "phase": process.get_state_display()},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Compute the results (voting closed)"))
    def compute_results(self, request: HttpRequest, queryset):
        """Count in the background: one job per process; with one, go to its progress page."""
        started = []
        for process in queryset:
            if not request.user.has_perm("budgeting.compute_results", process):
                self.message_user(
                    request,
                    f"{process}: "
                    + gettext("Only budget officers can compute results, once voting has closed."),
                    messages.ERROR,
                )
                continue
            job = job_start(RESULTS_COMPUTE, user=request.user, params={"process_id": process.pk})
            started.append((process, job))
        if len(started) == 1:
            return HttpResponseRedirect(started[0][1].get_absolute_url())
        for process, job in started:
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext("“%(process)s”: the votes are being counted in the background.")
                    % {"process": process},
                    job.get_absolute_url(),
                    gettext("See the progress"),
                ),
                messages.SUCCESS,
            )
        return None

    @admin.action(description=_("Publish the results"))
    def publish_results(self, request: HttpRequest, queryset) -> None:
        for process in queryset:
            try:
                services.process_advance(
                    actor=request.user, process=process, to_state=BudgetProcess.State.RESULTS
                )
            except (ValidationError, PermissionDenied) as error:
                text = _messages(error) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{process}: {text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The results of “%(process)s” are published.") % {"process": process},
                    messages.SUCCESS,
                )

    # --- Paper ballots and conflicts ----------------------------------------------------

    def paper_ballot_view(self, request: HttpRequest, process_id: int):
        process = get_object_or_404(BudgetProcess, pk=process_id)
        if not request.user.has_perm("budgeting.enter_paper_ballot", process):
            raise PermissionDenied
        form = PaperBallotForm(request.POST or None, process=process)
        if request.method == "POST" and form.is_valid():
            try:
                submission = services.paper_ballot_enter(
                    actor=request.user,
                    ballot=form.cleaned_data["ballot"],
                    voter_identifier=form.cleaned_data["voter_identifier"],
                    selections=form.cleaned_data["selections"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                if submission.counted:
                    self.message_user(
                        request,
                        gettext("Paper ballot number %(id)s entered and counted.")
                        % {"id": submission.pk},
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request,
                        gettext(
                            "Paper ballot number %(id)s entered; this voter also voted online and "
                            "the online ballot stands (see the conflicts)."
                        )
                        % {"id": submission.pk},
                        messages.WARNING,
                    )
                return HttpResponseRedirect(request.path)
        projects = Project.objects.filter(
            process=process, feasibility=Project.Feasibility.FEASIBLE
        ).select_related("ballot", "ballot__area")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Enter paper ballots: %(process)s") % {"process": process},
            "process": process,
            "form": form,
            "projects": projects,
            "entered": BallotSubmission.objects.filter(
                ballot__process=process, channel=BallotSubmission.Channel.PAPER
            ).count(),
        }
        return TemplateResponse(request, "admin/budgeting/paper_ballot.html", context)

    def conflicts_view(self, request: HttpRequest, process_id: int):
        process = get_object_or_404(BudgetProcess, pk=process_id)
        if not is_budget_staff(request.user):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Online and paper ballots of the same voter: %(process)s")
            % {"process": process},
            "process": process,
            "conflicts": selectors.conflict_list(process=process),
        }
        return TemplateResponse(request, "admin/budgeting/conflicts.html", context)

    def import_view(self, request: HttpRequest):
        """The file is stored with a background job, which imports it; the request only
        starts the job and goes to its progress page (a real file takes a while)."""
        if not request.user.has_perm("budgeting.import_process"):
            raise PermissionDenied
        form = PabulibImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            job = job_start(
                PABULIB_IMPORT,
                user=request.user,
                params={"title": form.cleaned_data["title"]},
                files={"file": form.cleaned_data["file"]},
            )
            return HttpResponseRedirect(job.get_absolute_url())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import a Pabulib file"),
            "form": form,
        }
        return TemplateResponse(request, "admin/budgeting/import.html", context)
