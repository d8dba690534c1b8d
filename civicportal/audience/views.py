"""Pages of who takes part: the resident's profile questions, and the staff dashboard with
its CSV. Views parse, check permission, call one service or selector and answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from rules.contrib.views import PermissionRequiredMixin

from civicportal.audience import exports, selectors, services
from civicportal.audience.forms import DashboardFilterForm, ProfileQuestionsForm
from civicportal.audience.models import ProfileAnswer, ProfileQuestion
from civicportal.audience.suppression import min_group
from civicportal.core.views.base import add_service_errors


def _next_url(request) -> str:
    """Where the resident was going (a safe, local ``next``), else their profile."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:profile")


class ProfileQuestionsView(LoginRequiredMixin, View):
    """The voluntary questions: asked once after sign-up (Save or Skip), open from the
    profile afterwards."""

    template_name = "audience/profile_questions.html"

    def _questions(self) -> list[ProfileQuestion]:
        return list(ProfileQuestion.objects.filter(active=True).prefetch_related("choices"))

    def _form(self, data=None) -> ProfileQuestionsForm:
        answers = ProfileAnswer.objects.filter(user=self.request.user).select_related(
            "question", "choice", "area"
        )
        initial = {
            answer.question.key: (
                services.DECLINED
                if answer.declined
                else (answer.choice.key if answer.choice_id else answer.area.slug)
            )
            for answer in answers
        }
        return ProfileQuestionsForm(data, questions=self._questions(), initial_answers=initial)

    def _render(self, form, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "next": _next_url(self.request),
            "first_time": not services.questions_asked(user=self.request.user),
            "minimum": min_group(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(self._form())

    def post(self, request):
        if not request.user.has_perm("audience.answer_profilequestion"):
            raise PermissionDenied(_("Only residents can answer these questions."))
        if request.POST.get("action") == "skip":
            services.profile_questions_skip(user=request.user)
            messages.info(request, _("No problem: you can answer later from your profile."))
            return HttpResponseRedirect(_next_url(request))
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            services.profile_answers_save(user=request.user, answers=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self._render(form, status=400)
        messages.success(request, _("Thank you. Your answers are saved."))
        return HttpResponseRedirect(_next_url(request))


class DashboardMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Administrators with the second factor (the rule asks for it)."""

    permission_required = "audience.view_dashboard"
    raise_exception = True

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super(PermissionRequiredMixin, self).handle_no_permission()
        raise PermissionDenied(_("Only administrators can open this page."))

    def _refused(self, form) -> HttpResponse:
        """A bad query string: the page with the filters and what is wrong, no figures."""
        return render(
            self.request,
            "audience/staff/dashboard.html",
            {"form": form, "dashboard": None, "minimum": min_group()},
            status=400,
        )


class DashboardView(DashboardMixin, View):
    def get(self, request):
        form = DashboardFilterForm(request.GET)  # every filter is optional: empty is valid
        if not form.is_valid():
            return self._refused(form)
        dashboard = selectors.dashboard_get(filters=form.filters())
        csv_url = reverse("audience:dashboard-csv")
        if request.GET:
            csv_url += "?" + request.GET.urlencode()
        return render(
            request,
            "audience/staff/dashboard.html",
            {
                "form": form,
                "dashboard": dashboard,
                "minimum": dashboard.minimum,
                "csv_url": csv_url,
            },
        )


class DashboardCsvView(DashboardMixin, View):
    def get(self, request):
        form = DashboardFilterForm(request.GET)
        if not form.is_valid():
            return self._refused(form)
        dashboard = selectors.dashboard_get(filters=form.filters())
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="who-takes-part.csv"'
        exports.dashboard_csv_write(dashboard, response)
        return response
