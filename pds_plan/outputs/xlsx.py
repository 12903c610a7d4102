"""The rota as an Excel workbook: a summary sheet, the planner's grid month by month, and the rota in long form.

Every text goes into a string cell, neutralised against formula injection (io/spreadsheet.py): openpyxl would
otherwise store text beginning with `=` as a formula, and text such as `#N/A` as an error value.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pds_plan.io.run_folder import RunFolder
from pds_plan.io.spreadsheet import neutralise
from pds_plan.io.writers import atomic_write_bytes
from pds_plan.outputs.rota_tables import GRID_KEY_COLUMNS, CellLabel, as_run, grid_frame, long_frame

SUMMARY_SHEET = "Summary"
ROTA_SHEET = "Rota"
DATE_FORMAT = "ddd dd/mm/yyyy"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
DAY_PERIOD_FILL = PatternFill("solid", fgColor="FFF2CC")  # the daytime periods of weekends and holidays
TITLE_FONT = Font(bold=True, size=13)
MIN_WIDTH, MAX_WIDTH = 6, 45
SITE_COLUMN_WIDTH = 24


def month_sheet_name(date: str) -> str:
    """The grid sheet of a period's date: its month as YYYY-MM (sorts, and is a valid sheet name)."""
    return date[:7]


def cell_value(value: Any) -> Any:
    """What to store in a cell: numbers as numbers, text neutralised and cleared of characters XLSX forbids."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def put(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    """Write a value; text always as a string cell, never a formula or an error value."""
    cell = sheet.cell(row=row, column=column, value=cell_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _write_table(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]], first_row: int = 1) -> int:
    for column, title in enumerate(header, start=1):
        put(sheet, first_row, column, title)
        sheet.cell(row=first_row, column=column).font = HEADER_FONT
        sheet.cell(row=first_row, column=column).fill = HEADER_FILL
    row_number = first_row
    for row_number, row in enumerate(rows, start=first_row + 1):
        for column, value in enumerate(row, start=1):
            put(sheet, row_number, column, value)
    return row_number


def _fit_columns(sheet: Worksheet, minimum: int = MIN_WIDTH) -> None:
    """Column widths from the longest text in each column (dates as their displayed width), within limits."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = "ven. 01/01/2027" if isinstance(cell.value, dt.date) else str(cell.value)
            widths[cell.column] = max(widths.get(cell.column, 0), len(text))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, minimum), MAX_WIDTH)


