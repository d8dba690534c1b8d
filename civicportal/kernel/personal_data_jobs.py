"""A resident's download of their own data, as a private background job
(``civicportal.kernel.jobs``), registered when the kernel app loads (``apps.py``).

The resident asks on ``/profile/data/`` (a POST); a worker collects every registered part
(``civicportal.kernel.personal_data``), counting them, into one JSON file the job keeps; the
job's page offers the file. The kind is private: only the resident who asked sees the job
and downloads the file, never staff.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicportal.kernel import selectors
from civicportal.kernel.jobs import JobContext, job_kind
from civicportal.kernel.models import Job

PERSONAL_DATA_EXPORT = "kernel.personal_data_export"
# Earlier downloads listed on the page where residents ask for a new one.
RECENT_EXPORTS = 5


def personal_data_json(data: dict) -> str:
    """The resident's data as the downloaded file holds it."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def personal_data_file_name() -> str:
    return f"my-data-{timezone.localdate().isoformat()}.json"


@job_kind(
    PERSONAL_DATA_EXPORT,
    title=gettext_lazy("Your data (JSON)"),
    permission="kernel.export_personal_data",
    private=True,
)
def personal_data_export_job(job: JobContext) -> None:
    """Everything the portal holds about the resident who asked, as one JSON file."""
    data = selectors.personal_data_export(user=job.user, progress=job)
    job.advance(0, message=_("Writing the file"))
    job.save_result(personal_data_file_name(), personal_data_json(data))
    job.advance(0, message=_("Your data is ready: download it below."))


def personal_data_export_pending(*, user) -> Job | None:
    """The resident's download still being prepared, if any (asking twice starts one job)."""
    return (
        Job.objects.filter(kind=PERSONAL_DATA_EXPORT, started_by=user, state__in=Job.ACTIVE_STATES)
        .order_by("-id")
        .first()
    )


def personal_data_export_list(*, user, limit: int = RECENT_EXPORTS) -> list[Job]:
    """The resident's latest downloads, newest first."""
    return list(
        Job.objects.filter(kind=PERSONAL_DATA_EXPORT, started_by=user).order_by("-id")[:limit]
    )
