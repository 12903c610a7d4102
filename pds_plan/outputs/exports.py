"""Tabular exports: CSV files written atomically, and the rota of a run folder as files planners can open.

`export_run` is the entry point of `pds-plan export`: the rota in long form and as a planner's grid (CSV), an Excel
workbook (outputs/xlsx.py) and one calendar per radiologist (outputs/calendar_ics.py), all made from the tables of
outputs/rota_tables.py. The CSV files and the workbook are for people: French by default (headings, period names,
dates), English on request; `pds-plan check` reads them back in either language. Every file is rendered in memory
first, so that an existing file (without `force`) or a bad run folder stops the export before anything is written;
each file is then written atomically.

Spreadsheet applications run a cell that begins with `=`, `+`, `-` or `@` as a formula, so a name typed into an
input file could become a link or a command in the planner's Excel ("CSV injection"). Every CSV goes through
`csv_text` and every XLSX text cell through `neutralise` (io/spreadsheet.py), which put a `'` in front of such text;
numbers are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import pandas as pd

from pds_plan.domain.calendar import Period
from pds_plan.domain.language import Language
from pds_plan.io.run_folder import RunFolder
from pds_plan.io.spreadsheet import csv_text
from pds_plan.io.writers import atomic_write_text
from pds_plan.outputs.calendar_ics import render_ics
from pds_plan.outputs.rota_tables import (
    CellLabel,
    as_run,
    as_text,
    grid_frame,
    long_frame,
    site_labels,
    write_files,
)
from pds_plan.outputs.xlsx import render_xlsx

# The tables, for callers that take them from here with the exports made of them.
__all__ = [
    "GRID_CSV",
    "ICS_FOLDER",
    "LONG_CSV",
    "XLSX_FILE",
    "CellLabel",
    "ExportFormat",
    "as_run",
    "as_text",
    "calendar_frame",
    "csv_bytes",
    "export_run",
    "grid_frame",
    "long_frame",
    "render_csv",
    "render_exports",
    "site_labels",
    "write_csv",
    "write_files",
]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    ICS = "ics"


LONG_CSV = "rota_long.csv"
GRID_CSV = "rota_grid.csv"
XLSX_FILE = "rota.xlsx"
ICS_FOLDER = "calendars"


def calendar_frame(periods: Iterable[Period]) -> pd.DataFrame:
    """The PDS calendar in long form, one row per site per period, local ISO date-times."""
    return pd.DataFrame(
        [
            {
                "date": p.date.isoformat(),
                "period": p.kind.value,
                "site_id": p.site_id,
                "start": p.start.strftime("%Y-%m-%dT%H:%M"),
                "end": p.end.strftime("%Y-%m-%dT%H:%M"),
                "utc_offset_start": p.start.strftime("%z"),
                "hours": round(p.minutes / 60, 2),
                "holiday": p.holiday or "",
            }
            for p in periods
        ],
        columns=["date", "period", "site_id", "start", "end", "utc_offset_start", "hours", "holiday"],
    )


def write_csv(frame: pd.DataFrame, path: Path, force: bool = False, separator: str = ",", bom: bool = False) -> Path:
    """Write a frame as a CSV file atomically, formula text neutralised (`csv_text`)."""
    text = csv_text(frame, separator)
    return atomic_write_text(path, text, force=force, encoding="utf-8-sig" if bom else "utf-8")


# --- rendering and writing ---------------------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame, separator: str = ",") -> bytes:
    """A frame as CSV for Excel: UTF-8 with BOM, formula text neutralised, decimal comma with the `;` separator.

    French Excel expects `;` between fields and a decimal comma; it only reads UTF-8 correctly with a BOM.
    """
    if separator not in (",", ";"):
        raise ValueError(f"separator must be ',' or ';', not {separator!r}")
    text = csv_text(frame, separator, line_end="\r\n", decimal="," if separator == ";" else ".")
    return text.encode("utf-8-sig")


def render_csv(
    run: RunFolder | Path | str, separator: str = ",", cell: CellLabel = "name", language: Language = Language.FR
) -> dict[str, bytes]:
    """The two CSV exports, by file name: the rota in long form and the planner's grid, in `language`."""
    loaded = as_run(run)
    return {
        LONG_CSV: csv_bytes(as_text(long_frame(loaded, language), language), separator),
        GRID_CSV: csv_bytes(as_text(grid_frame(loaded, cell, language), language), separator),
    }


def render_exports(
    run: RunFolder | Path | str,
    formats: Iterable[ExportFormat | str],
    separator: str = ",",
    cell: CellLabel = "name",
    language: Language = Language.FR,
) -> dict[str, bytes]:
    """Every file of the requested export formats, by path relative to the export folder, rendered in memory."""
    loaded = as_run(run)
    files: dict[str, bytes] = {}
    for fmt in dict.fromkeys(ExportFormat(f) for f in formats):
        if fmt is ExportFormat.CSV:
            files.update(render_csv(loaded, separator, cell, language))
        elif fmt is ExportFormat.XLSX:
            files[XLSX_FILE] = render_xlsx(loaded, cell, language=language)
        else:
            files.update({f"{ICS_FOLDER}/{name}": data for name, data in render_ics(loaded).items()})
    return files


def export_run(
    run: RunFolder | Path | str,
    out: Path | str,
    formats: Iterable[ExportFormat | str] = tuple(ExportFormat),
    separator: str = ",",
    cell: CellLabel = "name",
    force: bool = False,
    language: Language = Language.FR,
) -> list[Path]:
    """Export a run folder's rota to `out`: rota_long.csv and rota_grid.csv, rota.xlsx, calendars/<id>.ics.

    Returns the paths written. Nothing is written when the run folder is unusable or, without `force`, when any
    target exists.
    """
    return write_files(out, render_exports(run, formats, separator, cell, language), force=force)
