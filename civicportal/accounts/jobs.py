"""The census import as a background job (``civicportal.kernel.jobs``), registered when the app
loads (``apps.py``).

The admin's upload page stores the file with the job and goes to the job's progress page;
a worker imports it as the administrator who uploaded it (so the service checks their
permission again), counting the file's lines. A bad line fails the job with a message
naming it, and nothing is imported.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicportal.accounts import services
from civicportal.kernel.jobs import JobContext, job_kind

CENSUS_IMPORT = "accounts.census_import"


@job_kind(
    CENSUS_IMPORT,
    title=gettext_lazy("Census import"),
    permission="accounts.import_census",
)
def census_import_job(job: JobContext) -> None:
    """The uploaded file (input ``file``) goes onto the census; all or nothing."""
    with job.open_input("file") as source:
        batch = services.census_import(
            file=source, actor=job.user, file_name=job.input_name("file"), progress=job
        )
    job.link(reverse("admin:accounts_censusimport_changelist"))
    job.advance(
        0,
        message=_(
            "Imported %(rows)s census entries from %(file)s; %(matched)s waiting residents "
            "verified."
        )
        % {"rows": batch.row_count, "file": batch.file_name, "matched": batch.matched_count},
    )
