"""The export command: a run folder's rota as CSV, an Excel workbook or one calendar per radiologist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pds_plan.cli.common import clean_errors, console
from pds_plan.domain.language import Language
from pds_plan.errors import display_path
from pds_plan.io.pseudonym_key import is_within, key_in, read_or_create_key
from pds_plan.io.run_store import folder_view, read_run
from pds_plan.outputs.exports import ICS_FOLDER, ExportFormat, export_run
from pds_plan.runs.pseudonymise import pseudonymise

SEPARATORS = {",": ",", ";": ";", "comma": ",", "semicolon": ";"}
FORMATS = {"csv": [ExportFormat.CSV], "xlsx": [ExportFormat.XLSX], "ics": [ExportFormat.ICS], "all": list(ExportFormat)}


@clean_errors
def export_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `pds-plan solve` or `pds-plan run`.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv (rota_long.csv and rota_grid.csv), xlsx (rota.xlsx), ics (calendars/<radiologist id>.ics) "
            "or all.",
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write the files into (default RUN/exports).")
    ] = None,
    separator: Annotated[
        str,
        typer.Option(
            "--separator",
            help="CSV field separator: ',' or ';' (French Excel; numbers then get a decimal comma).",
        ),
    ] = ",",
    cells: Annotated[
        str, typer.Option("--cells", help="What the grid cells show: the radiologist's name or id.")
    ] = "name",
    lang: Annotated[
        Language,
        typer.Option(
            "--lang",
            help="Language of the CSV and XLSX files (headings, sheet names, periods, dates): fr or en.",
            case_sensitive=False,
        ),
    ] = Language.FR,
    force: Annotated[bool, typer.Option("--force", help="Replace files that already exist.")] = False,
    pseudonymised: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Files to share outside the ARS: radiologists' names and ids replaced by stable pseudonyms (key in "
            "RUN/pseudonym.key, created on first use); needs --out outside the run folder.",
        ),
    ] = False,
) -> None:
    """Export a run's rota for planners and radiologists.

    csv: the rota in long form and the planner's grid (a row per date and period, a column per site), UTF-8 with a
    BOM so that Excel reads the accents. xlsx: a summary sheet, a grid sheet per month and the rota in long form.
    Both are in French unless --lang en, and `pds-plan check` reads them back in either language.
    ics: one calendar per radiologist, an event per on-call block; re-exporting updates the events in calendar
    applications instead of duplicating them. Text that a spreadsheet would run as a formula (beginning with =, +,
    - or @) is written with a leading '. Nothing is written if any file exists, unless --force.

    \b
    Examples:
      pds-plan export runs/lorraine --format xlsx --out exports/
      pds-plan export runs/lorraine --format xlsx --lang en --out exports-en/
      pds-plan export runs/lorraine --format csv --separator ';' --out exports/
      pds-plan export runs/lorraine --format ics --out exports/
      pds-plan export runs/lorraine --format all --pseudonymise --out shared/
    """
    formats = FORMATS.get(fmt.strip().lower())
    if formats is None:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}, not {fmt!r}", param_hint="--format")
    if separator not in SEPARATORS:
        raise typer.BadParameter("expected ',' or ';' (or comma, semicolon)", param_hint="--separator")
    if cells not in ("name", "id"):
        raise typer.BadParameter("expected name or id", param_hint="--cells")
    target = out if out is not None else run / "exports"
    if pseudonymised and (out is None or is_within(run, out)):
        # RUN/exports holds the real exports, and a folder holding RUN would hold the key too.
        raise typer.BadParameter("give a folder outside the run folder for pseudonymised files", param_hint="--out")
    loaded = read_run(run)
    if pseudonymised:
        loaded = pseudonymise(loaded, read_or_create_key(key_in(run)))
    view = folder_view(loaded, run)
    written = export_run(
        view,
        target,
        formats,
        separator=SEPARATORS[separator],
        cell="name" if cells == "name" else "id",
        force=force,
        language=lang,
    )
    calendars = [p for p in written if p.parent.name == ICS_FOLDER and p.suffix == ".ics"]
    for path in written:
        if path not in calendars:
            console.print(f"wrote {escape(display_path(path))}")
    if calendars:
        folder = display_path(calendars[0].parent)
        console.print(f"wrote {len(calendars)} calendar(s) in {escape(folder)}/ (one per radiologist)")
    if not written:
        console.print("nothing to export: the run has no assignment")
