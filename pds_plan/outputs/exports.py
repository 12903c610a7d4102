"""Tabular exports: CSV files written atomically, and the rota of a run folder as files planners can open.

`export_run` is the entry point of `pds-plan export`: the rota in long form and as a planner's grid (CSV), an Excel
workbook (outputs/xlsx.py) and one calendar per radiologist (outputs/calendar_ics.py). Every file is rendered in
memory first, so that an existing file (without `force`) or a bad run folder stops the export before anything is
written; each file is then written atomically.

Spreadsheet applications run a cell that begins with `=`, `+`, `-` or `@` as a formula, so a name typed into an
input file could become a link or a command in the planner's Excel ("CSV injection"). Every text cell of the CSV and
XLSX exports goes through `neutralise`, which puts a `'` in front of such text; numbers are left alone.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pds_plan.domain.calendar import Period
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.run_folder import RunFolder, load_run
from pds_plan.io.writers import atomic_write_bytes, atomic_write_text, refuse_to_overwrite

CellLabel = Literal["name", "id"]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    ICS = "ics"


LONG_CSV = "rota_long.csv"
GRID_CSV = "rota_grid.csv"
XLSX_FILE = "rota.xlsx"
ICS_FOLDER = "calendars"

ROTA_REQUIRED = ("date", "period", "site_id", "radiologist_id", "start", "end", "site_name", "radiologist_name")
BLOCKS_REQUIRED = ("radiologist_id", "radiologist_name", "start", "end", "periods", "sites")
GRID_KEY_COLUMNS = ["date", "period", "start", "end"]
NUMERIC_ROTA_COLUMNS = ("expected_exams",)

# OWASP's list: tab and carriage return also start a formula in some spreadsheet applications.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
DATE = "%Y-%m-%d"
LOCAL_TIME = "%Y-%m-%dT%H:%M"  # local Europe/Paris wall-clock time, as rota.csv and rota_by_radiologist.csv hold it
MAX_PROBLEMS = 20
PERIOD_ORDER = {"saturday": 0, "sunday_holiday": 0, "night": 1}


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
    text = frame.to_csv(index=False, sep=separator, lineterminator="\n")
    return atomic_write_text(path, text, force=force, encoding="utf-8-sig" if bom else "utf-8")


# --- formula injection -------------------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """`value` made inert for a spreadsheet: text beginning with a formula character gets a leading `'`.

    Only text is touched, and text that is a plain number ("-3.5", as read from a CSV) is left as it is: a
    spreadsheet reads it as a number, never as a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column header neutralised (numbers kept as numbers)."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe


# --- frames from a run folder ------------------------------------------------------------------------------------


def as_run(run: RunFolder | Path | str) -> RunFolder:
    """A loaded run folder, with the columns the exports rely on (InputError naming the missing ones)."""
    loaded = run if isinstance(run, RunFolder) else load_run(run)
    problems = [
        Problem(display_path(loaded.path / file), f"column '{column}' is missing")
        for file, frame, required in (
            ("rota.csv", loaded.rota, ROTA_REQUIRED),
            ("rota_by_radiologist.csv", loaded.blocks, BLOCKS_REQUIRED),
        )
        for column in required
        if column not in frame.columns
    ]
    if not problems:
        problems = _unreadable_times(loaded)
    if problems:
        raise InputError(problems)
    return loaded


def _unreadable_times(run: RunFolder) -> list[Problem]:
    """Dates and times the exports parse (grid months, calendar events), checked up front with their rows."""
    problems = []
    checks = (
        ("rota.csv", run.rota, "date", DATE),
        ("rota.csv", run.rota, "start", LOCAL_TIME),
        ("rota.csv", run.rota, "end", LOCAL_TIME),
        ("rota_by_radiologist.csv", run.blocks, "start", LOCAL_TIME),
        ("rota_by_radiologist.csv", run.blocks, "end", LOCAL_TIME),
    )
    for file, frame, column, layout in checks:
        for row, value in enumerate(frame[column], start=2):  # row 1 is the header
            try:
                dt.datetime.strptime(str(value), layout)
            except ValueError:
                example = dt.datetime(2027, 1, 31, 18, 30).strftime(layout)
                message = f"{value!r} is not a date or time written like {example}"
                problems.append(Problem(display_path(run.path / file), message, row, column))
                if len(problems) >= MAX_PROBLEMS:
                    return problems
    return problems


def long_frame(run: RunFolder | Path | str) -> pd.DataFrame:
    """The rota in long form: rota.csv's rows and columns, with its numeric columns as numbers."""
    frame = as_run(run).rota.copy()
    for column in NUMERIC_ROTA_COLUMNS:
        if column in frame.columns:
            numbers = pd.to_numeric(frame[column].replace("", None), errors="coerce")
            if numbers.notna().sum() == (frame[column] != "").sum():  # keep the text if anything is not a number
                frame[column] = numbers.astype(float)
    return frame


