"""The command that makes rotas: solve (and the solving and writing `run` shares)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.live import Live
from rich.table import Table

from pds_plan.cli.common import clean_errors, console, report_problems, scenario_or_default
from pds_plan.cli.render import figures_table, report_infeasible, show_run
from pds_plan.domain.model import Scenario
from pds_plan.domain.run import Run, RunSettings
from pds_plan.errors import InfeasibleError, OutputExistsError, display_path
from pds_plan.io.run_store import default_run_folder, write_run
from pds_plan.io.scenario import load_scenario
from pds_plan.optimise.rota_model import Progress

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario TOML file; the bundled Lorraine 2027 Q1 scenario when omitted.", show_default=False),
]


def _progress_table(history: list[Progress]) -> Table:
    table = Table(title="CP-SAT: rotas found (Ctrl-C keeps the best so far)", title_justify="left")
    for column in ("#", "objective", "best bound", "gap", "elapsed s"):
        table.add_column(column, justify="right")
    for p in history[-8:]:
        if p.source == "greedy":  # month by month: the complete greedy rota, kept by Ctrl-C from now on
            table.add_row("–", "greedy rota (every rule kept)", "–", "–", f"{p.elapsed:.1f}")
        else:
            table.add_row(
                str(p.solutions), f"{p.objective:,.0f}", f"{p.bound:,.0f}", f"{p.gap:.1%}", f"{p.elapsed:.1f}"
            )
    return table


def plan_with_display(scenario: Scenario, settings: RunSettings, quiet: bool = False) -> Run:
    """The pipeline, with a live table of the rotas CP-SAT finds when the terminal can show it."""
    from pds_plan.runs.pipeline import plan  # OR-Tools is loaded only when a rota is to be solved

    history: list[Progress] = []
    if quiet or settings.method == "greedy" or not console.is_terminal:
        return plan(scenario, settings)
    with Live(_progress_table(history), console=console, refresh_per_second=4, transient=False) as live:

        def on_progress(progress: Progress) -> None:
            history.append(progress)
            live.update(_progress_table(history))

        return plan(scenario, settings, on_progress=on_progress)


@clean_errors
def solve_command(
    scenario: ScenarioArg = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Run folder to write (default runs/NAME-TIMESTAMP).")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1.0, help="Seconds the solver may search.")] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solver.")] = 0,
    workers: Annotated[int, typer.Option("--workers", help="Solver threads.")] = 2,
    method: Annotated[
        str, typer.Option("--method", help="cpsat (optimised) or greedy (spreadsheet baseline).")
    ] = "cpsat",
    force: Annotated[bool, typer.Option("--force", help="Replace the run folder if it exists.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No live display of the search.")] = False,
    pools: Annotated[
        Path | None,
        typer.Option("--pools", help="Pools file (pool_id, site_id) instead of the scenario's."),
    ] = None,
    sla_minutes: Annotated[
        float, typer.Option("--sla-minutes", min=1.0, help="Turnaround target, minutes (rule and analysis).")
    ] = 30.0,
    sla_target: Annotated[
        float, typer.Option("--sla-target", min=0.0, max=1.0, help="Share of reports a pool keeps within target.")
    ] = 0.95,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic/--no-deterministic",
            help="Reproducible search (default): the same inputs, seed and workers give the same rota, the search "
            "stopping on a budget of solver work units that does not depend on the machine's load (--time-limit "
            "stays a wall-clock cap). --no-deterministic runs CP-SAT's whole parallel portfolio until --time-limit.",
        ),
    ] = True,
) -> None:
    """Build the on-call rota with CP-SAT, check it, analyse it, and write a complete run folder.

    The folder holds rota.csv (one row per site per period), rota_by_radiologist.csv (one row per block),
    baseline_rota.csv (the greedy baseline), summary.json (status, objective, bound, gap, fairness, rule check and
    the key figures), the workload, turnaround and cost tables, and manifest.json (input hashes, versions, seed).
    Without pools, the sites the optimiser puts under one reader keep the turnaround target (--sla-minutes,
    --sla-target). Exit code 3 with an explanation when no rota can satisfy every rule.

    \b
    Examples:
      pds-plan solve scenarios/lorraine-2027q1.toml --out runs/lorraine --time-limit 30
      pds-plan solve scenarios/picardie-2027q1.toml --method greedy --out runs/picardie-greedy
      pds-plan solve lorraine-2027q1 --pools runs/lorraine/pools.csv --out runs/lorraine-pools
    """
    if method not in ("cpsat", "greedy"):
        raise typer.BadParameter("expected cpsat or greedy", param_hint="--method")
    if out is not None and out.exists() and not force:
        raise OutputExistsError(f"{display_path(out)} already exists: choose another folder or pass --force")
    loaded = load_scenario(scenario_or_default(scenario), {"pools": pools} if pools is not None else None)
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")
    settings = RunSettings(
        method=method,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        design_pools=False,  # solve takes the pools it is given; `pds-plan run` designs them
        sla_minutes=sla_minutes,
        sla_target=sla_target,
    )
    try:
        run = plan_with_display(loaded, settings, quiet)
    except InfeasibleError as error:
        report_infeasible(error)
        raise typer.Exit(error.exit_code) from None
    folder = write_run(run, out or default_run_folder(run.name), force=force)
    show_run(console, run.details.result, folder)
    console.print(figures_table(run.figures))
    if run.violations:
        raise typer.Exit(1)
