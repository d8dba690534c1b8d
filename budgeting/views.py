"""Residents' budgeting pages: processes, projects, the ballot, the results (thin views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from budgeting import selectors, services
from budgeting.forms import BallotForm, ProjectSubmitForm
from budgeting.models import Ballot, BudgetProcess, Project


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


class ProcessMixin:
    """Loads the process named in the URL (404 if the viewer may not see it)."""

    @cached_property
    def process(self) -> BudgetProcess:
        return selectors.process_get(viewer=self.request.user, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "process": self.process}


class ProcessListView(ListView):
    template_name = "budgeting/process_list.html"
    context_object_name = "processes"
    paginate_by = 20

    def get_queryset(self):
        return selectors.process_list(viewer=self.request.user)


class ProcessDetailView(ProcessMixin, TemplateView):
    template_name = "budgeting/process_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        process = self.process
        ballots = list(process.ballots.all())
        submissions = {}
        if user.is_authenticated:
            submissions = {
                s.ballot_id: s
                for s in selectors.submission_list_for_voter(process=process, voter=user)
            }
        context.update(
            ballots=[
                {
                    "ballot": ballot,
                    "can_vote": user.has_perm("budgeting.vote_ballot", ballot),
                    "submission": submissions.get(ballot.pk),
                    "is_mine": ballot.area_id is None
                    or ballot.area_id == getattr(user, "home_area_id", None),
                }
                for ballot in ballots
            ],
            can_submit=user.has_perm("budgeting.submit_project", process),
            can_view_results=user.has_perm("budgeting.view_results", process),
            phases=_phases(process),
            feasible_count=process.projects.filter(
                feasibility=Project.Feasibility.FEASIBLE
            ).count(),
            project_count=process.projects.count(),
        )
        return context


def _phases(process: BudgetProcess) -> list[dict]:
    """The timeline shown on the process page: each phase, its date, done/current/next."""
    State = BudgetProcess.State
    steps = [
        (State.SUBMISSION, process.submission_opens),
        (State.REVIEW, process.review_opens),
        (State.VOTING, process.voting_opens),
        (State.CLOSED, process.voting_closes),
        (State.RESULTS, process.results_published_at or process.results_on),
        (State.IMPLEMENTATION, process.implementation_from),
    ]
    current = process.state_rank()
    return [
        {
            "label": state.label,
            "date": date,
            "status": "done"
            if process.state_rank(state) < current
            else ("current" if process.state_rank(state) == current else "next"),
        }
        for state, date in steps
    ]


class ProjectListView(ProcessMixin, ListView):
    template_name = "budgeting/project_list.html"
    context_object_name = "projects"
    paginate_by = 24

    def get_queryset(self):
        ballot = None
        ballot_id = self.request.GET.get("ballot", "")
        if ballot_id.isdigit():
            ballot = next((b for b in self.process.ballots.all() if b.pk == int(ballot_id)), None)
        feasibility = self.request.GET.get("feasibility", "")
        if feasibility not in Project.Feasibility.values:
            feasibility = ""
        self.filters = {"ballot": ballot, "feasibility": feasibility}
        return selectors.project_list(
            viewer=self.request.user, process=self.process, ballot=ballot, feasibility=feasibility
        )

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["budgeting/_project_list.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "filters": self.filters,
            "feasibility_choices": Project.Feasibility.choices,
        }


class ProjectDetailView(ProcessMixin, TemplateView):
    template_name = "budgeting/project_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["project"] = selectors.project_get(
            viewer=self.request.user, process=self.process, pk=self.kwargs["pk"]
        )
        return context


class ProjectSubmitView(LoginRequiredMixin, ProcessMixin, PermissionRequiredMixin, FormView):
    template_name = "budgeting/project_form.html"
    form_class = ProjectSubmitForm
    permission_required = "budgeting.submit_project"

    def get_permission_object(self):
        return self.process

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            messages.info(self.request, _("Project submission is not open for this budget."))
            return redirect(self.process.get_absolute_url())
        return super().handle_no_permission()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "process": self.process}

    def get_initial(self):
        user = self.request.user
        home = next((b for b in self.process.ballots.all() if b.area_id == user.home_area_id), None)
        return {"ballot": home} if home else {}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            project = services.project_submit(
                actor=self.request.user,
                process=self.process,
                ballot=data["ballot"],
                title=data["title"],
                description=data["description"],
                estimated_cost=data["estimated_cost"],
                image=data.get("image"),
                image_description=data.get("image_description", ""),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Thank you. Your project was sent; council staff will review its feasibility."),
        )
        return redirect(project.get_absolute_url())


class BallotView(ProcessMixin, TemplateView):
    """The ballot: GET shows it (the voter's own project order), POST casts it.

    Works without JavaScript; ballot.js only adds the live remaining budget.
    """

    template_name = "budgeting/ballot.html"

    @cached_property
    def ballot(self) -> Ballot:
        return selectors.ballot_get(process=self.process, ballot_id=self.kwargs["ballot_id"])

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm("budgeting.vote_ballot", self.ballot):
            return render(
                request,
                "budgeting/ballot_unavailable.html",
                {"process": self.process, "ballot": self.ballot, "reason": self._why_not()},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)

    def _why_not(self) -> str:
        user, ballot = self.request.user, self.ballot
        if not self.process.is_voting_open():
            return "closed"
        if not user.is_verified:
            return "unverified"
        if ballot.area_id and ballot.area_id != user.home_area_id:
            return "district"
        return "other"

    def _form(self, data=None) -> BallotForm:
        projects = selectors.ballot_projects_for_voter(ballot=self.ballot, voter=self.request.user)
        initial = None
        if data is None:
            submission = selectors.submission_get(ballot=self.ballot, voter=self.request.user)
            if submission is not None:
                chosen = {s.project_id: s.points for s in submission.selections.all()}
                if self.ballot.kind == Ballot.Kind.CUMULATIVE:
                    initial = {f"points_{pk}": points for pk, points in chosen.items()}
                else:
                    initial = {"projects": [str(pk) for pk in chosen]}
        return BallotForm(data, initial=initial, ballot=self.ballot, projects=projects)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.ballot_cast(
                    actor=request.user, ballot=self.ballot, selections=form.selections()
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                return redirect(
                    "budgeting:ballot-recorded", slug=self.process.slug, ballot_id=self.ballot.pk
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ballot"] = self.ballot
        context["submission"] = selectors.submission_get(
            ballot=self.ballot, voter=self.request.user
        )
        return context


class BallotRecordedView(LoginRequiredMixin, ProcessMixin, TemplateView):
    template_name = "budgeting/ballot_recorded.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ballot = selectors.ballot_get(process=self.process, ballot_id=self.kwargs["ballot_id"])
        submission = selectors.submission_get(ballot=ballot, voter=self.request.user)
        if submission is None:
            raise Http404("You have not voted on this ballot.")
        selections = list(submission.selections.all())
        context.update(
            ballot=ballot,
            submission=submission,
            selections=selections,
            total_cost=sum(s.project.cost for s in selections),
            total_points=sum(s.points for s in selections),
            can_change=self.request.user.has_perm("budgeting.vote_ballot", ballot),
            other_ballots=[
                b
                for b in selectors.ballots_for_voter(process=self.process, voter=self.request.user)
                if b.pk != ballot.pk
            ],
        )
        return context


class ResultsView(ProcessMixin, TemplateView):
    template_name = "budgeting/results.html"

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm("budgeting.view_results", self.process):
            return render(
                request, "budgeting/results_pending.html", {"process": self.process}, status=404
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = selectors.results_for_process(process=self.process)
        context["results"] = results
        context["summary"] = selectors.results_summary(process=self.process, results=results)
        context["rules"] = BudgetProcess.TallyRule.choices
        return context


class ExportView(ProcessMixin, View):
    """A ballot of a closed process as an anonymised Pabulib file (open data)."""

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm("budgeting.export_process", self.process):
            raise PermissionDenied(
                _("This budget can be downloaded once its results are published.")
            )
        ballot = selectors.ballot_get(process=self.process, ballot_id=self.kwargs["ballot_id"])
        text = services.pabulib_export(process=self.process, ballot=ballot)
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        filename = f"{self.process.slug}-{ballot.pk}.pb"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
