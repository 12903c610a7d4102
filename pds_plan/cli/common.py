"""What every command shares: the consoles and the turning of library errors into one-line messages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from pds_plan.bundled import resolve_scenario
from pds_plan.errors import InputError, PdsPlanError, Problem

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def report_problems(problems: list[Problem], label: str = "error", style: str = "bold red") -> None:
    for problem in problems:
        errors.print(f"[{style}]{label}:[/] {escape(str(problem))}")


def clean_errors(command: F) -> F:
    """Run a command and turn the library's errors into messages and exit codes, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            report_problems(error.problems)
            errors.print(f"{len(error.problems)} problem(s) found; nothing was written.")
            raise typer.Exit(error.exit_code) from None
        except PdsPlanError as error:
            errors.print(f"[bold red]error:[/] {escape(str(error))}")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            errors.print("interrupted before a rota was found: nothing was written")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def scenario_or_default(scenario: Path | None) -> Path:
    """The bundled Lorraine scenario when absent, a path that exists, or a bundled scenario's name (exit 2 if none)."""
    return resolve_scenario(scenario)