def _print_setup(sheet: Worksheet) -> None:
    """Landscape A4, one page wide, header row repeated: planners print the month grid."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _grid_sheet(book: Workbook, name: str, grid: pd.DataFrame) -> None:
    sheet = book.create_sheet(name)
    rows = []
    for record in grid.itertuples(index=False):
        values = list(record)
        values[0] = dt.date.fromisoformat(values[0]) if _is_iso_date(values[0]) else values[0]
        rows.append(values)
    _write_table(sheet, list(grid.columns), rows)
    for row in range(2, len(rows) + 2):
        sheet.cell(row=row, column=1).number_format = DATE_FORMAT
        if sheet.cell(row=row, column=2).value != "night":
            for column in range(1, len(grid.columns) + 1):
                sheet.cell(row=row, column=column).fill = DAY_PERIOD_FILL
    sheet.freeze_panes = sheet.cell(row=2, column=len(GRID_KEY_COLUMNS) + 1)
    _fit_columns(sheet, minimum=8)
    header_lines = 1
    for column in range(len(GRID_KEY_COLUMNS) + 1, len(grid.columns) + 1):
        sheet.cell(row=1, column=column).alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(column)
        width = min(sheet.column_dimensions[letter].width, SITE_COLUMN_WIDTH)
        sheet.column_dimensions[letter].width = width
        header_lines = max(header_lines, math.ceil(len(str(sheet.cell(row=1, column=column).value)) / (width - 2)))
    sheet.row_dimensions[1].height = 15 * header_lines  # long site names wrap in the header row
    _print_setup(sheet)


def _is_iso_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _fairness_rows(summary: dict[str, Any]) -> list[list[Any]]:
    mine = summary.get("fairness") or {}
    greedy = summary.get("greedy_baseline") or {}
    baseline = greedy.get("fairness") or {}
    check = summary.get("rule_check") or {}
    return [
        ["Load spread, max/min per FTE-available day", mine.get("spread_ratio_max_min"),
         baseline.get("spread_ratio_max_min")],
        ["Load spread, normalised points", mine.get("spread_normalised_points"),
         baseline.get("spread_normalised_points")],
        ["Radiologists without duty", mine.get("radiologists_without_duty"),
         baseline.get("radiologists_without_duty")],
        ["Rule violations", check.get("violations"), greedy.get("rule_check_violations")],
        ["Uncovered periods", None, greedy.get("uncovered_periods")],
    ]  # fmt: skip


def _yes_no(value: Any) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _rule_check_text(violations: Any) -> str | None:
    if violations is None:
        return None
    return "no violation" if violations == 0 else f"{violations} violation(s)"


def _summary_sheet(book: Workbook, run: RunFolder) -> None:
    summary, manifest = run.summary, run.manifest
    sheet = book.create_sheet(SUMMARY_SHEET, 0)
    horizon = summary.get("horizon") or {}
    check = summary.get("rule_check") or {}
    violations = check.get("violations")
    versions = manifest.get("versions") or {}
    put(sheet, 1, 1, f"PDS rota — {summary.get('scenario') or manifest.get('scenario') or run.path.name}")
    sheet.cell(row=1, column=1).font = TITLE_FONT
    facts: list[list[Any]] = [
        ["Scenario", summary.get("scenario")],
        ["Horizon", f"{horizon.get('start', '?')} to {horizon.get('end', '?')}"],
        ["Method", summary.get("method")],
        ["Solver status", summary.get("status")],
        ["Proven optimal", _yes_no(summary.get("proven_optimal"))],
        ["Note", summary.get("note")],
        ["Objective", summary.get("objective")],
        ["Best bound", summary.get("best_bound")],
        ["Gap", summary.get("gap")],
        ["Solve time (s)", summary.get("wall_time_seconds")],
        ["Site-periods assigned", summary.get("assignments")],
        ["Rule check", _rule_check_text(violations)],
        ["Seed", manifest.get("seed")],
        ["pds-plan version", versions.get("pds-plan")],
        ["Run folder", run.path.name],
    ]  # fmt: skip
    last = _write_table(sheet, ["Run", "Value"], facts, first_row=3)
    for row in range(4, last + 1):
        if sheet.cell(row=row, column=1).value == "Gap" and isinstance(sheet.cell(row=row, column=2).value, float):
            sheet.cell(row=row, column=2).number_format = "0.0%"
        sheet.cell(row=row, column=2).alignment = Alignment(horizontal="left")
    start = last + 2
    last = _write_table(sheet, ["Fairness", "This rota", "Greedy baseline"], _fairness_rows(summary), start)
    messages = list(check.get("messages") or [])
    if messages:
        _write_table(sheet, ["Rule violations (first 50)"], ([m] for m in messages), last + 2)
    sheet.freeze_panes = "A2"
    _fit_columns(sheet, minimum=14)
    sheet.column_dimensions["A"].width = 44


def _rota_sheet(book: Workbook, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(ROTA_SHEET)
    rows = []
    for record in frame.itertuples(index=False):
        values = list(record)
        values[0] = dt.date.fromisoformat(values[0]) if _is_iso_date(values[0]) else values[0]
        rows.append(values)
    last = _write_table(sheet, list(frame.columns), rows)
    for row in range(2, last + 1):
        sheet.cell(row=row, column=1).number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(frame.columns), 1))}{last}"
    _fit_columns(sheet)


def workbook(run: RunFolder | Path | str, cell: CellLabel = "name") -> Workbook:
    """The workbook of a run: Summary, one grid sheet per month (YYYY-MM), and Rota (rota.csv, filterable).

    A grid sheet has a row per date and period and a column per site; its cells hold the radiologist's name (or id,
    with `cell="id"`), exactly as in rota.csv but neutralised. The date column holds real dates, so that Excel
    sorts and filters them; the first row and the date, period and time columns stay in view when scrolling.
    """
    loaded = as_run(run)
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    _summary_sheet(book, loaded)
    grid = grid_frame(loaded, cell)
    months = grid["date"].map(month_sheet_name) if len(grid) else pd.Series([], dtype=str)
    for month in sorted(set(months)):
        _grid_sheet(book, month, grid[months == month])
    _rota_sheet(book, long_frame(loaded))
    return book


def render_xlsx(run: RunFolder | Path | str, cell: CellLabel = "name") -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook(run, cell).save(buffer)
    return buffer.getvalue()


def write_xlsx(run: RunFolder | Path | str, path: Path | str, cell: CellLabel = "name", force: bool = False) -> Path:
    """Write the workbook atomically; an existing file is only replaced with `force`."""
    return atomic_write_bytes(Path(path), render_xlsx(run, cell), force=force)
