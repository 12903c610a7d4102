"""The check command: any rota (solved, edited or made by hand) against every hard rule, and its fairness."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel

from pds_plan.analysis.fairness import fairness
from pds_plan.analysis.pool_design import with_turnaround_limits
from pds_plan.check import Violation, check_rota
from pds_plan.cli.common import clean_errors, console, report_problems
from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.domain.run import plain_json
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.rota import load_rota
from pds_plan.io.run_store import ROTA_FILE, run_scenario
from pds_plan.io.scenario import load_scenario
from pds_plan.io.writers import atomic_write_text


def scenario_and_rota(source: Path, rota: Path | None, scenario: Path | None) -> tuple[Scenario, Path]:
    """What to check against and what to check: a run folder's scenario (its manifest's, with its designed pools,
    unless `scenario` is given) and, by default, its rota.csv; or a scenario .toml file and the rota given."""
    if source.is_dir():
        return run_scenario(source, scenario), rota if rota is not None else source / ROTA_FILE
    if source.suffix.lower() != ".toml":
        raise InputError(
            [Problem(display_path(source), "is neither a run folder nor a scenario file (.toml)" + _not_found(source))]
        )
    if rota is None:
        raise InputError([Problem(display_path(source), "is a scenario: give the rota file to check after it")])
    if scenario is not None:
        raise typer.BadParameter(
            "give the scenario once: either --scenario or the .toml argument", param_hint="--scenario"
        )
    # Outside a run, a rota is held to the turnaround target of self-formed pools at the defaults (30 minutes, 95 %).
    return with_turnaround_limits(load_scenario(source)), rota


def _not_found(path: Path) -> str:
    return "" if path.exists() else " (not found)"


def _ratio(value: Any) -> str:
    return "-" if not isinstance(value, int | float) or math.isnan(value) else f"{value:.2f}"


def show_fairness(measures: dict[str, Any]) -> None:
    """The fairness figures, worded as `solve` words them."""
    lines = [
        f"max/min points per FTE-available day: {_ratio(measures['spread_ratio_max_min'])}",
        f"spread of normalised points (max - min): {_ratio(measures['spread_normalised_points'])}",
        f"radiologists who may take PDS without any duty: {measures['radiologists_without_duty']}",
    ]
    if measures["credential_groups"] > 1:
        lines.append(
            f"within the {measures['credential_groups']} groups of radiologists sharing credentials: "
            f"{_ratio(measures['spread_ratio_within_credential_groups'])}"
        )
    console.print(Panel.fit("\n".join(lines), title="Fairness"))


def check_document(
    scenario: Scenario, rota: Path, assignments: list[Assignment], violations: list[Violation]
) -> dict[str, Any]:
    """What `--json` writes: the rule check and the fairness measures, as summary.json holds them."""
    periods = {p.key for p in build_calendar(scenario)}
    # An assignment to a period that does not exist is a violation already; it has no points to count.
    real = [a for a in assignments if a.key in periods]
    return {
        "scenario": scenario.name,
        "rota": display_path(rota),
        "assignments": len(assignments),
        "rule_check": {"violations": len(violations), "messages": [str(v) for v in violations]},
        "fairness": fairness(scenario, real).as_dict(),
    }


@clean_errors
def check_command(
    source: Annotated[
        Path,
        typer.Argument(help="Run folder (checked under its manifest's scenario and pools), or a scenario TOML file."),
    ],
    rota: Annotated[
        Path | None,
        typer.Argument(
            help="Rota to check: long CSV (date, period, site_id, radiologist_id), the grid CSV or the XLSX of "
            "`pds-plan export`; default: the run folder's rota.csv.",
            show_default=False,
        ),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario TOML file of a run folder (default: the one its manifest records)."),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the rule check and fairness figures to this JSON file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --json file if it exists.")] = False,
) -> None:
    """Check any rota (also one edited or made by hand in Excel) against every hard rule, and measure its fairness.

    Reads `,` or `;` files in UTF-8 or Windows-1252, dates as 2027-01-31 or 31/01/2027 and periods in English or
    French (nuit, samedi, dimanche/férié). A name that disagrees with its id, or a row cut short, is bad input
    located by row and column. Each violation names the site and radiologist. Fairness is measured as in
    summary.json. Exit code 0 if the rota keeps every rule, 1 if it breaks any, 2 on bad input.

    \b
    Examples:
      pds-plan check runs/lorraine
      pds-plan check runs/lorraine planning_janvier.csv --json fairness.json
      pds-plan check runs/lorraine exports/rota.xlsx
      pds-plan check scenarios/lorraine-2027q1.toml runs/lorraine/rota.csv
    """
    loaded, rota_path = scenario_and_rota(source, rota, scenario)
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")
    assignments = load_rota(rota_path, loaded)
    violations = check_rota(loaded, assignments)
    document = check_document(loaded, rota_path, assignments, violations)
    for violation in violations:
        console.print(f"[bold red]{violation.rule}:[/] {escape(violation.message)}")
    show_fairness(document["fairness"])
    if json_file is not None:
        text = json.dumps(plain_json(document), indent=2, ensure_ascii=False) + "\n"
        atomic_write_text(json_file, text, force=force)
        console.print(f"wrote {escape(display_path(json_file))}")
    if violations:
        console.print(f"{len(violations)} violation(s) of the hard rules in {escape(display_path(rota_path))}.")
        raise typer.Exit(1)
    console.print(f"No violation: {escape(display_path(rota_path))} keeps every hard rule of {escape(loaded.name)}.")
