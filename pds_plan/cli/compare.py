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

# Short headers, so that the table stays readable at 80 columns (the runs are rows, the figures columns).
SHOWN = {
    "status": "status",
    "on_call_per_night": "on call",
    "pooled_sites": "pooled",
    "worst_site_sla_share": "worst site",
    "pools_below_target": "pools <target",
    "fairness_max_over_min": "fair.",
    "fairness_within_groups": "groups",
    "radiologists_excluded": "excl.",
    "daytime_days_lost": "days lost",
    "cost_total_eur": "cost €",
    "cost_no_pooling_eur": "no pool €",
}


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
    loaded = [(path.name, read_run(path)) for path in runs]
    table = compare(loaded)
    view = Table(box=box.SIMPLE_HEAD, padding=(0, 1), title="Runs compared", title_justify="left")
    view.add_column("run", no_wrap=True, overflow="fold")
    for header in SHOWN.values():
        view.add_column(header, justify="right", overflow="fold")
    for row in table.to_dict("records"):
        view.add_row(escape(str(row["run"])), *[escape(shown(column, row[column])) for column in SHOWN])
    console.print(view)
    if out is not None:
        for path in write_compare(table, out, force=force):
            console.print(f"wrote {escape(display_path(path))}")
