"""pds-plan run: the main job, from a scenario to a complete run folder, step by step."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from pds_plan.analysis.pool_design import DesignSettings, PoolDesignError, count_of, design_pools
from pds_plan.analysis.summary import summarise
from pds_plan.analysis.workload import on_call_per_night
from pds_plan.check import check_rota
from pds_plan.cli import analyse as analyse_commands
from pds_plan.cli import export as export_commands
from pds_plan.cli import map as map_commands
from pds_plan.cli import plot as plot_commands
from pds_plan.cli import solve as solve_commands
from pds_plan.cli.common import clean_errors, console, errors, scenario_or_default
from pds_plan.cli.pools import show_design
from pds_plan.cli.render import show_summary
from pds_plan.domain.model import Scenario
from pds_plan.errors import OutputExistsError, display_path
from pds_plan.io.rota import load_rota
from pds_plan.io.scenario import load_scenario
from pds_plan.optimise.rota_model import SolveOptions
from pds_plan.outputs.pool_design import pool_design_texts
from pds_plan.outputs.report import write_report

STEPS = ("validate", "pools", "solve", "check", "analyse", "export", "map and plots", "report")


class _Steps:
    """Numbered step headers and the time each step took, for the closing panel."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.notes: dict[str, str] = {}

    def run(self, name: str, action: Callable[[], Any]) -> Any:
        number = STEPS.index(name) + 1
        console.rule(f"[bold]{number}/{len(STEPS)} {name}", align="left")
        started = time.monotonic()
        if name == "solve":  # the solver shows its own live table of rotas found; rich allows one live display
            value = action()
        else:
            with console.status(f"{number}/{len(STEPS)} {name}..."):
                value = action()
        self.seconds[name] = time.monotonic() - started
        return value


def _design_step(
    scenario: Scenario, design: bool, settings: DesignSettings, steps: _Steps
) -> tuple[Scenario, dict[str, str]]:
    if scenario.pools:
        steps.notes["pools"] = f"{len({m.pool_id for m in scenario.pools})} fixed pools from the scenario"
        console.print(steps.notes["pools"])
        return scenario, {}
    if not design:
        steps.notes["pools"] = "formed by the optimiser period by period (--no-pool-design)"
        console.print(steps.notes["pools"])
        return scenario, {}
    try:
        result = design_pools(scenario, settings)
    except PoolDesignError as error:
        steps.notes["pools"] = "none designed: the optimiser forms them period by period"
        errors.print(f"[bold yellow]warning:[/] {escape(str(error))}; {steps.notes['pools']}")
        return scenario, {}
    show_design(console, result)
    steps.notes["pools"] = (
        f"{count_of(len(result.pools), 'pool')} designed for {count_of(len(scenario.pds_sites), 'PDS site')} "
        f"({sum(1 for p in result.pools if p.meets_sla)} meet the turnaround target)"
    )
    return result.with_pools(), pool_design_texts(result)


def _check_step(scenario: Scenario, folder: Path) -> int:
    """The independent check of the rota as written, with the rules (pools included) it was solved under."""
    violations = check_rota(scenario, load_rota(folder / "rota.csv", scenario))
    for violation in violations:
        errors.print(f"[bold red]{violation.rule}:[/] {escape(violation.message)}")
    console.print(f"rota.csv checked independently: {len(violations)} violation(s) of the hard rules")
    return len(violations)


def _report_step(folder: Path, scenario: Scenario, force: bool) -> Path:
    return write_report(folder, folder / "report.html", scenario=scenario, force=force)


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def kpi_rows(folder: Path) -> list[tuple[str, str]]:
    """The figures the closing panel shows, read back from the run folder."""
    summary = _read_json(folder / "summary.json")
    analysis = _read_json(folder / "analysis.json")
    rows: list[tuple[str, str]] = []
    gap = summary.get("gap")
    rows.append(
        (
            "rota",
            f"{summary.get('status', '?')}"
            + (" (proven optimal)" if summary.get("proven_optimal") else "")
            + ("" if gap is None else f", gap {gap:.1%}")
            + f", {summary.get('wall_time_seconds', 0):.0f} s",
        )
    )
    rows.append(("rule check", f"{summary.get('rule_check', {}).get('violations', '?')} violation(s)"))
    nights = on_call_per_night(pd.read_csv(folder / "rota.csv", dtype=str))
    if not nights.empty:
        mean = f"{nights['radiologists'].mean():.1f} radiologists for {nights['sites'].mean():.1f} sites (mean)"
        rows.append(("on call per night", mean))
    # The same max/min measure as summary.json and the report, overall and within credential groups.
    optimised = summary.get("fairness", {})
    greedy = summary.get("greedy_baseline", {}).get("fairness", {})
    floor = summary.get("fairness_floor") or {}
    for label, key, floor_key in (
        ("fairness (max/min load)", "spread_ratio_max_min", "spread_ratio_at_least"),
        (
            "  within credential groups",
            "spread_ratio_within_credential_groups",
            "spread_ratio_within_credential_groups_at_least",
        ),
    ):
        if optimised.get(key) is not None:
            parts = [f"greedy {greedy[key]:.2f}"] if greedy.get(key) is not None else []
            if floor.get(floor_key) is not None:
                parts.append(f"no rota below {floor[floor_key]:.2f}")
            rows.append((label, f"{optimised[key]:.2f}" + (f" ({', '.join(parts)})" if parts else "")))
    sites_file = folder / "workload_sites.csv"
    if sites_file.exists():
        shares = pd.read_csv(sites_file)["sla_share_within_target"].dropna()
        target = analysis.get("sla", {}).get("target_minutes", 30)
        if not shares.empty:
            rows.append((f"reports within {target:g} min", f"{shares.min():.1%} to {shares.max():.1%} by site"))
    region = analysis.get("region", {})
    if region:
        rows.append(("cost", f"{region['total']:,.0f} € pooled, {region['no_pooling_total']:,.0f} € without pooling"))
    lost_file = folder / "daytime_days_lost.csv"
    if lost_file.exists():
        lost = pd.read_csv(lost_file)
        rows.append(
            (
                "daytime days lost to rest",
                f"{lost['days_lost'].sum():,.0f} ({lost['days_given_back'].sum():,.0f} given back by pooling)",
            )
        )
    return rows


