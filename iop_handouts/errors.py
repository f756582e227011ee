"""Errors a clinic's staff can act on: one line, naming the file, line and field."""

from pathlib import Path

from .paths import display_path


class HandoutError(Exception):
    """Base class for errors caused by input or layout, never by a bug."""


class ContentError(HandoutError):
    """Bad content: a YAML file that does not parse or does not match the schema."""

    def __init__(self, path: Path | str | None, problem: str, line: int | None = None,
                 field: str | None = None):
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        self.also: list["ContentError"] = []   # the same file's other problems, if any
        super().__init__(str(self))

    def lines(self) -> list[str]:
        """Every problem, one line each: none hidden behind a count."""
        return [str(self), *(str(other) for other in self.also)]

    def __str__(self) -> str:
        where = display_path(self.path) if self.path else "content"
        if self.line:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.problem}"


def error_lines(exc: Exception) -> list[str]:
    """The one-line messages of an error: several for a file with several problems."""
    lines = getattr(exc, "lines", None)
    return lines() if callable(lines) else [str(exc)]


class OutputError(HandoutError):
    """The output folder cannot be written (in use, read-only, full, something in the way).
    Not the input's fault: the command exits 1, naming the path and what to do."""


class RenderError(HandoutError):
    """A document could not be rendered: overflowing text, a forbidden resource, a bad template."""


class FitError(RenderError):
    """Text that does not fit its page, panel or box: shorten it (or pick a smaller size).
    `panel` names where it happened, when it is known."""

    def __init__(self, message: str, panel: str | None = None, field: str | None = None,
                 needed: float | None = None):
        super().__init__(message)
        self.panel = panel
        self.field = field      # the printed field that ran over, when it is one alone
        self.needed = needed    # for text that ran out of columns: room needed / room there
