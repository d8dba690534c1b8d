"""Background jobs' pages under /staff/jobs/: progress (htmx polls the partial), cancel,
download of the result, the list of one's recent jobs.

Staff pages live under /staff/, where the second factor is enforced for staff accounts
(``StaffMfaRequiredMiddleware``); who may see a job is the rule ``kernel.view_job``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from civicportal.kernel import selectors, services
from civicportal.kernel.models import Job

REFRESH_SECONDS = 3  # the page without JavaScript reloads itself this often


def duration_text(seconds: int) -> str:
    """``75`` -> "1 min 15 s"; hours past an hour: "2 h 05 min"."""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return ngettext("%(s)s second", "%(s)s seconds", seconds) % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)s min %(s)02d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}


def _partial(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def job_context(job: Job, user) -> dict:
    left = job.seconds_left
    return {
        "job": job,
        "time_left": duration_text(left) if left is not None else "",
        "can_cancel": not job.is_finished and user.has_perm("kernel.cancel_job", job),
        "refresh_seconds": REFRESH_SECONDS,
    }


@method_decorator(never_cache, name="dispatch")
class JobMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "kernel.view_job"
    raise_exception = True

    @cached_property
    def job(self) -> Job:
        try:
            return selectors.job_get(pk=self.kwargs["pk"])
        except Job.DoesNotExist:
            raise Http404 from None

    def get_permission_object(self):
        return self.job

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path())
        raise PermissionDenied(
            _(
                "Only the person who started this job, or staff who may do this kind of work, "
                "can see it."
            )
        )


class JobDetailView(JobMixin, TemplateView):
    """``/staff/jobs/<id>/``: the job's progress; htmx asks for the partial every second."""

    def get_template_names(self):
        if _partial(self.request):
            return ["kernel/jobs/_job_status.html"]
        return ["kernel/jobs/job_detail.html"]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **job_context(self.job, self.request.user)}


class JobCancelView(JobMixin, View):
    """``POST /staff/jobs/<id>/cancel/``: a queued job stops at once, a running one soon."""

    http_method_names = ["post"]
    permission_required = "kernel.cancel_job"

    def post(self, request, pk: int):
        error = ""
        try:
            job = services.job_cancel(self.job, request.user)
        except ValidationError as exc:
            job, error = self.job, " ".join(exc.messages)
        if _partial(request):
            context = job_context(job, request.user)
            return render(request, "kernel/jobs/_job_status.html", {**context, "error": error})
        if error:
            messages.error(request, error)
        elif job.state == Job.State.CANCELLED:
            messages.success(request, _("The job was cancelled before it started."))
        else:
            messages.success(request, _("The job will stop at its next step."))
        return redirect(job)


class JobDownloadView(JobMixin, View):
    """``/staff/jobs/<id>/download/``: the result file, to whoever may see the job."""

    def get(self, request, pk: int):
        job = self.job
        if not job.has_result_file:
            raise Http404(_("This job has no file to download."))
        try:
            handle = job.result_file.open("rb")
        except FileNotFoundError:
            raise Http404(_("The file of this job is no longer there.")) from None
        response = FileResponse(handle, as_attachment=True, filename=job.result_name or "result")
        response["Cache-Control"] = "no-store, private"
        response["X-Content-Type-Options"] = "nosniff"
        return response


@method_decorator(never_cache, name="dispatch")
class JobListView(LoginRequiredMixin, TemplateView):
    """``/staff/jobs/``: the jobs the signed-in person started, newest first."""

    template_name = "kernel/jobs/job_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "jobs": selectors.job_list(viewer=user),
            "can_check": user.has_perm("kernel.check_jobs"),
        }


class JobCheckStartView(LoginRequiredMixin, View):
    """``POST /staff/jobs/check/``: administrators start the platform's jobs check."""

    http_method_names = ["post"]

    def post(self, request):
        if not request.user.has_perm("kernel.check_jobs"):
            raise PermissionDenied(_("Only administrators can check the background jobs."))
        job = services.job_start(
            "kernel.check", user=request.user, params={"steps": 20, "step_seconds": 0.25}
        )
        return redirect(job)
