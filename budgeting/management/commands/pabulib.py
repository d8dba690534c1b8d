"""``python manage.py pabulib <subcommand>``: work with Pabulib ``.pb`` files.

``tally FILE.pb --rule greedy|mes|mes-add1`` prints the selected project ids one per line, in
selection order (the order pabutools returns them in: for mes-add1, the equal-shares
selections first, then the greedy completion). It touches no database, so it runs without one
configured; heavy imports (the parser, numpy) happen inside the handler to keep start-up short.

Subcommands are argparse subparsers: ``import`` and ``export`` (which need the budgeting
models) are added in ``add_arguments`` next to ``tally`` and dispatched in ``handle``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

RULES = ("greedy", "mes", "mes-add1")


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
        # Extension point: subcommands.add_parser("import", ...) / ("export", ...).

    def handle(self, *args, **options) -> None:
        handler = getattr(self, f"handle_{options['subcommand'].replace('-', '_')}")
        handler(**options)

    def handle_tally(self, *, file: str, rule: str, **options) -> None:
        from budgeting.pabulib import PabulibFormatError, parse_file
        from budgeting.tallies import UnsupportedVoteType, tally

        try:
            instance, profile = parse_file(file)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except IsADirectoryError:
            raise CommandError(f"{file}: is a directory, not a .pb file") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}: not UTF-8 text ({error.reason})") from None
        except PabulibFormatError as error:
            raise CommandError(f"{file}: {error}") from None
        try:
            result = tally(instance, profile, rule)
        except UnsupportedVoteType as error:
            raise CommandError(f"{file}: {error}") from None
        if result.selected:
            self.stdout.write("\n".join(result.selected))
