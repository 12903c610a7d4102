"""pds-plan sweep: every combination of settings, each a full run, on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pds_plan.cli.common import clean_errors, console, scenario_or_default
from pds_plan.domain.run import RunSettings
from pds_plan.errors import display_path
from pds_plan.outputs.compare import shown
from pds_plan.outputs.sweep import write_sweep
from pds_plan.runs.sweep import (
    close_client,
    cpsat_threads,
    expand,
    local_client,
    parse_sets,
    remote_client,
    run_sweep,
)

# Short headers, so that the table stays readable at 80 columns.
SHOWN = {"status": "status", "on_call_per_night": "on call", "worst_site_sla_share": "worst site",
         "pools_below_target": "pools <", "fairness_max_over_min": "fair.", "cost_total_eur": "cost €"}  # fmt: skip


@clean_errors
def sweep_command(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files or bundled names (several at once).")],
    out: Annotated[Path, typer.Option("--out", help="Folder of the sweep: a run folder per variant, sweep.csv.")],
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="KEY=V1,V2,... (repeat); e.g. rules.max_sites_per_radiologist=2,3")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1.0, help="Seconds each solve may search.")] = 30.0,
    method: Annotated[str, typer.Option("--method", help="cpsat or greedy.")] = "cpsat",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="An existing cluster: tcp://host:8786.")] = None,
    scheduler_file: Annotated[
        Path | None, typer.Option("--scheduler-file", help="An existing cluster's scheduler file.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Dask workers of the local cluster (default: cores / 2).")
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option("--threads", min=1, help="CP-SAT threads per variant (default: cores / Dask workers, or 2)."),
    ] = None,
) -> None:
    """Run every combination of the --set values (and of each scenario's [sweep] table) as a full run.

    Each variant goes through the pipeline (pools, solve, check, analyse) on a Dask worker and gets its own run
    folder under --out; sweep.csv holds one row per variant (its values, status or error, and compare's key
    figures) and pareto.png the variants no other beats on radiologists on call, worst-site turnaround and cost.
    Keys are checked before anything runs. Re-running the same sweep solves only the variants not finished yet.
    A local cluster by default (Dask workers × CP-SAT threads within the cores), or --scheduler for a real one.

    \b
    Examples:
      pds-plan sweep lorraine-2027q1 --set rules.max_sites_per_radiologist=2,3 --set run.sla_target=0.9,0.95 --out sw
      pds-plan sweep scenarios/*.toml --out runs/all --scheduler tcp://10.0.0.5:8786
    """
    if method not in ("cpsat", "greedy"):
        raise typer.BadParameter("expected cpsat or greedy", param_hint="--method")
    parsed = parse_sets(sets or [])
    paths = [scenario_or_default(path) for path in scenarios]
    remote = scheduler is not None or scheduler_file is not None
    client: Any = remote_client(scheduler, scheduler_file) if remote else local_client(workers)
    try:
        dask_workers = len(client.scheduler_info().get("workers", {})) or 1
        # On a local cluster the CP-SAT threads share this machine's cores; on a real one each worker has its own.
        if threads is None:
            threads = cpsat_threads(dask_workers) if not remote else 2
        settings = RunSettings(method=method, time_limit=time_limit, workers=threads)
        variants = expand(paths, parsed, settings)
        console.print(
            f"{len(variants)} variant(s) of {len(paths)} scenario(s) on {dask_workers} Dask worker(s), "
            f"{threads} CP-SAT thread(s) each"
        )
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=False) as progress:  # fmt: skip
            task = progress.add_task("variants", total=len(variants))

            def done(row: dict[str, Any]) -> None:
                progress.advance(task)
                state = f"error: {row['error']}" if row["error"] else row["status"]
                progress.console.print(f"  {escape(str(row['variant']))}: {escape(state)}")

            result = run_sweep(variants, out, client, on_done=done)
    finally:
        close_client(client)
    if result.skipped:
        console.print(f"{result.skipped} variant(s) already finished in {escape(display_path(out))}: not solved again")
    table = Table(box=box.SIMPLE_HEAD, title="Sweep", title_justify="left", padding=(0, 1))
    table.add_column("variant", overflow="fold", min_width=14, ratio=1)
    for header in SHOWN.values():
        table.add_column(header, justify="right", no_wrap=True)
    for row in result.rows.to_dict("records"):
        cells = [escape(shown(c, row[c])) for c in SHOWN] if not row["error"] else ["error", *[""] * (len(SHOWN) - 1)]
        table.add_row(escape(str(row["variant"])), *cells)
    console.print(table)
    for path in write_sweep(result.rows, out):
        console.print(f"wrote {escape(display_path(path))}")
    failed = result.rows[result.rows["error"] != ""] if len(result.rows) else result.rows
    for row in failed.to_dict("records"):
        console.print(f"[yellow]{escape(str(row['variant']))}:[/] {escape(str(row['error']))}")