def show_closing(folder: Path, steps: _Steps) -> None:
    table = Table(box=box.SIMPLE, show_header=False, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    for name, value in kpi_rows(folder):
        table.add_row(name, escape(value))
    if "pools" in steps.notes:
        table.add_row("pools", escape(steps.notes["pools"]))
    outputs = [
        ("run folder", folder),
        ("rota", folder / "rota.csv"),
        ("workbook", folder / "exports" / "rota.xlsx"),
        ("calendars", folder / "exports" / "calendars"),
        ("map", folder / "map.png"),
        ("report", folder / "report.html"),
    ]
    for name, path in outputs:
        if path.exists():
            table.add_row(name, escape(display_path(path)))
    timing = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps.seconds.items())
    table.add_row("steps", escape(timing))
    console.print(Panel(table, title="pds-plan run: done", title_align="left"))


@clean_errors
def run_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file; the bundled Lorraine scenario when omitted.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Run folder (default runs/NAME-TIMESTAMP).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1.0, help="Seconds the solver may search.")] = 30.0,
    pool_design: Annotated[
        bool,
        typer.Option(
            "--pool-design/--no-pool-design",
            help="Design pools first when the scenario has none (default), or let the optimiser form them.",
        ),
    ] = True,
    sla_minutes: Annotated[
        float, typer.Option("--sla-minutes", min=1.0, help="Turnaround target of the pool design, minutes.")
    ] = 30.0,
    sla_target: Annotated[
        float,
        typer.Option(
            "--sla-target", min=0.0, max=1.0, help="Share of reports the pool design keeps within the target."
        ),
    ] = 0.95,
    force: Annotated[bool, typer.Option("--force", help="Replace the run folder if it exists.")] = False,
) -> None:
    """The main job: validate a scenario, design pools, solve, check, analyse, export, map and report.

    Everything lands in one run folder: the pool design (pools.csv, pools_summary.csv, when the scenario has no
    pools), the rota and its summary (as `solve`), the workload, turnaround, days-lost and cost reports (as
    `analyse`), the exports in exports/ (as `export --format all`), map.png and the four plots, and report.html.
    With no argument it runs the bundled Lorraine 2027 Q1 scenario.

    \b
    Examples:
      pds-plan run
      pds-plan run scenarios/pays-de-la-loire-2027q1.toml --out runs/pdl --time-limit 60
    """
    path = scenario_or_default(scenario)
    if out is not None and out.exists() and not force:
        raise OutputExistsError(f"{display_path(out)} already exists: choose another folder or pass --force")
    steps = _Steps()
    loaded = steps.run("validate", lambda: load_scenario(path))
    show_summary(console, summarise(loaded))
    settings = DesignSettings(sla_minutes=sla_minutes, sla_target=sla_target)
    solved_scenario, pool_files = steps.run("pools", lambda: _design_step(loaded, pool_design, settings, steps))
    options = SolveOptions(time_limit=time_limit)
    folder = steps.run(
        "solve",
        lambda: solve_commands.solve_and_write(
            solved_scenario, out, options, "cpsat", force, False, pool_files, exit_on_violations=False
        ),
    )
    violations = steps.run("check", lambda: _check_step(solved_scenario, folder))
    steps.run("analyse", lambda: analyse_commands.analyse_command(run=folder, scenario=path, force=force))
    steps.run("export", lambda: export_commands.export_command(run=folder, fmt="all", force=force))

    def pictures() -> None:
        map_commands.map_command(source=folder, out=folder / "map.png", force=force)
        for kind in ("workload", "fairness", "sla", "calendar"):
            plot_commands.plot_command(
                run=folder, kind=kind, out=folder / f"plot_{kind}.png", scenario=path, force=force
            )

    steps.run("map and plots", pictures)
    report = steps.run("report", lambda: _report_step(folder, solved_scenario, force))
    console.print(f"wrote {escape(display_path(report))}")
    show_closing(folder, steps)
    if violations:
        raise typer.Exit(1)
