from django.core.management.base import BaseCommand

from civicportal.core import demo


class Command(BaseCommand):
    help = (
        "Fill the database with the Riverside demo city: areas, residents, staff in every "
        "role with two-factor authentication, and whatever each module adds. Safe to run "
        "again: existing demo data is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing unless the database has no accounts and no areas yet.",
        )

    def handle(self, *args, if_empty: bool = False, **options):
        result = demo.seed_demo(if_empty=if_empty)
        if result.skipped:
            self.stdout.write("The database already has accounts or areas; no demo data added.")
            return
        self.stdout.write(demo.format_report(result.context))
