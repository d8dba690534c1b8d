from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from civicportal.core import demo


class Command(BaseCommand):
    help = (
        "Fill the database with the Riverside demo city: areas, residents, staff in every "
        "role with two-factor authentication, and whatever each module adds. Safe to run "
        "again: existing demo data is left as it is. Runs only with DEBUG on (a local "
        "trial): the demo accounts' password and authenticator secret are published."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing unless the database has no accounts and no areas yet.",
        )
        parser.add_argument(
            "--only-embedded",
            action="store_true",
            help=(
                "Do nothing unless the database is the embedded default (SQLite); "
                "`make run` uses this so it never seeds a council's PostgreSQL database."
            ),
        )

    def handle(self, *args, if_empty: bool = False, only_embedded: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo runs only with DEBUG=1: its accounts share a published password "
                "and authenticator secret, so they must never exist on a portal that others "
                "can reach. For a local trial use `make run`."
            )
        if only_embedded and connection.vendor != "sqlite":
            self.stdout.write(
                f"The database is {connection.vendor}, not the embedded default; no demo data "
                "added (run `make run SEED_DEMO=1` to seed it anyway)."
            )
            return
        result = demo.seed_demo(if_empty=if_empty)
        if result.skipped:
            self.stdout.write("The database already has accounts or areas; no demo data added.")
            return
        self.stdout.write(demo.format_report(result.context))
