"""Hash a census list of raw identifiers into the file that `census_import` accepts."""

from __future__ import annotations

import sys
from io import StringIO
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicportal.accounts.census import hash_census_file


class Command(BaseCommand):
    help = (
        "Read a UTF-8 CSV of raw identifiers (header 'identifier' or 'identifier,area') and "
        "write the import file (header 'identifier_hash[,area]') with each identifier "
        "replaced by its HMAC-SHA256 under CENSUS_HASH_KEY. Raw identifiers are never stored; "
        "run this where the council keeps the list and upload only the output."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="CSV of raw identifiers.")
        parser.add_argument(
            "-o",
            "--output",
            default="-",
            help="Where to write the hashed file ('-', the default, is standard output).",
        )

    def handle(self, *args, source: str, output: str, **options):
        try:
            source_file = Path(source).open("rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"Cannot read {source}: {exc.strerror}.") from exc
        with source_file:
            try:
                if output == "-":
                    count = hash_census_file(source_file, sys.stdout)
                else:
                    # Hash into memory first: a bad line leaves no half-written file behind.
                    buffer = StringIO()
                    count = hash_census_file(source_file, buffer)
                    Path(output).write_text(buffer.getvalue(), encoding="utf-8")
            except ValidationError as exc:
                raise CommandError(f"{source} was not hashed:\n" + "\n".join(exc.messages)) from exc
        if output != "-":
            self.stderr.write(f"Hashed {count} identifiers into {output}.")
