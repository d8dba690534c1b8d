"""Import a hashed census file (see `census_hash`): all of it, or nothing.

Progress goes to stderr (``civicportal.kernel.progress.CommandProgress``): a bar on a
terminal, plain lines (at most one a second, and the last) in a log or a pipe.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicportal.accounts import services
from civicportal.accounts.models import User
from civicportal.kernel.progress import CommandProgress


class Command(BaseCommand):
    help = (
        "Import a census file with the header 'identifier_hash' or 'identifier_hash,area'. "
        "A file with any bad line is refused whole, naming the lines. Residents whose "
        "waiting residency request matches are verified. Safe to re-run with the same file. "
        "Progress goes to stderr: a bar on a terminal, plain lines otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The hashed census CSV.")
        parser.add_argument(
            "--by",
            metavar="EMAIL",
            help="Record this staff account as the importer (it must be allowed to import).",
        )

    def handle(self, *args, file: str, by: str | None, verbosity: int = 1, **options):
        actor = None
        if by:
            actor = User.objects.filter(email__iexact=by).first()
            if actor is None:
                raise CommandError(f"No account with the email address {by}.")
        path = Path(file)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        progress = CommandProgress(self.stderr, unit="lines", enabled=verbosity > 0)
        with handle:
            try:
                with progress:
                    batch = services.census_import(
                        file=handle, actor=actor, file_name=path.name, progress=progress
                    )
            except ValidationError as exc:
                raise CommandError(
                    f"{file} was not imported (nothing changed):\n" + "\n".join(exc.messages)
                ) from exc
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Imported {batch.row_count} census entries from {batch.file_name}; "
            f"{batch.matched_count} waiting residents verified."
        )
