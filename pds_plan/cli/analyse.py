"""The analyse command: workload, turnaround, days lost and cost of a solved rota, written into its run folder."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from pds_plan.analysis.cost import Costs, cost_settings, costs, describe_settings
from pds_plan.analysis.profile import scenario_profile
from pds_plan.analysis.sla import DEFAULT_REPLICATIONS, DEFAULT_TARGET_MINUTES
from pds_plan.analysis.workload import Workload, workload
from pds_plan.cli.common import clean_errors, console, errors, report_problems
from pds_plan.domain.model import Scenario
from pds_plan.errors import InputError, PdsPlanError, Problem, display_path
from pds_plan.io.rota import load_rota
from pds_plan.io.run_folder import RunFolder, load_run, load_run_scenario
from pds_plan.outputs.workload_report import refuse_existing, write_workload_report


def scenario_of_run(run: RunFolder, scenario: Path | None) -> Path:
    """The scenario to analyse a run with: the one given, else the one its manifest records; InputError if neither."""
    if scenario is not None:
        return scenario
    if run.scenario_file is not None:
        return run.scenario_file
    recorded = run.manifest.get("scenario_file")
    why = f"records scenario file '{recorded}', which is not found" if recorded else "records no scenario file"
    raise InputError([Problem(display_path(run.path / "manifest.json"), f"{why}: pass --scenario FILE")])


def optional_run_scenario(run: RunFolder, given: Path | None, without: str) -> Scenario | None:
    """The run's scenario (`scenario_of_run`, with its designed pools) when a command can do without it: a missing
    one is a note saying what the command does instead."""
    try:
        path = scenario_of_run(run, given)
    except PdsPlanError:
        errors.print(f"[yellow]note:[/] scenario not found (pass --scenario): {without}")
        return None
    loaded = load_run_scenario(run, path)
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")
    return loaded


def _scenario_differs(run: RunFolder, path: Path) -> bool:
    recorded = run.manifest.get("inputs", {}).get("scenario", {}).get("sha256")
    return bool(recorded) and hashlib.sha256(path.read_bytes()).hexdigest() != recorded


def _percent(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.1%}"


def _number(value: float, digits: int = 0) -> str:
    return "-" if pd.isna(value) else f"{value:,.{digits}f}"


def _table(title: str, headers: list[str], rows: list[list[str]], left: int = 1) -> Table:
    """A compact table (fits 80 columns better than `frame_table`): the first `left` columns left-aligned."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    for number, header in enumerate(headers):
        table.add_column(header, justify="left" if number < left else "right", no_wrap=number < left)
    for row in rows:
        table.add_row(*row)
    return table


def show_report(
    out: Console, scenario: Scenario, report: Workload, cost: Costs, folder: Path, placeholders: list[str]
) -> None:
    """Rich tables of the report: sites, radiologists, days lost by home site and month, costs, totals."""
    target = f"{report.target_minutes:g}"
    out.print(
        _table(
            f"Sites: expected exams and share of reports within {target} min",
            ["site", "periods", "exams", "read h", f"<={target}'", "own", "uncov."],
            [
                [
                    escape(str(row["site_id"])),
                    str(row["pds_periods"]),
                    _number(row["expected_exams"], 1),
                    _number(row["expected_reading_hours"], 1),
                    _percent(row["sla_share_within_target"]),
                    _percent(row["share_read_by_own_staff"]),
                    str(row["uncovered_periods"]),
                ]
                for row in report.sites.to_dict("records")
            ],
        )
    )
    income = cost.per_radiologist.set_index("id")
    out.print(
        _table(
            "Radiologists: on-call periods (nights, Saturdays, Sundays/holidays; a pooled period counts once)",
            ["radiologist", "N", "Sa", "Su", "hours", "pts", "fair", "dev", "exams", "lost", "€"],
            [
                [
                    escape(str(row["radiologist_id"])),
                    str(row["night_periods"]),
                    str(row["saturday_periods"]),
                    str(row["sunday_holiday_periods"]),
                    _number(row["on_call_hours"]),
                    _number(row["weighted_points"]),
                    _number(row["fair_share"], 1),
                    _number(row["deviation"], 1),
                    _number(row["expected_exams"]),
                    str(row["daytime_days_lost"]),
                    _number(float(income.loc[row["radiologist_id"], "total"])),
                ]
                for row in report.radiologists.to_dict("records")
            ],
        )
    )

    lost = report.days_lost
    months = sorted(lost["month"].unique())
    by_site = lost.groupby("home_site")
    rows = []
    for site, group in by_site:
        pooled = dict(zip(group["month"], group["days_lost"], strict=True))
        total, without = int(group["days_lost"].sum()), int(group["days_lost_without_pooling"].sum())
        if total or without:
            rows.append(
                [escape(str(site)), *[str(pooled.get(m, 0)) for m in months], str(total), str(without),
                 str(without - total)]
            )  # fmt: skip
    out.print(
        _table(
            "Daytime radiologist-days lost to repos de sécurité by home site and month; without pooling; given back",
            [
                "home site",
                *[dt.date.fromisoformat(f"{m}-01").strftime("%b %y") for m in months],
                "total",
                "no pool",
                "back",
            ],
            rows,
        )
    )
    out.print(
        _table(
            "Cost per site, €: allowances split by expected exams, remote-read fees, platform; without pooling",
            ["site", "allow.", "fees", "platf.", "total", "no pool", "diff."],
            [
                [
                    escape(str(row["id"])),
                    *[
                        _number(row[c])
                        for c in ("allowances", "remote_fees", "platform", "total", "no_pooling_total", "difference")
                    ],
                ]
                for row in cost.per_site.to_dict("records")
            ],
        )
    )
    region = cost.region
    lines = [
        f"[bold]{escape(scenario.name)}[/]  {scenario.start} to {scenario.end}",
        f"{len(report.duties)} on-call duties for {int(region['no_pooling_site_periods'])} site periods "
        f"({len(report.uncovered)} uncovered)",
        f"turnaround simulations: {report.simulations} (distinct pool and period kind)",
        f"daytime days lost: {int(lost['days_lost'].sum())}, "
        f"without pooling {int(lost['days_lost_without_pooling'].sum())}",
        f"regional cost: {region['total']:,.0f} €, without pooling {region['no_pooling_total']:,.0f} € "
        f"({region['difference']:+,.0f} €)",
        f"  allowances {region['allowances']:,.0f}, remote fees {region['remote_fees']:,.0f}, "
        f"platform {region['platform']:,.0f}",
        *[escape(line) for line in describe_settings(cost.settings, placeholders)],
        f"written to {escape(display_path(folder))}",
    ]
    out.print(Panel("\n".join(lines), title="Workload and cost", expand=False))


