"""Commands that make and check rotas: solve, check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from pds_plan.check import check_rota
from pds_plan.cli.common import clean_errors, console, errors, report_problems, scenario_or_default
from pds_plan.cli.render import show_run
from pds_plan.domain.model import Scenario
from pds_plan.errors import InfeasibleError
from pds_plan.io.rota import load_rota
from pds_plan.io.scenario import load_scenario
from pds_plan.optimise.rota_model import Progress, SolveOptions
from pds_plan.outputs.run_folder import write_run
from pds_plan.runs import RunResult, solve

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario TOML file; the bundled Lorraine 2027 Q1 scenario when omitted.", show_default=False),
]


def default_run_folder(name: str) -> Path:
    return Path("runs") / f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}"


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


def solve_with_display(scenario: Path | Scenario, options: SolveOptions, method: str, quiet: bool = False) -> RunResult:
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")
    history: list[Progress] = []
    if quiet or method == "greedy" or not console.is_terminal:
        return solve(loaded, options, method)
    with Live(_progress_table(history), console=console, refresh_per_second=4, transient=False) as live:

        def on_progress(progress: Progress) -> None:
            history.append(progress)
            live.update(_progress_table(history))

        return solve(loaded, options, method, on_progress)


def report_infeasible(error: InfeasibleError) -> None:
    errors.print("[bold red]infeasible:[/] no rota satisfies every hard rule")
    for line in error.explanation:
        errors.print(f"  - {escape(line)}")
    for line in error.suggestions:
        errors.print(f"  [bold]suggestion:[/] {escape(line)}")


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
    """Build the on-call rota with CP-SAT, check it, and write a run folder.

    The folder holds rota.csv (one row per site per period), rota_by_radiologist.csv (one row per block),
    summary.json (status, objective, bound, gap, fairness, rule check, greedy baseline) and manifest.json (input
    hashes, versions, seed). Exit code 3 with an explanation when no rota can satisfy every rule.

    \b
    Examples:
      pds-plan solve scenarios/lorraine-2027q1.toml --out runs/lorraine --time-limit 30
      pds-plan solve scenarios/picardie-2027q1.toml --method greedy --out runs/picardie-greedy
    """
    if method not in ("cpsat", "greedy"):
        raise typer.BadParameter("expected cpsat or greedy", param_hint="--method")
    options = SolveOptions(time_limit=time_limit, workers=workers, seed=seed, deterministic=deterministic)
    solve_and_write(scenario_or_default(scenario), out, options, method, force, quiet)


def solve_and_write(
    scenario: Path | Scenario,
    out: Path | None,
    options: SolveOptions,
    method: str,
    force: bool,
    quiet: bool,
    extra_files: Mapping[str, str] | None = None,
    exit_on_violations: bool = True,
) -> Path:
    """Solve, check and write the run folder (returned), with `extra_files` in it; exit 3 with an explanation when
    infeasible, and 1 on rule violations unless the caller reports them itself (`exit_on_violations`)."""
    if out is not None and out.exists() and not force:
        errors.print(f"[bold red]error:[/] {escape(str(out))} already exists: choose another folder or pass --force")
        raise typer.Exit(2)
    try:
        result = solve_with_display(scenario, options, method, quiet)
    except InfeasibleError as error:
        report_infeasible(error)
        raise typer.Exit(error.exit_code) from None
    folder = write_run(result, out or default_run_folder(result.scenario.name), force=force, extra_files=extra_files)
    show_run(console, result, folder)
    if result.violations and exit_on_violations:
        raise typer.Exit(1)
    return folder


@clean_errors
def check_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file the rota is for.")],
    rota: Annotated[
        Path, typer.Argument(help="Rota CSV: date, period, site_id, radiologist_id (other columns ignored).")
    ],
) -> None:
    """Check any rota (also one made by hand in Excel) against every hard rule of the scenario.

    Prints each violation with site, radiologist and time; exit code 1 if there is any.

    Example: pds-plan check scenarios/lorraine-2027q1.toml runs/lorraine/rota.csv
    """
    loaded = load_scenario(scenario)
    violations = check_rota(loaded, load_rota(rota, loaded))
    for violation in violations:
        console.print(f"[bold red]{violation.rule}:[/] {escape(violation.message)}")
    if violations:
        console.print(f"{len(violations)} violation(s) of the hard rules.")
        raise typer.Exit(1)
    console.print(f"No violation: the rota keeps every hard rule of {loaded.name}.")