def site_labels(rota: pd.DataFrame) -> dict[str, str]:
    """Grid column header of each site, in column order: its name (sorted), with the id when two names clash."""
    names: dict[str, str] = {}
    for site, name in zip(rota["site_id"], rota["site_name"], strict=True):
        names.setdefault(str(site), str(name))
    counts = Counter(names.values())
    labels = {
        s: n if n and counts[n] == 1 and n not in GRID_KEY_COLUMNS else f"{n} ({s})".strip() for s, n in names.items()
    }
    return dict(sorted(labels.items(), key=lambda item: (_sort_key(item[1]), item[0])))


def _sort_key(text: str) -> str:
    """Alphabetical order as a French reader expects it: "CH Épinal" between "CH Bar-le-Duc" and "CH Verdun"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _clock(moment: str) -> str:
    return moment[11:16] if len(moment) >= 16 else moment


def grid_frame(run: RunFolder | Path | str, cell: CellLabel = "name") -> pd.DataFrame:
    """The planner's grid: one row per date and period, one column per site, the radiologist on call in each cell.

    Rows are in time order (the day period of a Saturday, Sunday or holiday before its night); `start` and `end`
    are local clock times, the end of a night being next morning. An empty cell means that the site has no such
    period that day (a Moselle holiday, say) or that nobody was put on it.
    """
    if cell not in ("name", "id"):
        raise ValueError(f"cell must be 'name' or 'id', not {cell!r}")
    rota = as_run(run).rota
    labels = site_labels(rota)
    value_column = "radiologist_name" if cell == "name" else "radiologist_id"
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for record in rota.to_dict("records"):
        key = (str(record["date"]), str(record["period"]))
        row = rows.setdefault(key, {"start": _clock(str(record["start"])), "end": _clock(str(record["end"]))})
        label = labels[str(record["site_id"])]
        value = str(record[value_column])
        # One radiologist per site and period in a valid rota; an edited rota with two keeps both, visibly.
        row[label] = f"{row[label]} / {value}" if label in row else value
    ordered = sorted(rows, key=lambda k: (k[0], PERIOD_ORDER.get(k[1], 2), rows[k]["start"], k[1]))
    columns = GRID_KEY_COLUMNS + list(labels.values())
    records = [{"date": d, "period": p, **rows[(d, p)]} for d, p in ordered]
    return pd.DataFrame(records, columns=columns).fillna("")


# --- rendering and writing ---------------------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame, separator: str = ",") -> bytes:
    """A frame as CSV for Excel: UTF-8 with BOM, formula text neutralised, decimal comma with the `;` separator.

    French Excel expects `;` between fields and a decimal comma; it only reads UTF-8 correctly with a BOM.
    """
    if separator not in (",", ";"):
        raise ValueError(f"separator must be ',' or ';', not {separator!r}")
    text = neutralise_frame(frame).to_csv(
        index=False, sep=separator, lineterminator="\r\n", decimal="," if separator == ";" else "."
    )
    return text.encode("utf-8-sig")


def render_csv(run: RunFolder | Path | str, separator: str = ",", cell: CellLabel = "name") -> dict[str, bytes]:
    """The two CSV exports, by file name: the rota in long form and the planner's grid."""
    loaded = as_run(run)
    return {
        LONG_CSV: csv_bytes(long_frame(loaded), separator),
        GRID_CSV: csv_bytes(grid_frame(loaded, cell), separator),
    }


def write_files(out: Path | str, files: Mapping[str, bytes], force: bool = False) -> list[Path]:
    """Write files (relative name → content) below `out`, each atomically.

    Every target is checked before the first is written, so that without `force` an existing file leaves the
    folder exactly as it was.
    """
    out = Path(out)
    targets = [(out / name, data) for name, data in files.items()]
    for path, _ in targets:
        refuse_to_overwrite(path, force)
    return [atomic_write_bytes(path, data, force=force) for path, data in targets]


def render_exports(
    run: RunFolder | Path | str,
    formats: Iterable[ExportFormat | str],
    separator: str = ",",
    cell: CellLabel = "name",
) -> dict[str, bytes]:
    """Every file of the requested export formats, by path relative to the export folder, rendered in memory."""
    from pds_plan.outputs.calendar_ics import render_ics  # imported here: those modules build on this one
    from pds_plan.outputs.xlsx import render_xlsx

    loaded = as_run(run)
    files: dict[str, bytes] = {}
    for fmt in dict.fromkeys(ExportFormat(f) for f in formats):
        if fmt is ExportFormat.CSV:
            files.update(render_csv(loaded, separator, cell))
        elif fmt is ExportFormat.XLSX:
            files[XLSX_FILE] = render_xlsx(loaded, cell)
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
) -> list[Path]:
    """Export a run folder's rota to `out`: rota_long.csv and rota_grid.csv, rota.xlsx, calendars/<id>.ics.

    Returns the paths written. Nothing is written when the run folder is unusable or, without `force`, when any
    target exists.
    """
    return write_files(out, render_exports(run, formats, separator, cell), force=force)
