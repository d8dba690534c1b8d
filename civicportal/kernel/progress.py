"""Progress of long work, reported the same way wherever the work runs.

A service that does long work takes ``progress: Progress = NO_PROGRESS`` and reports
through it::

    progress.total(len(rows))              # once it knows how much there is (again if it changes)
    for row in rows:
        ...
        progress.advance(1, message=_("Row %(line)s") % {"line": n})   # message: optional

- in a background job, the ``JobContext`` (``civicportal.kernel.jobs``) is the Progress: it
  shows on the job's page and raises ``JobCancelled`` from ``advance`` when staff cancel;
- in a management command, ``CommandProgress``: a bar on a terminal, plain lines otherwise;
- anywhere else, ``NO_PROGRESS``, which does nothing.

``advance(0, message=...)`` names the step about to start without counting anything.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Progress(Protocol):
    def total(self, n: int) -> None:
        """How many units the whole work has."""

    def advance(self, n: int = 1, message: str | None = None) -> None:
        """``n`` more units are done; ``message`` (if given) names the current step."""


class _NoProgress:
    """Reports nothing: the default of every service that can report."""

    def total(self, n: int) -> None:
        pass

    def advance(self, n: int = 1, message: str | None = None) -> None:
        pass

    def __repr__(self) -> str:
        return "NO_PROGRESS"


NO_PROGRESS: Progress = _NoProgress()


class CommandProgress:
    """A management command's progress on ``stream`` (its ``self.stderr``).

    On a terminal one line is redrawn in place: ``[#######.......]  52% 2,600/5,000 rows``.
    Elsewhere (a log file, a pipe, a test's StringIO) it writes plain lines,
    ``2,600/5,000 rows``, at most one every ``interval`` seconds, and always the last one,
    so a log stays short. Use it as a context manager, or call ``finish()`` at the end::

        with CommandProgress(self.stderr, unit="ballots", enabled=verbosity > 0) as progress:
            pabulib_import(actor=None, source=path, progress=progress)
    """

    WIDTH = 30

    def __init__(
        self,
        stream,
        *,
        unit: str = "",
        enabled: bool = True,
        interval: float = 1.0,
        tty: bool | None = None,
    ) -> None:
        self.stream = stream
        self.unit = unit
        self.enabled = enabled
        self.interval = interval
        if tty is None:
            isatty = getattr(stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.done = 0
        self.count: int | None = None
        self.message = ""
        self._last_write = -float("inf")
        self._written = ""
        self._bar_shown = False

    # --- The Progress interface --------------------------------------------------------

    def total(self, n: int) -> None:
        self.count = max(int(n), 0)
        self._show(force=True)

    def advance(self, n: int = 1, message: str | None = None) -> None:
        self.done += int(n)
        changed = message is not None and str(message) != self.message
        if message is not None:
            self.message = str(message)
        self._show(force=changed or self.done == self.count)

    # --- The command's side -------------------------------------------------------------

    def finish(self) -> None:
        """End the bar's line on a terminal; on a plain stream, make sure the last count shows."""
        if not self.enabled:
            return
        if self.tty:
            if self._bar_shown:
                self._write("\n")
                self._bar_shown = False
        elif self._line() != self._written and (self.done or self.count is not None):
            self._emit_line()

    def __enter__(self) -> CommandProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.finish()

    # --- Drawing ------------------------------------------------------------------------

    def _counts(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.count is None:
            return f"{self.done:,}{unit}"
        return f"{self.done:,}/{self.count:,}{unit}"

    def _line(self) -> str:
        if self.count is None and not self.done:  # nothing counted yet: the step alone
            return self.message or self._counts()
        line = self._counts()
        return f"{line} · {self.message}" if self.message else line

    def _show(self, *, force: bool) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            if force or now - self._last_write >= 0.1:
                self._draw_bar()
                self._last_write = now
        elif force or now - self._last_write >= self.interval:
            self._emit_line()
            self._last_write = now

    def _draw_bar(self) -> None:
        count = self.count
        share = min(self.done / count, 1.0) if count else (1.0 if count == 0 else 0.0)
        filled = int(self.WIDTH * share)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        percent = f"{share:4.0%}" if count is not None else "    "
        text = f"\r[{bar}] {percent} {self._line()}"
        self._write(text + "\x1b[K")  # clear what a longer previous line left
        self._bar_shown = True

    def _emit_line(self) -> None:
        line = self._line()
        self._write(line + "\n")
        self._written = line

    def _write(self, text: str) -> None:
        # Django's OutputWrapper adds a newline unless told otherwise; a plain stream does not.
        if hasattr(self.stream, "style_func"):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        flush = getattr(self.stream, "flush", None)
        if flush:
            flush()
