"""Read a rota into assignments, with located errors: ours, or one a planner edited or made by hand in Excel.

`load_rota` takes the three shapes planners hand back, told apart by their content, not their name:

- the long form (rota.csv, rota_long.csv): one row per site and period, columns date, period, site_id,
  radiologist_id; when site_name or radiologist_name are there too, they must be the names of those ids, since a
  planner who retypes a name without its id would otherwise see the rota checked for somebody else;
- the planner's grid (rota_grid.csv of `pds-plan export`): one row per date and period, one column per site (its
  name, or its id), the radiologist's name or id in each cell;
- an Excel workbook (.xlsx): its sheet in long form (the Rota sheet of the export) when it has one, else its grid
  sheets (one per month in the export).

CSV files are read as `pds_plan.io.tables` reads every input (`,` or `;`, UTF-8 or Windows-1252, DD/MM/YYYY),
and text the exports quoted against spreadsheet formulas is restored (io/spreadsheet.py), in workbooks too.
Periods may be named in French (nuit, samedi, dimanche/férié), in any case and with or without accents, and so
may the columns: the export writes its headings for people ("Période", "Identifiant du site"). Every
problem of the file is reported at once, each with its row and column; a row with fewer fields than the header (a
file cut short) is one error naming the row, rather than the uncovered periods it would otherwise leave.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ValidationError

from pds_plan.domain.model import PeriodKind, Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.schemas import PinRow
from pds_plan.io.spreadsheet import restore
from pds_plan.io.tables import (
    Date,
    Findings,
    LoadedTable,
    OptionalText,
    Row,
    RowT,
    decode,
    iter_row_errors,
    load_table,
    normalise_column,
    sniff_separator,
)

XLSX_SUFFIXES = (".xlsx", ".xlsm")
LONG_COLUMNS = ("date", "period", "site_id", "radiologist_id")
GRID_KEY_COLUMNS = ("date", "period", "start", "end")  # the grid's columns that are not sites (outputs/exports.py)
GRID_SEPARATOR = " / "  # two readers in one grid cell, as the export writes an edited rota that has them
T = TypeVar("T")

_PERIOD_WORDS = {
    PeriodKind.NIGHT: ("night", "nuit", "nuits"),
    PeriodKind.SATURDAY: ("saturday", "saturday_afternoon", "samedi", "samedi_apres_midi", "samedi_am"),
    PeriodKind.SUNDAY_HOLIDAY: (
        "sunday_holiday",
        "sunday",
        "holiday",
        "sunday_or_holiday",
        "dimanche",
        "ferie",
        "jour_ferie",
        "dimanche_ferie",
        "dimanche_et_ferie",
        "dimanche_ou_ferie",
        "dimanche_jour_ferie",
        "dimanche_et_jour_ferie",
    ),
}
PERIOD_ALIASES = {word: kind for kind, words in _PERIOD_WORDS.items() for word in words}
# Column headings the export writes for people (outputs/rota_tables.py), French and English, as `_plain` makes them.
_COLUMN_WORDS = {
    "date": ("date",),
    "period": ("period", "periode"),
    "site_id": ("site_id", "identifiant_du_site"),
    "radiologist_id": ("radiologist_id", "identifiant_du_radiologue"),
    "start": ("start", "debut"),
    "end": ("end", "fin"),
    "site_name": ("site_name", "site"),
    "radiologist_name": ("radiologist_name", "radiologist", "radiologue"),
}
COLUMN_ALIASES = {word: column for column, words in _COLUMN_WORDS.items() for word in words}


def _plain(text: str) -> str:
    """Text compared loosely: no accents, no case, and any run of spaces or punctuation as one `_`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", bare).strip("_")


def column_id(heading: str) -> str:
    """The column a heading stands for ("Période" is period), else the heading normalised as `load_table` does."""
    return COLUMN_ALIASES.get(_plain(heading), normalise_column(heading))


def parse_period(value: Any) -> PeriodKind:
    """A period kind from its English or French name ("Dimanche/Férié", "nuit"), loosely."""
    if isinstance(value, PeriodKind):
        return value
    text = str(value).strip()
    if not text:
        raise ValueError("is empty: expected night, saturday or sunday_holiday (nuit, samedi, dimanche/férié)")
    kind = PERIOD_ALIASES.get(_plain(text))
    if kind is None:
        raise ValueError(
            f"'{text}' is not a PDS period: expected night, saturday or sunday_holiday (nuit, samedi, dimanche/férié)"
        )
    return kind


