#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicportal.settings")
    if sys.argv[1:3] == ["pabulib", "tally"]:
        # A tally needs no database and no app: skip loading the portal (see the module).
        from budgeting.tallies.cli import main as pabulib_tally

        sys.exit(pabulib_tally(sys.argv[3:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
