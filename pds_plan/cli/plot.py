"""The plot command: a run's on-call heatmap, fairness, turnaround per pool or month calendar as png, svg or pdf."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pds_plan.cli.common import clean_errors, console, report_problems
from pds_plan.domain.model import Scenario
from pds_plan.errors import display_path
from pds_plan.io.run_folder import RunFolder, load_run, load_run_scenario
from pds_plan.outputs.plots import DEFAULT_SLA_TARGET, PlotKind, output_format, write_plot

WHAT = {
    PlotKind.WORKLOAD: "on-call periods per radiologist and ISO week",
    PlotKind.FAIRNESS: "weighted load against fair share, optimised vs greedy baseline",
    PlotKind.SLA: "share of reports within the turnaround target per pool",
    PlotKind.CALENDAR: "month calendar of who covers which site",
}


def _scenario(run: RunFolder, given: Path | None, required: bool) -> Scenario | None:
    """The scenario given, else the manifest's; when it is only nice to have, a missing one is a note."""
    from pds_plan.cli.analyse import optional_run_scenario, scenario_of_run

    if required:
        loaded = load_run_scenario(run, scenario_of_run(run, given))
        report_problems(list(loaded.warnings), label="warning", style="bold yellow")
        return loaded
    return optional_run_scenario(run, given, "drawing from the run files alone")


@clean_errors
def plot_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `pds-plan solve` or `pds-plan run`.")],
    kind: Annotated[str, typer.Option("--kind", help="workload, fairness, sla or calendar.")],
    out: Annotated[Path, typer.Option("--out", help="Image file to write: .png, .svg or .pdf.")],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario TOML file (default: the one recorded in the run's manifest)."),
    ] = None,
    month: Annotated[
        str | None, typer.Option("--month", help="calendar: the month to draw, YYYY-MM (default the run's first).")
    ] = None,
    target: Annotated[
        float, typer.Option("--target", help="sla: target share of reports within the turnaround time.", min=0, max=1)
    ] = DEFAULT_SLA_TARGET,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Plot a run, sized to be read on A4.

    workload: on-call periods per radiologist and ISO week, grouped by home site (a period covering several sites
    counts once). fairness: each radiologist's weighted load against their fair share, the optimised rota next to
    the greedy baseline (recomputed from the scenario). sla: share of reports within the turnaround target per pool,
    with the target line (needs `pds-plan analyse RUN` first). calendar: a month grid of who is on call for each
    site. Nothing is written if the file exists, unless --force.

    \b
    Examples:
      pds-plan plot runs/lorraine --kind workload --out workload.png
      pds-plan plot runs/lorraine --kind calendar --month 2027-02 --out february.pdf
    """
    try:
        chosen = PlotKind(kind.strip().lower())
    except ValueError:
        raise typer.BadParameter(
            f"expected one of {', '.join(k.value for k in PlotKind)}, not {kind!r}", param_hint="--kind"
        ) from None
    output_format(out)
    if month is not None and chosen is not PlotKind.CALENDAR:
        raise typer.BadParameter("only used with --kind calendar", param_hint="--month")
    loaded_run = load_run(run)
    loaded = _scenario(loaded_run, scenario, required=chosen is PlotKind.FAIRNESS)
    if chosen is PlotKind.FAIRNESS:
        console.print("recomputing the greedy baseline for comparison")
    written = write_plot(chosen, loaded_run, out, loaded, month=month, target=target, force=force)
    console.print(f"wrote {escape(display_path(written))} ({WHAT[chosen]})")