RotaPeriod = Annotated[PeriodKind, BeforeValidator(parse_period)]


class RotaRow(PinRow):
    """A row of a rota in long form: the columns of a pin, and the names a planner reads (others are ignored)."""

    period: RotaPeriod  # PinRow's, with the French names planners write
    site_name: OptionalText = None
    radiologist_name: OptionalText = None


class GridKeyRow(Row):
    """The date and period of a grid row; the other columns are sites."""

    date: Date
    period: RotaPeriod


def same_name(written: str, expected: str) -> bool:
    """Names that differ only in case, spacing or Unicode form are the same name."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(written) == norm(expected)


# --- the entry point -----------------------------------------------------------------------------------------------


def load_rota(path: Path | str, scenario: Scenario) -> list[Assignment]:
    """The assignments of a rota file in any of the shapes of the module docstring; InputError with every problem,
    located by file, row and column, when the file cannot be read as a rota of this scenario."""
    path = Path(path)
    if path.suffix.lower() in XLSX_SUFFIXES:
        return _load_workbook(path, scenario)
    name = display_path(path)
    try:
        header = _csv_header(path)
    except ValueError as error:
        raise InputError([Problem(name, str(error))]) from None
    if header is not None and "date" in header and "period" in header and not {"site_id", "radiologist_id"} & header:
        return _load_grid_csv(path, scenario)
    return _load_long_csv(path, scenario)


def _csv_header(path: Path) -> set[str] | None:
    """The normalised column names of a CSV file (None when it has no line at all: `load_table` says so)."""
    try:
        text, _ = decode(path.read_bytes())
    except FileNotFoundError as error:
        raise ValueError("file not found") from error
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror})") from error
    line = next((line for line in text.splitlines() if line.strip()), None)
    if line is None:
        return None
    return {column_id(c) for c in next(csv.reader([line], delimiter=sniff_separator(line)))}


def _short_rows(path: Path) -> dict[int, tuple[int, int]]:
    """Rows with fewer fields than the header (line → fields, header fields), numbered as `load_table` numbers them.

    `load_table` fills missing fields with empty text, which for a rota reads as periods nobody covers."""
    try:
        text, _ = decode(path.read_bytes())
    except (OSError, ValueError):
        return {}  # load_table reports the unreadable file
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        return {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_separator(header_line), strict=True)
    expected: int | None = None
    short: dict[int, tuple[int, int]] = {}
    line_before = 0
    while True:
        first_line = line_before + 1
        try:
            record = next(reader)
        except (StopIteration, csv.Error):  # a broken quote is load_table's to report
            break
        line_before = reader.line_num
        if not any(value.strip() for value in record):
            continue
        if expected is None:
            expected = len(record)
        elif len(record) < expected:
            short[first_line] = (len(record), expected)
    return short


def _table_problems(path: Path, findings: Findings) -> tuple[list[Problem], frozenset[int]]:
    """The problems of a CSV file, a short row being one problem in place of the empty fields it leaves; and the
    lines of the short rows, whose values are not what the planner meant."""
    name = display_path(path)
    short = _short_rows(path)
    problems = [p for p in findings.errors if not (p.file == name and p.row in short)]
    for line, (fields, expected) in sorted(short.items()):
        problems.append(
            Problem(
                name,
                f"has {fields} of the header's {expected} fields: the row is cut short (a file saved or copied "
                "incompletely?) or a separator is missing",
                line,
            )
        )
    return sorted(problems, key=lambda p: (p.row or 0, p.column or "")), frozenset(short)


def _load_table(path: Path, schema: type[RowT], findings: Findings) -> LoadedTable[RowT]:
    """`load_table`, with the export's headings for people ("Période", "Début") read as the columns they stand for;
    a problem names the column as the file heads it."""
    try:
        headings: list[str] | None = _grid_header(path)
    except (OSError, ValueError, StopIteration):
        headings = None  # load_table reports an unreadable or empty file
    return load_table(path, schema, findings, column_id=column_id, headings=headings)


# --- long form ---------------------------------------------------------------------------------------------------


def _load_long_csv(path: Path, scenario: Scenario) -> list[Assignment]:
    findings = Findings()
    table = _load_table(path, RotaRow, findings)
    if table.failed:
        raise InputError(findings.errors)
    problems, short = _table_problems(path, findings)
    return _finish(display_path(path), table.rows, scenario, problems, short)


def _finish(
    name: str,
    rows: Iterable[tuple[int, RotaRow]],
    scenario: Scenario,
    problems: list[Problem],
    skip: frozenset[int] = frozenset(),
) -> list[Assignment]:
    """Assignments of validated long-form rows (but the `skip` lines), once their ids are known and their names
    agree with them; InputError with `problems` and those found here."""
    problems = list(problems)
    assignments = []
    for line, row in rows:
        if line in skip:
            continue
        problems += _reference_problems(name, line, row, scenario)
        assignments.append(Assignment(row.date, row.period, row.site_id, row.radiologist_id))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "")))
    return assignments


def _reference_problems(name: str, line: int, row: RotaRow, scenario: Scenario) -> list[Problem]:
    found = []
    site = _known(scenario.site, row.site_id)
    radiologist = _known(scenario.radiologist, row.radiologist_id)
    if site is None:
        found.append(Problem(name, f"unknown site '{row.site_id}' (not in the scenario)", line, "site_id"))
    elif row.site_name is not None and not same_name(row.site_name, site.name):
        found.append(
            Problem(
                name,
                f"'{row.site_name}' is not the name of site {row.site_id}: expected '{site.name}' (change site_id "
                "together with the name)",
                line,
                "site_name",
            )
        )
    if radiologist is None:
        found.append(
            Problem(name, f"unknown radiologist '{row.radiologist_id}' (not in the scenario)", line, "radiologist_id")
        )
    elif row.radiologist_name is not None and not same_name(row.radiologist_name, radiologist.name):
        found.append(
            Problem(
                name,
                f"'{row.radiologist_name}' is not the name of radiologist {row.radiologist_id}: expected "
                f"'{radiologist.name}' (change radiologist_id together with the name)",
                line,
                "radiologist_name",
            )
        )
    return found


def _known(lookup: Callable[[str], T], key: str) -> T | None:
    try:
        return lookup(key)
    except KeyError:
        return None


# --- the planner's grid ------------------------------------------------------------------------------------------


class _Lookup:
    """Sites by grid column header and radiologists by grid cell: id, or name when no two share it."""

    def __init__(self, scenario: Scenario) -> None:
        self.sites: dict[str, str | None] = {}
        for s in scenario.sites:
            for label in (s.name, f"{s.name} ({s.site_id})"):
                key = _plain(label)
                self.sites[key] = None if self.sites.get(key, s.site_id) != s.site_id else s.site_id
        for s in scenario.sites:  # an id wins over another site's name
            self.sites[_plain(s.site_id)] = s.site_id
        self.ids = {r.radiologist_id for r in scenario.radiologists}
        self.names: dict[str, list[str]] = {}
        for r in scenario.radiologists:
            self.names.setdefault(_name_key(r.name), []).append(r.radiologist_id)

    def site(self, label: str) -> str | None:
        return self.sites.get(_plain(label))

    def radiologist(self, cell: str) -> tuple[str | None, str]:
        """The radiologist of a cell, or None and why not."""
        text = cell
        if text in self.ids:
            return text, ""
        matches = self.names.get(_name_key(text), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"'{text}' is the name of {len(matches)} radiologists ({', '.join(matches)}): write the id"
        return None, f"'{text}' is neither the name nor the id of a radiologist of the scenario"


def _name_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _grid_assignments(
    name: str,
    header: list[str],
    records: Iterable[tuple[int, dict[str, str], tuple[dt.date, PeriodKind] | None]],
    scenario: Scenario,
    problems: list[Problem],
) -> list[Assignment]:
    """Assignments of grid rows (line, cells by header, date and period when they parsed); problems appended."""
    lookup = _Lookup(scenario)
    site_columns: dict[str, str] = {}
    for label in header:
        if not label.strip() or column_id(label) in GRID_KEY_COLUMNS:
            continue
        site = lookup.site(label)
        if site is None:
            problems.append(
                Problem(name, "is not a site of the scenario: a grid column is headed by a site's name or id", 1, label)
            )
        else:
            site_columns[label] = site
    assignments = []
    for line, cells, key in records:
        for label, site in site_columns.items():
            for text in (part.strip() for part in cells.get(label, "").split(GRID_SEPARATOR)):
                if not text:
                    continue
                radiologist, why = lookup.radiologist(text)
                if radiologist is None:
                    problems.append(Problem(name, why, line, label))
                elif key is not None:
                    assignments.append(Assignment(key[0], key[1], site, radiologist))
    return assignments


def _load_grid_csv(path: Path, scenario: Scenario) -> list[Assignment]:
    findings = Findings()
    table = _load_table(path, GridKeyRow, findings)
    name = display_path(path)
    if table.failed:
        raise InputError(findings.errors)
    problems, short = _table_problems(path, findings)
    keys = {line: (row.date, row.period) for line, row in table.rows}
    written = _grid_header(path)
    header = [restore(label) for label in written]  # load_table restores the cells, not the column names
    records = [
        (line, {restore(label): values.get(column_id(label), "") for label in written}, keys.get(line))
        for line, values in table.raw
        if line not in short
    ]
    assignments = _grid_assignments(name, header, records, scenario, problems)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return assignments


def _grid_header(path: Path) -> list[str]:
    """The grid's column headers as written (site names keep their case and accents for the messages)."""
    text, _ = decode(path.read_bytes())
    line = next(line for line in text.splitlines() if line.strip())
    return [c.strip().strip("\ufeff").strip() for c in next(csv.reader([line], delimiter=sniff_separator(line)))]


