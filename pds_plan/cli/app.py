"""The pds-plan command line: thin commands over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pds_plan.cli import scenario as scenario_commands
from pds_plan.cli import solve as solve_commands
from pds_plan.cli.common import clean_errors, console, report_problems, scenario_or_default
from pds_plan.cli.render import show_summary

app = typer.Typer(
    name="pds-plan",
    help=(
        "Plan radiology out-of-hours cover (permanence des soins, PDS) across the hospitals of a region.\n\n"
        "Examples:\n\n"
        "  pds-plan run                      # the bundled Lorraine 2027 Q1 scenario\n\n"
        "  pds-plan validate scenarios/picardie-2027q1.toml\n\n"
        "  pds-plan calendar --site lor_metz_mercy"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

app.command("validate")(scenario_commands.validate)
app.command("calendar")(scenario_commands.calendar)
app.command("solve")(solve_commands.solve_command)
app.command("check")(solve_commands.check_command)


@app.command("run")
@clean_errors
def run(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file; the bundled Lorraine scenario when omitted.")
    ] = None,
) -> None:
    """The main job on a scenario (the bundled Lorraine 2027 Q1 one by default).

    For now: load and validate the scenario and print its summary.

    Example: pds-plan run scenarios/pays-de-la-loire-2027q1.toml
    """
    from pds_plan.analysis.summary import summarise
    from pds_plan.io.scenario import load_scenario

    loaded = load_scenario(scenario_or_default(scenario))
    show_summary(console, summarise(loaded))
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")


def main() -> None:
    app()
