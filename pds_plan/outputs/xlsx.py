"""The rota as an Excel workbook: a summary sheet, the planner's grid month by month, and the rota in long form.

It is for people, French by default and English on request: sheet names ("Synthèse", "janvier 2027", "Planning"),
headings, period names and labels in that language; dates and numbers stay real cells, so that the spreadsheet
sorts and computes them, displayed in that language's way (a locale code in the date format). `pds-plan check`
reads the workbook back in either language (io/rota.py knows the headings and period names).

Every text goes into a string cell, neutralised against formula injection (io/spreadsheet.py): openpyxl would
otherwise store text beginning with `=` as a formula, and text such as `#N/A` as an error value.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from babel.dates import format_skeleton
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pds_plan.domain.language import SOLVER_WORDS, Language, number, period_word, short_date
from pds_plan.io.run_folder import RunFolder
from pds_plan.io.spreadsheet import neutralise
from pds_plan.io.writers import atomic_write_bytes
from pds_plan.outputs.rota_tables import GRID_KEY_COLUMNS, CellLabel, as_run, grid_frame, long_frame

# A locale code in the number format makes Excel and LibreOffice write the weekday in the workbook's language
# ("lun." / "Mon") whatever the language of the application.
LOCALE_CODES = {Language.FR: "[$-40C]", Language.EN: "[$-809]"}
PERCENT_FORMATS = {Language.FR: "0.0 %", Language.EN: "0.0%"}  # French typography: a space before %
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
DAY_PERIOD_FILL = PatternFill("solid", fgColor="FFF2CC")  # the daytime periods of weekends and holidays
TITLE_FONT = Font(bold=True, size=13)
MIN_WIDTH, MAX_WIDTH = 6, 45
SITE_COLUMN_WIDTH = 24


WORDS: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {
        **SOLVER_WORDS[Language.FR],
        "summary_sheet": "Synthèse",
        "rota_sheet": "Planning",
        "title": "Planning PDS — {name}",
        "run": "Calcul",
        "value": "Valeur",
        "scenario": "Scénario",
        "horizon": "Période couverte",
        "horizon_value": "du {start} au {end}",
        "method": "Méthode",
        "status": "Statut de l'optimiseur",
        "note": "Remarque",
        "wall_time": "Temps de calcul (s)",
        "assignments": "Périodes de site attribuées",
        "rule_check": "Contrôle des règles",
        "seed": "Graine",
        "version": "Version de pds-plan",
        "run_folder": "Dossier du run",
        "fairness": "Équité",
        "this_rota": "Ce planning",
        "baseline": "Planning type tableur (référence)",
        "spread_ratio": "Écart de charge max/min par jour ETP disponible",
        "spread_points": "Écart de charge en points normalisés",
        "without_duty": "Radiologues sans astreinte",
        "violations": "Violations des règles",
        "uncovered": "Périodes non couvertes",
        "messages": "Violations des règles (50 premières)",
        "yes": "oui",
        "no": "non",
        "violations_0": "aucune violation",
        "violations_1": "1 violation",
        "violations_n": "{n} violations",
        "method.greedy": "planning type tableur (référence)",
        "method.cpsat": "optimisation (CP-SAT)",
        "status.OPTIMAL": "optimal",
        "status.FEASIBLE": "solution trouvée",
        "status.UNKNOWN": "aucune solution prouvée",
        "status.INFEASIBLE": "aucun planning possible",
        "status.GREEDY_COMPLETE": "planning type tableur",
        "status.GREEDY_INCOMPLETE": "planning type tableur incomplet",
        "status.GREEDY_FALLBACK": "repli sur le planning type tableur",
    },
    Language.EN: {
        **SOLVER_WORDS[Language.EN],
        "summary_sheet": "Summary",
        "rota_sheet": "Rota",
        "title": "PDS rota — {name}",
        "run": "Run",
        "value": "Value",
        "scenario": "Scenario",
        "horizon": "Horizon",
        "horizon_value": "{start} to {end}",
        "method": "Method",
        "status": "Solver status",
        "note": "Note",
        "wall_time": "Solve time (s)",
        "assignments": "Site-periods assigned",
        "rule_check": "Rule check",
        "seed": "Seed",
        "version": "pds-plan version",
        "run_folder": "Run folder",
        "fairness": "Fairness",
        "this_rota": "This rota",
        "baseline": "Spreadsheet-style rota (baseline)",
        "spread_ratio": "Load spread, max/min per FTE-available day",
        "spread_points": "Load spread, normalised points",
        "without_duty": "Radiologists without duty",
        "violations": "Rule violations",
        "uncovered": "Uncovered periods",
        "messages": "Rule violations (first 50)",
        "yes": "yes",
        "no": "no",
        "violations_0": "no violation",
        "violations_1": "1 violation",
        "violations_n": "{n} violations",
        "method.greedy": "spreadsheet-style rota (baseline)",
        "method.cpsat": "optimisation (CP-SAT)",
        "status.OPTIMAL": "optimal",
        "status.FEASIBLE": "solution found",
        "status.UNKNOWN": "no proven solution",
        "status.INFEASIBLE": "no rota possible",
        "status.GREEDY_COMPLETE": "spreadsheet-style rota",
        "status.GREEDY_INCOMPLETE": "spreadsheet-style rota, incomplete",
        "status.GREEDY_FALLBACK": "fell back on the spreadsheet-style rota",
    },
}


def date_format(language: Language = Language.FR) -> str:
    return LOCALE_CODES[language] + "ddd dd/mm/yyyy"


def time_format(language: Language = Language.FR) -> str:
    return LOCALE_CODES[language] + "dd/mm/yyyy hh:mm"


def month_sheet_name(date: dt.date | str, language: Language = Language.FR) -> str:
    """The grid sheet of a period's date: its month in words ("janvier 2027"), a valid sheet name in both languages.

    The sheets come in time order, so that the name need not sort: it is for reading."""
    day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date)[:10])
    return format_skeleton("yMMMM", day, locale=language.locale)


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
            if isinstance(cell.value, dt.datetime):
                text = "01/01/2027 18:30"
            elif isinstance(cell.value, dt.date):
                text = "ven. 01/01/2027"
            else:
                text = str(cell.value)
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


def _grid_sheet(book: Workbook, name: str, grid: pd.DataFrame, language: Language) -> None:
    sheet = book.create_sheet(name)
    rows = [list(record) for record in grid.itertuples(index=False)]
    _write_table(sheet, list(grid.columns), rows)
    night = period_word("night", language)
    for row in range(2, len(rows) + 2):
        sheet.cell(row=row, column=1).number_format = date_format(language)
        if sheet.cell(row=row, column=2).value != night:
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


def _fairness_rows(summary: dict[str, Any], words: Mapping[str, str]) -> list[list[Any]]:
    mine = summary.get("fairness") or {}
    greedy = summary.get("greedy_baseline") or {}
    baseline = greedy.get("fairness") or {}
    check = summary.get("rule_check") or {}
    return [
        [words["spread_ratio"], mine.get("spread_ratio_max_min"), baseline.get("spread_ratio_max_min")],
        [words["spread_points"], mine.get("spread_normalised_points"), baseline.get("spread_normalised_points")],
        [words["without_duty"], mine.get("radiologists_without_duty"), baseline.get("radiologists_without_duty")],
        [words["violations"], check.get("violations"), greedy.get("rule_check_violations")],
        [words["uncovered"], None, greedy.get("uncovered_periods")],
    ]


def _yes_no(value: Any, words: Mapping[str, str]) -> str | None:
    return None if value is None else words["yes" if value else "no"]


def _rule_check_text(violations: Any, language: Language) -> str | None:
    if not isinstance(violations, int | float):
        return None if violations is None else str(violations)
    if violations in (0, 1):
        return WORDS[language][f"violations_{int(violations)}"]
    return WORDS[language]["violations_n"].format(n=number(violations, language))


def _horizon_text(horizon: Mapping[str, Any], language: Language) -> str:
    """ "du 1 janv. 2027 au 31 mars 2027"; a date the summary holds in another form is shown as it is."""

    def day(value: Any) -> str:
        try:
            return short_date(dt.date.fromisoformat(str(value)), language)
        except ValueError:
            return "?" if value is None else str(value)

    return WORDS[language]["horizon_value"].format(start=day(horizon.get("start")), end=day(horizon.get("end")))


def _coded(words: Mapping[str, str], prefix: str, code: Any) -> Any:
    """A method or a status in words; a code the table does not know is shown as it is."""
    return words.get(f"{prefix}.{code}", code) if code is not None else None


def _summary_sheet(book: Workbook, run: RunFolder, language: Language) -> None:
    words = WORDS[language]
    summary, manifest = run.summary, run.manifest
    sheet = book.create_sheet(words["summary_sheet"], 0)
    horizon = summary.get("horizon") or {}
    check = summary.get("rule_check") or {}
    versions = manifest.get("versions") or {}
    name = summary.get("scenario") or manifest.get("scenario") or run.path.name
    put(sheet, 1, 1, words["title"].format(name=name))
    sheet.cell(row=1, column=1).font = TITLE_FONT
    # Solved in stages, the headline objective, bound and gap are the first stage's (optimise/stages.py).
    staged = "_stage" if summary.get("gap_of") == "largest_load" else ""
    facts: list[list[Any]] = [
        [words["scenario"], summary.get("scenario")],
        [words["horizon"], _horizon_text(horizon, language)],
        [words["method"], _coded(words, "method", summary.get("method"))],
        [words["status"], _coded(words, "status", summary.get("status"))],
        [words["proven"], _yes_no(summary.get("proven_optimal"), words)],
        [words["note"], summary.get("note")],
        [words[f"objective{staged}"], summary.get("objective")],
        [words[f"bound{staged}"], summary.get("best_bound")],
        [words[f"gap{staged}"], summary.get("gap")],
        [words["wall_time"], summary.get("wall_time_seconds")],
        [words["assignments"], summary.get("assignments")],
        [words["rule_check"], _rule_check_text(check.get("violations"), language)],
        [words["seed"], manifest.get("seed")],
        [words["version"], versions.get("pds-plan")],
        [words["run_folder"], run.path.name],
    ]
    last = _write_table(sheet, [words["run"], words["value"]], facts, first_row=3)
    for row in range(4, last + 1):
        value = sheet.cell(row=row, column=2)
        # JSON may hold a gap of 100 % as the integer 1: a percentage either way, never a bare "1".
        if sheet.cell(row=row, column=1).value == words[f"gap{staged}"] and isinstance(value.value, int | float):
            value.number_format = PERCENT_FORMATS[language]
        value.alignment = Alignment(horizontal="left")
    start = last + 2
    header = [words["fairness"], words["this_rota"], words["baseline"]]
    last = _write_table(sheet, header, _fairness_rows(summary, words), start)
    messages = list(check.get("messages") or [])
    if messages:
        _write_table(sheet, [words["messages"]], ([m] for m in messages), last + 2)
    sheet.freeze_panes = "A2"
    _fit_columns(sheet, minimum=14)
    sheet.column_dimensions["A"].width = 44


def _rota_sheet(book: Workbook, frame: pd.DataFrame, language: Language) -> None:
    sheet = book.create_sheet(WORDS[language]["rota_sheet"])
    rows = [list(record) for record in frame.itertuples(index=False)]
    last = _write_table(sheet, list(frame.columns), rows)
    # One pass over the rows: sheet[row] finds the last column by scanning every cell, each time (openpyxl), which
    # took five minutes on a synthetic year's 28,581 rows.
    for cells in sheet.iter_rows(min_row=2, max_row=last, max_col=max(len(frame.columns), 1)):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = time_format(language)
            elif isinstance(cell.value, dt.date):
                cell.number_format = date_format(language)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(frame.columns), 1))}{last}"
    _fit_columns(sheet)


def workbook(run: RunFolder | Path | str, cell: CellLabel = "name", language: Language = Language.FR) -> Workbook:
    """The workbook of a run: a summary sheet, one grid sheet per month in time order ("janvier 2027"), and the
    rota in long form (rota.csv's rows, filterable); named in `language` ("Synthèse", "Planning" in French).

    A grid sheet has a row per date and period and a column per site; its cells hold the radiologist's name (or id,
    with `cell="id"`), exactly as in rota.csv but neutralised. The date column holds real dates, so that Excel
    sorts and filters them; the first row and the date, period and time columns stay in view when scrolling.
    """
    loaded = as_run(run)
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    _summary_sheet(book, loaded, language)
    grid = grid_frame(loaded, cell, language)
    months = [(day.year, day.month) for day in grid.iloc[:, 0]]  # the date column, whatever its heading
    for year, month in sorted(set(months)):
        rows = [m == (year, month) for m in months]
        _grid_sheet(book, month_sheet_name(dt.date(year, month, 1), language), grid[rows], language)
    _rota_sheet(book, long_frame(loaded, language), language)
    return book


def render_xlsx(run: RunFolder | Path | str, cell: CellLabel = "name", language: Language = Language.FR) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook(run, cell, language).save(buffer)
    return buffer.getvalue()


def write_xlsx(
    run: RunFolder | Path | str,
    path: Path | str,
    cell: CellLabel = "name",
    force: bool = False,
    language: Language = Language.FR,
) -> Path:
    """Write the workbook atomically; an existing file is only replaced with `force`."""
    return atomic_write_bytes(Path(path), render_xlsx(run, cell, language), force=force)
