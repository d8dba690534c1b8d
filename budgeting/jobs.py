"""Budget officers' long work as background jobs (``civicportal.kernel.jobs``): importing a
Pabulib file and counting the votes. Registered when the app loads (``apps.py``).

Each runs the service it replaces a request for, as the officer who started it (so the
service checks their permission again), reporting progress through the job.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from budgeting import services
from budgeting.models import BudgetProcess
from civicportal.kernel.jobs import JobContext, job_kind

PABULIB_IMPORT = "budgeting.pabulib_import"
RESULTS_COMPUTE = "budgeting.results_compute"


@job_kind(
    PABULIB_IMPORT,
    title=gettext_lazy("Pabulib import"),
    permission="budgeting.import_process",
)
def pabulib_import_job(job: JobContext, *, title: str = "") -> None:
    """The uploaded file (input ``file``) becomes a closed process; all or nothing."""
    with job.open_input("file") as source:
        process = services.pabulib_import(actor=job.user, source=source, title=title, progress=job)
    job.link(reverse("admin:budgeting_budgetprocess_change", args=[process.pk]))
    job.advance(0, message=_("Imported “%(process)s”.") % {"process": process})


@job_kind(
    RESULTS_COMPUTE,
    title=gettext_lazy("Counting the votes"),
    # Who may see the count's job; computing checks budgeting.compute_results on the process.
    permission="budgeting.view_tallyresult",
)
def results_compute_job(job: JobContext, *, process_id: int) -> None:
    """Every ballot of the closed process under every rule, stored as ``results_compute``
    stores them; the results page shows them."""
    process = BudgetProcess.objects.filter(pk=process_id).first()
    if process is None:
        job.fail(_("The budget process no longer exists."))
    stored = services.results_compute(actor=job.user, process=process, progress=job)
    job.link(reverse("budgeting:results", args=[process.slug]))
    job.advance(
        0,
        message=ngettext(
            "%(process)s: %(count)s result computed; check them on the results page, then publish.",
            "%(process)s: %(count)s results computed; check them on the results page, "
            "then publish.",
            len(stored),
        )
        % {"process": process, "count": len(stored)},
    )
