"""Commands that look at a scenario before any rota exists: validate, calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pds_plan.analysis.summary import summarise
from pds_plan.cli.common import clean_errors, console, report_problems, scenario_or_default
from pds_plan.cli.render import frame_table, show_summary
from pds_plan.domain.calendar import build_calendar
from pds_plan.errors import InputError, Problem
from pds_plan.io.scenario import load_scenario
from pds_plan.outputs.exports import calendar_frame, write_csv

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help="Scenario TOML file, or a bundled scenario's name (picardie-2027q1); the bundled Lorraine 2027 Q1 "
        "scenario when omitted.",
        show_default=False,
    ),
]


@clean_errors
def validate(scenario: ScenarioArg = None) -> None:
    """Check a scenario and its files, and summarise it: sites, PDS hours, staff, credentials, demand.

    Every problem of every file is listed at once (exit code 2); warnings are shown but do not fail.

    \b
    Examples:
      pds-plan validate scenarios/picardie-2027q1.toml
      pds-plan validate pays-de-la-loire-2027q1
    """
    loaded = load_scenario(scenario_or_default(scenario))
    show_summary(console, summarise(loaded))
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")


@clean_errors
def calendar(
    scenario: ScenarioArg = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site (repeatable).")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the periods to this CSV file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the CSV file if it exists.")] = False,
) -> None:
    """Show or export every PDS period of the scenario's PDS sites, with local times and public holidays.

    \b
    Examples:
      pds-plan calendar --site lor_metz_mercy
      pds-plan calendar scenarios/lorraine-2027q1.toml --csv calendar.csv
    """
    loaded = load_scenario(scenario_or_default(scenario))
    if site:
        known = {s.site_id for s in loaded.pds_sites}
        unknown = [s for s in site if s not in known]
        if unknown:
            raise InputError([Problem("--site", f"'{s}' is not a PDS site of {loaded.name}") for s in unknown])
    frame = calendar_frame(build_calendar(loaded, site))
    if csv is not None:
        write_csv(frame, csv, force=force)
        console.print(f"Wrote {len(frame)} periods to {csv}")
    else:
        console.print(frame_table(frame, f"PDS calendar of {loaded.name}"))
