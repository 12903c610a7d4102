"""The report command: one self-contained HTML file of a run (key figures, map, plots, tables), French or English."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pds_plan.cli.common import clean_errors, console
from pds_plan.errors import display_path
from pds_plan.io.pseudonym_key import key_in, read_or_create_key
from pds_plan.io.run_store import folder_view, read_run
from pds_plan.io.writers import refuse_to_overwrite
from pds_plan.outputs.report import Language, output_path, write_report
from pds_plan.runs.pseudonymise import pseudonymise


@clean_errors
def report_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `pds-plan run` or `pds-plan solve`.")],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write (.html).")],
    lang: Annotated[
        Language, typer.Option("--lang", help="Language of the report: fr or en.", case_sensitive=False)
    ] = Language.FR,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario TOML file (default: the one recorded in the run's manifest)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    pseudonymised: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="A report to share outside the ARS: radiologists' names and ids replaced by stable pseudonyms, "
            "in the tables and the pictures (key in RUN/pseudonym.key, created on first use); the report says so.",
        ),
    ] = False,
) -> None:
    """Write a run's report as one HTML file that stands alone: open it, mail it, print it (A4).

    Scenario facts, key figures (optimiser status, rule check, fairness against the greedy baseline, on-call
    duties, cost, days lost to repos de sécurité, share of reports within the turnaround target), the coverage
    map, the four plots and the tables of sites, radiologists and costs. Images are embedded; nothing is fetched
    from the network. Every figure comes from the run folder's key figures and tables; the map and plots are drawn
    from the run. Nothing is written if the file exists, unless --force.

    \b
    Examples:
      pds-plan report runs/lorraine --out lorraine.html
      pds-plan report runs/lorraine --out lorraine-en.html --lang en
      pds-plan report runs/lorraine --out shared/lorraine.html --pseudonymise
    """
    path = output_path(out)
    refuse_to_overwrite(path, force)  # before loading anything, which may take seconds
    loaded = read_run(run, scenario)
    if pseudonymised:
        loaded = pseudonymise(loaded, read_or_create_key(key_in(run)))
    written = write_report(folder_view(loaded, run), path, lang=lang, force=force)
    console.print(f"wrote {escape(display_path(written))}")
