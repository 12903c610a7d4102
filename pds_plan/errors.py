"""Errors as values with a location, rendered once by the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path | str) -> str:
    """A path as the user would recognise it: relative to the working folder when it lies below it."""
    path = Path(path)
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in an input file, located as precisely as possible."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        what = self.message if self.column is None else f"column '{self.column}': {self.message}"
        return f"{where}: {what}"


class PdsPlanError(Exception):
    """Base class of the errors the command line turns into a clean message and an exit code."""

    exit_code = 1


class InputError(PdsPlanError):
    """The input files are not usable; every problem found is listed, not only the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InfeasibleError(PdsPlanError):
    """No rota can satisfy every hard rule; `explanation` says why in the planner's words."""

    exit_code = 3

    def __init__(self, explanation: list[str], suggestions: list[str] | None = None) -> None:
        self.explanation = list(explanation)
        self.suggestions = list(suggestions or [])
        super().__init__("no rota satisfies every rule:\n" + "\n".join(self.explanation))


class OutputExistsError(PdsPlanError):
    """A run folder or file already exists and the user did not ask to replace it."""

    exit_code = 2


class OutputBusyError(OutputExistsError):
    """Another pds-plan process is writing the same output folder: refused at once, even with --force."""
