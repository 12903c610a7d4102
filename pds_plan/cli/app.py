"""The pds-plan command line: thin commands over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pds_plan.analysis.summary import summarise
from pds_plan.cli import analyse as analyse_commands
from pds_plan.cli import export as export_commands
from pds_plan.cli import map as map_commands
from pds_plan.cli import plot as plot_commands
from pds_plan.cli import pools as pools_commands
from pds_plan.cli import scenario as scenario_commands
from pds_plan.cli import solve as solve_commands
from pds_plan.cli.common import clean_errors, console, scenario_or_default
from pds_plan.cli.render import show_summary
from pds_plan.io.scenario import load_scenario
from pds_plan.optimise.rota_model import SolveOptions

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
app.command("analyse")(analyse_commands.analyse_command)
app.command("export")(export_commands.export_command)
app.command("plot")(plot_commands.plot_command)
app.command("map")(map_commands.map_command)
app.add_typer(pools_commands.pools_app, name="pools")


@app.command("run")
@clean_errors
def run(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file; the bundled Lorraine scenario when omitted.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Run folder (default runs/NAME-TIMESTAMP).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds the solver may search.")] = 30.0,
    force: Annotated[bool, typer.Option("--force", help="Replace the run folder if it exists.")] = False,
) -> None:
    """The main job: validate a scenario, solve its rota, check it, analyse it and export it, in one run folder.

    The run folder gets the rota and its summary (as `solve`), the workload, turnaround, days-lost and cost
    reports (as `analyse`), the exports in exports/ (as `export --format all`), map.png (as `map`) and the four
    plots (as `plot`). With no argument it runs the bundled Lorraine 2027 Q1 scenario.

    \b
    Examples:
      pds-plan run
      pds-plan run scenarios/pays-de-la-loire-2027q1.toml --out runs/pdl --time-limit 60
    """
    path = scenario_or_default(scenario)
    loaded = load_scenario(path)
    show_summary(console, summarise(loaded))
    folder = solve_commands.solve_and_write(path, out, SolveOptions(time_limit=time_limit), "cpsat", force, False)
    analyse_commands.analyse_command(run=folder, scenario=path, force=force)
    export_commands.export_command(run=folder, fmt="all", force=force)
    map_commands.map_command(source=folder, out=folder / "map.png", force=force)
    for kind in ("workload", "fairness", "sla", "calendar"):
        plot_commands.plot_command(run=folder, kind=kind, out=folder / f"plot_{kind}.png", scenario=path, force=force)
    console.print(f"[bold]Done:[/] everything is in {folder}")


def main() -> None:
    app()
