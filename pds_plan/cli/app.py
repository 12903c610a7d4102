"""The pds-plan command line: thin commands over the library."""

from __future__ import annotations

import typer

from pds_plan.cli import analyse as analyse_commands
from pds_plan.cli import check as check_commands
from pds_plan.cli import compare as compare_commands
from pds_plan.cli import export as export_commands
from pds_plan.cli import map as map_commands
from pds_plan.cli import plot as plot_commands
from pds_plan.cli import pools as pools_commands
from pds_plan.cli import replan as replan_commands
from pds_plan.cli import report as report_commands
from pds_plan.cli import run as run_commands
from pds_plan.cli import scenario as scenario_commands
from pds_plan.cli import solve as solve_commands
from pds_plan.cli import sweep as sweep_commands
from pds_plan.cli import volumes as volumes_commands

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
app.command("check")(check_commands.check_command)
app.command("analyse")(analyse_commands.analyse_command)
app.command("export")(export_commands.export_command)
app.command("plot")(plot_commands.plot_command)
app.command("map")(map_commands.map_command)
app.add_typer(volumes_commands.volumes_app, name="volumes")
app.add_typer(pools_commands.pools_app, name="pools")
app.command("report")(report_commands.report_command)
app.command("run")(run_commands.run_command)
app.command("compare")(compare_commands.compare_command)
app.command("replan")(replan_commands.replan_command)
app.command("swap")(replan_commands.swap_command)
app.command("cover")(replan_commands.cover_command)
app.command("sweep")(sweep_commands.sweep_command)


def main() -> None:
    app()
