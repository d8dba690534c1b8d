"""The staff export of a consultation's responses as a background job
(``civicportal.kernel.jobs``), registered when the app loads (``apps.py``).

The staff results page's button starts the job and goes to its progress page; a worker
writes the anonymised CSV (one row per response, counted as it goes) to a file the job
keeps, and staff download it from that page. The CSV is the one ``results_csv_rows``
describes, written through ``civicportal.kernel.csv_export`` so that no cell runs as a
formula in a spreadsheet.
"""

from __future__ import annotations

import io
import tempfile
from typing import IO

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civicportal.kernel.csv_export import csv_writer
from civicportal.kernel.jobs import JobContext, job_kind
from civicportal.kernel.progress import NO_PROGRESS, Progress
from consultations import selectors
from consultations.models import Consultation

RESPONSES_EXPORT = "consultations.responses_export"
# Rows written between two progress reports.
PROGRESS_EVERY = 500


def responses_csv_write(
    *, consultation: Consultation, target: IO[bytes], progress: Progress = NO_PROGRESS
) -> int:
    """Write the anonymised responses of ``consultation`` to the binary file ``target`` as
    UTF-8 CSV with a byte-order mark (so spreadsheets read UTF-8); return the rows written.

    Memory stays flat however many responses there are: rows come from a server-side
    cursor (``results_csv_rows``) and go straight to ``target``. ``progress`` counts them.
    """
    progress.total(consultation.responses.count())
    progress.advance(0, message=_("Writing the responses"))
    text = io.TextIOWrapper(target, encoding="utf-8", newline="")
    text.write("\ufeff")
    # Residents' answers may start with "=": the writer keeps them from running as formulas.
    writer = csv_writer(text)
    rows = selectors.results_csv_rows(consultation=consultation)
    writer.writerow(next(rows))  # the header
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
        if written % PROGRESS_EVERY == 0:
            progress.advance(PROGRESS_EVERY)
    progress.total(written)  # responses sent while the file was being written count too
    progress.advance(written % PROGRESS_EVERY)
    text.flush()
    text.detach()
    return written


def responses_export_file_name(consultation: Consultation) -> str:
    return f"{slugify(consultation.slug) or 'consultation'}-responses.csv"


@job_kind(
    RESPONSES_EXPORT,
    title=gettext_lazy("Export of consultation responses (CSV)"),
    permission="consultations.manage_consultation",
)
def responses_export_job(job: JobContext, *, consultation_id: int) -> None:
    """The CSV of one consultation's responses, as the staff member who asked (whose right
    to manage that consultation is checked again here)."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        job.fail(_("The consultation no longer exists."))
    if not job.user.has_perm("consultations.manage_consultation", consultation):
        raise PermissionDenied(_("You may no longer see the responses of this consultation."))
    with tempfile.TemporaryFile() as target:
        written = responses_csv_write(consultation=consultation, target=target, progress=job)
        target.seek(0)
        job.save_result(responses_export_file_name(consultation), target)
    job.link(reverse("consultations:staff-results", args=[consultation.slug]))
    job.advance(
        0,
        message=ngettext(
            "%(count)s response of “%(consultation)s” exported.",
            "%(count)s responses of “%(consultation)s” exported.",
            written,
        )
        % {"count": written, "consultation": consultation.title},
    )