@clean_errors
def analyse_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `pds-plan solve`.")],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario TOML file (default: the one recorded in the run's manifest)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace report files already in the run folder.")] = False,
    sla_minutes: Annotated[
        float, typer.Option("--sla-minutes", help="Turnaround target, minutes from image arrival to report.")
    ] = DEFAULT_TARGET_MINUTES,
    replications: Annotated[
        int, typer.Option("--replications", help="Simulated periods per pool and period kind.", min=1)
    ] = DEFAULT_REPLICATIONS,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the turnaround simulation.")] = 0,
) -> None:
    """Workload, 30-minute turnaround, daytime days lost and cost of a run's rota, written into the run folder.

    Writes workload_sites.csv, workload_radiologists.csv, workload_periods.csv, daytime_days_lost.csv, costs.csv
    and analysis.json (settings used). Costs come from the scenario's [costs] table; the defaults are placeholders
    (pds_plan/analysis/cost.py). Existing report files are kept unless --force.

    \b
    Examples:
      pds-plan analyse runs/lorraine
      pds-plan analyse runs/lorraine --scenario scenarios/lorraine-2027q1.toml --force
    """
    if sla_minutes <= 0:
        raise typer.BadParameter("expected minutes > 0", param_hint="--sla-minutes")
    loaded_run = load_run(run)
    refuse_existing(loaded_run.path, force)
    path = scenario_of_run(loaded_run, scenario)
    loaded = load_run_scenario(loaded_run, path)
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")
    if _scenario_differs(loaded_run, path):
        errors.print(
            f"[bold yellow]warning:[/] {escape(display_path(path))} differs from the scenario file the run was made "
            "from (manifest.json): figures are for the scenario as it is now"
        )
    settings, warnings, defaults = cost_settings(loaded)
    report_problems(warnings, label="warning", style="bold yellow")
    if defaults:
        errors.print(
            f"[yellow]note:[/] placeholder cost defaults used for {', '.join(defaults)} "
            "(set them in the scenario's \\[costs] table)"
        )
    profile = scenario_profile(loaded)
    rota_path = loaded_run.path / "rota.csv"
    assignments = load_rota(rota_path, loaded)
    report = workload(
        loaded,
        assignments,
        loaded_run.pool_ids(),
        target_minutes=sla_minutes,
        replications=replications,
        seed=seed,
        profile=profile,
        source=display_path(rota_path),
    )
    cost = costs(loaded, report, settings)
    metadata: dict[str, Any] = {
        "scenario": loaded.name,
        "scenario_file": str(path),
        "sla": {"target_minutes": sla_minutes, "replications": replications, "seed": seed},
        "profile": profile.source if profile is not None else "default (assumed) profile, analysis/profile.py",
        "costs": {
            name: {"euros": value, "placeholder": name in defaults} for name, value in cost.settings_dict().items()
        },
        "region": dict(cost.region),
        "simulations": report.simulations,
        "uncovered_site_periods": len(report.uncovered),
    }
    write_workload_report(loaded_run.path, report, cost, metadata, force=force)
    show_report(console, loaded, report, cost, loaded_run.path, defaults)
