"""The plot command: a run's on-call heatmap, fairness, turnaround per pool or month calendar as png, svg or pdf."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pds_plan.cli.common import clean_errors, console, report_problems
from pds_plan.domain.language import Language
from pds_plan.errors import display_path
from pds_plan.io.run_store import folder_view, read_run
from pds_plan.outputs.plots import PlotKind, output_format, write_plot

WHAT = {
    PlotKind.WORKLOAD: "on-call periods per radiologist and ISO week",
    PlotKind.FAIRNESS: "weighted load against fair share, optimised vs greedy baseline",
    PlotKind.SLA: "share of reports within the turnaround target per pool",
    PlotKind.CALENDAR: "month calendar of who covers which site",
}


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
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    lang: Annotated[
        Language, typer.Option("--lang", help="Language of the plot's words: fr or en.", case_sensitive=False)
    ] = Language.FR,
) -> None:
    """Plot a run, sized to be read on A4.

    workload: on-call periods per radiologist and ISO week, grouped by home site (a period covering several sites
    counts once). fairness: each radiologist's weighted load against their fair share, the optimised rota next to
    the greedy baseline of the run. sla: share of reports within the turnaround target per pool,
    with the run's target line. calendar: a month grid of who is on call for each
    site. Words, dates and numbers are French unless --lang en. Nothing is written if the file exists, unless
    --force.

    \b
    Examples:
      pds-plan plot runs/lorraine --kind workload --out workload.png
      pds-plan plot runs/lorraine --kind calendar --month 2027-02 --out february.pdf
      pds-plan plot runs/lorraine --kind fairness --out fairness-en.png --lang en
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
    loaded = read_run(run, scenario)
    report_problems(list(loaded.scenario.warnings), label="warning", style="bold yellow")
    written = write_plot(chosen, folder_view(loaded, run), out, month=month, force=force, language=lang)
    console.print(f"wrote {escape(display_path(written))} ({WHAT[chosen]})")
