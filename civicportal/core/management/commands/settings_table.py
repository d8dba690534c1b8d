from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicportal.core import settings_reference


class Command(BaseCommand):
    help = (
        "Print the table of every environment variable the portal reads, made from the "
        "comments in civicportal/settings.py; with --write, put it into a document between "
        "its settings-table markers (the README)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--write", metavar="DOCUMENT", help="e.g. README.md")

    def handle(self, *args, write: str | None = None, **options):
        source = Path(settings.BASE_DIR) / "civicportal" / "settings.py"
        try:
            table = settings_reference.render_table(settings_reference.settings_variables(source))
        except settings_reference.UndocumentedSetting as exc:
            raise CommandError(f"civicportal/settings.py: {exc}") from exc
        if not write:
            self.stdout.write(table)
            return
        document = Path(write)
        try:
            text = settings_reference.replace_table(document.read_text(encoding="utf-8"), table)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{write}: {exc}") from exc
        document.write_text(text, encoding="utf-8")
        self.stdout.write(f"{write}: table of settings written.")
