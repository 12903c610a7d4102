"""pds-plan run: the main job, from a scenario to a complete run folder, step by step.

The command only renders: the pipeline (`pds_plan.runs.pipeline.plan`) makes the run in memory, the run store
writes it, the outputs draw it. Ctrl-C stops after what is complete and says what was written.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel

from pds_plan.analysis.summary import summarise
from pds_plan.check import check_rota
from pds_plan.cli.common import clean_errors, console, errors, report_problems, scenario_or_default
from pds_plan.cli.render import figures_table, report_infeasible, show_summary
from pds_plan.domain.run import Run, RunSettings
from pds_plan.errors import InfeasibleError, OutputExistsError, display_path
from pds_plan.io.pseudonym_key import key_beside, read_or_create_key
from pds_plan.io.rota import load_rota
from pds_plan.io.run_store import ROTA_FILE, default_run_folder, folder_view, read_run, write_run
from pds_plan.io.scenario import load_scenario
from pds_plan.io.writers import folder_lock
from pds_plan.outputs.exports import ICS_FOLDER
from pds_plan.outputs.run_outputs import EXPORTS_FOLDER, MAP_FILE, REPORT_FILE, write_run_outputs
from pds_plan.runs.pseudonymise import PSEUDONYMISED_NOTE, pseudonymise

STEPS = ("validate", "pools", "solve", "check", "analyse", "write", "export", "map and plots", "report")


class Steps:
    """Numbered step headers, the time each step took, and what has been written so far (said on Ctrl-C)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.written: list[Path] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        number = STEPS.index(name) + 1
        console.rule(f"[bold]{number}/{len(STEPS)} {name}", align="left")
        started = time.monotonic()
        if name == "solve":  # quiet: rich allows one live display, and the solve has none here
            yield
        else:
            with console.status(f"{number}/{len(STEPS)} {name}..."):
                yield
        self.seconds[name] = time.monotonic() - started


def show_closing(run: Run, folder: Path, steps: Steps) -> None:
    table = figures_table(run.figures)
    for note in run.notes:
        table.add_row("privacy" if note == PSEUDONYMISED_NOTE else "pools", escape(note))
    outputs = [
        ("run folder", folder),
        ("rota", folder / "rota.csv"),
        ("workbook", folder / EXPORTS_FOLDER / "rota.xlsx"),
        ("calendars", folder / EXPORTS_FOLDER / ICS_FOLDER),
        ("map", folder / MAP_FILE),
        ("report", folder / REPORT_FILE),
    ]
    for name, path in outputs:
        if path.exists():
            table.add_row(name, escape(display_path(path)))
    table.add_row("steps", escape(", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps.seconds.items())))
    console.print(Panel(table, title="pds-plan run: done", title_align="left"))


def _interrupted(folder: Path, steps: Steps, written: bool) -> None:
    if not written:
        errors.print("[bold yellow]interrupted (Ctrl-C):[/] nothing was written")
    else:
        errors.print(f"[bold yellow]interrupted (Ctrl-C):[/] the run folder {escape(display_path(folder))} is complete")
        extra = [p for p in steps.written if p.exists()]
        if extra:
            errors.print(f"  and {len(extra)} output file(s) of the steps done; the other outputs were not written")
        else:
            errors.print("  no export, map or report was written")


@clean_errors
def run_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario TOML file or a bundled scenario's name; the bundled Lorraine one when omitted."),
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
        float, typer.Option("--sla-minutes", min=1.0, help="Turnaround target, minutes: pools, rule and analysis.")
    ] = 30.0,
    sla_target: Annotated[
        float,
        typer.Option("--sla-target", min=0.0, max=1.0, help="Share of reports every pool keeps within the target."),
    ] = 0.95,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the solver.")] = 0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Solver threads.")] = 2,
    force: Annotated[bool, typer.Option("--force", help="Replace the run folder if it exists.")] = False,
    pseudonymised: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="A run folder to share outside the ARS: radiologists' names and ids replaced by stable pseudonyms "
            "in every file (key in DIR.pseudonym-key beside the folder, created on first use; keep it, do not share "
            "it). check and analyse need the ARS's own run, not this folder.",
        ),
    ] = False,
) -> None:
    """The main job: validate a scenario, design pools, solve, check, analyse, export, map and report.

    Everything lands in one run folder: the pool design (when the scenario has none), the rota and its summary
    with the key figures, the workload, turnaround, days-lost and cost tables, the exports in exports/, map.png and
    the four plots, and report.html. With no argument it runs the bundled Lorraine 2027 Q1 scenario.

    \b
    Examples:
      pds-plan run
      pds-plan run picardie-2027q1
      pds-plan run scenarios/pays-de-la-loire-2027q1.toml --out runs/pdl --time-limit 60 --sla-minutes 20
      pds-plan run picardie-2027q1 --out shared/picardie --pseudonymise
    """
    path = scenario_or_default(scenario)
    if out is not None and out.exists() and not force:
        raise OutputExistsError(f"{display_path(out)} already exists: choose another folder or pass --force")
    settings = RunSettings(
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        design_pools=pool_design,
        sla_minutes=sla_minutes,
        sla_target=sla_target,
    )
    steps = Steps()
    written = False
    with steps.step("validate"):
        loaded = load_scenario(path)
    report_problems(list(loaded.warnings), label="warning", style="bold yellow")
    show_summary(console, summarise(loaded))
    folder = out or default_run_folder(loaded.name)
    key_file = key_beside(folder) if pseudonymised else None
    key = read_or_create_key(key_file) if key_file is not None else None
    try:
        # One lock from the first step to the report: a second run into the same folder is refused at once, even
        # with --force, instead of mixing its files with this one's.
        with folder_lock(folder):
            try:
                run = _plan(loaded, settings, steps.step)
            except InfeasibleError as error:
                report_infeasible(error)
                raise typer.Exit(error.exit_code) from None
            if key is not None:
                run = pseudonymise(run, key)  # once, before anything is written: every output draws this run
            with steps.step("write"):
                write_run(run, folder, force=force)
                written = True
                # The rota as written, read back and checked again: what a planner opens is what was checked.
                if key is None:
                    stored = read_run(folder)
                    violations = check_rota(stored.scenario, stored.assignments)
                else:  # the manifest's scenario names the real people, whom this rota no longer names
                    violations = check_rota(run.scenario, load_rota(folder / ROTA_FILE, run.scenario))
            for violation in violations:
                errors.print(f"[bold red]{violation.rule}:[/] {escape(violation.message)}")
            console.print(f"rota.csv read back and checked independently: {len(violations)} violation(s)")
            view = folder_view(run, folder)
            write_run_outputs(view, folder, force=force, on_step=steps.step, written=steps.written)
    except KeyboardInterrupt:
        _interrupted(folder, steps, written)
        raise typer.Exit(130) from None
    show_closing(run, folder, steps)
    if key_file is not None:
        console.print(f"pseudonym key, to keep at the ARS and not to share: {escape(display_path(key_file))}")
    if violations:
        raise typer.Exit(1)


def _plan(loaded: Any, settings: RunSettings, step: Callable[[str], Any]) -> Run:
    from pds_plan.runs.pipeline import plan  # OR-Tools is loaded only when a rota is to be solved

    return plan(loaded, settings, on_step=step)
