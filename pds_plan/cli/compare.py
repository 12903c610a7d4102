"""pds-plan compare: runs side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pds_plan.cli.common import clean_errors, console
from pds_plan.errors import display_path
from pds_plan.io.run_store import read_run
from pds_plan.outputs.compare import shown, write_compare
from pds_plan.runs.compare import compare

# What the terminal table shows, one row per figure (the runs are its columns, so it stays readable at 80 columns
# for a few runs); compare.csv and compare.md hold every column.
SHOWN = {
    "status": "status",
    "gap": "gap",
    "on_call_per_night": "on call per night",
    "pooled_sites": "pooled sites",
    "worst_site_name": "worst site",
    "worst_site_sla_share": "worst site within target",
    "pools_below_target": "pools below target",
    "fairness_max_over_min": "fairness max/min",
    "fairness_within_groups": "within credential groups",
    "fairness_hours_max_over_min": "hours max/min",
    "radiologists_excluded": "radiologists excluded",
    "daytime_days_lost": "daytime days lost",
    "cost_total_eur": "cost €",
    "cost_no_pooling_eur": "cost without pooling €",
}


def run_labels(paths: list[Path]) -> list[str]:
    """Each run by its folder's name, or by its path where two folders share a name."""
    names = [path.name for path in paths]
    return [name if names.count(name) == 1 else display_path(path) for name, path in zip(names, paths, strict=True)]


@clean_errors
def compare_command(
    runs: Annotated[list[Path], typer.Argument(help="Run folders (of one scenario or several).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for compare.csv, compare.md and compare.png.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace files that already exist.")] = False,
) -> None:
    """Compare runs side by side: one row per run with its key figures (those of its summary.json).

    With --out, writes compare.csv (unrounded), compare.md and compare.png (radiologists on call per night, worst
    site's turnaround share against the target, cost with and without pooling).

    \b
    Examples:
      pds-plan compare runs/lorraine runs/lorraine-20min
      pds-plan compare runs/* --out comparison/
    """
    table = compare([(label, read_run(path)) for label, path in zip(run_labels(runs), runs, strict=True)])
    view = Table(box=box.SIMPLE_HEAD, padding=(0, 1), title="Runs compared", title_justify="left")
    view.add_column("", style="bold", overflow="fold")
    for label in table["run"]:
        view.add_column(escape(str(label)), justify="right", overflow="fold")
    for column, header in SHOWN.items():
        view.add_row(header, *[escape(shown(column, value)) for value in table[column]])
    console.print(view)
    if out is not None:
        for path in write_compare(table, out, force=force):
            console.print(f"wrote {escape(display_path(path))}")
