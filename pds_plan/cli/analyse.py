"""The analyse command: workload, turnaround, days lost and cost of a solved rota, written into its run folder."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from pds_plan.analysis.cost import Costs, describe_settings
from pds_plan.analysis.workload import Workload
from pds_plan.cli.common import clean_errors, console, report_problems
from pds_plan.cli.render import figures_table
from pds_plan.domain.model import Scenario
from pds_plan.errors import OutputExistsError, display_path
from pds_plan.io.run_store import folder_view, read_run, write_analysis
from pds_plan.outputs.run_outputs import refresh_analysis_outputs


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
    run: Annotated[Path, typer.Argument(help="Run folder written by `pds-plan run` or `pds-plan solve`.")],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario TOML file (default: the one recorded in the run's manifest)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the run's analysis with the new one.")] = False,
    sla_minutes: Annotated[
        float | None, typer.Option("--sla-minutes", help="Turnaround target, minutes (default: the run's).")
    ] = None,
    sla_target: Annotated[
        float | None,
        typer.Option("--sla-target", min=0.0, max=1.0, help="Share of reports within target (default: the run's)."),
    ] = None,
    replications: Annotated[
        int | None, typer.Option("--replications", help="Simulated periods per pool and period kind.", min=1)
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of the turnaround simulation.")] = None,
) -> None:
    """Workload, turnaround, daytime days lost and cost of a run's rota, shown; with new settings and --force,
    analysed again and written into the run folder.

    Every run folder already holds its analysis (workload_sites.csv, workload_radiologists.csv,
    workload_periods.csv, workload_pools.csv, daytime_days_lost.csv, costs.csv, analysis.json and the key figures
    in summary.json). Costs come from the scenario's [costs] table; the defaults are placeholders
    (pds_plan/analysis/cost.py).

    \b
    Examples:
      pds-plan analyse runs/lorraine
      pds-plan analyse runs/lorraine --sla-minutes 20 --force
    """
    from pds_plan.runs.pipeline import reanalyse

    if sla_minutes is not None and sla_minutes <= 0:
        raise typer.BadParameter("expected minutes > 0", param_hint="--sla-minutes")
    loaded = read_run(run, scenario)
    report_problems(list(loaded.scenario.warnings), label="warning", style="bold yellow")
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("sla_minutes", sla_minutes),
            ("sla_target", sla_target),
            ("replications", replications),
            ("simulation_seed", seed),
        )
        if value is not None
    }
    if (changes or scenario is not None) and not force:
        raise OutputExistsError(
            f"{display_path(run)} already holds its analysis: pass --force to replace it with the new settings"
        )
    analysed = reanalyse(loaded, replace(loaded.settings, **changes))
    if changes or scenario is not None:
        written = write_analysis(analysed, run)
        written += refresh_analysis_outputs(folder_view(analysed, run), run)
        console.print(f"analysis of {escape(display_path(run))} replaced: {', '.join(p.name for p in written)}")
    placeholders = [n for n, v in analysed.analysis.get("costs", {}).items() if v.get("placeholder")]
    show_report(console, analysed.scenario, analysed.details.workload, analysed.details.costs, run, placeholders)
    console.print(figures_table(analysed.figures))
