"""``pabulib tally FILE.pb --rule …`` as plain Python: parse a file, tally it, list the winners.

The management command (``budgeting/management/commands/pabulib.py``) calls
``tally_file``; ``manage.py`` calls ``main`` directly for ``pabulib tally``, so that a tally,
which needs no database and no Django app, does not pay for loading every app of the portal
(about 1.3 s of imports, most of the command's time on a small file).
"""

from __future__ import annotations

import argparse
import os
import sys

RULES = ("greedy", "mes", "mes-add1")


class TallyFileError(Exception):
    """The file cannot be tallied; the message says why, naming the file (and line)."""


def tally_file(path: str, rule: str) -> list[str]:
    """The project ids ``rule`` selects from the ``.pb`` file at ``path``, in selection order."""
    from budgeting.pabulib import PabulibFormatError, parse_file
    from budgeting.tallies import UnsupportedVoteType, tally

    try:
        instance, profile = parse_file(path)
    except FileNotFoundError:
        raise TallyFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TallyFileError(f"{path}: is a directory, not a .pb file") from None
    except UnicodeDecodeError as error:
        raise TallyFileError(f"{path}: not UTF-8 text ({error.reason})") from None
    except PabulibFormatError as error:
        raise TallyFileError(f"{path}: {error}") from None
    try:
        return list(tally(instance, profile, rule).selected)
    except UnsupportedVoteType as error:
        raise TallyFileError(f"{path}: {error}") from None


def main(argv: list[str]) -> int:
    """``manage.py pabulib tally`` without Django; exit status and messages as the command's."""
    parser = argparse.ArgumentParser(
        prog="manage.py pabulib tally",
        description="Print the project ids a rule selects, one per line, in selection order.",
    )
    parser.add_argument("file", help="path to a .pb file")
    parser.add_argument("--rule", choices=RULES, default="greedy")
    options = parser.parse_args(argv)
    try:
        selected = tally_file(options.file, options.rule)
    except TallyFileError as error:
        # The form Django gives a CommandError, so both paths read the same.
        print(f"CommandError: {error}", file=sys.stderr)
        return 1
    if selected:
        try:
            print("\n".join(selected), flush=True)
        except BrokenPipeError:
            # The reader stopped early (``| head``): not an error of ours. Point stdout at
            # nothing so that the interpreter's own flush at exit does not fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