# --- Excel workbooks ---------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheets(path: Path) -> Iterator[tuple[str, list[tuple[int, list[str]]]]]:
    """Each sheet's non-blank rows as text, with their row numbers."""
    from openpyxl import load_workbook  # imported here: only workbooks need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as error:
        raise InputError([Problem(display_path(path), "file not found")]) from error
    except Exception as error:  # openpyxl raises many kinds on a file that is not a workbook
        raise InputError([Problem(display_path(path), f"is not a readable .xlsx workbook ({error})")]) from None
    try:
        for sheet in book.worksheets:
            rows = [
                (number, [_cell_text(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                if any(v is not None and str(v).strip() for v in values)
            ]
            yield sheet.title, [(number, [restore(v) for v in values]) for number, values in rows]
    finally:
        book.close()


def _load_workbook(path: Path, scenario: Scenario) -> list[Assignment]:
    """The workbook's first sheet in long form, else all its grid sheets (the export has both: one is enough)."""
    name = display_path(path)
    sheets = list(_sheets(path))
    headed = [(title, rows[0][1], rows[1:]) for title, rows in sheets if rows]
    for title, header, rows in headed:
        columns = [column_id(c) for c in header]
        if set(LONG_COLUMNS) <= set(columns):
            return _long_sheet(f"{name} (sheet {title})", columns, rows, scenario)
    grids = [
        (title, header, rows)
        for title, header, rows in headed
        if {"date", "period"} <= {column_id(c) for c in header}
        and any(column_id(c) not in GRID_KEY_COLUMNS for c in header if c)
    ]
    if not grids:
        raise InputError(
            [
                Problem(
                    name,
                    "no sheet holds a rota: expected one with columns date, period, site_id, radiologist_id, or grid "
                    "sheets with columns date, period and one per site",
                )
            ]
        )
    problems: list[Problem] = []
    assignments: list[Assignment] = []
    for title, header, rows in grids:
        where = f"{name} (sheet {title})"
        columns = [column_id(c) for c in header]
        records = []
        for number, values in rows:
            cells = dict(zip(header, values, strict=False))
            keys = {c: v for c, v in zip(columns, values, strict=False) if c in ("date", "period")}
            try:
                key_row = GridKeyRow.model_validate(keys)
                key: tuple[dt.date, PeriodKind] | None = (key_row.date, key_row.period)
            except ValidationError as error:
                problems += [Problem(where, m, number, c) for c, m in iter_row_errors(error)]
                key = None
            records.append((number, cells, key))
        assignments += _grid_assignments(where, header, records, scenario, problems)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "")))
    return assignments


def _long_sheet(
    where: str, columns: list[str], rows: list[tuple[int, list[str]]], scenario: Scenario
) -> list[Assignment]:
    known = set(RotaRow.model_fields)
    problems: list[Problem] = []
    valid: list[tuple[int, RotaRow]] = []
    for number, values in rows:
        cells = {c: v for c, v in zip(columns, values, strict=False) if c in known}
        present = {c: v for c, v in cells.items() if v != "" or RotaRow.model_fields[c].is_required()}
        for column in LONG_COLUMNS:
            present.setdefault(column, "")
        try:
            valid.append((number, RotaRow.model_validate(present)))
        except ValidationError as error:
            problems += [Problem(where, m, number, c) for c, m in iter_row_errors(error)]
    return _finish(where, valid, scenario, problems)
