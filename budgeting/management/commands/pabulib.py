"""``python manage.py pabulib <subcommand>``: work with Pabulib ``.pb`` files.

``tally FILE.pb --rule greedy|mes|mes-add1`` prints the selected project ids one per line, in
selection order (the order pabutools returns them in: for mes-add1, the equal-shares
selections first, then the greedy completion). It touches no database, so it runs without one
configured; heavy imports (the parser, numpy) happen inside the handler to keep start-up short.

``import FILE.pb`` creates a closed process with the file's projects and ballots (all or
nothing; progress on stderr: a bar on a terminal, plain lines otherwise, through
``civicportal.kernel.progress.CommandProgress``) and prints its id. ``export PROCESS_ID -o FILE.pb``
writes a closed process, anonymised; a process with several ballots needs ``--ballot ID``
or gets one file per ballot (``FILE-<ballot id>.pb``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from budgeting.tallies.cli import RULES


class Command(BaseCommand):
    help = "Work with Pabulib .pb participatory-budgeting files."
    # No database or URL checks: tally must run on a machine with no database configured.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
        tally = subcommands.add_parser(
            "tally",
            help="print the project ids a rule selects, one per line, in selection order",
        )
        tally.add_argument("file", help="path to a .pb file")
        tally.add_argument("--rule", choices=RULES, default="greedy")
        importer = subcommands.add_parser(
            "import", help="create a closed budget process from a .pb file; prints its id"
        )
        importer.add_argument("file", help="path to a .pb file")
        importer.add_argument("--title", default="", help="the process title (default: META)")
        exporter = subcommands.add_parser(
            "export", help="write a closed budget process as an anonymised .pb file"
        )
        exporter.add_argument("process_id", type=int, help="the id of the budget process")
        exporter.add_argument("-o", "--output", required=True, help="the .pb file to write")
        exporter.add_argument("--ballot", type=int, help="the ballot id, if there are several")

    def handle(self, *args, **options) -> None:
        handler = getattr(self, f"handle_{options['subcommand'].replace('-', '_')}")
        handler(**options)

    def handle_tally(self, *, file: str, rule: str, **options) -> None:
        from budgeting.tallies.cli import TallyFileError, tally_file

        try:
            selected = tally_file(file, rule)
        except TallyFileError as error:
            raise CommandError(str(error)) from None
        if selected:
            self.stdout.write("\n".join(selected))

    def handle_import(self, *, file: str, title: str, verbosity: int = 1, **options) -> None:
        from django.core.exceptions import ValidationError

        from budgeting.services import pabulib_import
        from civicportal.kernel.progress import CommandProgress

        progress = CommandProgress(self.stderr, unit="ballots", enabled=verbosity > 0)
        try:
            with progress:
                process = pabulib_import(actor=None, source=file, title=title, progress=progress)
        except ValidationError as error:
            reason = " ".join(error.messages).rstrip(".")
            raise CommandError(f"{file}: {reason}. Nothing was imported.") from None
        from budgeting.models import BallotSubmission

        votes = BallotSubmission.objects.filter(ballot__process=process).count()
        self.stderr.write(
            f"Imported “{process.title}”: {process.projects.count()} projects, {votes:,} ballots."
        )
        self.stdout.write(str(process.pk))

    def handle_export(self, *, process_id: int, output: str, ballot: int | None, **options) -> None:
        from pathlib import Path

        from django.core.exceptions import ValidationError

        from budgeting.models import BudgetProcess
        from budgeting.services import pabulib_export

        process = BudgetProcess.objects.filter(pk=process_id).first()
        if process is None:
            raise CommandError(f"There is no budget process with id {process_id}.")
        ballots = list(process.ballots.order_by("order", "id"))
        if ballot is not None:
            chosen = [b for b in ballots if b.pk == ballot]
            if not chosen:
                ids = ", ".join(str(b.pk) for b in ballots)
                raise CommandError(f"Process {process_id} has no ballot {ballot} (ballots: {ids}).")
            ballots = chosen
        target = Path(output)
        written = []
        try:
            for item in ballots:
                path = (
                    target
                    if len(ballots) == 1
                    else target.with_name(f"{target.stem}-{item.pk}{target.suffix or '.pb'}")
                )
                text = pabulib_export(process=process, ballot=item)
                path.write_text(text, encoding="utf-8")
                written.append(path)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except OSError as error:
            raise CommandError(f"{output}: {error.strerror}") from None
        for path in written:
            self.stdout.write(str(path))
